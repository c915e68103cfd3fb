using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The first look at a body's operation tree, in one walk: whether it has errors, the locals it declares (their names
    /// are reserved), the int and bool locals it carries across loops and branches (<see cref="FindCarriedLocals"/>), and
    /// whether anything in it could jump (<c>return</c>, <c>break</c>, <c>continue</c>, <c>goto</c>). Each was a walk of
    /// its own over the whole tree, with a type test per interface at every node; this one switches on
    /// <see cref="IOperation.Kind"/>. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>What <see cref="Survey"/> found in a body.</summary>
        private readonly struct BodySurvey
        {
            public BodySurvey(bool hasErrors, List<ILocalSymbol> declared, bool mayJump)
            {
                HasErrors = hasErrors;
                Declared = declared;
                MayJump = mayJump;
            }

            /// <summary>An invalid operation or an operation of an error type (what <see cref="HasErrors"/> tests).</summary>
            public bool HasErrors { get; }

            /// <summary>The locals the body declares, in tree order.</summary>
            public List<ILocalSymbol> Declared { get; }

            /// <summary>A return, yield or branch operation somewhere: only then can <see cref="Jumps"/> hold for a part of the body.</summary>
            public bool MayJump { get; }
        }

        /// <summary>
        /// Walks <paramref name="block"/> once; with <paramref name="findCarried"/>, notes the carried locals as
        /// <see cref="FindCarriedLocals"/> does (only while no error has been seen: a body with errors is not read).
        /// </summary>
        private BodySurvey Survey(IOperation block, bool findCarried)
        {
            bool hasErrors = IsErrorNode(block);
            bool mayJump = false;
            var declared = new List<ILocalSymbol>();
            foreach (IOperation operation in block.Descendants())
            {
                switch (operation.Kind)
                {
                    case OperationKind.Invalid:
                        hasErrors = true;
                        break;
                    case OperationKind.VariableDeclarator:
                        declared.Add(((IVariableDeclaratorOperation)operation).Symbol);
                        break;
                    case OperationKind.SimpleAssignment:
                    case OperationKind.CompoundAssignment:
                    case OperationKind.Increment:
                    case OperationKind.Decrement:
                        if (findCarried && !hasErrors)
                        {
                            NoteCarried(operation);
                        }

                        break;
                    case OperationKind.Return:
                    case OperationKind.YieldReturn:
                    case OperationKind.YieldBreak:
                    case OperationKind.Branch:
                        mayJump = true;
                        break;
                }

                hasErrors |= operation.Type?.TypeKind == TypeKind.Error;
            }

            return new BodySurvey(hasErrors, declared, mayJump);
        }

        /// <summary>The test of <see cref="HasErrors"/> on one node.</summary>
        private static bool IsErrorNode(IOperation operation) =>
            operation.Kind == OperationKind.Invalid || operation.Type?.TypeKind == TypeKind.Error;
    }
}
