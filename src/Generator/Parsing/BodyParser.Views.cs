using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// Views and whole-span statements where a first draft writes them: views of x and span helpers in
    /// <c>[MoreauObjective]</c> bodies as in layers (scratch arrays stay with layers), <c>foreach</c> over any view or
    /// scratch array, and <c>src.CopyTo(dst)</c>, <c>s.Clear()</c>, <c>s.Fill(v)</c> on views and scratch, lowered to
    /// element loops the differentiator sees like any other. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>Span locals that are views, span helpers and span statements: per-sample layer and objective bodies.</summary>
        private bool AcceptsViews => !batched && kind != BodyKind.Helper;

        /// <summary>
        /// The collection of a <c>foreach</c> as a view (w or x in an objective, a scratch array, a slice, a helper's span
        /// parameter), its start read once before the loop; null when it is none (reported by the caller).
        /// </summary>
        private (Expr Span, Expr Start, Expr Length)? ViewRange(IOperation collection, List<Stmt> into)
        {
            if (!AcceptsViews || collection.Type is null || !IsArrayOrSpan(collection.Type) || !IsViewSyntax(collection))
            {
                return null;
            }

            SpanLocal? view = View(collection);
            if (view is null || view.Role == SpanRole.Y)
            {
                return null;
            }

            SpanLocal pinned = Pinned(view, "foreach", into);
            return (pinned.Base, pinned.Start, pinned.Length);
        }

        /// <summary>
        /// Whether <paramref name="op"/> is written as a view (a span or scratch local, a span parameter, a range, <c>Slice</c>
        /// or <c>AsSpan</c>); anything else (an array of the type's data) is left to the caller's own message.
        /// </summary>
        private bool IsViewSyntax(IOperation op) => op switch
        {
            IParameterReferenceOperation { Parameter: var parameter } => SpanRoleOf(parameter) is not null || InlinedSpan(op) is not null,
            ILocalReferenceOperation { Local: var local } => perSampleSpans.ContainsKey(local),
            IImplicitIndexerReferenceOperation { Instance: var instance } => IsViewSyntax(instance),
            IInvocationOperation { TargetMethod.Name: "Slice", Instance: { } instance } => IsViewSyntax(instance),
            IInvocationOperation { TargetMethod: { Name: "AsSpan", IsExtensionMethod: true }, Arguments.Length: >= 1 } asSpan => IsViewSyntax(asSpan.Arguments[0].Value),
            IArrayElementReferenceOperation { Indices.Length: 1 } range when range.Indices[0] is IRangeOperation => IsViewSyntax(range.ArrayReference),
            IConversionOperation { Operand: var operand } => IsViewSyntax(operand),
            _ => false,
        };

        /// <summary>
        /// <c>source.CopyTo(destination)</c>, <c>span.Clear()</c> or <c>span.Fill(value)</c> on views and scratch arrays, as a
        /// loop over the elements; false when <paramref name="invocation"/> is none of them (true when reported).
        /// </summary>
        private bool SpanStatement(IInvocationOperation invocation, List<Stmt> into)
        {
            IMethodSymbol target = invocation.TargetMethod;
            IOperation? instance = invocation.Instance;
            IOperation? destinationOperation;
            IOperation? sourceOperation = null;
            IOperation? fillOperation = null;
            switch (target.Name)
            {
                case "CopyTo" when instance is not null && IsSpanType(target.ContainingType) && invocation.Arguments.Length == 1:
                    sourceOperation = instance;
                    destinationOperation = invocation.Arguments[0].Value;
                    break;
                case "CopyTo" when target.IsExtensionMethod && target.ContainingType.Name == "MemoryExtensions" && invocation.Arguments.Length == 2:
                    sourceOperation = invocation.Arguments[0].Value;
                    destinationOperation = invocation.Arguments[1].Value;
                    break;
                case "Clear" when instance is not null && IsSpanType(target.ContainingType) && invocation.Arguments.Length == 0:
                    destinationOperation = instance;
                    break;
                case "Fill" when instance is not null && IsSpanType(target.ContainingType) && invocation.Arguments.Length == 1:
                    destinationOperation = instance;
                    fillOperation = invocation.Arguments[0].Value;
                    break;
                default:
                    return false;
            }

            if (!AcceptsViews || destinationOperation.Type is null || !IsArrayOrSpan(destinationOperation.Type))
            {
                return false;
            }

            SpanLocal? destination = View(destinationOperation, writable: true);
            SpanLocal? source = sourceOperation is null ? null : View(sourceOperation);
            if (destination is null || (sourceOperation is not null && source is null))
            {
                return true;
            }

            if (source is not null && source.Base.Equals(destination.Base))
            {
                Unsupported(invocation, "The copy '" + Abbreviate(invocation.Syntax) + "' within one array",
                    "copy element by element in a loop in the order that reads each value before it is overwritten");
                return true;
            }

            IrType elementType = IrType.ScalarOf(element);
            Expr value = new Literal(elementType, 0);
            if (fillOperation is not null)
            {
                Expr? fill = Expression(fillOperation, 1);
                if (fill is null)
                {
                    return true;
                }

                string fillName = FreshReserved("fill");
                into.Add(new Declare(elementType, fillName, ConvertTo(fill, elementType)));
                value = new Local(fillName, elementType);
            }

            destination = Pinned(destination, "destination", into);
            source = source is null ? null : Pinned(source, "source", into);
            string index = FlagName(target.Name.ToLowerInvariant() + "_index");
            var at = new Local(index, IrType.Int);
            if (source is not null)
            {
                value = new Element(source.Base, IntMath.Add(source.Start, at), elementType);
                if (source.Role == SpanRole.Y)
                {
                    outputAccesses.Add(new OutputAccess(isWrite: false, null, invocation.Syntax, inControlFlow: true));
                }
            }

            if (destination.Role == SpanRole.Y)
            {
                outputAccesses.Add(new OutputAccess(isWrite: true, null, invocation.Syntax, inControlFlow: true));
            }

            var assign = new Assign(new Element(destination.Base, IntMath.Add(destination.Start, at), elementType), AssignKind.Assign, value);
            into.Add(new For(index, new Literal(IrType.Int, 0), (source ?? destination).Length, new Literal(IrType.Int, 1), false, EquatableArray.Of<Stmt>(assign)));
            return true;
        }
    }
}
