using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The rules every helper read in place of its call follows, whichever parameters it takes (scalars with out/ref in
    /// BodyParser.Inlining.cs, spans in BodyParser.SpanHelpers.cs): a call of a helper already being read, directly or
    /// through others of either kind, is recursion (MG0012); each call gives the helper's locals names of their own, and
    /// reserves the helper's local names first so that a parameter copy made before them cannot take one; the helper's
    /// statements are a top level of their own (its loops and branches are its scopes, a return ends the helper through
    /// a flag of this call, <see cref="JumpingSequence"/>), and the caller's state comes back after them. Part of
    /// <see cref="BodyParser"/>.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>True, after MG0012, when <paramref name="helper"/> is already being read in place of a call.</summary>
        private bool ReportedRecursion(IMethodSymbol helper, IOperation call)
        {
            if (!inlineFrames.Any(f => SymbolEqualityComparer.Default.Equals(f.Helper, helper)))
            {
                return false;
            }

            Report(DiagnosticDescriptors.Recursion, call.Syntax, helper.Name);
            return true;
        }

        /// <summary>A second call of one helper reads its locals again: they get fresh names, none of them taken by a name made before.</summary>
        private void ForgetHelperLocals(IOperation body)
        {
            IEnumerable<ILocalSymbol> declared = body.Descendants().OfType<IVariableDeclaratorOperation>().Select(d => d.Symbol);
            IEnumerable<ILocalSymbol> declaredInArguments = body.Descendants().OfType<IDeclarationExpressionOperation>()
                .Select(d => d.Expression).OfType<ILocalReferenceOperation>().Select(r => r.Local);
            foreach (ILocalSymbol local in declared.Concat(declaredInArguments))
            {
                localNames.Remove(local);
                declaredAtScope.Remove(local);
                rejectedLocals.Remove(local);
                perSampleSpans.Remove(local);
                reserved.Add(local.Name);
            }
        }

        /// <summary>What a helper's statements change and the caller gets back after them.</summary>
        private sealed class CallerState
        {
            public CallerState(ControlScope[] scopes, string? resultLocal, IrType? resultType, string? returnFlag, List<Stmt>? topLevel)
            {
                Scopes = scopes;
                ResultLocal = resultLocal;
                ResultType = resultType;
                ReturnFlag = returnFlag;
                TopLevel = topLevel;
            }

            public ControlScope[] Scopes { get; }

            public string? ResultLocal { get; }

            public IrType? ResultType { get; }

            public string? ReturnFlag { get; }

            public List<Stmt>? TopLevel { get; }
        }

        /// <summary>Starts reading a helper's statements into <paramref name="helperTop"/>, a top level of their own; the caller's state to restore.</summary>
        private CallerState EnterHelper(List<Stmt> helperTop)
        {
            var caller = new CallerState(scopes.ToArray(), resultLocal, inlineResultType, returnFlag, topLevelBody);
            scopes.Clear();

            // A return inside the helper's loops sets a flag of this call, declared (cleared) where the call's statements go.
            returnFlag = null;
            topLevelBody = helperTop;
            return caller;
        }

        /// <summary>Back to the caller after a helper's statements.</summary>
        private void LeaveHelper(CallerState caller)
        {
            scopes.Clear();
            scopes.AddRange(caller.Scopes);
            resultLocal = caller.ResultLocal;
            inlineResultType = caller.ResultType;
            returnFlag = caller.ReturnFlag;
            topLevelBody = caller.TopLevel;
        }
    }
}
