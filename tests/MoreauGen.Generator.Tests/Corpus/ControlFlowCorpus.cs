namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// Layers and objectives with <c>break</c>, <c>continue</c> and early <c>return</c> (in loops, nested loops and
/// branches). Same conventions as <see cref="LayerCorpus"/>: T and M are the precision and its Math class. Every
/// condition here compares values, so the gradients are those of the piece the sample falls in.
/// </summary>
internal static class ControlFlowCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Layers =
    [
        new("BreakAtThreshold", $$"""
            public partial class BreakAtThreshold
            {
                [MoreauLayer(Parameters = 6, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = 0;
                    for (int i = 0; i < 6; i++)
                    {
                        s += M.Sin(w[i] * x[i % 2]) + 0.3f;
                        if (s > 1.1f)
                        {
                            break;
                        }

                        s *= 1.1f;
                    }

                    y[0] = s;
                    y[1] = s * x[1];
                }
            }
            """),
        new("ContinueSkipsNegative", $$"""
            public partial class ContinueSkipsNegative
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T s = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        T v = x[i] * w[i];
                        if (v < 0)
                        {
                            continue;
                        }

                        s += M.Exp(-v) * x[i];
                    }

                    y[0] = s;
                }
            }
            """),
        new("EarlyReturnLayer", $$"""
            public partial class EarlyReturnLayer
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Tanh(w[0] * x[0]);
                    if (x[1] > 0.2f)
                    {
                        return;
                    }

                    y[1] = M.Exp(w[1] * x[1]) + y[0];
                }
            }
            """),
        new("ReturnFromNestedLoops", $$"""
            public partial class ReturnFromNestedLoops
            {
                [MoreauLayer(Parameters = 6, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T acc = 0;
                    for (int j = 0; j < 2; j++)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            acc += w[j * 3 + i] * x[i];
                            if (acc > 0.6f)
                            {
                                y[0] = M.Sin(acc);
                                y[1] = acc * w[0];
                                return;
                            }
                        }

                        acc = M.Tanh(acc);
                    }

                    y[0] = M.Cos(acc);
                    y[1] = acc;
                }
            }
            """),
        new("NestedBreakAndContinue", $$"""
            public partial class NestedBreakAndContinue
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    for (int j = 0; j < 3; j++)
                    {
                        T p = x[j];
                        for (int k = 0; k < 4; k++)
                        {
                            if (k == 1 && x[j] < 0)
                            {
                                continue;
                            }

                            p = p * w[j] + 0.25f;
                            if (M.Abs(p) > 0.8f)
                            {
                                p = 0.5f * p;
                                break;
                            }
                        }

                        y[j] = p;
                    }
                }
            }
            """),
        new("BreakThenContinueLoop", $$"""
            public partial class BreakThenContinueLoop
            {
                [MoreauLayer(Parameters = 4, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T s = x[0];
                    for (int i = 0; i < 8; i++)
                    {
                        if (i == 5)
                        {
                            break;
                        }

                        if (s > 1)
                        {
                            s -= 0.5f * w[i % 4];
                            continue;
                        }

                        s = s * (1 + 0.2f * w[i % 4]) + x[1];
                    }

                    y[0] = s;
                }
            }
            """),
        new("SwitchOnIndex", $$"""
            public partial class SwitchOnIndex
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        switch (i)
                        {
                            case 0:
                                s += M.Sin(w[0] * x[0]);
                                break;
                            case 1:
                            case 2:
                                s = s * w[i] + x[i];
                                break;
                            default:
                                s += M.Exp(-x[i] * w[3]);
                                break;
                        }
                    }

                    T scale = ModeIndex switch
                    {
                        0 => 1.5f,
                        1 or 2 => -0.5f,
                        _ => 2,
                    };
                    y[0] = scale * s;
                    y[1] = s * s;
                }

                public int ModeIndex { get; set; } = 1;
            }
            """),
        new("SwitchOnEnumAndBool", $$"""
            public partial class SwitchOnEnumAndBool
            {
                public SwitchShape Shape { get; set; } = SwitchShape.Soft;

                public bool Squared { get; set; } = true;

                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T v = w[0] * x[0] + w[1] * x[1];
                    switch (Shape)
                    {
                        case SwitchShape.Tanh:
                            v = M.Tanh(v);
                            break;
                        case SwitchShape.Soft:
                            v = M.Log(1 + M.Exp(v));
                            break;
                    }

                    T c = Squared switch
                    {
                        true => v * v,
                        false => v,
                    };
                    y[0] = v < 0 ? c * x[0] : c;
                }
            }

            public enum SwitchShape
            {
                Tanh,
                Soft,
                Identity,
            }
            """),
        new("SwitchOnValuePieces", $$"""
            public partial class SwitchOnValuePieces
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T s = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        T v = w[i] * x[i];
                        s += v switch
                        {
                            < -0.3f => -v * v,
                            > 0.4f => M.Sqrt(v),
                            _ => v,
                        };
                    }

                    y[0] = s;
                }
            }
            """),
        new("ForEachOverSpans", $$"""
            public partial class ForEachOverSpans
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T norm = 0;
                    foreach (var v in x)
                    {
                        norm += v * v;
                    }

                    T sum = 0;
                    foreach (T p in w)
                    {
                        if (p > 0.9f)
                        {
                            break;
                        }

                        sum += M.Sin(p) * norm;
                    }

                    y[0] = sum;
                    y[1] = M.Sqrt(norm + 1) * w[0];
                }
            }
            """),
        new("CountCarriedAcrossIterations", $$"""
            public partial class CountCarriedAcrossIterations
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    int count = 0;
                    T s = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        T v = x[i] * w[i];
                        if (v > 0)
                        {
                            count++;
                            s += v;
                        }
                    }

                    y[0] = s / (count + 1);
                    y[1] = count > 1 ? M.Sin(s) : s * w[0];
                }
            }
            """),
        new("LandedFlag", $$"""
            public partial class LandedFlag
            {
                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    bool landed = false;
                    T h = x[0] + 0.5f;
                    T v = w[0];
                    for (int k = 0; k < 8; k++)
                    {
                        if (!landed)
                        {
                            v -= 0.2f;
                            h += 0.25f * v;
                            if (h < 0)
                            {
                                landed = true;
                                h = 0.1f * h;
                            }
                        }
                    }

                    y[0] = h;
                    y[1] = landed ? v * w[1] : v;
                }
            }
            """),
    ];

    public static readonly ObjectiveEntry[] Objectives =
    [
        new("ReturnInsideLoopObjective", """
            public partial class ReturnInsideLoopObjective
            {
                [MoreauObjective(Inputs = 2)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    T sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        sum += x[i] * x[i];
                        if (sum > 1.5f)
                        {
                            return M.Sqrt(sum) + x[0];
                        }
                    }

                    return 0.5f * sum;
                }
            }
            """, Inputs: 2),
        new("BreakAndContinueObjective", """
            public partial class BreakAndContinueObjective
            {
                [MoreauObjective(Inputs = 3)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    T sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        if (x[i] < -0.5f)
                        {
                            continue;
                        }

                        sum += M.Exp(x[i]);
                        if (sum > 4)
                        {
                            break;
                        }
                    }

                    if (sum < 1)
                    {
                        return sum * sum;
                    }

                    return sum;
                }
            }
            """, Inputs: 3),
        new("SwitchReturnObjective", """
            public partial class SwitchReturnObjective
            {
                public int Mode { get; set; } = 2;

                [MoreauObjective(Inputs = 2)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    T sum = 0;
                    foreach (T v in x)
                    {
                        sum += v * v;
                    }

                    switch (Mode)
                    {
                        case 1:
                            return sum;
                        case 2:
                            if (sum > 2)
                            {
                                return M.Sqrt(sum);
                            }

                            break;
                    }

                    return 0.5f * sum;
                }
            }
            """, Inputs: 2),
        new("MeanOfPositiveObjective", """
            public partial class MeanOfPositiveObjective
            {
                [MoreauObjective(Inputs = 2)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    int n = 0;
                    T sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        if (x[i] > 0)
                        {
                            sum += x[i] * x[i];
                            n += 1;
                        }
                    }

                    if (n == 0)
                    {
                        return 0;
                    }

                    return sum / n;
                }
            }
            """, Inputs: 2),
    ];
}
