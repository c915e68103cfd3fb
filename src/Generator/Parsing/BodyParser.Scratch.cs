using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// Scratch arrays and views in a per-sample layer body: <c>Span&lt;T&gt; p = stackalloc T[3];</c>, <c>var h = new T[n];</c>,
    /// <c>T[] a = new T[4];</c> (lengths fixed for a call: constants, sizes, <c>x.Length</c>, the type's data and int
    /// locals assigned once from them), and views <c>var r = w[..3];</c>, <c>x.Slice(k * d, d)</c>, <c>y[a..b]</c>, of
    /// w, x, y or scratch. A view is no value of its own: an element of it is the element of its base at the view's
    /// start plus the index, so the differentiator sees only w, x, y and the scratch arrays. Part of
    /// <see cref="BodyParser"/>: its state lives in BodyParser.cs.
    /// </summary>
    internal sealed partial class BodyParser
    {
        private const string ScratchHint =
            "declare a scratch array of the layer's element type as 'Span<T> p = stackalloc T[n];' or 'var p = new T[n];' with n fixed for the call " +
            "(constants, sizes, x.Length, the type's data), or a view 'var v = w[a..b];' / 'x.Slice(start, length)'";

        private readonly Dictionary<ILocalSymbol, SpanLocal> perSampleSpans = new(SymbolEqualityComparer.Default);
        private IBlockOperation? methodBlock;

        /// <summary>A span or array local of a per-sample body: its base (w, x, y or a scratch array), where it starts in it and its length.</summary>
        private sealed class SpanLocal
        {
            public SpanLocal(Expr @base, Expr start, Expr length, SpanRole? role)
            {
                Base = @base;
                Start = start;
                Length = length;
                Role = role;
            }

            /// <summary>A <see cref="SpanRef"/> of w, x or y, or the <see cref="Local"/> of a scratch array.</summary>
            public Expr Base { get; }

            public Expr Start { get; }

            public Expr Length { get; }

            public SpanRole? Role { get; }
        }

        /// <summary>Per-sample layer bodies and [MoreauObjective] bodies take scratch arrays, views and span helpers.</summary>
        private bool AcceptsScratch => kind is BodyKind.Layer or BodyKind.Objective && !batched;

        private static bool IsArrayOrSpan(ITypeSymbol type) => type is IArrayTypeSymbol || IsSpanType(type);

        /// <summary>A span or array local of a per-sample layer body; false when the declaration is not one (others report it).</summary>
        private bool SpanLocalDeclaration(ILocalSymbol local, IOperation? initializer, SyntaxNode syntax, List<Stmt> into)
        {
            if (!AcceptsViews || !IsArrayOrSpan(local.Type) || (!AcceptsScratch && (initializer is null || IsTemporarySyntax(initializer))))
            {
                return false;
            }

            rejectedLocals.Add(local);
            ITypeSymbol? elementType = local.Type is IArrayTypeSymbol array ? array.ElementType : ((INamedTypeSymbol)local.Type).TypeArguments[0];
            if (local.Type is IArrayTypeSymbol { Rank: > 1 } || elementType is IArrayTypeSymbol)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, syntax, "The array '" + local.Name + "' of type '" + local.Type.ToDisplayString() + "'",
                    "declare one flat scratch array of n * m values, 'var a = new T[n * m];', and index it a[i * m + j]");
                return true;
            }

            if (RealType(elementType) is not { } real || real.Scalar != element)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, syntax, "A scratch span or array of type '" + local.Type.ToDisplayString() + "'",
                    "use the layer's element type " + (element == ScalarKind.Single ? "float" : "double") + " (int indices are int locals)");
                return true;
            }

            if (initializer is null)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, syntax, "The span local '" + local.Name + "' without a value", ScratchHint);
                return true;
            }

            IrType spanType = IrType.SpanOf(element, readOnly: false);
            if (IsTemporarySyntax(initializer))
            {
                Expr? length = ScratchLength(initializer);
                if (length is null)
                {
                    return true;
                }

                string name = NameOf(local);
                into.Add(new Declare(spanType, name, new NewSpan(length, spanType)));
                perSampleSpans[local] = new SpanLocal(new Local(name, spanType), new Literal(IrType.Int, 0), length, null);
                rejectedLocals.Remove(local);
                return true;
            }

            SpanLocal? view = View(initializer);
            if (view is null)
            {
                return true;
            }

            // The start and length are read where the view is declared: later changes to the int locals in them do not move it.
            Expr start = view.Start;
            Expr viewLength = view.Length;
            if (IrWalk.Nodes(start).OfType<Local>().Any())
            {
                string startName = FreshReserved(local.Name + "_start");
                into.Add(new Declare(IrType.Int, startName, start));
                start = new Local(startName, IrType.Int);
            }

            if (IrWalk.Nodes(viewLength).OfType<Local>().Any())
            {
                string lengthName = FreshReserved(local.Name + "_length");
                NoteIntLocal(lengthName, viewLength);
                into.Add(new Declare(IrType.Int, lengthName, viewLength));
                viewLength = new Local(lengthName, IrType.Int);
            }

            perSampleSpans[local] = new SpanLocal(view.Base, start, viewLength, view.Role);
            rejectedLocals.Remove(local);
            return true;
        }

        /// <summary>The length of <c>stackalloc T[n]</c> or <c>new T[n]</c>, checked to be fixed for a call; null when reported.</summary>
        private Expr? ScratchLength(IOperation initializer)
        {
            SyntaxNode syntax = initializer.Syntax;
            ArrayRankSpecifierSyntax? rank = syntax switch
            {
                StackAllocArrayCreationExpressionSyntax { Type: ArrayTypeSyntax type, Initializer: null } => type.RankSpecifiers.FirstOrDefault(),
                ArrayCreationExpressionSyntax { Type: var type, Initializer: null } => type.RankSpecifiers.FirstOrDefault(),
                _ => null,
            };
            ExpressionSyntax? size = rank is { Sizes.Count: 1 } ? rank.Sizes[0] : null;
            IOperation? sizeOperation = size is null
                ? null
                : initializer.DescendantsAndSelf().FirstOrDefault(o => o.Syntax == size) ?? WithoutNullableAnalysis(semanticModel, size.SyntaxTree).GetOperation(size, cancellationToken);
            if (sizeOperation is null || size is OmittedArraySizeExpressionSyntax)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, syntax, "'" + Abbreviate(syntax) + "'",
                    "declare a scratch array with its length and no initializer, 'Span<T> p = stackalloc T[n];' or 'var p = new T[n];', then assign its elements");
                return null;
            }

            return FixedLength(sizeOperation, sizeOperation);
        }

        /// <summary>An int expression of constants, sizes, <c>x.Length</c> and the type's data (int locals assigned once are followed).</summary>
        private Expr? FixedLength(IOperation op, IOperation reportAt)
        {
            switch (op)
            {
                case { ConstantValue.HasValue: true } when op.Type?.SpecialType == SpecialType.System_Int32:
                    return new Literal(IrType.Int, (int)op.ConstantValue.Value!);
                case IParenthesizedOperation parenthesized:
                    return FixedLength(parenthesized.Operand, reportAt);
                case IConversionOperation { Operand.Type.SpecialType: SpecialType.System_Int32 } conversion:
                    return FixedLength(conversion.Operand, reportAt);
                case IBinaryOperation { OperatorMethod: null } binary when binary.Type?.SpecialType == SpecialType.System_Int32 && IntOp(binary.OperatorKind) is { } intOp:
                {
                    Expr? left = FixedLength(binary.LeftOperand, reportAt);
                    Expr? right = left is null ? null : FixedLength(binary.RightOperand, reportAt);
                    return right is null ? null : IntMath.Simplify(new Apply(intOp, IrType.Int, EquatableArray.Of(left!, right)));
                }

                case ILocalReferenceOperation { Local: var local } when local.Type.SpecialType == SpecialType.System_Int32 && AssignedOnce(local) is { } value:
                    return FixedLength(value, reportAt);
                case IPropertyReferenceOperation { Property.Name: "Length", Instance: ILocalReferenceOperation { Local: var span } }
                    when perSampleSpans.TryGetValue(span, out SpanLocal? known) && !IrWalk.Nodes(known.Length).OfType<Local>().Any():
                    return known.Length;
            }

            Expr? length = Expression(op, 1);
            if (length is null)
            {
                return null;
            }

            if (IrWalk.Nodes(length).Any(n => n is Local or Element) || DependsOnValues(length))
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, reportAt.Syntax, "The scratch length '" + Abbreviate(reportAt.Syntax) + "', which can change within a call,",
                    "give the length from constants, sizes, x.Length, the type's data, or int locals assigned once from them (the generated members take the array once per call, not per sample)");
                return null;
            }

            return length;
        }

        private static Op? IntOp(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.Add => Op.Add,
            BinaryOperatorKind.Subtract => Op.Subtract,
            BinaryOperatorKind.Multiply => Op.Multiply,
            BinaryOperatorKind.Divide => Op.Divide,
            BinaryOperatorKind.Remainder => Op.Remainder,
            _ => null,
        };

        /// <summary>The initializer of an int local that is never assigned again, else null.</summary>
        private IOperation? AssignedOnce(ILocalSymbol local)
        {
            if (methodBlock is null)
            {
                return null;
            }

            bool IsLocal(IOperation target) => target is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local);
            bool written = methodBlock.Descendants().Any(o => o switch
            {
                ISimpleAssignmentOperation assignment => IsLocal(assignment.Target),
                ICompoundAssignmentOperation compound => IsLocal(compound.Target),
                IIncrementOrDecrementOperation increment => IsLocal(increment.Target),
                _ => false,
            });
            return written
                ? null
                : methodBlock.Descendants().OfType<IVariableDeclaratorOperation>().FirstOrDefault(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local))?.Initializer?.Value;
        }

        /// <summary>A view of w, x, y, a scratch array or another view; null when reported.</summary>
        /// <param name="op">The span expression.</param>
        /// <param name="writable">Whether the view is written through (a range of an array, a copy in C#, is then reported).</param>
        private SpanLocal? View(IOperation op, bool writable = false)
        {
            while (op is IConversionOperation conversion && IsArrayOrSpan(conversion.Operand.Type!))
            {
                op = conversion.Operand;
            }

            switch (op)
            {
                case IParameterReferenceOperation { Parameter: var parameter } when SpanRoleOf(parameter) is { } role:
                    return new SpanLocal(new SpanRef(role, IrType.SpanOf(element, readOnly: role != SpanRole.Y)), new Literal(IrType.Int, 0), new SpanLength(role), role);
                case ILocalReferenceOperation { Local: var local } when perSampleSpans.TryGetValue(local, out SpanLocal? known):
                    return known;
                case IParameterReferenceOperation when InlinedSpan(op) is { } parameterView:
                    return parameterView;
                case ILocalReferenceOperation { Local: var local } when rejectedLocals.Contains(local):
                    return null;
                case IImplicitIndexerReferenceOperation { Argument: IRangeOperation range } indexer:
                    return RangeView(View(indexer.Instance), range);

                case IInvocationOperation { TargetMethod.Name: "Slice", Instance: { } instance } slice when IsSpanType(slice.TargetMethod.ContainingType):
                {
                    SpanLocal? inner = View(instance);
                    var bounds = new Expr?[2];
                    foreach (IArgumentOperation argument in slice.Arguments)
                    {
                        bounds[argument.Parameter!.Ordinal] = ViewIndex(argument.Value);
                    }

                    if (inner is null || bounds[0] is null || (slice.Arguments.Length > 1 && bounds[1] is null))
                    {
                        return null;
                    }

                    return new SpanLocal(inner.Base, IntMath.Add(inner.Start, bounds[0]!), bounds[1] ?? IntMath.Subtract(inner.Length, bounds[0]!), inner.Role);
                }

                case IArrayElementReferenceOperation { Indices.Length: 1 } arrayRange when arrayRange.Indices[0] is IRangeOperation range:
                    // A range of an array is a copy in C#; read only, it reads as the view it copies.
                    return writable ? CopyWritten(op) : RangeView(View(arrayRange.ArrayReference), range);
                case IInvocationOperation { TargetMethod: { Name: "GetSubArray", ContainingType.Name: "RuntimeHelpers" }, Arguments.Length: 2 } subArray
                    when subArray.Arguments[1].Value is IRangeOperation range:
                    return writable ? CopyWritten(op) : RangeView(View(subArray.Arguments[0].Value), range);
                case IInvocationOperation { TargetMethod: { Name: "AsSpan", IsExtensionMethod: true }, Arguments.Length: >= 1 } asSpan:
                {
                    SpanLocal? inner = View(asSpan.Arguments[0].Value);
                    Expr? start = asSpan.Arguments.Length > 1 ? ViewIndex(asSpan.Arguments[1].Value) : new Literal(IrType.Int, 0);
                    Expr? length = asSpan.Arguments.Length > 2 ? ViewIndex(asSpan.Arguments[2].Value) : null;
                    if (inner is null || start is null || (asSpan.Arguments.Length > 2 && length is null) || asSpan.Arguments.Length > 3)
                    {
                        return null;
                    }

                    return new SpanLocal(inner.Base, IntMath.Add(inner.Start, start), length ?? IntMath.Subtract(inner.Length, start), inner.Role);
                }

                default:
                    Report(DiagnosticDescriptors.UnsupportedExpression, op.Syntax, "The span '" + Abbreviate(op.Syntax) + "'", ScratchHint);
                    return null;
            }
        }

        private SpanLocal? CopyWritten(IOperation op)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, op.Syntax, "Writing through '" + Abbreviate(op.Syntax) + "', a copy of part of an array,",
                "write through a view of the array itself: declare it as 'Span<T> a = new T[n];' and pass a[i..j], or pass a.AsSpan(start, length)");
            return null;
        }

        /// <summary>The part <paramref name="range"/> of <paramref name="inner"/> (null when either is reported).</summary>
        private SpanLocal? RangeView(SpanLocal? inner, IRangeOperation range)
        {
            Expr? start = range.LeftOperand is null ? new Literal(IrType.Int, 0) : ViewBound(range.LeftOperand);
            Expr? end = range.RightOperand is null ? null : ViewBound(range.RightOperand);
            if (inner is null || start is null || (range.RightOperand is not null && end is null))
            {
                return null;
            }

            return new SpanLocal(inner.Base, IntMath.Add(inner.Start, start), IntMath.Subtract(end ?? inner.Length, start), inner.Role);
        }

        /// <summary>An int index of a view or slice (no index from the end).</summary>
        private Expr? ViewIndex(IOperation op)
        {
            if (op.Type?.SpecialType != SpecialType.System_Int32)
            {
                Unsupported(op, "The index '" + Abbreviate(op.Syntax) + "'", "index with an int (an index from the end, ^i, is not supported)");
                return null;
            }

            // A carried int (a count, kept as a value of the element type) converted back, as any index reads it (CarriedAsInt).
            return op.ConstantValue.HasValue ? new Literal(IrType.Int, (int)op.ConstantValue.Value!) : Expression(op, 1) is { } index ? CarriedAsInt(index) : null;
        }

        private Expr? ViewBound(IOperation bound) =>
            bound is IConversionOperation { Operand: var operand } && operand.Type?.SpecialType == SpecialType.System_Int32
                ? ViewIndex(operand)
                : ReportNull(bound, "The range bound '" + Abbreviate(bound.Syntax) + "'", "use int bounds from the start (an index from the end, ^k, is not supported): w[..k], w[k..], w[a..b]");

        private Expr? ReportNull(IOperation op, string what, string hint)
        {
            Unsupported(op, what, hint);
            return null;
        }

        /// <summary>
        /// <c>p[i]</c>, <c>a[i]</c> or <c>p.Length</c> of a span or array local of a per-sample body: true when
        /// <paramref name="op"/> is one (then <paramref name="result"/> is its IR, or null when reported).
        /// </summary>
        private bool SpanLocalAccess(IOperation op, bool isWrite, bool isCompound, out Expr? result)
        {
            result = null;
            (IOperation? instance, IOperation? index, bool length) = op switch
            {
                IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer => (indexer.Instance, indexer.Arguments[0].Value, false),
                IArrayElementReferenceOperation { Indices.Length: 1 } arrayElement => (arrayElement.ArrayReference, arrayElement.Indices[0], false),
                IPropertyReferenceOperation { Property.Name: "Length" } property => (property.Instance, null, true),
                _ => ((IOperation?)null, (IOperation?)null, false),
            };
            ILocalSymbol? local = (instance as ILocalReferenceOperation)?.Local;
            bool inlineView = instance is IImplicitIndexerReferenceOperation or IInvocationOperation { TargetMethod.Name: "Slice" } || InlinedSpan(instance) is not null;
            if (instance is null || !AcceptsViews || !((local is not null && IsArrayOrSpan(local.Type)) || inlineView))
            {
                return false;
            }

            SpanLocal? span = null;
            if (inlineView)
            {
                span = View(instance);
            }
            else if (!perSampleSpans.TryGetValue(local!, out span))
            {
                // Its declaration is reported already.
                return true;
            }

            if (span is null)
            {
                return true;
            }

            string spanName = local?.Name ?? Abbreviate(instance.Syntax);
            if (length)
            {
                result = span.Length;
                return true;
            }

            Expr? at = ViewIndex(index!);
            if (at is null)
            {
                return true;
            }

            Expr combined = IntMath.Add(span.Start, at);
            if (at is Literal literal && (literal.Value < 0 || (span.Length is Literal size && literal.Value >= size.Value)))
            {
                string holds = span.Length is Literal fixedLength ? "it holds " + fixedLength.Value.ToString(CultureInfo.InvariantCulture) + " values" : "indices start at 0";
                string range = span.Length is Literal fixedSize ? "from 0 to " + (fixedSize.Value - 1).ToString(CultureInfo.InvariantCulture) : "0 or more";
                Report(DiagnosticDescriptors.IndexOutOfRange, index!.Syntax, literal.Value.ToString(CultureInfo.InvariantCulture), spanName, holds, range);
                return true;
            }

            IrType elementType = IrType.ScalarOf(element);
            if (span.Role == SpanRole.Y)
            {
                int? constant = combined is Literal y ? (int)y.Value : null;
                if (!isWrite || isCompound)
                {
                    outputAccesses.Add(new OutputAccess(isWrite: false, constant, op.Syntax, InControlFlow));
                }

                if (isWrite)
                {
                    outputAccesses.Add(new OutputAccess(isWrite: true, constant, op.Syntax, InControlFlow));
                }
            }

            result = new Element(span.Base, combined, elementType);
            return true;
        }
    }
}
