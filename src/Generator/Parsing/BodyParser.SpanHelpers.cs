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
    /// <c>[Differentiable]</c>: a call is inlined into the caller's statements, each span parameter bound to the view its
    /// argument is (w, x, y, scratch, or a slice of one) and each scalar parameter to a new local holding its argument;
    /// the returned value goes to a new local the call reads. The differentiator then sees one body. The rules shared with
    /// the scalar helpers (recursion is MG0012, fresh local names, the caller's state) are in BodyParser.HelperCalls.cs.
    /// Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.
    /// </summary>
    internal sealed partial class BodyParser
    {
        private readonly Dictionary<IParameterSymbol, SpanLocal> inlinedSpans = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<IParameterSymbol, Expr> inlinedScalars = new(SymbolEqualityComparer.Default);
        private readonly List<IMethodSymbol> inlining = new();

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
        private Expr? InlineSpanHelper(IInvocationOperation invocation)
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
            var bound = new List<IParameterSymbol>();
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                IParameterSymbol? parameter = argument.Parameter;
                if (parameter is null || argument.ArgumentKind != ArgumentKind.Explicit)
                {
                    Unsupported(invocation, "The call '" + Abbreviate(invocation.Syntax) + "'", "pass each argument once");
                    return null;
                }

                parameter = parameter.OriginalDefinition;
                if (parameter.RefKind != RefKind.None && !IsSpanType(parameter.Type))
                {
                    Unsupported(argument, "The " + parameter.RefKind.ToString().ToLowerInvariant() + " parameter '" + parameter.Name + "' of a helper that takes spans",
                        "return the value, or write it into a Span<T> argument");
                    return null;
                }

                if (IsSpanType(parameter.Type))
                {
                    SpanLocal? view = View(argument.Value, writable: parameter.Type is INamedTypeSymbol { Name: "Span" });
                    if (view is null)
                    {
                        return null;
                    }

                    inlinedSpans[parameter] = Pinned(view, target.Name + "_" + parameter.Name, into);
                }
                else
                {
                    IrType? parameterType = NumericType(parameter.Type);
                    Expr? value = parameterType is null ? null : Expression(argument.Value, 1);
                    if (parameterType is null)
                    {
                        Unsupported(argument, "The parameter '" + parameter.Name + "' of type '" + parameter.Type.ToDisplayString() + "'",
                            "give a helper that takes spans float, double or int parameters besides its spans");
                    }

                    if (value is null)
                    {
                        return null;
                    }

                    string local = FreshReserved(parameter.Name);
                    if (!parameterType!.IsReal)
                    {
                        NoteIntLocal(local, value);
                    }

                    into.Add(new Declare(parameterType!, local, ConvertTo(value, parameterType!)));
                    inlinedScalars[parameter] = new Local(local, parameterType!);
                }

                bound.Add(parameter);
            }

            // Each call declares the helper's locals afresh (names of their own), so two calls never share one.
            ForgetHelperLocals(block);
            var body = new List<Stmt>();
            CallerState caller = EnterHelper(body);
            inlining.Add(target);
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
            inlining.RemoveAt(inlining.Count - 1);
            foreach (IParameterSymbol parameter in bound)
            {
                inlinedSpans.Remove(parameter);
                inlinedScalars.Remove(parameter);
            }

            into.Add(new Block(EquatableArray.From(body)));
            return result;
        }

        /// <summary>A view whose start and length are read into int locals where it is made, so later changes to the locals in them do not move it.</summary>
        private SpanLocal Pinned(SpanLocal view, string name, List<Stmt> into)
        {
            Expr start = view.Start;
            Expr length = view.Length;
            if (IrWalk.Nodes(start).OfType<Local>().Any())
            {
                string startName = FreshReserved(name + "_start");
                into.Add(new Declare(IrType.Int, startName, start));
                start = new Local(startName, IrType.Int);
            }

            if (IrWalk.Nodes(length).OfType<Local>().Any())
            {
                string lengthName = FreshReserved(name + "_length");
                NoteIntLocal(lengthName, length);
                into.Add(new Declare(IrType.Int, lengthName, length));
                length = new Local(lengthName, IrType.Int);
            }

            return new SpanLocal(view.Base, start, length, view.Role);
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

        /// <summary>A span parameter of a helper being inlined, as the view it is bound to; null for any other operation.</summary>
        private SpanLocal? InlinedSpan(IOperation? op) =>
            op is IParameterReferenceOperation { Parameter: var parameter } && inlinedSpans.TryGetValue(parameter.OriginalDefinition, out SpanLocal? view) ? view : null;
    }
}
