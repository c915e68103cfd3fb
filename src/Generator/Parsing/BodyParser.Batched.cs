using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The batched part of the body parser: a <c>[MoreauLayer(Batched = true)]</c> body is straight-line code of int
    /// size arithmetic (<c>int m = x.Length / inputs;</c>), span locals that are views (<c>var weights = w[..k];</c>,
    /// <c>w[k..]</c>, <c>w.Slice(a, n)</c>, slices of other span locals) or temporaries (<c>Span&lt;T&gt; h = new T[n];</c>),
    /// constants, and calls of the <c>Ops</c> members that have rules (<see cref="TensorRules"/>). Also the calls with span
    /// arguments in other bodies: the losses an objective may return, and diagnostics for everything else.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>MG0035's hint when the body would be valid with 'Batched = true' (see <see cref="WordPerSampleHints"/>).</summary>
        private const string PerSampleHint =
            "add 'Batched = true' to [MoreauLayer] and write the method for the whole batch (m = x.Length / InputCount), or compute this sample's values with loops over x[i] and y[i]";

        /// <summary>MG0035's hint when 'Batched = true' would not make the body valid.</summary>
        private const string PerSampleOnlyHint =
            "compute this sample's values element by element, with loops over x[i] and y[i] ('Batched = true' would not help: a batched body holds only Ops calls, span views and temporaries, and size arithmetic)";

        private const string ScalarCodeHint =
            "a batched body works on whole spans: compute with Ops calls (Ops.MatMul, Ops.AddBias, Ops.Relu, …), or remove 'Batched = true' and write the method for one sample";

        /// <summary>
        /// MG0035 in a per-sample body suggests 'Batched = true' only when the body, read as a batched one, has no error;
        /// otherwise the hint says to compute element by element.
        /// </summary>
        private void WordPerSampleHints(IBlockOperation block, int from)
        {
            bool suggested = false;
            for (int i = from; i < diagnostics.Count; i++)
            {
                suggested |= diagnostics[i].Id == DiagnosticDescriptors.TensorOperationPerSample.Id;
            }

            if (!suggested || kind != BodyKind.Layer || batched)
            {
                return;
            }

            var trial = new List<DiagnosticInfo>();
            var asBatched = new BodyParser(semanticModel, method, type, element, sizes, kind, helpers, trial, cancellationToken, batched: true);
            asBatched.methodSyntax = methodSyntax;
            var trialBody = new List<Stmt>();
            asBatched.BatchedSequence(block.Operations, trialBody);
            if (!trial.Any(IsError))
            {
                asBatched.CheckGraph(trialBody);
            }

            if (!trial.Any(IsError))
            {
                return;
            }

            for (int i = from; i < diagnostics.Count; i++)
            {
                DiagnosticInfo info = diagnostics[i];
                if (info.Id == DiagnosticDescriptors.TensorOperationPerSample.Id && info.Arguments.Count == 2 && info.Arguments[1] == PerSampleHint)
                {
                    diagnostics[i] = DiagnosticInfo.Create(DiagnosticDescriptors.TensorOperationPerSample, info.Location, info.Arguments[0], PerSampleOnlyHint);
                }
            }
        }

        private readonly HashSet<ILocalSymbol> spanLocals = new(SymbolEqualityComparer.Default);

        /// <summary>The syntax of each top-level statement of a batched body (and of each argument of a call), for the graph's diagnostics.</summary>
        private readonly List<(SyntaxNode Statement, SyntaxNode?[] Arguments)> batchedSyntax = new();

        /// <summary>The user's own text of each slice the body takes, for the dataflow checks' messages.</summary>
        private readonly Dictionary<Expr, string> sliceTexts = new();

        /// <summary>While parsing the scalar argument of a tensor operation: w[i] may be read.</summary>
        private bool allowParameterElement;

        private string SpanCallHint => kind switch
        {
            BodyKind.Objective => "an objective may return " + TensorRules.LossList + " of x (with the labels as the type's data), or compute with loops over x[i]",
            BodyKind.Helper => "a helper computes with scalars only",
            _ when batched => "a batched body calls " + TensorRules.OperationList + " (the reverse members such as Ops.ReluBackward are what the generated pullback calls); compute anything else outside the layer and pass it as data",
            _ => PerSampleHint,
        };

        private static bool IsOps(IMethodSymbol method) =>
            method.IsStatic && method.ContainingType is { } container && DisplayNames.Of(container) == "MoreauGen.Ops";

        private static bool IsSpanType(ITypeSymbol? type) =>
            type is INamedTypeSymbol { IsGenericType: true } named &&
            DisplayNames.Of(named.ConstructedFrom) is "System.Span<T>" or "System.ReadOnlySpan<T>";

        /// <summary>A call that takes or returns spans: a tensor operation of some kind.</summary>
        private static bool TakesSpans(IMethodSymbol method) =>
            IsSpanType(method.ReturnType) || method.Parameters.Any(p => IsSpanType(p.Type));

        private static string CallName(IMethodSymbol method) => method.ContainingType.Name + "." + method.Name;

        // ---- statements ------------------------------------------------------------------------------

        private void BatchedSequence(IEnumerable<IOperation> operations, List<Stmt> into)
        {
            IOperation[] list = operations.ToArray();
            for (int i = 0; i < list.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                BatchedStatement(list[i], into, last: i == list.Length - 1);
            }
        }

        private void AddBatched(List<Stmt> into, Stmt statement, SyntaxNode syntax, SyntaxNode?[]? arguments = null)
        {
            into.Add(statement);
            batchedSyntax.Add((syntax, arguments ?? Array.Empty<SyntaxNode?>()));
        }

        private void BatchedStatement(IOperation statement, List<Stmt> into, bool last)
        {
            switch (statement)
            {
                case IBlockOperation nested:
                    BatchedSequence(nested.Operations, into);
                    break;
                case IVariableDeclarationGroupOperation group:
                    foreach (IVariableDeclarationOperation declaration in group.Declarations)
                    {
                        foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                        {
                            BatchedLocal(declarator, declaration, into);
                        }
                    }

                    break;
                case IExpressionStatementOperation { Operation: IInvocationOperation invocation }:
                    BatchedCall(invocation, into);
                    break;
                case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation or ICompoundAssignmentOperation or IIncrementOrDecrementOperation } assignment:
                {
                    IOperation target = assignment.Operation switch
                    {
                        IAssignmentOperation a => a.Target,
                        IIncrementOrDecrementOperation i => i.Target,
                        _ => assignment.Operation,
                    };
                    string hint = target switch
                    {
                        ILocalReferenceOperation { Local: var local } when IsSpanType(local.Type) => "declare a new span local for the other view",
                        ILocalReferenceOperation => "declare each size once, 'int k = …;', and each constant as 'const'",
                        _ => ScalarCodeHint,
                    };
                    Report(DiagnosticDescriptors.BatchedUnsupported, assignment.Syntax, "The assignment '" + Abbreviate(assignment.Syntax) + "'", hint);
                    break;
                }

                case IEmptyOperation:
                    break;
                case IReturnOperation { ReturnedValue: null } ret when ret.IsImplicit || last:
                    break;
                case IForLoopOperation or IWhileLoopOperation or IForEachLoopOperation:
                    Report(DiagnosticDescriptors.BatchedUnsupported, LoopKeyword(statement.Syntax), "A loop",
                        "the Ops calls of a batched body handle every sample at once; write whole-span Ops calls, or remove 'Batched = true' and write the method for one sample");
                    break;
                case IConditionalOperation:
                    Report(DiagnosticDescriptors.BatchedUnsupported, statement.Syntax is IfStatementSyntax branch ? LocationInfo.From(branch.IfKeyword) : LocationInfo.From(statement.Syntax),
                        "A branch", "a batched body is straight-line code; choose between layers outside, or remove 'Batched = true' and write the method for one sample");
                    break;
                default:
                    Report(DiagnosticDescriptors.BatchedUnsupported, statement.Syntax, "The statement '" + Abbreviate(statement.Syntax) + "'",
                        "write int sizes, span locals (views of w, x, y, or 'Span<T> h = new T[n];') and Ops calls");
                    break;
            }
        }

        private void BatchedLocal(IVariableDeclaratorOperation declarator, IVariableDeclarationOperation declaration, List<Stmt> into)
        {
            ILocalSymbol local = declarator.Symbol;
            IOperation? initializer = declarator.Initializer?.Value ?? declaration.Initializer?.Value;
            if (local.IsConst || local.IsRef || local.Type.SpecialType == SpecialType.System_Int32)
            {
                var sizes = new List<Stmt>();
                LocalDeclaration(declarator, declaration, sizes);
                foreach (Stmt size in sizes)
                {
                    AddBatched(into, size, declarator.Syntax);
                }

                return;
            }

            if (!IsSpanType(local.Type))
            {
                rejectedLocals.Add(local);
                string what = RealType(local.Type) is not null || local.Type.SpecialType == SpecialType.System_Boolean
                    ? "A " + local.Type.ToDisplayString() + " local ('" + local.Name + "')"
                    : "A local of type '" + local.Type.ToDisplayString() + "'";
                Report(DiagnosticDescriptors.BatchedUnsupported, declarator.Syntax, what,
                    "declare int sizes, constants ('const " + (element == ScalarKind.Single ? "float" : "double") + " c = …;') and span locals; per-sample values come from Ops calls");
                return;
            }

            var spanType = (INamedTypeSymbol)local.Type;
            bool readOnly = DisplayNames.Of(spanType.ConstructedFrom) == "System.ReadOnlySpan<T>";
            if (RealType(spanType.TypeArguments[0]) is not { } elementType || elementType.Scalar != element)
            {
                rejectedLocals.Add(local);
                Report(DiagnosticDescriptors.BatchedUnsupported, declarator.Syntax, "A span local of type '" + local.Type.ToDisplayString() + "'",
                    "use spans of the layer's element type");
                return;
            }

            if (initializer is null)
            {
                rejectedLocals.Add(local);
                Report(DiagnosticDescriptors.BatchedUnsupported, declarator.Syntax, "A span local without a value ('" + local.Name + "')",
                    "declare it as a view ('var v = w[..k];') or a temporary ('Span<T> h = new T[n];')");
                return;
            }

            Expr? value = TemporarySpan(initializer) ?? (IsTemporarySyntax(initializer) ? null : SpanArgument(initializer));
            if (value is null)
            {
                rejectedLocals.Add(local);
                return;
            }

            spanLocals.Add(local);
            IrType type = IrType.SpanOf(element, readOnly);
            if (value is NewSpan)
            {
                type = IrType.SpanOf(element, readOnly: false);
            }

            AddBatched(into, new Declare(type, NameOf(local), value), declarator.Syntax);
        }

        private static bool IsTemporarySyntax(IOperation initializer)
        {
            SyntaxNode syntax = initializer.Syntax;
            return syntax is StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax or ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax;
        }

        /// <summary><c>new T[n]</c>: a temporary (the generated members take it from a pool or the tape). Other creations are reported.</summary>
        private Expr? TemporarySpan(IOperation initializer)
        {
            if (!IsTemporarySyntax(initializer))
            {
                return null;
            }

            IOperation op = initializer;
            while (op is IConversionOperation conversion)
            {
                op = conversion.Operand;
            }

            if (op is IArrayCreationOperation { DimensionSizes.Length: 1, Initializer: null } creation && creation.Syntax is ArrayCreationExpressionSyntax)
            {
                Expr? length = Expression(creation.DimensionSizes[0], 0);
                return length is null ? null : new NewSpan(length, IrType.SpanOf(element, readOnly: false));
            }

            string hint = initializer.Syntax is StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax
                ? "declare a temporary as 'Span<T> h = new T[n];' (the generated members take it from ArrayPool, or from the tape when the reverse pass reads it, so it is not allocated; stackalloc would overflow the stack for large batches when the method itself is called)"
                : "declare a temporary as 'Span<T> h = new T[n];' (without an initializer)";
            Report(DiagnosticDescriptors.BatchedUnsupported, initializer.Syntax, "'" + Abbreviate(initializer.Syntax) + "'", hint);
            return null;
        }

        /// <summary>A span argument or view: w, x, y, a span local, or a slice of one (<c>w[..k]</c>, <c>w[k..]</c>, <c>w[a..b]</c>, <c>w.Slice(a, n)</c>).</summary>
        private Expr? SpanArgument(IOperation op)
        {
            while (op is IConversionOperation conversion && IsSpanType(conversion.Operand.Type))
            {
                op = conversion.Operand;
            }

            const string Hint = "pass w, x, y, a span local, or a slice of one (w[..k], w[k..], w[a..b], w.Slice(a, n))";
            switch (op)
            {
                case IParameterReferenceOperation { Parameter: var parameter } when SpanRoleOf(parameter) is { } role:
                    return new SpanRef(role, IrType.SpanOf(element, readOnly: role != SpanRole.Y));
                case ILocalReferenceOperation { Local: var local } when rejectedLocals.Contains(local):
                    return null;
                case ILocalReferenceOperation { Local: var local } when spanLocals.Contains(local):
                    return new Local(NameOf(local), SpanTypeOf(local.Type));
                case IImplicitIndexerReferenceOperation { Argument: IRangeOperation range } indexer:
                {
                    Expr? span = SpanArgument(indexer.Instance);
                    if (span is null)
                    {
                        return null;
                    }

                    Expr? start = range.LeftOperand is null ? new Literal(IrType.Int, 0) : RangeBound(range.LeftOperand);
                    Expr? end = range.RightOperand is null ? null : RangeBound(range.RightOperand);
                    if (start is null || (range.RightOperand is not null && end is null))
                    {
                        return null;
                    }

                    Expr? length = end is null ? null : IntMath.Subtract(end, start);
                    return Sliced(new Slice(span, start, length, span.Type), indexer.Syntax);
                }

                case IInvocationOperation { TargetMethod.Name: "Slice", Instance: { } instance } slice when IsSpanType(slice.TargetMethod.ContainingType):
                {
                    Expr? span = SpanArgument(instance);
                    var bounds = new Expr?[2];
                    foreach (IArgumentOperation argument in slice.Arguments)
                    {
                        bounds[argument.Parameter!.Ordinal] = SizeArgument(argument.Value);
                        if (bounds[argument.Parameter.Ordinal] is null)
                        {
                            return null;
                        }
                    }

                    return span is null || bounds[0] is null ? null : Sliced(new Slice(span, bounds[0]!, slice.Arguments.Length > 1 ? bounds[1] : null, span.Type), slice.Syntax);
                }

                default:
                    Report(DiagnosticDescriptors.BatchedUnsupported, op.Syntax, "The span '" + Abbreviate(op.Syntax) + "'", Hint);
                    return null;
            }
        }

        private IrType SpanTypeOf(ITypeSymbol type) =>
            IrType.SpanOf(element, readOnly: DisplayNames.Of(((INamedTypeSymbol)type).ConstructedFrom) == "System.ReadOnlySpan<T>");

        /// <summary>A bound of a range, <c>k</c> in <c>w[..k]</c> (an Index converted from an int).</summary>
        private Expr? RangeBound(IOperation bound)
        {
            if (bound is IConversionOperation { Operand: var operand } && operand.Type?.SpecialType == SpecialType.System_Int32)
            {
                return SizeArgument(operand);
            }

            Report(DiagnosticDescriptors.BatchedUnsupported, bound.Syntax, "The range bound '" + Abbreviate(bound.Syntax) + "'",
                "use int bounds from the start (an index from the end, ^k, is not supported): w[..k], w[k..], w[a..b]");
            return null;
        }

        /// <summary>An int argument: a size expression (constants, sizes, the type's data, int locals).</summary>
        private Expr? SizeArgument(IOperation op)
        {
            if (op.Type?.SpecialType != SpecialType.System_Int32)
            {
                Unsupported(op, "The size '" + Abbreviate(op.Syntax) + "'", "pass an int");
                return null;
            }

            return op.ConstantValue.HasValue ? IntConstant(op) : Expression(op, 1);
        }

        // ---- tensor operations -----------------------------------------------------------------------

        private void BatchedCall(IInvocationOperation invocation, List<Stmt> into)
        {
            IMethodSymbol target = invocation.TargetMethod;
            if (SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, method.OriginalDefinition))
            {
                Report(DiagnosticDescriptors.Recursion, invocation.Syntax, method.Name);
                return;
            }

            TensorRule? rule = IsOps(target) ? TensorRules.Find(target.Name) : null;
            if (rule is null || !Matches(rule, target))
            {
                string hint = IsOps(target) && TensorRules.FindLoss(target.Name) is not null
                    ? "a loss belongs in a [MoreauObjective] method, 'return Ops." + target.Name + "(x, labels, classes);'"
                    : SpanCallHint;
                Report(DiagnosticDescriptors.NoTensorRule, invocation.Syntax, IsOps(target) ? "Ops." + target.Name : CallName(target), hint);
                return;
            }

            var args = new Expr?[rule.Parameters.Count];
            var syntax = new SyntaxNode?[rule.Parameters.Count];
            bool ok = true;
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                int ordinal = argument.Parameter!.Ordinal;
                TensorParameter parameter = rule.Parameters[ordinal];
                syntax[ordinal] = argument.ArgumentKind == ArgumentKind.Explicit ? argument.Syntax : null;
                args[ordinal] = parameter.Kind switch
                {
                    TensorParameterKind.Input or TensorParameterKind.Output or TensorParameterKind.InputOutput => SpanArgument(argument.Value),
                    TensorParameterKind.Size => SizeArgument(argument.Value),
                    TensorParameterKind.Flag => FlagArgument(argument),
                    _ => ScalarArgument(argument.Value),
                };
                ok &= args[ordinal] is not null;
            }

            if (ok)
            {
                AddBatched(into, new TensorCall(rule.Method, IrType.ScalarOf(element), new EquatableArray<Expr>(args!)), invocation.Syntax, syntax);
            }
        }

        /// <summary>The method has the rule's parameters (same names, in order): not another overload.</summary>
        private static bool Matches(TensorRule rule, IMethodSymbol method) =>
            method.Parameters.Length == rule.Parameters.Count &&
            method.Parameters.Select(p => p.Name).SequenceEqual(rule.Parameters.Select(p => p.Name));

        private Expr? FlagArgument(IArgumentOperation argument)
        {
            if (argument.Value.ConstantValue is { HasValue: true, Value: bool flag })
            {
                return new Literal(IrType.Bool, flag ? 1 : 0);
            }

            Report(DiagnosticDescriptors.BatchedUnsupported, argument.Syntax, "The flag '" + Abbreviate(argument.Syntax) + "'",
                "pass true or false (the rule chooses the reverse products from the flags at compile time)");
            return null;
        }

        /// <summary>A scalar factor: a constant, the type's data, or an element w[i] (then it has a derivative).</summary>
        private Expr? ScalarArgument(IOperation op)
        {
            bool previous = allowParameterElement;
            allowParameterElement = true;
            Expr? value;
            try
            {
                value = Expression(op, 1);
            }
            finally
            {
                allowParameterElement = previous;
            }

            if (value is null)
            {
                return null;
            }

            bool readsW = IrWalk.Nodes(value).Any(n => n is SpanRef { Role: SpanRole.W });
            if (readsW && TensorGraph.ParameterElement(value) is null)
            {
                Report(DiagnosticDescriptors.BatchedUnsupported, op.Syntax, "The factor '" + Abbreviate(op.Syntax) + "'",
                    "pass a constant, the type's data, or an element of w itself (w[i]); a function of w is not differentiated in a batched body");
                return null;
            }

            return ConvertTo(value, IrType.ScalarOf(element));
        }

        /// <summary>
        /// A call with span arguments where a scalar is expected: a loss an objective returns (<c>Ops.SquaredLoss(x, labels,
        /// classes)</c>), else a diagnostic.
        /// </summary>
        private Expr? SpanCall(IInvocationOperation invocation, IrType resultType, int depth)
        {
            IMethodSymbol target = invocation.TargetMethod;
            LossRule? loss = IsOps(target) ? TensorRules.FindLoss(target.Name) : null;
            if (loss is null || target.Parameters.Length != 3)
            {
                if (IsOps(target) && TensorRules.Find(target.Name) is not null && kind == BodyKind.Layer && !batched)
                {
                    Report(DiagnosticDescriptors.TensorOperationPerSample, invocation.Syntax, "'Ops." + target.Name + "'", PerSampleHint);
                }
                else
                {
                    Report(DiagnosticDescriptors.NoTensorRule, invocation.Syntax, IsOps(target) ? "Ops." + target.Name : CallName(target), SpanCallHint);
                }

                return null;
            }

            if (kind != BodyKind.Objective)
            {
                Report(DiagnosticDescriptors.NoTensorRule, invocation.Syntax, "Ops." + target.Name,
                    "a loss belongs in a [MoreauObjective] method, 'return Ops." + target.Name + "(x, labels, classes);'");
                return null;
            }

            var args = new Expr?[3];
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                int ordinal = argument.Parameter!.Ordinal;
                IOperation value = argument.Value;
                switch (ordinal)
                {
                    case 0:
                    {
                        IOperation scores = value;
                        while (scores is IConversionOperation conversion && IsSpanType(conversion.Operand.Type))
                        {
                            scores = conversion.Operand;
                        }

                        if (scores is IParameterReferenceOperation { Parameter: var parameter } && SpanRoleOf(parameter) == SpanRole.X)
                        {
                            args[0] = new SpanRef(SpanRole.X, IrType.SpanOf(element, readOnly: true));
                        }
                        else
                        {
                            Unsupported(value, "The scores '" + Abbreviate(value.Syntax) + "'", "pass the objective's span " + method.Parameters[0].Name + " itself");
                        }

                        break;
                    }

                    case 1:
                        args[1] = LabelsArgument(value, depth);
                        break;
                    default:
                        args[2] = SizeArgument(value);
                        break;
                }
            }

            if (args.Any(a => a is null))
            {
                return null;
            }

            return ConvertTo(new OpsCall(loss.Method, IrType.ScalarOf(element), new EquatableArray<Expr>(args!)), resultType);
        }

        /// <summary>The labels of a loss: the type's data, an int[] or a ReadOnlySpan&lt;int&gt; field, property or primary-constructor parameter.</summary>
        private Expr? LabelsArgument(IOperation value, int depth)
        {
            while (value is IConversionOperation conversion)
            {
                value = conversion.Operand;
            }

            IrType labels = IrType.SpanOf(ScalarKind.Int32, readOnly: true);
            bool intSpan = value.Type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Int32 } ||
                           (IsSpanType(value.Type) && ((INamedTypeSymbol)value.Type!).TypeArguments[0].SpecialType == SpecialType.System_Int32);
            Expr? data = !intSpan ? null : value switch
            {
                IFieldReferenceOperation field => MemberData(field.Field, field.Instance, labels),
                IPropertyReferenceOperation { Property.IsIndexer: false } property => MemberData(property.Property, property.Instance, labels),
                IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter }
                    when SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type) => new LayerData(Identifier(parameter.Name), labels),
                _ => null,
            };
            if (data is null)
            {
                Unsupported(value, "The labels '" + Abbreviate(value.Syntax) + "'",
                    "pass the objective's own data: an int[] or ReadOnlySpan<int> field, property or primary-constructor parameter (set per batch)");
                return null;
            }

            if (value is IParameterReferenceOperation reference)
            {
                reserved.Add(reference.Parameter.Name);
            }

            _ = depth;
            return data;
        }

        // ---- the dataflow checks ---------------------------------------------------------------------

        private Slice Sliced(Slice slice, SyntaxNode syntax)
        {
            sliceTexts[slice] = syntax.ToString();
            return slice;
        }

        /// <summary>Builds the body's dataflow graph and reports what it cannot differentiate at the offending call or argument.</summary>
        private TensorGraph CheckGraph(List<Stmt> body)
        {
            TensorGraph graph = TensorGraph.Build(body, IrType.ScalarOf(element), method.Parameters.Select(p => p.Name).ToArray(), RuleTable.Standard,
                slice => sliceTexts.TryGetValue(slice, out string? text) ? text : "a slice");
            foreach (TensorProblem problem in graph.Problems)
            {
                SyntaxNode where = problem.Statement < batchedSyntax.Count ? batchedSyntax[problem.Statement].Statement : methodSyntax!;
                if (problem.Argument is int argument && problem.Statement < batchedSyntax.Count && argument < batchedSyntax[problem.Statement].Arguments.Length &&
                    batchedSyntax[problem.Statement].Arguments[argument] is { } argumentSyntax)
                {
                    where = argumentSyntax;
                }

                string[] a = problem.Arguments;
                switch (problem.Kind)
                {
                    case TensorProblemKind.ReadBeforeWritten:
                        Report(DiagnosticDescriptors.SpanReadBeforeWritten, where, a[0]);
                        break;
                    case TensorProblemKind.InPlaceNotAllowed:
                        Report(DiagnosticDescriptors.SpansOverlap, where, a[0] + " writes its output over its input '" + a[1] + "' ('" + a[2] + "')",
                            "write the result to another span, for example a temporary 'Span<T> t = new T[n];'");
                        break;
                    case TensorProblemKind.OutputOverlapsInput:
                        Report(DiagnosticDescriptors.SpansOverlap, where, "The output '" + a[1] + "' of " + a[0] + " overlaps its input '" + a[2] + "' in part, or cannot be shown not to",
                            "pass separate spans, or the very same span where the operation allows it (Relu, Tanh, Sigmoid, Add, Multiply, Scale)");
                        break;
                    case TensorProblemKind.ViewsOverlap:
                        Report(DiagnosticDescriptors.SpansOverlap, where, "The spans '" + a[0] + "' and '" + a[1] + "' overlap in part, or cannot be shown not to",
                            "use views of y and of temporaries that are the same or end where the other starts (y[..k] and y[k..])");
                        break;
                    case TensorProblemKind.OutputNotCovered:
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputNotCovered, LocationInfo.From(methodSyntax!.Identifier), method.Name, a[0]));
                        break;
                }
            }

            return graph;
        }
    }
}
