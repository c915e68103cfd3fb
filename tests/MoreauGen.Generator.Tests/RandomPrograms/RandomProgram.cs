using System.Globalization;
using System.Text;

namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>The constructs a random program contains, for the report and for coverage assertions.</summary>
[Flags]
internal enum Construct : long
{
    None = 0,
    Loop = 1 << 0,
    NestedLoop = 1 << 1,
    TriangularLoop = 1 << 2,
    OverwrittenLocal = 1 << 3,
    LoopCarriedLocal = 1 << 4,
    Branch = 1 << 5,
    ConditionalExpression = 1 << 6,
    MathCall = 1 << 7,
    Helper = 1 << 8,
    CustomPullbackHelper = 1 << 9,
    OutputAccumulatedInLoop = 1 << 10,
    IndexLocal = 1 << 11,
    Kink = 1 << 12,
    SteppedLoop = 1 << 13,
    InstanceBound = 1 << 14,

    /// <summary>Asin, Acos, Atan2, Hypot, Log10, Log2, FusedMultiplyAdd, Clamp, Sinh, Cosh.</summary>
    FurtherMath = 1 << 15,

    /// <summary>Sign, Floor, Ceiling, Round, Truncate: zero derivative between jumps.</summary>
    PiecewiseConstant = 1 << 16,

    /// <summary><c>if (c) { break; }</c> in a loop.</summary>
    Break = 1 << 17,

    /// <summary><c>if (c) { continue; }</c> in a loop.</summary>
    Continue = 1 << 18,

    /// <summary><c>if (c) { return; }</c>, at the top or inside loops and branches.</summary>
    EarlyReturn = 1 << 19,

    /// <summary>A switch statement on a loop index.</summary>
    Switch = 1 << 20,

    /// <summary>A switch expression on a value (relational patterns) or a loop index.</summary>
    SwitchExpression = 1 << 21,

    /// <summary><c>foreach (double v in x)</c>.</summary>
    ForEach = 1 << 22,

    /// <summary>An int count and a bool carried across a loop's iterations, read after it.</summary>
    CarriedIntAndBool = 1 << 23,

    /// <summary>A helper of the layer's own type without an attribute, writing out or ref parameters (static or instance).</summary>
    OwnHelperOut = 1 << 24,

    /// <summary>A <c>while</c> loop bounded by an int counter (with a condition on values, or <c>while (true)</c> and a break).</summary>
    WhileLoop = 1 << 28,

    /// <summary>A <c>do</c> loop bounded by an int counter.</summary>
    DoLoop = 1 << 29,

    /// <summary>An int counter carried across iterations read as an index.</summary>
    CounterIndex = 1 << 30,

    /// <summary>A scratch array (<c>stackalloc double[n]</c> or <c>new double[n]</c>) written and read element by element.</summary>
    ScratchArray = 1L << 31,

    /// <summary>A view: <c>a[i..j]</c>, <c>Slice</c> or <c>AsSpan</c> of w, x or a scratch array.</summary>
    View = 1L << 32,

    /// <summary><c>foreach</c> over a scratch array or a view of it.</summary>
    ForEachView = 1L << 33,

    /// <summary><c>CopyTo</c> from a view of w or x into scratch, or <c>Fill</c> of scratch.</summary>
    SpanCopy = 1L << 34,

    /// <summary>A call of the type's own helper that reads views of w, x or scratch and writes a Span, an out and a ref argument.</summary>
    SpanHelper = 1L << 36,

    /// <summary>A value returned by the type's own instance helper that takes a view and a bool (foreach over the view).</summary>
    SpanHelperValue = 1L << 37,

    /// <summary><c>if (c) { y[i] = …; return; }</c>: an output written by an arm that returns.</summary>
    OutputWrittenBeforeReturn = 1L << 38,

    /// <summary>A <c>while</c> or <c>do</c> loop that no int counter bounds (a value falling by a fixed step, or a bool flag).</summary>
    UnboundedLoop = 1L << 39,
}

/// <summary>
/// One random layer body, printed twice: as a <c>[MoreauLayer]</c> method for the generator, and as a plain reference
/// method on arrays that records, through a <see cref="Trace"/>, every branch decision and the distance of every
/// comparison and kink from its switch. Bodies are valid by construction: indices stay in range, divisions,
/// logarithms, square roots and powers get safe arguments, and updates inside loops grow values at most
/// geometrically (a program whose values still overflow is replaced by the test).
/// </summary>
internal sealed partial class RandomProgram
{
    private const int MaxDepth = 3;

    private readonly Random random;
    private readonly StringBuilder layer = new();
    private readonly StringBuilder reference = new();
    private readonly List<string> locals = new();
    private readonly List<Loop> loops = new();
    private readonly HashSet<string> carriedCandidates = new();
    private int indent;
    private int nameCounter;
    private int statementBudget;
    private bool ownHelpers;

    private RandomProgram(int seed, string name)
    {
        random = new Random(seed);
        Name = name;
        Parameters = random.Next(1, 7);
        Inputs = random.Next(1, 6);
        Outputs = random.Next(1, 5);
    }

    /// <summary>The layer type's name (the reference is <c>{Name}Reference</c>).</summary>
    public string Name { get; }

    public int Parameters { get; }

    public int Inputs { get; }

    public int Outputs { get; }

    public Construct Constructs { get; private set; }

    /// <summary>The C# of the layer type and of its reference.</summary>
    public string Source => LayerSource + "\n" + ReferenceSource;

    /// <summary>The C# of the layer type (in double).</summary>
    public string LayerSource { get; private set; } = string.Empty;

    /// <summary>The C# of the instrumented reference (always in double).</summary>
    public string ReferenceSource { get; private set; } = string.Empty;

    /// <summary>The helpers of <see cref="Library"/> in float, in the namespace <c>RandomProgramsFloat</c>.</summary>
    public static string FloatLibrary => ToFloat(Library).Replace("namespace RandomPrograms", "namespace RandomProgramsFloat", StringComparison.Ordinal);

    /// <summary>
    /// Layer code printed in double, rewritten for float: the type, the Math class and the literals (which get an f), so
    /// that a float layer computes in float throughout.
    /// </summary>
    public static string ToFloat(string code)
    {
        string text = System.Text.RegularExpressions.Regex.Replace(code, @"\bdouble\b", "float");
        // Math.Clamp has float overloads and no MathF form.
        text = System.Text.RegularExpressions.Regex.Replace(text, @"\bMath\.(?!Clamp\b)", "MathF.");
        return System.Text.RegularExpressions.Regex.Replace(text, @"(?<![\w.])(\d+\.\d+)(?![\w.])", "$1f");
    }

    /// <summary>A loop index in scope; <paramref name="Counted"/> for a while/do counter's, known only as the data runs (never a loop bound: MG0029).</summary>
    private sealed record Loop(string Index, int Bound, bool Counted = false);

    /// <summary>Two printings of the same code: for the layer, and for the instrumented reference.</summary>
    private readonly record struct Code(string Layer, string Reference)
    {
        public static Code Same(string text) => new(text, text);
    }

    public static RandomProgram Create(int seed, string name)
    {
        var program = new RandomProgram(seed, name);
        program.Build();
        return program;
    }

    /// <summary>The helpers the programs call, and the trace the references report to (one copy per compilation).</summary>
    public const string Library = """
        namespace RandomPrograms
        {
            using System;
            using MoreauGen;

            public static class H
            {
                [Differentiable]
                public static double Softplus(double a) => Math.Log(1 + Math.Exp(a));

                [Differentiable]
                public static double LeakyRelu(double a)
                {
                    if (a > 0)
                    {
                        return a;
                    }

                    return 0.1 * a;
                }

                [Differentiable]
                public static double Blend(double a, double b) => a * Math.Tanh(b) + 0.5 * Softplus(b);

                [Differentiable]
                public static double Iterated(double a)
                {
                    double s = a;
                    for (int i = 0; i < 3; i++)
                    {
                        s = Math.Sin(s) + 0.5 * a;
                    }

                    return s;
                }

                [CustomPullback(nameof(SquashPullback))]
                public static double Squash(double a) => a / (1 + a * a);

                public static void SquashPullback(double a, double adjoint, out double da)
                {
                    double q = 1 + a * a;
                    da = adjoint * (1 - a * a) / (q * q);
                }
            }
        }
        """;

    private void Build()
    {
        LayerLine("public partial class " + Name);
        LayerLine("{");
        indent++;
        bool instanceBound = random.Next(4) == 0;
        if (instanceBound)
        {
            LayerLine("private readonly int n = 3;");
            ReferenceLine("private static readonly int n = 3;");
        }

        LayerLine($"[MoreauLayer(Parameters = {Parameters}, Inputs = {Inputs}, Outputs = {Outputs})]");
        LayerLine("public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)");
        ReferenceLine("public static void Evaluate(double[] w, double[] x, double[] y, global::MoreauGen.Generator.Tests.RandomPrograms.Trace t)");
        Line("{");
        indent++;

        // Every output is written first (a straight-line start), then the random statements.
        for (int k = 0; k < Outputs; k++)
        {
            Code value = Expression(2);
            Emit(new Code($"y[{k}] = {value.Layer};", $"y[{k}] = t.V({value.Reference});"));
        }

        statementBudget = random.Next(3, 10);
        Block(0, instanceBound);
        indent--;
        Line("}");
        if (ownHelpers)
        {
            OwnHelpers();
        }

        if (spanHelpers)
        {
            SpanHelpers();
        }

        indent--;
        LayerLine("}");

        LayerSource = layer.ToString();
        var source = new StringBuilder();
        source.AppendLine("public static class " + Name + "Reference");
        source.AppendLine("{");
        source.Append(reference);
        source.AppendLine("}");
        ReferenceSource = source.ToString();
    }

    // ---- statements ---------------------------------------------------------------------------------------

    private void Block(int depth, bool instanceBound)
    {
        int count = depth == 0 ? statementBudget : random.Next(1, 4);
        int scopeStart = locals.Count;
        for (int s = 0; s < count && statementBudget > 0; s++)
        {
            statementBudget--;
            Statement(depth, instanceBound);
        }

        locals.RemoveRange(scopeStart, locals.Count - scopeStart);
    }

    private void Statement(int depth, bool instanceBound)
    {
        if (random.Next(100) < 14 && ControlFlowStatement(depth, instanceBound))
        {
            return;
        }

        if (random.Next(100) < 6)
        {
            ScratchStatement();
            return;
        }

        if (random.Next(100) < 5)
        {
            SpanHelperCall();
            return;
        }

        int choice = random.Next(100);
        if (choice < 22 && depth < MaxDepth)
        {
            ForLoop(depth, instanceBound);
        }
        else if (choice < 34 && depth < MaxDepth)
        {
            IfElse(depth, instanceBound);
        }
        else if (choice < 52 && random.Next(6) == 0)
        {
            OwnHelperCall();
        }
        else if (choice < 52 || locals.Count == 0)
        {
            string name = "v" + nameCounter++;
            Code value = Expression(3);
            Emit(new Code($"double {name} = {value.Layer};", $"double {name} = t.V({value.Reference});"));
            locals.Add(name);
            carriedCandidates.Add(name);
        }
        else if (choice < 78)
        {
            Overwrite();
        }
        else if (choice < 86 && loops.Count > 0 && random.Next(3) == 0)
        {
            // int locals for indices, computed from loop indices.
            Loop loop = loops[random.Next(loops.Count)];
            string name = "k" + nameCounter++;
            Emit(Code.Same($"int {name} = {loop.Index} * 2 + {random.Next(3)};"));
            Constructs |= Construct.IndexLocal;
            Code value = Expression(2);
            string target = $"y[{name} % {Outputs}]";
            Emit(new Code($"{target} += 0.5 * {value.Layer};", $"{target} = t.V({target} + 0.5 * {value.Reference});"));
            Constructs |= Construct.OutputAccumulatedInLoop;
        }
        else
        {
            string index = Index(Outputs);
            Code value = Expression(3);
            if (random.Next(3) == 0)
            {
                Code factor = Bounded(2);
                Emit(new Code($"y[{index}] *= 0.6 + 0.3 * Math.Tanh({factor.Layer});", $"y[{index}] = t.V(y[{index}] * (0.6 + 0.3 * Math.Tanh({factor.Reference})));"));
                Constructs |= Construct.MathCall;
            }
            else
            {
                Emit(new Code($"y[{index}] += 0.5 * {value.Layer};", $"y[{index}] = t.V(y[{index}] + 0.5 * {value.Reference});"));
            }

            if (loops.Count > 0)
            {
                Constructs |= Construct.OutputAccumulatedInLoop;
            }
        }
    }

    /// <summary>
    /// A call of the type's own helpers (no attribute): <c>Polar</c> declares two locals through <c>out double</c>; <c>Nudge</c>
    /// (an instance helper reading a field) updates a local through <c>ref</c>.
    /// </summary>
    private void OwnHelperCall()
    {
        ownHelpers = true;
        Constructs |= Construct.OwnHelperOut | Construct.MathCall;
        if (locals.Count > 0 && random.Next(2) == 0)
        {
            string name = locals[random.Next(locals.Count)];
            Code a = Expression(2);
            Emit(new Code($"Nudge(ref {name}, {a.Layer});", $"Nudge(ref {name}, {a.Reference});"));
            Constructs |= Construct.OverwrittenLocal | (loops.Count > 0 ? Construct.LoopCarriedLocal : Construct.None);
            return;
        }

        string first = "v" + nameCounter++, second = "v" + nameCounter++;
        Code p = Expression(2), q = Bounded(2);
        Emit(new Code($"Polar({p.Layer}, {q.Layer}, out double {first}, out double {second});", $"Polar({p.Reference}, {q.Reference}, out double {first}, out double {second});"));
        locals.Add(first);
        locals.Add(second);
        carriedCandidates.Add(first);
        carriedCandidates.Add(second);
    }

    /// <summary>The own helpers' declarations: instance ones in the layer, static ones (with a static field) in the reference.</summary>
    private void OwnHelpers()
    {
        LayerLine("private readonly double gain = 0.75;");
        ReferenceLine("private static readonly double gain = 0.75;");
        foreach (string modifier in new[] { "private", "private static" })
        {
            (modifier == "private" ? (Action<string>)LayerLine : ReferenceLine)($"{modifier} void Nudge(ref double s, double a)");
        }

        Line("{");
        Line("    s = 0.5 * s + gain * Math.Tanh(a);");
        Line("}");
        Line("private static void Polar(double a, double b, out double r, out double s)");
        Line("{");
        Line("    double q = 1 + a * a;");
        Line("    r = Math.Sqrt(q + b * b);");
        Line("    s = Math.Tanh(a) * b / q;");
        Line("}");
    }

    /// <summary>An assignment to a local that already has a value (in a loop, a carried one).</summary>
    private void Overwrite()
    {
        string name = locals[random.Next(locals.Count)];
        Constructs |= Construct.OverwrittenLocal;
        if (loops.Count > 0)
        {
            Constructs |= Construct.LoopCarriedLocal;
        }

        Code bounded = Bounded(2);
        switch (random.Next(4))
        {
            case 0:
                // A recurrence, as in s = cos(s) + w[i].
                Constructs |= Construct.MathCall;
                Emit(new Code($"{name} = Math.Cos({name}) + {bounded.Layer};", $"{name} = t.V(Math.Cos({name}) + {bounded.Reference});"));
                break;
            case 1:
                // A running product with a bounded factor.
                Constructs |= Construct.MathCall;
                Emit(new Code($"{name} *= 0.6 + 0.3 * Math.Tanh({bounded.Layer});", $"{name} = t.V({name} * (0.6 + 0.3 * Math.Tanh({bounded.Reference})));"));
                break;
            case 2:
                // An accumulator.
                Emit(new Code($"{name} += 0.5 * {bounded.Layer};", $"{name} = t.V({name} + 0.5 * {bounded.Reference});"));
                break;
            default:
            {
                Code value = Expression(3);
                Emit(new Code($"{name} = 0.5 * {name} * {bounded.Layer} + {value.Layer};", $"{name} = t.V(0.5 * {name} * {bounded.Reference} + {value.Reference});"));
                break;
            }
        }
    }

    private void ForLoop(int depth, bool instanceBound)
    {
        string index = "i" + nameCounter++;
        string bound;
        int maxBound;
        bool triangular = false;
        int kind = random.Next(6);
        List<Loop> fixedLoops = loops.Where(l => !l.Counted).ToList();
        if (kind == 0 && fixedLoops.Count > 0)
        {
            Loop outer = fixedLoops[random.Next(fixedLoops.Count)];
            bound = random.Next(2) == 0 ? $"{outer.Index} + 1" : outer.Index;
            maxBound = outer.Bound + 1;
            triangular = true;
        }
        else if (kind == 1)
        {
            bound = "x.Length";
            maxBound = Inputs;
        }
        else if (kind == 2 && instanceBound)
        {
            bound = "n";
            maxBound = 3;
        }
        else
        {
            maxBound = random.Next(1, 4);
            bound = maxBound.ToString(CultureInfo.InvariantCulture);
        }

        // Start at 1 now and then (a loop may still run zero times, as a triangular one at its first outer index).
        int start = random.Next(5) == 0 && maxBound >= 2 && !triangular ? 1 : 0;
        bool stepped = random.Next(6) == 0;
        string header = $"for (int {index} = {start}; {index} < {bound}; {index}{(stepped ? " += 2" : "++")})";
        Constructs |= Construct.Loop | (loops.Count > 0 ? Construct.NestedLoop : Construct.None) |
                      (triangular ? Construct.TriangularLoop : Construct.None) |
                      (stepped ? Construct.SteppedLoop : Construct.None) |
                      (bound == "n" ? Construct.InstanceBound : Construct.None);
        Line(header);
        Line("{");
        indent++;
        loops.Add(new Loop(index, maxBound));
        Block(depth + 1, instanceBound);
        loops.RemoveAt(loops.Count - 1);
        indent--;
        Line("}");
    }

    private void IfElse(int depth, bool instanceBound)
    {
        Constructs |= Construct.Branch;
        Code condition = Condition();
        Emit(new Code($"if ({condition.Layer})", $"if ({condition.Reference})"));
        Line("{");
        indent++;
        Block(depth + 1, instanceBound);
        indent--;
        Line("}");
        if (random.Next(3) > 0)
        {
            Line("else");
            Line("{");
            indent++;
            Block(depth + 1, instanceBound);
            indent--;
            Line("}");
        }
    }

    /// <summary>A comparison of a value with a constant, or (in loops) of indices.</summary>
    private Code Condition()
    {
        if (loops.Count > 0 && random.Next(3) == 0)
        {
            Loop loop = loops[random.Next(loops.Count)];
            return Code.Same(random.Next(2) == 0 ? $"{loop.Index} % 2 == 0" : $"{loop.Index} > {random.Next(2)}");
        }

        Code value = Expression(2);
        string constant = Constant(-0.5, 0.5);
        string op = random.Next(2) == 0 ? ">" : "<";
        Code comparison = new($"{value.Layer} {op} {constant}", $"t.Compare({value.Reference}, {constant}, {(op == ">" ? "true" : "false")})");
        if (random.Next(5) == 0)
        {
            Code other = Expression(1);
            string second = Constant(-0.5, 0.5);
            return new Code($"{comparison.Layer} && {other.Layer} > {second}", $"{comparison.Reference} & t.Compare({other.Reference}, {second}, true)");
        }

        return comparison;
    }

    // ---- expressions ---------------------------------------------------------------------------------------

    private Code Expression(int depth)
    {
        if (depth <= 0)
        {
            return Leaf(allowLocals: true);
        }

        switch (random.Next(18))
        {
            case 0 or 1:
                return Leaf(allowLocals: true);
            case 2 or 3:
            {
                Code a = Expression(depth - 1), b = Expression(depth - 1);
                string op = random.Next(2) == 0 ? "+" : "-";
                return new Code($"({a.Layer} {op} {b.Layer})", $"({a.Reference} {op} {b.Reference})");
            }

            case 4:
            {
                Code a = Expression(depth - 1), b = Bounded(depth - 1);
                return new Code($"({a.Layer} * {b.Layer})", $"({a.Reference} * {b.Reference})");
            }

            case 5:
            {
                Code a = Expression(depth - 1), b = Bounded(depth - 1);
                return new Code($"({a.Layer} / (1.5 + Math.Tanh({b.Layer})))", $"({a.Reference} / (1.5 + Math.Tanh({b.Reference})))");
            }

            case 6:
            {
                Code a = Expression(depth - 1);
                return new Code($"(-{a.Layer})", $"(-{a.Reference})");
            }

            case 7 or 8:
                return Bounded(depth);
            case 9:
            {
                Constructs |= Construct.MathCall;
                Code a = Expression(depth - 1);
                return random.Next(2) == 0
                    ? new Code($"Math.Log(1 + {a.Layer} * {a.Layer})", $"Math.Log(1 + {a.Reference} * {a.Reference})")
                    : new Code($"Math.Sqrt(1 + {a.Layer} * {a.Layer})", $"Math.Sqrt(1 + {a.Reference} * {a.Reference})");
            }

            case 10:
            {
                // Kinks: |a|, max and min with a constant.
                Constructs |= Construct.MathCall | Construct.Kink;
                Code a = Expression(depth - 1);
                string constant = Constant(-0.5, 0.5);
                return random.Next(3) switch
                {
                    0 => new Code($"Math.Abs({a.Layer})", $"Math.Abs(t.Kink({a.Reference}, 0))"),
                    1 => new Code($"Math.Max({a.Layer}, {constant})", $"Math.Max(t.Kink({a.Reference}, {constant}), {constant})"),
                    _ => new Code($"Math.Min({constant}, {a.Layer})", $"Math.Min({constant}, t.Kink({a.Reference}, {constant}))"),
                };
            }

            case 11:
            {
                Constructs |= Construct.ConditionalExpression;
                Code condition = Condition();
                Code a = Expression(depth - 1), b = Expression(depth - 1);
                return new Code($"({condition.Layer} ? {a.Layer} : {b.Layer})", $"({condition.Reference} ? {a.Reference} : {b.Reference})");
            }

            case 12 or 13:
                return HelperCall(depth);
            case 16:
                return FurtherMath(depth);
            case 17:
                return PiecewiseConstant(depth);
            default:
            {
                Code a = Expression(depth - 1), b = Expression(depth - 1);
                return new Code($"({a.Layer} + 0.5 * {b.Layer})", $"({a.Reference} + 0.5 * {b.Reference})");
            }
        }
    }

    /// <summary>A call of one of the further Math functions, on arguments where it is smooth (Clamp's kinks are recorded).</summary>
    private Code FurtherMath(int depth)
    {
        Constructs |= Construct.MathCall | Construct.FurtherMath;
        Code a = Expression(depth - 1);
        switch (random.Next(9))
        {
            case 0:
                return new Code($"Math.Asin(0.9 * Math.Tanh({a.Layer}))", $"Math.Asin(0.9 * Math.Tanh({a.Reference}))");
            case 1:
                return new Code($"Math.Acos(0.9 * Math.Tanh({a.Layer}))", $"Math.Acos(0.9 * Math.Tanh({a.Reference}))");
            case 2:
            {
                Code b = Expression(depth - 1);
                return new Code($"Math.Atan2({a.Layer}, 1.5 + Math.Tanh({b.Layer}))", $"Math.Atan2({a.Reference}, 1.5 + Math.Tanh({b.Reference}))");
            }

            case 3:
            {
                Code b = Expression(depth - 1);
                return new Code($"double.Hypot({a.Layer}, 1.0 + 0.5 * Math.Tanh({b.Layer}))", $"double.Hypot({a.Reference}, 1.0 + 0.5 * Math.Tanh({b.Reference}))");
            }

            case 4:
                return random.Next(2) == 0
                    ? new Code($"Math.Log10(1 + {a.Layer} * {a.Layer})", $"Math.Log10(1 + {a.Reference} * {a.Reference})")
                    : new Code($"Math.Log2(1 + {a.Layer} * {a.Layer})", $"Math.Log2(1 + {a.Reference} * {a.Reference})");
            case 5:
            {
                Code b = Bounded(depth - 1), c = Expression(depth - 1);
                return new Code($"Math.FusedMultiplyAdd({a.Layer}, {b.Layer}, {c.Layer})", $"Math.FusedMultiplyAdd({a.Reference}, {b.Reference}, {c.Reference})");
            }

            case 6:
            {
                Constructs |= Construct.Kink;
                string constant = Constant(0.25, 1.5);
                return new Code($"Math.Clamp({a.Layer}, -{constant}, {constant})",
                    $"Math.Clamp(t.Kink(t.Kink({a.Reference}, -{constant}), {constant}), -{constant}, {constant})");
            }

            case 7:
                return new Code($"Math.Sinh(Math.Tanh({a.Layer}))", $"Math.Sinh(Math.Tanh({a.Reference}))");
            default:
                return new Code($"Math.Cosh(Math.Tanh({a.Layer}))", $"Math.Cosh(Math.Tanh({a.Reference}))");
        }
    }

    /// <summary>A piecewise-constant function of a bounded value times an expression; the distance from its jumps is recorded.</summary>
    private Code PiecewiseConstant(int depth)
    {
        Constructs |= Construct.MathCall | Construct.PiecewiseConstant;
        Code a = Expression(depth - 1), b = Expression(depth - 1);
        string argument = $"2.5 * Math.Tanh({a.Layer})", recorded = $"2.5 * Math.Tanh({a.Reference})";
        return random.Next(5) switch
        {
            0 => new Code($"(Math.Sign({argument}) * {b.Layer})", $"(Math.Sign(t.Kink({recorded}, 0)) * {b.Reference})"),
            1 => new Code($"(Math.Floor({argument}) * {b.Layer})", $"(Math.Floor(t.Jump({recorded}, 0)) * {b.Reference})"),
            2 => new Code($"(Math.Ceiling({argument}) * {b.Layer})", $"(Math.Ceiling(t.Jump({recorded}, 0)) * {b.Reference})"),
            3 => new Code($"(Math.Round({argument}) * {b.Layer})", $"(Math.Round(t.Jump({recorded}, 0.5)) * {b.Reference})"),
            _ => new Code($"(Math.Truncate({argument}) * {b.Layer})", $"(Math.Truncate(t.Jump({recorded}, 0)) * {b.Reference})"),
        };
    }

    /// <summary>An expression of magnitude at most about 3 (leaves of w and x, bounded functions, constants).</summary>
    private Code Bounded(int depth)
    {
        Constructs |= Construct.MathCall;
        Code inner = depth <= 0 ? Leaf(allowLocals: false) : Expression(depth - 1);
        return random.Next(7) switch
        {
            0 => new Code($"Math.Tanh({inner.Layer})", $"Math.Tanh({inner.Reference})"),
            1 => new Code($"Math.Sin({inner.Layer})", $"Math.Sin({inner.Reference})"),
            2 => new Code($"Math.Cos({inner.Layer})", $"Math.Cos({inner.Reference})"),
            3 => new Code($"Math.Atan({inner.Layer})", $"Math.Atan({inner.Reference})"),
            4 => new Code($"Math.Exp(0.5 * Math.Tanh({inner.Layer}))", $"Math.Exp(0.5 * Math.Tanh({inner.Reference}))"),
            5 => Leaf(allowLocals: false) is var exponent
                ? new Code($"Math.Pow(1.2 + Math.Tanh({inner.Layer}), {exponent.Layer})", $"Math.Pow(1.2 + Math.Tanh({inner.Reference}), {exponent.Reference})")
                : inner,
            _ => Leaf(allowLocals: false),
        };
    }

    private Code HelperCall(int depth)
    {
        Constructs |= Construct.Helper;
        Code a = Expression(depth - 1);
        switch (random.Next(5))
        {
            case 0:
            {
                Code squashed = new($"Math.Tanh({a.Layer})", $"Math.Tanh({a.Reference})");
                return new Code($"H.Softplus({squashed.Layer})", $"H.Softplus({squashed.Reference})");
            }

            case 1:
                Constructs |= Construct.Kink;
                return new Code($"H.LeakyRelu({a.Layer})", $"H.LeakyRelu(t.Kink({a.Reference}, 0))");
            case 2:
            {
                Code b = Bounded(depth - 1);
                return new Code($"H.Blend({a.Layer}, {b.Layer})", $"H.Blend({a.Reference}, {b.Reference})");
            }

            case 3:
                return new Code($"H.Iterated(Math.Tanh({a.Layer}))", $"H.Iterated(Math.Tanh({a.Reference}))");
            default:
                Constructs |= Construct.CustomPullbackHelper;
                return new Code($"H.Squash({a.Layer})", $"H.Squash({a.Reference})");
        }
    }

    private Code Leaf(bool allowLocals)
    {
        int choice = random.Next(allowLocals && locals.Count > 0 ? 5 : 4);
        string code;
        switch (choice)
        {
            case 0 or 1:
                code = $"w[{Index(Parameters)}]";
                break;
            case 2:
                code = $"x[{Index(Inputs)}]";
                break;
            case 3:
                string constant = Constant(0.25, 1.5);
                code = random.Next(2) == 0 ? "(-" + constant + ")" : constant;
                break;
            default:
                code = locals[random.Next(locals.Count)];
                break;
        }

        return Code.Same(code);
    }

    /// <summary>An index into a span of <paramref name="size"/> values: a constant, or a loop index folded into range.</summary>
    private string Index(int size)
    {
        if (loops.Count > 0 && random.Next(3) > 0)
        {
            Loop loop = loops[random.Next(loops.Count)];
            return random.Next(2) == 0 ? $"({loop.Index} + {random.Next(size)}) % {size}" : $"({loop.Index} * {random.Next(1, 3)}) % {size}";
        }

        return random.Next(size).ToString(CultureInfo.InvariantCulture);
    }

    private string Constant(double low, double high)
    {
        double value = Math.Round(low + (high - low) * random.NextDouble(), 3);
        if (Math.Abs(value) < 0.05)
        {
            value = 0.125;
        }

        return value.ToString("0.0##", CultureInfo.InvariantCulture);
    }

    // ---- printing -----------------------------------------------------------------------------------------

    private void Emit(Code code)
    {
        layer.Append(' ', 4 * indent).AppendLine(code.Layer);
        reference.Append(' ', 4 * indent).AppendLine(code.Reference);
    }

    private void Line(string text) => Emit(Code.Same(text));

    private void LayerLine(string text) => layer.Append(' ', 4 * indent).AppendLine(text);

    private void ReferenceLine(string text) => reference.Append(' ', 4 * indent).AppendLine(text);
}
