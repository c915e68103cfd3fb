namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// Layers with scratch state (issue 12): scratch arrays and spans (<c>stackalloc</c>, <c>new T[n]</c>) of constant and
/// size-expression lengths, read and written element by element, inside loops, overwritten and accumulated; views of
/// w, x, y and scratch. Same conventions as <see cref="LayerCorpus"/>.
/// </summary>
internal static class ScratchCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Entries =
    [
        new("ScratchCross", $$"""
            public partial class ScratchCross
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    Span<T> p = stackalloc T[3];
                    p[0] = w[1] * x[2] - w[2] * x[1];
                    p[1] = w[2] * x[0] - w[0] * x[2];
                    p[2] = w[0] * x[1] - w[1] * x[0];
                    for (int i = 0; i < 3; i++)
                    {
                        y[i] = M.Tanh(p[i]) * p[(i + 1) % 3];
                    }
                }
            }
            """),
        new("ScratchOverwritten", $$"""
            public partial class ScratchOverwritten
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T[] a = new T[4];
                    for (int i = 0; i < 4; i++)
                    {
                        a[i] = x[i] * w[i];
                    }

                    for (int r = 0; r < 3; r++)
                    {
                        for (int i = 0; i < 4; i++)
                        {
                            a[i] = M.Sin(a[i]) + a[(i + 3) % 4] * w[(i + r) % 4];
                        }
                    }

                    y[0] = a[0] * a[1];
                    y[1] = a[2] + a[3] * a[3];
                }
            }
            """),
        new("ScratchAccumulated", $$"""
            public partial class ScratchAccumulated(int inputs, int hidden)
            {
                public int ParameterCount => inputs * hidden + hidden;

                public int InputCount => inputs;

                public int OutputCount => 1;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    var h = new T[hidden];
                    for (int j = 0; j < hidden; j++)
                    {
                        for (int k = 0; k < inputs; k++)
                        {
                            h[j] += w[j * inputs + k] * x[k];
                        }

                        h[j] *= w[inputs * hidden + j];
                    }

                    T s = 0;
                    for (int j = 0; j < h.Length; j++)
                    {
                        s += M.Tanh(h[j]) * h[j];
                    }

                    y[0] = s;
                }
            }
            """, [3, 4]),
        new("ScratchLengthFromX", $$"""
            public partial class ScratchLengthFromX
            {
                [MoreauLayer(Parameters = 5, Inputs = 5, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    int n = x.Length;
                    Span<T> r = new T[n - 1];
                    for (int i = 0; i < n - 1; i++)
                    {
                        r[i] = w[i] * x[i + 1] - x[i] * w[i + 1];
                    }

                    T loss = 0;
                    for (int i = 0; i < r.Length; i++)
                    {
                        loss += r[i] * r[i];
                    }

                    y[0] = loss;
                }
            }
            """),
        new("ScratchInLoop", $$"""
            public partial class ScratchInLoop
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    T state = x[0];
                    for (int step = 0; step < 3; step++)
                    {
                        Span<T> k = stackalloc T[2];
                        k[0] += M.Cos(state) * w[0];
                        k[1] += k[0] * w[1] + x[step];
                        state = state + 0.5f * (k[0] + k[1]);
                        y[step] = state;
                    }
                }
            }
            """),
        new("ScratchRk4", $$"""
            public partial class ScratchRk4
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    Span<T> s = stackalloc T[2];
                    Span<T> k = stackalloc T[8];
                    Span<T> tmp = stackalloc T[2];
                    s[0] = x[0];
                    s[1] = x[1];
                    const T h = 0.1f;
                    for (int step = 0; step < 4; step++)
                    {
                        for (int stage = 0; stage < 4; stage++)
                        {
                            T c = stage == 0 ? 0 : stage == 3 ? h : 0.5f * h;
                            for (int i = 0; i < 2; i++)
                            {
                                tmp[i] = stage == 0 ? s[i] : s[i] + c * k[2 * (stage - 1) + i];
                            }

                            k[2 * stage] = tmp[1];
                            k[2 * stage + 1] = -w[0] * M.Sin(tmp[0]) - w[1] * tmp[1];
                        }

                        for (int i = 0; i < 2; i++)
                        {
                            s[i] += h / 6 * (k[i] + 2 * k[2 + i] + 2 * k[4 + i] + k[6 + i]);
                        }
                    }

                    y[0] = s[0];
                    y[1] = s[1];
                }
            }
            """),
        new("ViewsOfSpans", $$"""
            public partial class ViewsOfSpans
            {
                [MoreauLayer(Parameters = 6, Inputs = 6, Outputs = 4)]
                public void Apply{{Span3}}
                {
                    var rot = w[..3];
                    ReadOnlySpan<T> shift = w.Slice(3, 3);
                    Span<T> head = y[..2];
                    var tail = y[2..4];
                    const int d = 3;
                    for (int k = 0; k < 2; k++)
                    {
                        ReadOnlySpan<T> xi = x.Slice(k * d, d);
                        T s = 0;
                        for (int i = 0; i < xi.Length; i++)
                        {
                            s += rot[i] * xi[i] + shift[i];
                        }

                        head[k] = M.Tanh(s);
                        tail[k] = s * x[3..6][k];
                    }
                }
            }
            """),
        new("ViewsOfScratch", $$"""
            public partial class ViewsOfScratch
            {
                [MoreauLayer(Parameters = 4, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    Span<T> buffer = stackalloc T[6];
                    Span<T> a = buffer[..3];
                    var b = buffer.Slice(3);
                    for (int i = 0; i < 3; i++)
                    {
                        a[i] = w[i] * x[i % 2];
                        b[i] = M.Exp(0.5f * a[i]) + w[3];
                    }

                    y[0] = a[0] * b[2] + a[1];
                    y[1] = buffer[4] * buffer[2];
                }
            }
            """),
        new("SpanHelperCross", $$"""
            public partial class SpanHelperCross
            {
                [MoreauLayer(Parameters = 6, Inputs = 3, Outputs = 5)]
                public void Apply{{Span3}}
                {
                    Span<T> c = stackalloc T[3];
                    Cross(w[..3], x, c);
                    y[0] = Dot(c, w[3..6]);
                    y[1] = M.Sqrt(1 + Dot(c, c));
                    Cross(c, w.Slice(3, 3), y[2..]);
                }

                private static void Cross(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> r)
                {
                    r[0] = a[1] * b[2] - a[2] * b[1];
                    r[1] = a[2] * b[0] - a[0] * b[2];
                    r[2] = a[0] * b[1] - a[1] * b[0];
                }

                [Differentiable]
                private static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
                {
                    T s = 0;
                    for (int i = 0; i < a.Length; i++)
                    {
                        s += a[i] * b[i];
                    }

                    return s;
                }
            }
            """),
        new("SpanHelperMatVec", $$"""
            public partial class SpanHelperMatVec(int blocks)
            {
                public int ParameterCount => 9 + 3;

                public int InputCount => 3 * blocks;

                public int OutputCount => blocks;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    var h = new T[3];
                    for (int k = 0; k < blocks; k++)
                    {
                        MatVec(w[..9], x.Slice(k * 3, 3), h, 3);
                        y[k] = Smooth(h, w[9], 0.5f) + w[10] * Norm2(h[1..]) + w[11];
                    }
                }

                private void MatVec(ReadOnlySpan<T> m, ReadOnlySpan<T> v, Span<T> r, int n)
                {
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = 0;
                        for (int j = 0; j < v.Length; j++)
                        {
                            r[i] += m[i * n + j] * v[j];
                        }
                    }
                }

                private static T Smooth(ReadOnlySpan<T> a, T scale, T floor)
                {
                    if (a[0] > floor)
                    {
                        return scale * M.Log(1 + a[0] * a[0]);
                    }

                    T t = a[2] * scale;
                    return t * t;
                }

                private static T Norm2(ReadOnlySpan<T> a) => a[0] * a[0] + a[1] * a[1];
            }
            """, [2]),
        .. SpanHelperCorpus.Entries,
    ];
}
