using MoreauGen.Samples.Pendulum;

namespace MoreauGen.Samples.Tests.Pendulum;

/// <summary>The sample's step selection (App. E.2.2) and its handling of runs that diverge.</summary>
public sealed class SelectionTests
{
    [Fact]
    public void The_step_with_the_smallest_mean_best_so_far_cost_is_chosen_and_a_non_finite_run_never_is()
    {
        // Best-so-far means: 2^0 → (9 + 1 + 1)/3 = 3.67; 2^1 → (9 + 5 + 0.5)/3 = 4.83 although it ends lower;
        // 2^2 stopped on a NaN after two iterations (its cheap start does not count).
        Curve[] grid =
        [
            Curve(1.0, [9, 1, 1.2]),
            Curve(2.0, [9, 5, 0.5]),
            new Curve(50, DescentMethod.GradientDescent, 4.0, 2, [9, 0.1], [9, 0.1], "Iteration 2: NaN"),
        ];

        Assert.Equal(11.0 / 3, grid[0].MeanBestCost, 12);
        Assert.Equal(double.PositiveInfinity, grid[2].MeanBestCost);
        Assert.Equal(2, grid[2].FailedAtIteration);
        Assert.Same(grid[0], Experiment.Select(grid));
        Assert.Null(Experiment.Select([grid[2]]));
    }

    [Fact]
    public void On_a_tie_the_smaller_step_is_chosen()
    {
        Curve large = Curve(2.0, [4, 2, 1]), small = Curve(0.5, [4, 2, 1]);
        Assert.Same(small, Experiment.Select([large, small]));
    }

    [Fact]
    public void A_run_that_overflows_returns_the_iterations_before_the_overflow_and_the_reason()
    {
        // GD with η = 2^12 on τ = 100 overflows within 50 iterations (the explicit Euler pendulum amplifies early torques).
        Curve curve = SwingUp.Run(100, DescentMethod.GradientDescent, 4096, iterations: 50);

        Assert.True(curve.IsNonFinite);
        int failedAt = curve.FailedAtIteration!.Value;
        Assert.InRange(failedAt, 1, 50);
        Assert.Equal(failedAt, curve.Costs.Length);
        Assert.All(curve.Costs, c => Assert.True(double.IsFinite(c)));
        Assert.Contains("non-finite", curve.Failure!, StringComparison.Ordinal);
        Assert.Equal(double.PositiveInfinity, curve.MeanBestCost);
    }

    [Fact]
    public void Steps_are_read_as_decimals_fractions_or_powers_of_two()
    {
        Assert.True(PendulumCommand.TryParseStep("0.25", out double a));
        Assert.True(PendulumCommand.TryParseStep("1/4", out double b));
        Assert.True(PendulumCommand.TryParseStep("2^-2", out double c));
        Assert.Equal(0.25, a);
        Assert.Equal(0.25, b);
        Assert.Equal(0.25, c);
        Assert.False(PendulumCommand.TryParseStep("-1", out _));
        Assert.False(PendulumCommand.TryParseStep("0", out _));
        Assert.False(PendulumCommand.TryParseStep("1/0", out _));
        Assert.False(PendulumCommand.TryParseStep("two", out _));
        Assert.Equal("2^-2", Report.StepText(0.25));
        Assert.Equal("2^10", Report.StepText(1024));
        Assert.Equal("0.3", Report.StepText(0.3));
    }

    private static Curve Curve(double step, double[] costs)
    {
        var best = new double[costs.Length];
        double min = double.PositiveInfinity;
        for (int k = 0; k < costs.Length; k++)
            best[k] = min = Math.Min(min, costs[k]);
        return new Curve(50, DescentMethod.GradientDescent, step, costs.Length - 1, costs, best, Failure: null);
    }
}
