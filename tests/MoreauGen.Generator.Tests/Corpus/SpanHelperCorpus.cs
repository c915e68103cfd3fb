namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// Helpers of the layer's own type that take spans and also write scalars through <c>out</c> and <c>ref</c>, take bool
/// and int values, and are called in loops and in the value of an assignment: their arguments are bound as every own
/// helper's are (a view, a fresh local, or the caller's target). Part of <see cref="ScratchCorpus"/>'s entries.
/// </summary>
internal static class SpanHelperCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Entries =
    [
        new("SpanHelperOutRef", $$"""
            public partial class SpanHelperOutRef
            {
                [MoreauLayer(Parameters = 6, Inputs = 4, Outputs = 5)]
                public void Apply{{Span3}}
                {
                    Span<T> r = stackalloc T[2];
                    T total = w[5];
                    for (int k = 0; k < 2; k++)
                    {
                        Rotate(w.Slice(2 * k, 2), x[(2 * k)..(2 * k + 2)], r, k == 1, out T norm, ref total);
                        y[2 * k] = r[0] + norm;
                        y[2 * k + 1] = r[1] * total;
                    }

                    y[4] = Moments(x, w[4], 4, out T spread) + spread;
                    Moments(r, total, 2, out y[0]);
                }

                private static void Rotate(ReadOnlySpan<T> angle, ReadOnlySpan<T> v, Span<T> r, bool flip, out T norm, ref T total)
                {
                    T c = M.Cos(angle[0]), s = M.Sin(angle[1]);
                    r[0] = c * v[0] - s * v[1];
                    r[1] = s * v[0] + c * v[1];
                    if (flip)
                    {
                        r[0] = -r[0];
                    }

                    norm = M.Sqrt(1 + r[0] * r[0] + r[1] * r[1]);
                    total = 0.5f * total + norm * angle[0];
                }

                private static T Moments(ReadOnlySpan<T> v, T scale, int n, out T spread)
                {
                    T mean = 0;
                    for (int i = 0; i < n; i++)
                    {
                        mean += v[i];
                    }

                    mean /= n;
                    spread = 0;
                    for (int i = 0; i < n; i++)
                    {
                        T d = v[i] - mean;
                        spread += d * d;
                    }

                    spread = M.Sqrt(spread / n + scale * scale);
                    return mean * scale;
                }
            }
            """),
    ];
}
