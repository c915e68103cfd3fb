using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The generated source of layers with scratch state (scratch arrays, views, helpers that take spans), pinned by
/// snapshots (Snapshots/*.verified.cs) as <see cref="SnapshotTests"/> pins the others; each must compile, with every
/// warning on, without diagnostics.
/// </summary>
public sealed class ScratchSnapshotTests
{
    public static TheoryData<string> Layers => new(Sources.Keys);

    internal static readonly Dictionary<string, string> Sources = new()
    {
        ["ScratchCrossHelper"] = """
            namespace Samples;

            /// <summary>A cross product into a stack scratch span by a helper that takes spans, then a dot product.</summary>
            public partial class Torque
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    Span<double> r = stackalloc double[3];
                    Cross(w, x, r);
                    y[0] = Math.Tanh(Dot(r, r));
                }

                private static void Cross(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> r)
                {
                    r[0] = a[1] * b[2] - a[2] * b[1];
                    r[1] = a[2] * b[0] - a[0] * b[2];
                    r[2] = a[0] * b[1] - a[1] * b[0];
                }

                private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
            }
            """,
        ["ScratchObjective"] = """
            namespace Samples;

            /// <summary>An objective with a stack scratch span rewritten for every sample and a scratch array as long as the batch.</summary>
            public partial class Spread
            {
                [MoreauObjective(Inputs = 2)]
                public double Loss(ReadOnlySpan<double> x)
                {
                    Span<double> p = stackalloc double[2];
                    var h = new double[x.Length / 2];
                    for (int s = 0; s < h.Length; s++)
                    {
                        p[0] = Math.Sin(x[2 * s]);
                        p[1] = p[0] * x[2 * s + 1];
                        h[s] = p[0] + p[1];
                    }

                    double sum = 0;
                    for (int s = 0; s < h.Length; s++)
                    {
                        sum += h[s] * h[s];
                    }

                    return sum;
                }
            }
            """,
        ["ScratchViews"] = """
            namespace Samples;

            /// <summary>A hidden layer in a scratch array sized by the type, read through views of w and x.</summary>
            public partial class Hidden(int inputs, int hidden)
            {
                public int ParameterCount => inputs * hidden;

                public int InputCount => inputs;

                public int OutputCount => 1;

                [MoreauLayer]
                public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
                {
                    var h = new float[hidden];
                    for (int j = 0; j < hidden; j++)
                    {
                        ReadOnlySpan<float> row = w.Slice(j * inputs, inputs);
                        for (int k = 0; k < inputs; k++)
                        {
                            h[j] += row[k] * x[k];
                        }

                        h[j] = MathF.Tanh(h[j]);
                    }

                    float s = 0;
                    for (int j = 0; j < h.Length; j++)
                    {
                        s += h[j] * h[j];
                    }

                    y[0] = s;
                }
            }
            """,
        ["SpanHelperOutRef"] = """
            namespace Samples;

            /// <summary>A helper that takes spans and writes a Span, an out and a ref argument; one that takes a view and a bool.</summary>
            public partial class Rotor
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 3)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double total = w[1];
                    Rotate(w[..1], x, y[..2], out double norm, ref total);
                    y[2] = norm * total + Sum(y[..2], total > 1);
                }

                private static void Rotate(ReadOnlySpan<double> angle, ReadOnlySpan<double> v, Span<double> r, out double norm, ref double total)
                {
                    double c = Math.Cos(angle[0]), s = Math.Sin(angle[0]);
                    r[0] = c * v[0] - s * v[1];
                    r[1] = s * v[0] + c * v[1];
                    norm = Math.Sqrt(r[0] * r[0] + r[1] * r[1]);
                    total = 0.5 * total + norm;
                }

                private static double Sum(ReadOnlySpan<double> a, bool squared) => squared ? a[0] * a[0] + a[1] * a[1] : a[0] + a[1];
            }
            """,
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Generated_source_matches_the_snapshot(string name)
    {
        GeneratorResult result = GeneratorHarness.Run(SnapshotTests.Usings + Sources[name]);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Snapshot.Verify(name, Assert.Single(result.Sources).Value);
    }
}
