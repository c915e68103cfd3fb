namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>
/// Calls of the layer type's own helpers that take spans (no attribute): <c>Mix</c> reads views of w, x or scratch
/// (<c>a[i..j]</c>, <c>Slice</c>, a start that moves with a loop index) and writes a scratch array through a
/// <c>Span</c> argument, a new local through <c>out</c> and a local or an output through <c>ref</c>; <c>Pool</c>, an
/// instance helper reading a field, returns a value computed by <c>foreach</c> over a view, chosen by a bool argument.
/// The reference prints the same helpers, static, on spans of its arrays.
/// </summary>
internal sealed partial class RandomProgram
{
    private bool spanHelpers;

    private void SpanHelperCall()
    {
        spanHelpers = true;
        Constructs |= Construct.SpanHelper | Construct.View | Construct.MathCall;
        (string firstSpan, int firstSize) = random.Next(2) == 0 ? ("w", Parameters) : ("x", Inputs);
        (string secondSpan, int secondSize) = random.Next(2) == 0 ? ("w", Parameters) : ("x", Inputs);
        int length = random.Next(1, Math.Min(Math.Min(firstSize, secondSize), 4) + 1);
        string scratch = "s" + nameCounter++;
        bool stack = random.Next(2) == 0;
        Line(stack ? $"Span<double> {scratch} = stackalloc double[{Int(length)}];" : $"double[] {scratch} = new double[{Int(length)}];");
        Constructs |= Construct.ScratchArray;

        Code first = SpanView(firstSpan, firstSize, length), second = SpanView(secondSpan, secondSize, length);
        Code scale = Bounded(1);
        string dot = "v" + nameCounter++;
        string accumulated;
        if (locals.Count > 0 && random.Next(3) > 0)
        {
            accumulated = locals[random.Next(locals.Count)];
            Constructs |= Construct.OverwrittenLocal | (loops.Count > 0 ? Construct.LoopCarriedLocal : Construct.None);
        }
        else
        {
            accumulated = $"y[{Index(Outputs)}]";
            Constructs |= loops.Count > 0 ? Construct.OutputAccumulatedInLoop : Construct.None;
        }

        Emit(new Code($"Mix({first.Layer}, {second.Layer}, {scratch}, {scale.Layer}, out double {dot}, ref {accumulated});",
                      $"Mix({first.Reference}, {second.Reference}, {scratch}, {scale.Reference}, out double {dot}, ref {accumulated});"));
        locals.Add(dot);
        carriedCandidates.Add(dot);

        if (random.Next(2) == 0)
        {
            // The scratch the call wrote, pooled by a value-returning helper (a view of it now and then).
            Constructs |= Construct.SpanHelperValue;
            string pooled = "v" + nameCounter++;
            int start = random.Next(length);
            string view = start == 0 ? scratch : $"{scratch}[{Int(start)}..]";
            Code squared = random.Next(2) == 0 ? Condition() : Code.Same(random.Next(2) == 0 ? "true" : "false");
            Emit(new Code($"double {pooled} = Pool({view}, {squared.Layer});", $"double {pooled} = t.V(Pool({view}, {squared.Reference}));"));
            locals.Add(pooled);
            carriedCandidates.Add(pooled);
        }
    }

    /// <summary>A view of <paramref name="length"/> elements of w or x: a range, a Slice, or (in a loop) a start that moves with its index.</summary>
    private Code SpanView(string span, int size, int length)
    {
        List<Loop> fixedLoops = loops.Where(l => !l.Counted).ToList();
        int room = size - length + 1;
        if (fixedLoops.Count > 0 && room > 1 && random.Next(2) == 0)
        {
            Loop loop = fixedLoops[random.Next(fixedLoops.Count)];
            string start = $"({loop.Index} + {random.Next(room)}) % {Int(room)}";
            return new Code($"{span}.Slice({start}, {Int(length)})", $"{span}.AsSpan({start}, {Int(length)})");
        }

        int at = random.Next(room);
        return random.Next(2) == 0
            ? Code.Same($"{span}[{Int(at)}..{Int(at + length)}]")
            : new Code($"{span}.Slice({Int(at)}, {Int(length)})", $"{span}.AsSpan({Int(at)}, {Int(length)})");
    }

    /// <summary>The span helpers' declarations: Pool is an instance helper in the layer (reading a field), static in the reference.</summary>
    private void SpanHelpers()
    {
        LayerLine("private readonly double poolGain = 0.8;");
        ReferenceLine("private static readonly double poolGain = 0.8;");
        Line("private static void Mix(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> r, double scale, out double dot, ref double accumulated)");
        Line("{");
        Line("    dot = 0;");
        Line("    for (int i = 0; i < r.Length; i++)");
        Line("    {");
        Line("        r[i] = 0.5 * r[i] + Math.Tanh(scale * a[i]) * (0.6 + 0.3 * Math.Sin(b[i]));");
        Line("        dot += a[i] * r[i];");
        Line("    }");
        Line("");
        Line("    accumulated = 0.5 * accumulated + 0.75 * Math.Tanh(dot);");
        Line("}");
        LayerLine("private double Pool(ReadOnlySpan<double> a, bool squared)");
        ReferenceLine("private static double Pool(ReadOnlySpan<double> a, bool squared)");
        Line("{");
        Line("    double s = 0;");
        Line("    foreach (double e in a)");
        Line("    {");
        Line("        if (squared)");
        Line("        {");
        Line("            s += e * e;");
        Line("        }");
        Line("        else");
        Line("        {");
        Line("            s += poolGain * Math.Tanh(e);");
        Line("        }");
        Line("    }");
        Line("");
        Line("    return s / a.Length;");
        Line("}");
    }
}
