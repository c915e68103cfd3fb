namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// Layers with loops, overwritten values, branches and helpers (issue part 2). Same conventions as
/// <see cref="LayerCorpus"/>: T and M are the layer's precision and Math class, U and N the other one.
/// </summary>
internal static class StructuredCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Entries =
    [
        // ---- loops and values overwritten in them ---------------------------------------------------------
        new("RunningProduct", $$"""
            public partial class RunningProduct
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T p = 1;
                    for (int i = 0; i < 4; i++)
                    {
                        p *= x[i] + 0.5f * w[i];
                    }

                    y[0] = p;
                }
            }
            """),
        new("Recurrence", $$"""
            public partial class Recurrence
            {
                [MoreauLayer(Parameters = 5, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = x[0];
                    for (int i = 0; i < 5; i++)
                    {
                        s = M.Cos(s) + w[i];
                    }

                    y[0] = s;
                    y[1] = s * x[1];
                }
            }
            """),
        new("AccumulatedOutputs", $$"""
            public partial class AccumulatedOutputs
            {
                [MoreauLayer(Parameters = 9, Inputs = 2, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    for (int j = 0; j < 3; j++)
                    {
                        y[j] = w[j];
                        for (int k = 0; k < 2; k++)
                        {
                            y[j] += w[3 + j * 2 + k] * M.Sin(x[k]);
                        }
                    }
                }
            }
            """),
        new("DenseTanhLoops", $$"""
            public partial class DenseTanhLoops(int inputs, int outputs)
            {
                public int ParameterCount => inputs * outputs + outputs;

                public int InputCount => inputs;

                public int OutputCount => outputs;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    for (int j = 0; j < outputs; j++)
                    {
                        T sum = w[inputs * outputs + j];
                        for (int k = 0; k < inputs; k++)
                        {
                            sum += w[j * inputs + k] * x[k];
                        }

                        y[j] = M.Tanh(sum);
                    }
                }
            }
            """, Arguments: [3, 2]),
        new("Triangular", $$"""
            public partial class Triangular
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 4)]
                public void Apply{{Span3}}
                {
                    for (int i = 0; i < 4; i++)
                    {
                        T acc = w[i];
                        for (int j = 0; j <= i; j++)
                        {
                            acc = acc * M.Tanh(x[j]) + 0.5f * w[j];
                        }

                        y[i] = acc;
                    }
                }
            }
            """),
        new("UpperTriangular", $$"""
            public partial class UpperTriangular
            {
                private readonly int n = 4;

                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 4)]
                public void Apply{{Span3}}
                {
                    for (int i = 0; i < n; i++)
                    {
                        T acc = 0;
                        for (int j = i; j < n; j++)
                        {
                            acc += M.Exp(0.3f * x[j]) * w[j - i];
                            acc = acc * x[i];
                        }

                        y[i] = acc;
                    }
                }
            }
            """),
        new("NestedCarried", $$"""
            public partial class NestedCarried
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T s = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        s = s * 0.5f + x[i];
                        for (int j = 0; j < 2; j++)
                        {
                            s = M.Sin(s) * w[j] + s;
                        }
                    }

                    y[0] = s;
                }
            }
            """),
        new("IntLocals", $$"""
            public partial class IntLocals
            {
                [MoreauLayer(Parameters = 7, Inputs = 3, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    int offset = 1;
                    offset += 1;
                    for (int i = 0; i < 3; i++)
                    {
                        int k = 2 * i + 1;
                        int r = (k + offset) % 3;
                        y[i] = w[k] * x[r] + w[0] * x[i] * x[i];
                    }
                }
            }
            """),
        new("SteppedLoop", $$"""
            public partial class SteppedLoop
            {
                [MoreauLayer(Parameters = 3, Inputs = 6, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    for (int i = 0; i < 6; i += 2)
                    {
                        T q = x[i] * w[i / 2];
                        q *= q + x[i + 1];
                        y[i / 2] = q;
                    }
                }
            }
            """),
        new("InclusiveBounds", $$"""
            public partial class InclusiveBounds(int last)
            {
                public int ParameterCount => last + 1;

                public int InputCount => last + 1;

                public int OutputCount => 1;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    T s = w[0] * x[0];
                    for (int i = 1; i <= last; i++)
                    {
                        s = s * M.Tanh(x[i]) + w[i];
                    }

                    y[0] = s;
                }
            }
            """, Arguments: [3]),
        new("SizeBounds", $$"""
            public partial class SizeBounds
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        s += w[i] * M.Sqrt(1 + x[i] * x[i]);
                    }

                    for (int j = 0; j < y.Length; j++)
                    {
                        y[j] = s * (j + 1);
                    }
                }
            }
            """),
        new("ZeroTrip", $$"""
            public partial class ZeroTrip(int extra)
            {
                public int ParameterCount => 2;

                public int InputCount => 2;

                public int OutputCount => 1;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    T s = w[0] * x[0];
                    for (int i = 0; i < extra; i++)
                    {
                        s = M.Exp(s) * x[1];
                    }

                    y[0] = s + w[1];
                }
            }
            """, Arguments: [0]),
        new("PendulumRollout", $$"""
            public partial class PendulumRollout
            {
                private readonly T dt = 0.1f;

                [MoreauLayer(Parameters = 6, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    const T g = 9.81f;
                    T theta = x[0];
                    T omega = x[1];
                    for (int t = 0; t < 6; t++)
                    {
                        T accel = -g * M.Sin(theta) - 0.1f * omega + w[t];
                        theta = theta + dt * omega;
                        omega = omega + dt * accel;
                    }

                    y[0] = theta;
                    y[1] = omega;
                }
            }
            """),
        new("SwappedCarries", $$"""
            public partial class SwappedCarries
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T a = x[0];
                    T b = x[1];
                    for (int i = 0; i < 3; i++)
                    {
                        T previous = a;
                        a = b * w[i];
                        b = previous + M.Sin(a);
                    }

                    y[0] = a;
                    y[1] = b;
                }
            }
            """),
        new("OutputsMultipliedInLoop", $$"""
            public partial class OutputsMultipliedInLoop
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = w[0];
                    y[1] = w[1];
                    for (int i = 0; i < 3; i++)
                    {
                        y[i % 2] *= x[i] + 1.5f;
                        y[1 - i % 2] += y[i % 2] * x[i];
                    }
                }
            }
            """),
        new("DeepNest", $$"""
            public partial class DeepNest
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T total = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        for (int j = 0; j <= i; j++)
                        {
                            T p = x[j];
                            for (int k = j; k < 3; k++)
                            {
                                p = p * M.Cos(w[k] * x[i]) + w[i];
                            }

                            total += p * p;
                        }
                    }

                    y[0] = total;
                }
            }
            """),
        new("MixedPrecisionLoop", $$"""
            public partial class MixedPrecisionLoop
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    U acc = 1;
                    for (int i = 0; i < 3; i++)
                    {
                        acc = acc * (U)x[i] + N.Sin((U)w[i]);
                    }

                    y[0] = (T)acc;
                }
            }
            """, Mixed: true),

        // ---- branches --------------------------------------------------------------------------------
        new("IfElse", $$"""
            public partial class IfElse
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T a;
                    if (x[0] > 0.1f)
                    {
                        a = w[0] * x[0];
                        y[1] = M.Exp(a);
                    }
                    else
                    {
                        a = w[1] * x[0] * x[0];
                        y[1] = a * x[1];
                    }

                    y[0] = a * w[1] + x[1];
                }
            }
            """),
        new("IfInLoop", $$"""
            public partial class IfInLoop
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T s = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        if (x[i] > w[i])
                        {
                            s += x[i] * w[i];
                        }
                        else
                        {
                            s -= M.Exp(x[i] - w[i]) * s;
                        }
                    }

                    y[0] = s;
                }
            }
            """),
        new("ElseIfChain", $$"""
            public partial class ElseIfChain
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T r = x[1];
                    if (x[0] < -0.3f)
                    {
                        r = w[0] * r;
                    }
                    else if (x[0] < 0.3f)
                    {
                        r = M.Sin(w[1] * r);
                    }
                    else
                    {
                        r = r * r * w[2];
                    }

                    y[0] = r * x[0];
                }
            }
            """),
        new("ConditionalExpressions", $$"""
            public partial class ConditionalExpressions
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T z = w[0] * x[0] + w[1];
                    y[0] = z > 0 ? z : 0.1f * z;
                    y[1] = x[1] > 0 ? (z < 0.5f ? M.Sqrt(1 + z * z) : M.Log(1 + z * z)) * x[1] : w[1] * x[1];
                }
            }
            """),
        new("LoopInIf", $$"""
            public partial class LoopInIf(bool smooth)
            {
                public int ParameterCount => 3;

                public int InputCount => 3;

                public int OutputCount => 2;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    T s = w[0];
                    if (smooth)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            s = M.Tanh(s + x[i]) * w[1];
                        }
                    }
                    else
                    {
                        s = s * x[0];
                    }

                    if (x[0] + x[1] > 0)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            s = s * M.Cos(x[i] * w[2]);
                        }
                    }

                    y[0] = s;
                    y[1] = s * x[2];
                }
            }
            """, Arguments: [true]),
        new("BranchOnIndex", $$"""
            public partial class BranchOnIndex
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 4)]
                public void Apply{{Span3}}
                {
                    for (int i = 0; i < 4; i++)
                    {
                        if (i % 2 == 0)
                        {
                            y[i] = M.Sin(w[i] * x[i]);
                        }
                        else
                        {
                            y[i] = y[i - 1] * w[i] + x[i];
                        }
                    }
                }
            }
            """),
        new("BoolLocals", $$"""
            public partial class BoolLocals
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    bool positive = x[0] > 0 && w[0] < 0.8f;
                    bool flip = !(x[1] < -0.5f) || positive;
                    T a = w[0] * x[1];
                    if (positive)
                    {
                        a = a * a;
                    }

                    y[0] = flip ? a + w[1] : a - w[1] * x[0];
                }
            }
            """),
        new("DataDependentLoopBranch", $$"""
            public partial class DataDependentLoopBranch
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = x[2];
                    T t = 1;
                    for (int i = 0; i < 3; i++)
                    {
                        if (s > 0)
                        {
                            for (int j = 0; j <= i; j++)
                            {
                                s = s * M.Cos(w[j]) - 0.3f * x[j];
                            }
                        }
                        else
                        {
                            t = t * M.Exp(0.2f * s);
                            s = s + w[i];
                        }
                    }

                    y[0] = s;
                    y[1] = t;
                }
            }
            """),

        // ---- helpers ---------------------------------------------------------------------------------
        new("Helpers", $$"""
            public static class Activations
            {
                [Differentiable]
                public static T Softplus(T a) => M.Log(1 + M.Exp(a));

                [Differentiable]
                public static T LeakyRelu(T a)
                {
                    if (a > 0)
                    {
                        return a;
                    }

                    return 0.1f * a;
                }

                [Differentiable]
                public static T Blend(T a, T b, T c) => a * M.Tanh(b) + Softplus(c) * b;
            }

            public partial class Helpers
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    y[0] = Activations.Softplus(w[0] * x[0]);
                    y[1] = Activations.LeakyRelu(w[1] + x[1]) * x[0];
                    y[2] = Activations.Blend(x[0], w[2], x[1] * w[0]);
                }
            }
            """),
        new("CustomPullbacks", $$"""
            public static class Custom
            {
                [CustomPullback(nameof(CubePullback))]
                public static T Cube(T a) => a * a * a;

                public static void CubePullback(T a, T adjoint, out T da) => da = 3 * a * a * adjoint;

                [Differentiable]
                [CustomPullback(nameof(ExpMinusOnePullback))]
                public static T ExpMinusOne(T a, T scale) => scale * (M.Exp(a) - 1);

                public static void ExpMinusOnePullback(T a, T scale, T result, T adjoint, out T da, out T dscale)
                {
                    da = adjoint * scale * M.Exp(a);
                    dscale = adjoint * result / scale;
                }
            }

            public partial class CustomPullbacks
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = Custom.Cube(w[0] + x[0]) * x[1];
                    y[1] = Custom.ExpMinusOne(x[1] * w[1], 1.5f + w[0] * w[0]);
                }
            }
            """),
        new("HelpersInLoops", $$"""
            public static class LoopHelpers
            {
                [Differentiable]
                public static T Clipped(T a) => a > 1 ? 1 : (a < -1 ? -1 + 0.05f * (a + 1) : a);

                [Differentiable]
                public static T Smooth(T a, T b)
                {
                    T c = a * b;
                    c = c + M.Sin(c);
                    return c * 0.5f;
                }
            }

            public partial class HelpersInLoops
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T s = 0.2f;
                    for (int i = 0; i < 3; i++)
                    {
                        s = LoopHelpers.Smooth(s + x[i], w[i]) + LoopHelpers.Clipped(2 * x[i] * w[i]);
                    }

                    y[0] = s;
                }
            }
            """),
        new("OwnHelper", $$"""
            public partial class OwnHelper
            {
                [Differentiable]
                private static T Gauss(T a)
                {
                    T half = -0.5f * a * a;
                    return M.Exp(half);
                }

                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = Gauss(w[0] - x[0]) * Gauss(x[1]);
                }
            }
            """),
        // A carried local that depends on w only through other carried locals, two iterations later: its varying set
        // settles only after the worklist has passed the change along the chain c → b → a.
        new("CarriedChain", $$"""
            public partial class CarriedChain
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    T a = x[0];
                    T b = 1;
                    T c = 2;
                    for (int i = 0; i < 3; i++)
                    {
                        a = b;
                        b = c;
                        c = w[0] * x[1];
                    }

                    y[0] = a * x[0];
                }
            }
            """),
    ];
}
