using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Analysis
{
    // The dataflow of a [MoreauLayer(Batched = true)] body: size arithmetic, span views (slices of w, x, y and of the
    // temporaries the body declares) and Ops calls. Every view is a range [Start, End) of a buffer; the ranges are
    // compared in a canonical form of their int expressions. A view of y or of a temporary is a variable: each call
    // that writes it makes a new version (single assignment over whole views), so an in-place call such as
    // Relu(y, y) reads one version and writes the next. Views of w and x are leaves. The parser builds the graph to
    // report what it cannot differentiate; the differentiator builds it again from the model to generate code.

    /// <summary>The dataflow graph of a batched body; see the comment at the top of the file.</summary>
    internal sealed class TensorGraph
    {
        private readonly Dictionary<string, Expr> intDefinitions = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SpanView> locals = new(StringComparer.Ordinal);
        private readonly List<SpanView> views = new();
        private readonly Dictionary<SpanView, List<SpanValue>> versions = new();
        private readonly Dictionary<SpanView, SpanValue> leaves = new();
        private readonly HashSet<SpanView> used = new();
        private readonly RuleTable rules;
        private readonly Func<Slice, string> describe;

        private TensorGraph(IrType element, IReadOnlyList<string> spanNames, RuleTable rules, Func<Slice, string> describe)
        {
            Element = element;
            this.rules = rules;
            this.describe = describe;
            Parameters = Buffer(SpanBufferKind.Parameters, spanNames[0], SpanRole.W);
            Inputs = Buffer(SpanBufferKind.Inputs, spanNames[1], SpanRole.X);
            Outputs = Buffer(SpanBufferKind.Outputs, spanNames[2], SpanRole.Y);
        }

        public IrType Element { get; }

        public SpanBuffer Parameters { get; }

        public SpanBuffer Inputs { get; }

        public SpanBuffer Outputs { get; }

        public List<TensorProblem> Problems { get; } = new();

        /// <summary>The body's int declarations, in order (they read only sizes and each other).</summary>
        public List<Declare> Sizes { get; } = new();

        public List<TensorOperation> Operations { get; } = new();

        public List<SpanBuffer> Temporaries { get; } = new();

        /// <summary>The final value of each view of y that is written.</summary>
        public List<SpanValue> OutputValues { get; } = new();

        /// <summary>Every value y ends with covers it (provably), so forward passes need not clear it.</summary>
        public bool WritesEveryOutput { get; private set; }

        /// <summary>The views of w and x the body reads (leaves), in order of first use.</summary>
        public IEnumerable<SpanValue> Leaves => leaves.Values;

        /// <summary>The largest degree in w and in x of the values y ends with.</summary>
        public (int W, int X) OutputDegree { get; private set; }

        /// <summary>The view a span local stands for.</summary>
        public SpanView LocalView(string name) => locals[name];

        /// <summary>Records a problem: the first one of each statement only (later ones often follow from it).</summary>
        private void AddProblem(TensorProblem problem)
        {
            if (!Problems.Any(p => p.Statement == problem.Statement))
            {
                Problems.Add(problem);
            }
        }

        /// <summary>Builds the graph of a batched body. <paramref name="spanNames"/>: the names of w, x and y in the user's code.</summary>
        /// <param name="describe">How a slice the body takes reads in messages (the parser gives the user's own text).</param>
        public static TensorGraph Build(IReadOnlyList<Stmt> body, IrType element, IReadOnlyList<string> spanNames, RuleTable rules, Func<Slice, string> describe)
        {
            var graph = new TensorGraph(element, spanNames, rules, describe);
            for (int i = 0; i < body.Count; i++)
            {
                graph.Statement(i, body[i]);
            }

            graph.Finish(body.Count);
            return graph;
        }

        private static SpanBuffer Buffer(SpanBufferKind kind, string name, SpanRole role) =>
            new(kind, name, new SpanLength(role), new SpanLength(role), role);

        private void Statement(int index, Stmt statement)
        {
            switch (statement)
            {
                case Declare { Type.Scalar: ScalarKind.Int32, Type.Shape: TypeShape.Scalar } size:
                    Sizes.Add(size);
                    if (size.Value is not null)
                    {
                        intDefinitions[size.Name] = Canonical(size.Value);
                    }

                    break;
                case Declare { Value: NewSpan newSpan } temporary:
                {
                    var buffer = new SpanBuffer(SpanBufferKind.Temporary, temporary.Name, newSpan.Length, Canonical(newSpan.Length), null);
                    Temporaries.Add(buffer);
                    SpanView view = Intern(new SpanView(buffer, new Literal(IrType.Int, 0), newSpan.Length, new Literal(IrType.Int, 0), buffer.CanonicalLength));
                    view.Name ??= temporary.Name;
                    locals[temporary.Name] = view;
                    break;
                }

                case Declare { Type.Shape: not TypeShape.Scalar, Value: { } value } spanLocal:
                {
                    SpanView view = View(value);
                    view.Name ??= spanLocal.Name;
                    locals[spanLocal.Name] = view;
                    break;
                }

                case TensorCall call:
                    Operation(index, call);
                    break;
            }
        }

        /// <summary>The view a span expression denotes: a role, a span local, or a slice of either.</summary>
        public SpanView View(Expr span)
        {
            switch (span)
            {
                case SpanRef { Role: SpanRole.W }:
                    return Whole(Parameters);
                case SpanRef { Role: SpanRole.X }:
                    return Whole(Inputs);
                case SpanRef { Role: SpanRole.Y }:
                    return Whole(Outputs);
                case Local local when locals.TryGetValue(local.Name, out SpanView? named):
                    return named;
                case Slice slice:
                {
                    SpanView outer = View(slice.Span);
                    Expr start = slice.Start;
                    Expr length = slice.Length ?? IntMath.Subtract(outer.Length, slice.Start);
                    Expr printedStart = IntMath.Add(outer.Start, start);
                    Expr canonicalStart = Canonical(IntMath.Add(outer.CanonicalStart, start));
                    Expr canonicalEnd = slice.Length is null ? outer.CanonicalEnd : Canonical(IntMath.Add(canonicalStart, slice.Length));
                    SpanView view = Intern(new SpanView(outer.Buffer, printedStart, length, canonicalStart, canonicalEnd));
                    if (view.Text.Length == 0)
                    {
                        view.Text = describe(slice);
                    }

                    return view;
                }

                default:
                    throw new InvalidOperationException("Not a span view: " + span.GetType().Name + ".");
            }
        }

        private SpanView Whole(SpanBuffer buffer) =>
            Intern(new SpanView(buffer, new Literal(IrType.Int, 0), buffer.Length, new Literal(IrType.Int, 0), buffer.CanonicalLength));

        /// <summary>One object per range, so that views compare by reference from here on.</summary>
        private SpanView Intern(SpanView view)
        {
            foreach (SpanView known in views)
            {
                if (known.SameRange(view))
                {
                    return known;
                }
            }

            views.Add(view);
            return view;
        }

        /// <summary>Views of y or of a temporary that calls use must be the same range or provably disjoint (each is a variable of its own).</summary>
        private void CheckViews(int statement, int argument, SpanView view)
        {
            if (view.Buffer.IsLeaf || !used.Add(view))
            {
                return;
            }

            foreach (SpanView other in used)
            {
                if (!ReferenceEquals(other, view) && !other.DisjointFrom(view))
                {
                    AddProblem(new TensorProblem(statement, argument, TensorProblemKind.ViewsOverlap, new[] { view.Describe(), other.Describe() }));
                    return;
                }
            }
        }

        private void Operation(int index, TensorCall call)
        {
            TensorRule rule = rules.FindTensor(call.Method) ?? throw new InvalidOperationException("No rule for Ops." + call.Method + ".");
            var operation = new TensorOperation(index, call, rule);
            Need varying = Need.None;
            var readDegrees = new List<(int W, int X)>();
            for (int i = 0; i < rule.Parameters.Count; i++)
            {
                TensorParameter parameter = rule.Parameters[i];
                var operand = new TensorOperand(parameter, call.Args[i]);
                operation.Operands.Add(operand);
                if (parameter.IsSpan)
                {
                    operand.View = View(call.Args[i]);
                    CheckViews(index, i, operand.View);
                    if (parameter.IsRead)
                    {
                        operand.Read = Current(index, i, operand.View);
                        varying |= operand.Read.Varying;
                        readDegrees.Add(operand.Read.Degree);
                    }
                }
                else if (parameter.Kind == TensorParameterKind.Scalar)
                {
                    operand.Differentiable = ParameterElement(call.Args[i]);
                    if (operand.Differentiable is not null)
                    {
                        varying |= Need.W;
                        readDegrees.Add((1, 0));
                    }
                }
            }

            TensorParameter written = rule.Written;
            SpanView output = operation.Operand(written.Name).View!;
            for (int i = 0; i < rule.Parameters.Count; i++)
            {
                TensorParameter parameter = rule.Parameters[i];
                if (parameter.Kind != TensorParameterKind.Input)
                {
                    continue;
                }

                SpanView input = operation.Operands[i].View!;
                if (ReferenceEquals(input, output))
                {
                    if (!rule.InPlace.Contains(parameter.Name))
                    {
                        AddProblem(new TensorProblem(index, i, TensorProblemKind.InPlaceNotAllowed, new[] { "Ops." + rule.Method, parameter.Name, input.Describe() }));
                    }
                }
                else if (!input.DisjointFrom(output))
                {
                    AddProblem(new TensorProblem(index, i, TensorProblemKind.OutputOverlapsInput, new[] { "Ops." + rule.Method, output.Describe(), input.Describe() }));
                }
            }

            operation.Output = Write(output, operation, varying, Degree(rule.Degree, readDegrees));
            Operations.Add(operation);
        }

        private static (int W, int X) Degree(TensorDegree kind, List<(int W, int X)> inputs)
        {
            int w = 0, x = 0;
            foreach ((int iw, int ix) in inputs)
            {
                switch (kind)
                {
                    case TensorDegree.Bilinear:
                        w += iw;
                        x += ix;
                        break;
                    case TensorDegree.Nonlinear:
                        w = Math.Max(w, iw > 0 ? 2 : 0);
                        x = Math.Max(x, ix > 0 ? 2 : 0);
                        break;
                    default:
                        w = Math.Max(w, iw);
                        x = Math.Max(x, ix);
                        break;
                }
            }

            return (Math.Min(w, 2), Math.Min(x, 2));
        }

        /// <summary>A scalar argument that is an element of w (it has a derivative), else null.</summary>
        public static Element? ParameterElement(Expr scalar) =>
            scalar is Element { Span: SpanRef { Role: SpanRole.W } } element ? element : null;

        /// <summary>The value a read of <paramref name="view"/> sees.</summary>
        private SpanValue Current(int statement, int argument, SpanView view)
        {
            if (view.Buffer.IsLeaf)
            {
                if (!leaves.TryGetValue(view, out SpanValue? leaf))
                {
                    bool isW = view.Buffer.Kind == SpanBufferKind.Parameters;
                    leaf = new SpanValue(view, 0, null, isW ? Need.W : Need.X, isW ? (1, 0) : (0, 1)) { IsFinal = true };
                    leaves[view] = leaf;
                }

                return leaf;
            }

            if (versions.TryGetValue(view, out List<SpanValue>? written) && written.Count > 0)
            {
                return written[written.Count - 1];
            }

            AddProblem(new TensorProblem(statement, argument, TensorProblemKind.ReadBeforeWritten, new[] { view.Describe() }));
            return new SpanValue(view, 0, null, Need.None, (0, 0));
        }

        private SpanValue Write(SpanView view, TensorOperation producer, Need varying, (int W, int X) degree)
        {
            if (!versions.TryGetValue(view, out List<SpanValue>? written))
            {
                written = new List<SpanValue>();
                versions[view] = written;
            }

            // Only the last version of a view is final (each write clears its predecessor): clearing that one is enough, and
            // keeps a view written n times linear (clearing every earlier version made it quadratic).
            if (written.Count > 0)
            {
                written[written.Count - 1].IsFinal = false;
            }

            var value = new SpanValue(view, written.Count + 1, producer, varying, degree) { IsFinal = true };
            written.Add(value);
            return value;
        }

        private void Finish(int statements)
        {
            var outputViews = versions.Keys.Where(v => ReferenceEquals(v.Buffer, Outputs)).ToList();
            foreach (SpanView view in outputViews)
            {
                OutputValues.Add(versions[view][versions[view].Count - 1]);
            }

            OutputDegree = (OutputValues.Select(v => v.Degree.W).DefaultIfEmpty(0).Max(), OutputValues.Select(v => v.Degree.X).DefaultIfEmpty(0).Max());
            WritesEveryOutput = Covers(Outputs, outputViews);
            if (!WritesEveryOutput && Problems.Count == 0)
            {
                AddProblem(new TensorProblem(statements, null, TensorProblemKind.OutputNotCovered, new[] { Outputs.Name }));
            }
        }

        /// <summary>Whether <paramref name="ranges"/> (pairwise disjoint views of <paramref name="buffer"/>) provably cover it: a chain from 0 to its length.</summary>
        public static bool Covers(SpanBuffer buffer, IReadOnlyCollection<SpanView> ranges)
        {
            var remaining = new List<SpanView>(ranges);
            Expr at = new Literal(IrType.Int, 0);
            while (remaining.Count > 0)
            {
                SpanView? next = remaining.FirstOrDefault(v => v.CanonicalStart.Equals(at));
                if (next is null)
                {
                    return false;
                }

                remaining.Remove(next);
                at = next.CanonicalEnd;
            }

            return at.Equals(buffer.CanonicalLength);
        }

        /// <summary>
        /// An int expression in a form where equal ranges compare equal: int locals replaced by their definitions,
        /// literals folded, <c>a + (b − a)</c> and <c>(a + b) − a</c> reduced, the operands of + and * in a fixed order.
        /// </summary>
        public Expr Canonical(Expr expr)
        {
            switch (expr)
            {
                case Local { Type.Scalar: ScalarKind.Int32 } local when intDefinitions.TryGetValue(local.Name, out Expr? definition):
                    return definition;
                case Apply { Type.Scalar: ScalarKind.Int32, Op: Op.Add or Op.Subtract or Op.Multiply or Op.Divide or Op.Remainder } apply:
                {
                    Expr a = Canonical(apply.Args[0]);
                    Expr b = Canonical(apply.Args[1]);
                    switch (apply.Op)
                    {
                        case Op.Add:
                            if (b is Apply { Op: Op.Subtract } bs && bs.Args[1].Equals(a))
                            {
                                return bs.Args[0];
                            }

                            if (a is Apply { Op: Op.Subtract } aSub && aSub.Args[1].Equals(b))
                            {
                                return aSub.Args[0];
                            }

                            return Ordered(Op.Add, IntMath.Add(a, b));
                        case Op.Subtract:
                            if (a is Apply { Op: Op.Add } sum)
                            {
                                if (sum.Args[0].Equals(b))
                                {
                                    return sum.Args[1];
                                }

                                if (sum.Args[1].Equals(b))
                                {
                                    return sum.Args[0];
                                }
                            }

                            return IntMath.Subtract(a, b);
                        case Op.Multiply:
                            return Ordered(Op.Multiply, IntMath.Multiply(a, b));
                        case Op.Divide:
                            return IntMath.Divide(a, b);
                        default:
                            return new Apply(Op.Remainder, IrType.Int, EquatableArray.Of(a, b));
                    }
                }

                default:
                    return expr;
            }
        }

        /// <summary>A text key of an int expression, to put the operands of + and * in a fixed order.</summary>
        private static string Key(Expr expr) => expr switch
        {
            Literal literal => literal.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Local local => "l:" + local.Name,
            LayerData data => "d:" + data.Code,
            SpanLength length => "n:" + length.Role,
            Apply apply => apply.Op + "(" + string.Join(",", apply.Args.Select(Key)) + ")",
            _ => expr.GetType().Name,
        };

        private static Expr Ordered(Op op, Expr expr)
        {
            if (expr is Apply apply && apply.Op == op && string.CompareOrdinal(Key(apply.Args[0]), Key(apply.Args[1])) > 0)
            {
                return new Apply(op, IrType.Int, EquatableArray.Of(apply.Args[1], apply.Args[0]));
            }

            return expr;
        }
    }
}
