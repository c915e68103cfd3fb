using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The generated source of a layer with <c>while</c> and <c>do</c> loops that no int counter bounds (a projectile
/// integrated <c>while (!landed)</c> with a hit test and the landing point interpolated, then Newton's method
/// <c>do { … } while (Math.Abs(dz) &gt; 1e-12)</c>), pinned by a snapshot (Snapshots/UnboundedLoops.verified.cs): the
/// taped Forward records the trips in a fixed reserve per sample of the call's tape, Pullback reads them there (or records
/// a sample that overflowed it again on a pooled tape that grows with the trips), the subproblems always record on the
/// pooled tape. It compiles with every warning on and without diagnostics.
/// </summary>
public sealed class UnboundedLoopSnapshotTests
{
    /// <summary>The snapshot this class pins (for the check that no snapshot is stale).</summary>
    internal static readonly string[] Names = ["UnboundedLoops"];

    private const string Source = """
        namespace Samples;

        /// <summary>Where a projectile lands, and the cube root of its range by Newton's method.</summary>
        public partial class UnboundedLoops
        {
            private const double Dt = 0.05;

            [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
            {
                double px = 0, py = 0.5, vx = x[0], vy = x[1];
                double lastX = px, lastY = py;
                bool landed = false;
                while (!landed)
                {
                    lastX = px;
                    lastY = py;
                    vy -= Dt * (9.81 + w[0] * w[0] * vy);
                    px += Dt * vx;
                    py += Dt * vy;
                    if (py < 0)
                    {
                        landed = true;
                    }
                }

                double range = lastX + lastY / (lastY - py) * (px - lastX);
                double z = range + 1;
                double dz;
                do
                {
                    dz = (z * z * z - range) / (3 * z * z);
                    z -= dz;
                }
                while (Math.Abs(dz) > 1e-12);

                y[0] = range;
                y[1] = z;
            }
        }
        """;

    [Fact]
    public void Generated_source_of_unbounded_while_and_do_loops_matches_the_snapshot()
    {
        GeneratorResult result = GeneratorHarness.Run(SnapshotTests.Usings + Source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Snapshot.Verify("UnboundedLoops", Assert.Single(result.Sources).Value);
    }
}
