using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The generated source of layers and an objective with break, continue, early return, switch, foreach and carried
/// int/bool locals, pinned by snapshots (Snapshots/*.verified.cs); each compiles with every warning on and without
/// diagnostics.
/// </summary>
public sealed class ControlFlowSnapshotTests
{
    public static TheoryData<string> Layers => new(Sources.Keys);

    internal static readonly Dictionary<string, string> Sources = new()
    {
        ["JumpsInLoops"] = """
            namespace Samples;

            /// <summary>break, continue and an early return inside loops.</summary>
            public partial class JumpsInLoops
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double s = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        if (x[i] < 0)
                        {
                            continue;
                        }

                        s += Math.Sin(w[i] * x[i]);
                        if (s > 2)
                        {
                            break;
                        }
                    }

                    y[0] = s;
                    for (int k = 0; k < 4; k++)
                    {
                        if (s * w[k] > 1)
                        {
                            y[1] = w[k];
                            return;
                        }
                    }

                    y[1] = s * s;
                }
            }
            """,
        ["Switches"] = """
            namespace Samples;

            public enum Activation
            {
                Tanh,
                Softplus,
                None,
            }

            /// <summary>A switch statement on an enum of the type's data and a switch expression on a value.</summary>
            public partial class Switches(Activation activation)
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
                {
                    float z = w[0] * x[0] + w[1] * x[1];
                    switch (activation)
                    {
                        case Activation.Tanh:
                            z = MathF.Tanh(z);
                            break;
                        case Activation.Softplus:
                            z = MathF.Log(1 + MathF.Exp(z));
                            break;
                    }

                    y[0] = z switch
                    {
                        < 0 => 0.1f * z,
                        _ => z,
                    };
                }
            }
            """,
        ["ForEachAndCarried"] = """
            namespace Samples;

            /// <summary>foreach over x, a count and a bool carried across iterations.</summary>
            public partial class ForEachAndCarried
            {
                [MoreauLayer(Parameters = 1, Inputs = 3, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    int count = 0;
                    bool seen = false;
                    double sum = 0;
                    foreach (double v in x)
                    {
                        if (v > 0)
                        {
                            count++;
                            seen = true;
                        }

                        sum += w[0] * v;
                    }

                    y[0] = seen ? sum / count : sum;
                }
            }
            """,
        ["ReturnInLoopObjective"] = """
            namespace Samples;

            /// <summary>An objective that returns from inside its loop.</summary>
            public partial class FirstLarge
            {
                [MoreauObjective(Inputs = 2)]
                public double Loss(ReadOnlySpan<double> x)
                {
                    double sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        sum += x[i] * x[i];
                        if (sum > 4)
                        {
                            return Math.Sqrt(sum);
                        }
                    }

                    return sum;
                }
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
