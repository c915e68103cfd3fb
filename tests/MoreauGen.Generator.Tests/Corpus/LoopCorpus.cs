namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// Layers, helpers and objectives with <c>while</c> and <c>do</c> loops, and int counters carried across iterations read as
/// indices. Same conventions as <see cref="LayerCorpus"/>. Trip counts here are zero (a condition false on entry), fixed
/// by the data, or depend on the sample (a tolerance, a time reached): the gradients are those of the piece the sample
/// falls in, as for branches.
/// </summary>
internal static class LoopCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Layers =
    [
        new("WhileCounterIndexesOutputs", $$"""
            public partial class WhileCounterIndexesOutputs
            {
                [MoreauLayer(Parameters = 4, Inputs = 3, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    int k = 0;
                    T s = 0;
                    while (k < x.Length)
                    {
                        s += M.Sin(w[k] * x[k]);
                        y[k] = s * w[3];
                        k++;
                    }
                }
            }
            """),
        new("WhileToTolerance", $$"""
            public partial class WhileToTolerance
            {
                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // Newton's iteration for the square root of a: the trip count depends on the sample.
                    T a = x[0] * x[0] * 4 + w[0] * w[0] + 0.5f;
                    T z = a;
                    int iterations = 0;
                    while (M.Abs(z * z - a) > 1e-3f && iterations < 20)
                    {
                        z = 0.5f * (z + a / z);
                        iterations++;
                    }

                    y[0] = z * w[1];
                    y[1] = iterations * z + a;
                }
            }
            """),
        new("WhileNeverEntered", $$"""
            public partial class WhileNeverEntered
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // The condition is false on entry for every sample: zero trips.
                    T s = x[0] * w[0] + x[1];
                    int i = 0;
                    while (s > 50 && i < 5)
                    {
                        s = M.Sqrt(s) * w[1];
                        i++;
                    }

                    y[0] = s * w[1] + i;
                }
            }
            """),
        new("WhileSumUntilReached", $$"""
            public partial class WhileSumUntilReached
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = x[0] * x[1];
                    int i = 0;
                    while (s < 2 && i < 8)
                    {
                        s += w[i % 2] * w[i % 2] + 0.3f + 0.2f * x[i % 2];
                        i++;
                    }

                    y[0] = s * s;
                    y[1] = M.Exp(0.1f * s) * i;
                }
            }
            """),
        new("DoIntegratorToTime", $$"""
            public partial class DoIntegratorToTime
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // A pendulum stepped until a time that depends on the sample.
                    T h = x[0];
                    T v = w[0];
                    T t = 0;
                    T end = 0.52f + 0.3f * x[1];
                    int step = 0;
                    do
                    {
                        T a = -M.Sin(h) * w[1];
                        v += 0.1f * a;
                        h += 0.1f * v;
                        t += 0.1f;
                        step++;
                    }
                    while (t < end && step < 12);

                    y[0] = h;
                    y[1] = v * step;
                }
            }
            """),
        new("WhileTrueWithBreak", $$"""
            public partial class WhileTrueWithBreak
            {
                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    int n = 0;
                    T s = w[0];
                    while (true)
                    {
                        s = M.Cos(s) * x[0] + w[1];
                        n++;
                        if (n >= 6 || M.Abs(s) < 0.2f)
                        {
                            break;
                        }
                    }

                    y[0] = s * n;
                }
            }
            """),
        new("WhileContinueAndNestedFor", $$"""
            public partial class WhileContinueAndNestedFor
            {
                [MoreauLayer(Parameters = 6, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    int k = 0;
                    T acc = 0;
                    T skipped = 1;
                    while (k < 3)
                    {
                        int i = k;
                        k++;
                        if (x[i] * w[i] < 0)
                        {
                            skipped *= 1 + w[i] * w[i];
                            continue;
                        }

                        for (int j = 0; j < 2; j++)
                        {
                            acc += M.Tanh(w[2 * i % 6 + j] * x[i]);
                        }
                    }

                    y[0] = acc * skipped;
                    y[1] = acc + w[5];
                }
            }
            """),
        new("WhileToToleranceInsideFor", $$"""
            public partial class WhileToToleranceInsideFor
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // A Newton iteration per input: its trip count differs per input and per sample, and a do loop
                    // after it records on the tape too.
                    T total = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        T a = x[i] * x[i] * 3 + w[0] * w[0] + 0.25f;
                        T z = a * (1 + w[1] * w[1]) + 0.1f;
                        int n = 0;
                        while (M.Abs(z * z - a) > 1e-3f * a && n < 9)
                        {
                            z = 0.5f * (z + a / z);
                            n++;
                        }

                        total += z * w[2] + n * a;
                    }

                    T s = total;
                    int k = 0;
                    do
                    {
                        s = M.Sin(s) * w[2] + x[k];
                        k++;
                    }
                    while (s > 0 && k < 3);

                    y[0] = total;
                    y[1] = s;
                }
            }
            """),
        new("DoOnceAtLeast", $$"""
            public partial class DoOnceAtLeast
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // The condition never holds, but a do loop runs its body once.
                    T s = x[0];
                    int i = 0;
                    do
                    {
                        s = M.Sin(s * w[0]) + s;
                        i++;
                    }
                    while (i < 0);

                    y[0] = s;
                }
            }
            """),
        new("CounterAdvancedInBranchIndexes", $$"""
            public partial class CounterAdvancedInBranchIndexes
            {
                [MoreauLayer(Parameters = 5, Inputs = 4, Outputs = 4)]
                public void Apply{{Span3}}
                {
                    for (int j = 0; j < 4; j++)
                    {
                        y[j] = 0;
                    }

                    // k counts the positive inputs so far: it picks the weight and the output slot.
                    int k = 0;
                    T s = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        s += w[k] * x[i];
                        if (x[i] > 0)
                        {
                            y[k] = M.Sin(s) + x[i] * w[4];
                            k++;
                        }
                    }

                    y[3] += s;
                }
            }
            """),
        new("CounterStrideIndexes", $$"""
            public partial class CounterStrideIndexes
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 6)]
                public void Apply{{Span3}}
                {
                    int k = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        y[k] = x[i] * w[i];
                        y[k + 1] = M.Exp(0.5f * y[k]);
                        k += 2;
                    }
                }
            }
            """),
        new("WhileInOwnHelper", $$"""
            public partial class WhileInOwnHelper
            {
                private static T Root(T a)
                {
                    T z = a;
                    int it = 0;
                    while (M.Abs(z * z - a) > 1e-4f && it < 30)
                    {
                        z = 0.5f * (z + a / z);
                        it++;
                    }

                    return z;
                }

                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = Root(x[0] * x[0] + w[0] * w[0] + 1) * w[1];
                }
            }
            """),
    ];

    public static readonly ObjectiveEntry[] Objectives =
    [
        new("WhileObjective", """
            public partial class WhileObjective
            {
                [MoreauObjective(Inputs = 3)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    T sum = 0;
                    int i = 0;
                    while (i < x.Length && sum < 1.5f)
                    {
                        sum += x[i] * x[i] + 0.1f;
                        i++;
                    }

                    return sum * i;
                }
            }
            """, Inputs: 3),
    ];
}
