using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// Helpers of the layer's own type that take spans (<c>static void Cross(ReadOnlySpan&lt;T&gt; a, ReadOnlySpan&lt;T&gt; b,
    /// Span&lt;T&gt; r)</c>, <c>T Dot(ReadOnlySpan&lt;T&gt; a, ReadOnlySpan&lt;T&gt; b)</c>), static or instance, with or without
    /// <c>[Differentiable]</c>: a call is inlined into the caller's statements as a block of its own, its parameters bound
    /// as every helper's are (BodyParser.HelperArguments.cs: a span parameter is the view its argument is, a value
    /// parameter a new local, an out/ref parameter the caller's target); the returned value goes to a new local the call
    /// reads. The differentiator then sees one body. The rules shared with the scalar helpers (recursion is MG0012, fresh
    /// local names, the caller's state) are in BodyParser.HelperCalls.cs.
    /// Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>A helper that takes spans: inlined into the layers of its own type that call it, not differentiated on its own.</summary>
        internal static bool IsSpanHelperSignature(IMethodSymbol helper) => TakesSpans(helper);

        /// <summary>The statement list being written: an inlined helper's statements go there, before the statement that reads its result.</summary>
        private List<Stmt>? statementTarget;

        /// <summary>A method of the layer's own type with a body that takes or returns spans: inlined where it is called.</summary>
        private bool IsSpanHelper(IMethodSymbol target) =>
            AcceptsViews && TakesSpans(target) && !IsOps(target) && !target.IsGenericMethod &&
            SymbolEqualityComparer.Default.Equals(target.ContainingType.OriginalDefinition, type.OriginalDefinition) &&
            !target.GetAttributes().Any(a => a.AttributeClass is { } attributeClass && DisplayNames.Of(attributeClass) == HelperParser.CustomPullbackAttributeName) &&
            target.DeclaringSyntaxReferences.Length > 0;

        /// <summary>Inlines the call of a span helper; its value (null for a void helper, or when reported).</summary>
        private Expr? InlineSpanHelper(IInvocationOperation invocation, int depth)
        {
            IMethodSymbol target = invocation.TargetMethod.OriginalDefinition;
            if (ReportedRecursion(target, invocation))
            {
                return null;
            }

            if (statementTarget is null || IsSpanType(target.ReturnType))
            {
                Unsupported(invocation, "The call '" + Abbreviate(invocation.Syntax) + "'",
                    IsSpanType(target.ReturnType)
                        ? "a helper cannot return a span; pass the span to write as a Span<T> argument"
                        : "call a helper that takes spans in a statement or in the value of an assignment");
                return null;
            }

            IBlockOperation? block = HelperBlock(target);
            if (block is null)
            {
                Report(DiagnosticDescriptors.HelperUnavailable, invocation.Syntax, target.ContainingType.Name + "." + target.Name,
                    "its body cannot be read (it has none, or it does not compile)");
                return null;
            }

            List<Stmt> into = statementTarget;
            InlineFrame? frame = BindArguments(invocation, target, into, depth);
            if (frame is null)
            {
                return null;
            }

            // Each call declares the helper's locals afresh (names of their own), so two calls never share one.
            ForgetHelperLocals(block);
            var body = new List<Stmt>();
            CallerState caller = EnterHelper(body);
            inlineFrames.Add(frame);
            inlineResultType = null;
            FindCarriedLocals(block);
            Expr? result = null;
            if (target.ReturnsVoid && block.Operations.Any(Jumps))
            {
                resultLocal = null;
                JumpingSequence(Flatten(block).ToList(), 0, body);
            }
            else if (target.ReturnsVoid)
            {
                Sequence(block.Operations, body, topLevel: true);
            }
            else
            {
                ReturningBody(block, body);
                if (body.Count > 0 && body[body.Count - 1] is Return ret)
                {
                    string name = FreshReserved(target.Name.ToLowerInvariant());
                    IrType resultType = IrType.ScalarOf(element);
                    into.Add(new Declare(resultType, name, null));
                    body[body.Count - 1] = new Assign(new Local(name, resultType), AssignKind.Assign, ret.Value);
                    result = new Local(name, resultType);
                }
            }

            LeaveHelper(caller);
            statementTarget = into;
            inlineFrames.RemoveAt(inlineFrames.Count - 1);

            into.Add(new Block(EquatableArray.From(body)));
            return result;
        }

        /// <summary>The body of a helper as operations (bound without nullable analysis), or null when it has none or does not compile.</summary>
        private IBlockOperation? HelperBlock(IMethodSymbol helper)
        {
            MethodDeclarationSyntax? syntax = helper.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
            if (syntax is null || syntax.ContainsDiagnostics || !semanticModel.Compilation.ContainsSyntaxTree(syntax.SyntaxTree))
            {
                return null;
            }

            SemanticModel model = WithoutNullableAnalysis(semanticModel.Compilation.GetSemanticModel(syntax.SyntaxTree), syntax.SyntaxTree);
            if (model.GetOperation(syntax, cancellationToken) is not IMethodBodyOperation operation)
            {
                return null;
            }

            IBlockOperation? block = operation.BlockBody ?? operation.ExpressionBody;
            return block is null || HasErrors(block) ? null : block;
        }
    }
}
