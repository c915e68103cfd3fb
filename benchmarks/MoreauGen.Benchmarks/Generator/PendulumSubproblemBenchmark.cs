using BenchmarkDotNet.Attributes;
using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Benchmarks.Generator;

/// <summary>
/// The Φx subproblem of the pendulum step (paper eq. 52, value λᵀφ(w, x + u) + ½‖u‖² and its gradient in u, batch 1),
/// evaluated at 100 states as the inner solver of a MorGD iteration at τ = 100 does, through the generated
/// <see cref="PendulumDynamics"/> and through its hand-written baseline, both called through
/// <see cref="IMoreauLayer{T}"/>. A MorGD iteration makes one such evaluation per time step, so this is
/// where the per-call overhead of generated code on a tiny layer shows.
/// </summary>
/// <remarks>
/// Each side calls through its own call site (<see cref="Evaluate{TSide}"/> instantiated per side): with one call site
/// shared by both layers, the JIT's profile-guided devirtualization inlined whichever class its profile saw more often,
/// and the ratio of one process came out near 0.65, 1.05 or 1.6 depending on that choice.
/// </remarks>
[MemoryDiagnoser]
public class PendulumSubproblemBenchmark
{
    private const int Steps = 100;

    private readonly IMoreauLayer<double> generated = new PendulumDynamics();
    private readonly IMoreauLayer<double> handWritten = new HandWrittenPendulumDynamics();
    private readonly double[] torques = new double[Steps];
    private readonly double[] states = new double[2 * Steps];
    private readonly double[] multipliers = new double[2 * Steps];
    private readonly double[] shifts = new double[2 * Steps];
    private readonly double[] gradient = new double[2];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        for (int i = 0; i < Steps; i++)
        {
            torques[i] = random.NextDouble() - 0.5;
        }

        foreach (double[] a in new[] { states, multipliers, shifts })
        {
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = 2 * random.NextDouble() - 1;
            }
        }

        double a1 = Generated(), a2 = HandWritten();
        if (Math.Abs(a1 - a2) > 1e-9 * Math.Max(1, Math.Abs(a2)))
        {
            throw new InvalidOperationException("The generated and hand-written subproblems disagree.");
        }
    }

    [Benchmark(Baseline = true)]
    public double HandWritten() => Evaluate<HandWrittenSide>(handWritten);

    [Benchmark]
    public double Generated() => Evaluate<GeneratedSide>(generated);

    /// <summary>The 100 evaluations; <typeparamref name="TSide"/> only gives each side its own compiled copy and call site.</summary>
    private double Evaluate<TSide>(IMoreauLayer<double> layer) where TSide : struct
    {
        double sum = 0;
        for (int t = 0; t < Steps; t++)
        {
            sum += layer.SubproblemX(torques.AsSpan(t, 1), states.AsSpan(2 * t, 2), multipliers.AsSpan(2 * t, 2), shifts.AsSpan(2 * t, 2), gradient);
            sum += gradient[0];
        }

        return sum;
    }

    private struct GeneratedSide;

    private struct HandWrittenSide;
}
