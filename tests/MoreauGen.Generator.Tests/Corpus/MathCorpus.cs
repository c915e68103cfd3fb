namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// The Math functions beyond the first set (inverse trigonometry, Log10/Log2, Atan2, Hypot, FusedMultiplyAdd, Clamp, and
/// the piecewise-constant Sign, Floor, Ceiling, Round, Truncate): one layer per primitive, and layers that use them in
/// loops, on data and as indices. Same conventions as <see cref="LayerCorpus"/>: T and M are the layer's precision and
/// Math class. Points are drawn away from kinks and jumps by the ranges and scales chosen (a jump within the
/// finite-difference step of a drawn point would be seen as a huge derivative).
/// </summary>
internal static class MathCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    /// <summary>One small layer per primitive, <c>Primitive_{Op}</c> (part of <see cref="LayerCorpus.Primitives"/>).</summary>
    public static readonly CorpusEntry[] Primitives =
    [
        Primitive("Log10", "M.Log10(w[0] * x[0])", low: 0.5, high: 1.5),
        Primitive("Log2", "M.Log2(w[0] * x[0])", low: 0.5, high: 1.5),
        Primitive("Asin", "M.Asin(0.9f * w[0] * x[0])"),
        Primitive("Acos", "M.Acos(0.9f * w[0] * x[0])"),
        Primitive("Atan2", "M.Atan2(w[0], x[0] + 1.5f)"),
        Primitive("Hypot", "T.Hypot(w[0], x[0] + 1.5f)"),
        Primitive("FusedMultiplyAdd", "M.FusedMultiplyAdd(w[0], x[0], x[0] * x[0])"),

        // A jump of the function's argument 3·w·x is a jump of the layer: the smooth factor makes every pullback matter.
        Primitive("Sign", "M.Sign(w[0] - x[0]) * (w[0] + x[0])"),
        Primitive("Floor", "M.Floor(3 * w[0] * x[0]) * (w[0] + x[0])"),
        Primitive("Ceiling", "M.Ceiling(3 * w[0] * x[0]) * (w[0] + x[0])"),
        Primitive("Round", "M.Round(3 * w[0] * x[0]) * (w[0] + x[0])"),
        Primitive("Truncate", "M.Truncate(3 * w[0] * x[0]) * (w[0] + x[0])"),

        // Clamp (Math.Clamp: MathF has none) in each of its three regions, with bounds that depend on w and x.
        new("Primitive_Clamp", $$"""
            public partial class Primitive_Clamp
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    T low = -0.75f + 0.125f * x[0];
                    T high = 0.75f + 0.125f * w[0];
                    y[0] = Math.Clamp(0.5f * w[0] * x[0], low, high);
                    y[1] = Math.Clamp(w[0] - 2, low, high);
                    y[2] = Math.Clamp(x[0] + 2, low, high);
                }
            }
            """),
    ];

    /// <summary>The new functions together: in loops (with values recorded on the tape), on data, and as indices.</summary>
    public static readonly CorpusEntry[] Entries =
    [
        new("InverseTrigInLoop", $$"""
            public partial class InverseTrigInLoop
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = x[0];
                    T angle = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        s = M.Asin(0.5f * M.Tanh(s + w[i])) + M.Acos(0.25f * M.Sin(x[1] * w[i]));
                        angle += M.Atan2(s, 2 + x[1] * x[1]) * T.Hypot(w[i], 0.5f + s * s);
                    }

                    y[0] = M.FusedMultiplyAdd(s, angle, M.Log10(1 + s * s));
                    y[1] = M.Log2(2 + M.Cos(angle)) * Math.Clamp(angle, -x[1], 0.5f + w[0] * w[0]);
                }
            }
            """),
        new("PiecewiseConstantOnData", $$"""
            public partial class PiecewiseConstantOnData
            {
                private readonly T scale = 2.6f;

                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    int steps = (int)M.Ceiling(scale);
                    int last = M.Sign(steps - 2) + 1;
                    T s = 0;
                    for (int i = 0; i < steps; i++)
                    {
                        s += M.Sign(i - 1) * w[i] * x[i] + M.Round(scale) * w[i];
                    }

                    y[0] = s * M.Sign(scale) + w[last] * M.Floor(3 * x[last]);
                    y[1] = x[0] * M.Truncate(scale) + M.Floor(3 * w[1]) * w[2] + M.Sign(w[0] + 2) * x[2];
                }
            }
            """),
    ];

    private static CorpusEntry Primitive(string op, string expression, double low = -1, double high = 1) =>
        new("Primitive_" + op, $$"""
            public partial class Primitive_{{op}}
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = {{expression}};
                }
            }
            """, Low: low, High: high);
}
