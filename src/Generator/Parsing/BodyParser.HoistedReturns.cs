using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// An early <c>return</c> inside a layer's loops whose arm first writes outputs from values that outlive the loops,
    /// <c>if (s &gt; 2.5) { y[0] = s * s; return; }</c>: the arm only sets the method's return flag to a value of its own
    /// (2, 3, …) and its statements run once, after the outermost loop, under <c>if (returned == k)</c>. This is exact:
    /// once the flag is set nothing else in the loops runs (every iteration and every statement after an inner loop is
    /// guarded by the flag), so the values the arm reads are at the loop's exit what they were at the return. The
    /// outputs are then written outside the loops, so the loops no longer record on the tape, every iteration, the
    /// values those writes read. Only statements that read locals declared outside the outermost loop (no loop index,
    /// no local of an iteration), w, x, y, the type's data and Math calls are moved. Part of <see cref="BodyParser"/>.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>The outermost loop of the layer body being read, while its returns may be moved after it.</summary>
        private ILoopOperation? hoistingLoop;

        /// <summary>The returns moved after <see cref="hoistingLoop"/>: the value each sets the return flag to, and its statements.</summary>
        private List<(int Flag, List<IOperation> Statements)>? hoistedReturns;

        /// <summary>Parses <paramref name="loop"/>, the returns of its arms moved after it when it is the outermost loop of a layer body.</summary>
        private void LoopWithHoistedReturns(ILoopOperation loop, List<Stmt> into)
        {
            if (InLoop || kind != BodyKind.Layer || inlineFrames.Count > 0 || hoistingLoop is not null || !LoopTailsStayInside(loop))
            {
                Statement(loop, into, lastTopLevel: false);
                return;
            }

            hoistingLoop = loop;
            hoistedReturns = new List<(int, List<IOperation>)>();
            try
            {
                Statement(loop, into, lastTopLevel: false);
                foreach ((int flag, List<IOperation> statements) in hoistedReturns)
                {
                    var arm = new List<Stmt>();
                    scopes.Add(new ControlScope(null));
                    foreach (IOperation statement in statements)
                    {
                        Statement(statement, arm, lastTopLevel: false);
                    }

                    scopes.RemoveAt(scopes.Count - 1);
                    Expr moved = new Apply(Op.Equal, IrType.Bool, EquatableArray.Of<Expr>(new Local(returnFlag!, FlagType), new Literal(FlagType, flag)));
                    into.Add(new If(moved, EquatableArray.From(arm), EquatableArray<Stmt>.Empty));
                }
            }
            finally
            {
                hoistingLoop = null;
                hoistedReturns = null;
            }
        }

        /// <summary>
        /// For an arm <c>{ statements; return; }</c> inside the outermost loop whose statements can run after it: the
        /// assignment of the return flag that stands for the arm (the statements are kept to run after the loop); else null.
        /// </summary>
        private Stmt? HoistedReturn(IReadOnlyList<IOperation> arm)
        {
            // Inside a loop with no trip bound the arm returns in place: its return must also set that loop's stop flag.
            if (hoistingLoop is null || hoistedReturns is null || !InLoop || inlineFrames.Count > 0 || arm.Count < 2 || scopes.Any(s => s.UnboundedStop is not null) ||
                arm[arm.Count - 1] is not IReturnOperation { IsImplicit: false, ReturnedValue: null })
            {
                return null;
            }

            List<IOperation> statements = arm.Take(arm.Count - 1).ToList();
            if (!statements.All(s => s is IExpressionStatementOperation && Movable(s)))
            {
                return null;
            }

            int flag = hoistedReturns.Count + 2;
            hoistedReturns.Add((flag, statements));
            return new Assign(new Local(ReturnFlag(), FlagType), AssignKind.Assign, new Literal(FlagType, flag));
        }

        /// <summary>True when <paramref name="statement"/> reads and writes nothing the loops change after a return.</summary>
        private bool Movable(IOperation statement) =>
            !statement.DescendantsAndSelf().Any(o =>
                o is IDeclarationExpressionOperation or IBranchOperation or IReturnOperation or IParameterReferenceOperation { Parameter.RefKind: not RefKind.None } ||
                (o is IInvocationOperation invocation && invocation.TargetMethod.ContainingType?.ToDisplayString() is not ("System.Math" or "System.MathF")) ||
                (o is ILocalReferenceOperation { Local: var local } && DeclaredInside(local, hoistingLoop!.Syntax)));

        /// <summary>True when a for loop's step, anywhere in <paramref name="loop"/>, changes only locals of that loop.</summary>
        private static bool LoopTailsStayInside(ILoopOperation loop) =>
            loop.DescendantsAndSelf().OfType<IForLoopOperation>().All(f =>
                f.AtLoopBottom.SelectMany(o => o.DescendantsAndSelf()).OfType<ILocalReferenceOperation>().All(r => DeclaredInside(r.Local, f.Syntax)));

        private static bool DeclaredInside(ILocalSymbol local, SyntaxNode node) =>
            local.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == node.SyntaxTree && node.Span.Contains(r.Span));
    }
}
