using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The generated source of a layer with a <c>while</c> loop to a tolerance, a <c>do</c> loop and a counter read as an
/// index, pinned by a snapshot (Snapshots/WhileLoops.verified.cs); it compiles with every warning on and without
/// diagnostics.
/// </summary>
public sealed class WhileLoopSnapshotTests
{
    /// <summary>The snapshot this class pins (for the check that no snapshot is stale).</summary>
    internal static readonly string[] Names = ["WhileLoops"];

    private const string Source = """
        namespace Samples;

        /// <summary>Newton's iteration to a tolerance, then a do loop writing y through a counter.</summary>
        public partial class WhileLoops
        {
            [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 4)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
            {
                double a = w[0] * w[0] + x[0] * x[0] + 0.5;
                double z = a;
                int k = 0;
                while (Math.Abs(z * z - a) > 1e-9 && k < 10)
                {
                    z = 0.5 * (z + a / z);
                    k++;
                }

                int j = 0;
                do
                {
                    y[j] = z * w[1] + j;
                    j += 2;
                }
                while (j < 4);

                y[1] = k;
                y[3] = z;
            }
        }
        """;

    [Fact]
    public void Generated_source_of_while_and_do_loops_matches_the_snapshot()
    {
        GeneratorResult result = GeneratorHarness.Run(SnapshotTests.Usings + Source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Snapshot.Verify("WhileLoops", Assert.Single(result.Sources).Value);
    }
}
