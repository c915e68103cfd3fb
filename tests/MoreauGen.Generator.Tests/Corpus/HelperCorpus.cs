namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// Helpers of the layer's own type without an attribute (followed by the generator: their bodies are read in place of
/// the call), and the RK4 integrator with a branch in its loop (a local assigned before the branch and overwritten in
/// one arm, adjoints of w's fixed elements added up in the loop). Same conventions as <see cref="LayerCorpus"/>: T and M
/// are the layer's precision and Math class.
/// </summary>
internal static class HelperCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Entries =
    [
        // Static and instance helpers, out and ref parameters (also 'out T s' declared in the call), a helper that calls
        // helpers, one called twice in one expression, one called in a loop, one with an int parameter and one with two returns.
        new("PlainHelpers", $$"""
            public partial class PlainHelpers
            {
                private readonly T scale = 0.75f;

                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    SinCos(w[0] * x[0], out T s, out T c);
                    T r = Scaled(s + w[1]) * c;
                    T acc = 0;
                    for (int i = 0; i < 2; i++)
                    {
                        Accumulate(ref acc, x[i], w[2], i);
                    }

                    y[0] = r;
                    y[1] = acc + Piecewise(x[1] * w[1]);
                    y[2] = Square(Scaled(c)) + Square(x[0]);
                }

                private static void SinCos(T a, out T s, out T c)
                {
                    s = M.Sin(a);
                    c = M.Cos(a);
                }

                private T Scaled(T v) => scale * Square(v) + v;

                private static T Square(T v)
                {
                    T t = v * v;
                    return t;
                }

                private static void Accumulate(ref T total, T v, T weight, int k)
                {
                    total += weight * M.Tanh(v + k);
                }

                private static T Piecewise(T v)
                {
                    if (v > 0)
                    {
                        return v * v;
                    }

                    return -0.5f * v * v;
                }
            }
            """),

        // A helper with a loop and out parameters called inside the layer's loop; a helper that is not
        // differentiable-looking (a string parameter) is never called and must not matter.
        new("HelperLoopOut", $$"""
            public partial class HelperLoopOut
            {
                [MoreauLayer(Parameters = 4, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T a = 0;
                    T b = 1;
                    for (int i = 0; i < 3; i++)
                    {
                        T p;
                        T q;
                        Moments(x[i] * w[i], w[3], out p, out q);
                        a += p;
                        b *= 1 + 0.25f * q;
                    }

                    y[0] = a;
                    y[1] = b;
                }

                private static void Moments(T v, T rate, out T first, out T second)
                {
                    first = 0;
                    second = 0;
                    T power = 1;
                    for (int k = 0; k < 3; k++)
                    {
                        power *= rate * v;
                        first += power;
                        second += power * power;
                    }
                }

                private static int Describe(string text) => text.Length;
            }
            """),

        // The RK4 integrator of a damped driven pendulum whose drive is switched inside the loop: 'torque' is assigned
        // before the branch and overwritten in one arm (issue 12's speed case), and w's elements are read at fixed indices
        // in every step.
        new("Rk4Branch", $$"""
            public partial class Rk4Branch
            {
                private const T Dt = 0.05f;

                [MoreauLayer(Parameters = 4, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T theta = x[0];
                    T omega = x[1];
                    for (int k = 0; k < 16; k++)
                    {
                        T torque = w[2];
                        if (theta > 0.25f)
                        {
                            torque = w[2] - w[3] * (theta - 0.25f);
                        }

                        T a1 = torque - w[0] * omega - w[1] * M.Sin(theta);
                        T t2 = theta + 0.5f * Dt * omega;
                        T o2 = omega + 0.5f * Dt * a1;
                        T a2 = torque - w[0] * o2 - w[1] * M.Sin(t2);
                        T t3 = theta + 0.5f * Dt * o2;
                        T o3 = omega + 0.5f * Dt * a2;
                        T a3 = torque - w[0] * o3 - w[1] * M.Sin(t3);
                        T t4 = theta + Dt * o3;
                        T o4 = omega + Dt * a3;
                        T a4 = torque - w[0] * o4 - w[1] * M.Sin(t4);
                        theta += Dt / 6 * (omega + 2 * o2 + 2 * o3 + o4);
                        omega += Dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
                    }

                    y[0] = theta;
                    y[1] = omega;
                }
            }
            """),
    ];
}
