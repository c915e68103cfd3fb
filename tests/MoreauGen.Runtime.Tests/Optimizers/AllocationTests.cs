using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Tests.Optimizers;

/// <summary>No allocation per iteration once the workspaces exist (measured on this thread's allocation counter).</summary>
public sealed class AllocationTests
{
    /// <summary>
    /// Bytes this thread allocates over <paramref name="repetitions"/> calls of <paramref name="action"/>, the smaller of
    /// two such rounds after two warm-up calls (workspaces are created on first use). An allocation per call shows in
    /// both rounds; a one-time initialisation first reached in a later call (a path the iterates take only then, a
    /// static set up by whichever test thread gets there first) shows in one at most.
    /// </summary>
    internal static long AllocatedBytes(Action action, int repetitions)
    {
        action();
        action();
        return Math.Min(Round(action, repetitions), Round(action, repetitions));
    }

    private static long Round(Action action, int repetitions)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < repetitions; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    public static TheoryData<string> Methods => new() { "GD", "MorGD two-step", "MorGD gradient descent", "MorGD L-BFGS", "MorGD objective solved" };

    [Theory]
    [MemberData(nameof(Methods))]
    public void An_iteration_on_100_pendulum_steps_allocates_nothing(string method)
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 100);
        var schedule = MoreauSchedule<double>.Constant(16.0, 0.5);
        ChainOptimizer<double> optimizer = method switch
        {
            "GD" => new GradientDescent<double>(chain, 1e-3),
            "MorGD two-step" => new MoreauGradientDescent<double>(chain, schedule),
            "MorGD gradient descent" => new MoreauGradientDescent<double>(chain, schedule, new GradientDescentSolver<double>(3)),
            _ => new MoreauGradientDescent<double>(chain, schedule, new LbfgsSolver<double>(), l2: 1e-3),
        };
        IMoreauObjective<double> cost = method == "MorGD objective solved" ? new CostWithoutClosedForm() : new PendulumCost();
        var w = new double[100];
        double[] x0 = [0.0, 0.0];
        Assert.Equal(0, AllocatedBytes(() => optimizer.Step(w, x0, cost), 50));
    }

    [Fact]
    public void A_recorded_run_into_caller_spans_allocates_nothing()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 100);
        var optimizer = new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(16.0, 0.5));
        var w = new double[100];
        var values = new double[11];
        var best = new double[11];
        double[] x0 = [0.0, 0.0];
        var cost = new PendulumCost();
        Assert.Equal(0, AllocatedBytes(() => optimizer.Run(w, x0, cost, values, best), 5));
    }

    /// <summary>The pendulum cost without its closed form, so that ∇env(γh) is solved.</summary>
    private sealed class CostWithoutClosedForm : IMoreauObjective<double>
    {
        private readonly PendulumCost _cost = new();
        public int InputCount => 2;
        public double Value(ReadOnlySpan<double> x) => _cost.Value(x);
        public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> grad) => _cost.ValueAndGradient(x, grad);
    }
}
