using BenchmarkDotNet.Attributes;
using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Benchmarks.Pendulum;

/// <summary>
/// One descent iteration on the pendulum swing-up at τ = 100 (paper §4, App. E.1.1), as the sample runs it: GD
/// (forward pass with tape, back-propagation, update) against MorGD (forward pass with tape, the Moreau backward pass of
/// eq. 52 with the paper's two-step inner solver for every Φx_t, closed-form Φw_t, update), at the same parameters.
/// </summary>
/// <remarks>
/// Every invocation first restores w (100 doubles) from a fixed mid-run iterate, so each measures the same iteration
/// (an 800-byte copy, included in every figure). The iterate is GD's after 5 iterations at η = 2⁻⁷ from w = 0 (cost ≈ 0.05):
/// the pendulum swings over the whole horizon, so no sin/cos of a zero angle flatters the timings.
/// </remarks>
[MemoryDiagnoser]
public class PendulumIterationBenchmarks
{
    private const int Horizon = 100;
    private readonly double[] _x0 = [0.0, 0.0];
    private readonly PendulumCost _cost = new();
    private GradientDescent<double> _gd = null!;
    private MoreauGradientDescent<double> _morgd = null!;
    private double[] _start = [];
    private double[] _w = [];

    [GlobalSetup]
    public void Setup()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), Horizon);
        _gd = new GradientDescent<double>(chain, Math.ScaleB(1.0, -7));
        _morgd = new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(128, 0.5), new TwoStepSolver<double>());
        _start = chain.CreateParameters();
        for (int k = 0; k < 5; k++)
            _gd.Step(_start, _x0, _cost);
        _w = new double[_start.Length];

        // Warm both optimisers' workspaces (allocated on first use) outside the measurements.
        GradientDescentIteration();
        MoreauGradientDescentIteration();
    }

    /// <summary>What the inner solver did during the last MorGD iteration (solves, evaluations, failures).</summary>
    public InnerSolveStatistics<double> LastMoreauStatistics => _morgd.Oracle.LastStatistics;

    /// <summary>h(f(w, x₀)) alone: the forward pass without tape, for scale.</summary>
    [Benchmark(Description = "cost only (forward, no tape)")]
    public double CostOnly()
    {
        _start.CopyTo(_w, 0);
        return _gd.Oracle.Value(_w, _x0, _cost);
    }

    /// <summary>One GD iteration: forward with tape, back-propagation (Alg. 3–4), w ← w − η·∇.</summary>
    [Benchmark(Baseline = true, Description = "GD iteration")]
    public double GradientDescentIteration()
    {
        _start.CopyTo(_w, 0);
        return _gd.Step(_w, _x0, _cost);
    }

    /// <summary>One MorGD iteration: forward with tape, Moreau backward pass (Alg. 1–2, eq. 52, two-step solver), w ← w − g.</summary>
    [Benchmark(Description = "MorGD iteration")]
    public double MoreauGradientDescentIteration()
    {
        _start.CopyTo(_w, 0);
        return _morgd.Step(_w, _x0, _cost);
    }
}
