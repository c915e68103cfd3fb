using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Samples.Tests.Pendulum;

/// <summary>
/// The orderings of GD and MorGD the pendulum sample reproduces at τ = 50 (paper §4, Fig. 3; App. E.1.1, E.2.2),
/// computed here from the runtime's optimisers over small grids, with the paper's γ = ½ and the two-step inner solver.
/// </summary>
public sealed class Fig3OrderingTests
{
    private const int Horizon = 50, Iterations = 50;
    private const double Gamma = 0.5;

    [Fact]
    public void At_each_methods_best_step_MorGD_ends_with_a_lower_best_so_far_cost_than_GD()
    {
        // Metric: the best-so-far cost after 50 iterations, each method at the step of its grid with the smallest mean
        // best-so-far cost over the iterations (App. E.2.2's criterion). The grids bracket each method's best step.
        var gd = BestOfGrid(e => Gd(Math.ScaleB(1.0, e)), -3, 1, out int gdExponent);
        var morgd = BestOfGrid(e => MorGd(Math.ScaleB(1.0, e)), 8, 12, out int morgdExponent);

        Assert.InRange(gdExponent, -2, 0);      // not at the edge of the grid: the grid is wide enough
        Assert.InRange(morgdExponent, 9, 11);
        double gdFinal = gd.Best[Iterations], morgdFinal = morgd.Best[Iterations];
        Assert.True(morgdFinal < gdFinal / 4,
            $"best-so-far after {Iterations} iterations: MorGD (α = 2^{morgdExponent}) {morgdFinal:G4}, GD (η = 2^{gdExponent}) {gdFinal:G4}");
    }

    [Fact]
    public void At_each_methods_best_step_GD_leads_for_the_first_iterations_and_MorGD_from_iteration_10()
    {
        var gd = BestOfGrid(e => Gd(Math.ScaleB(1.0, e)), -3, 1, out _);
        var morgd = BestOfGrid(e => MorGd(Math.ScaleB(1.0, e)), 8, 12, out _);

        for (int k = 1; k <= 5; k++)
            Assert.True(gd.Cost[k] < morgd.Cost[k], $"k = {k}: GD {gd.Cost[k]:G4}, MorGD {morgd.Cost[k]:G4}");
        for (int k = 10; k <= Iterations; k++)
            Assert.True(morgd.Cost[k] < gd.Cost[k], $"k = {k}: GD {gd.Cost[k]:G4}, MorGD {morgd.Cost[k]:G4}");
    }

    [Fact]
    public void At_the_papers_steps_GD_diverges_while_MorGD_decreases_at_every_iteration()
    {
        // App. E.2.2's picks for τ = 50: GD η = 1; MorGD α = 2^7, γ = ½ (eq. 52).
        var gd = Gd(1.0);
        var morgd = MorGd(128);
        double start = Math.PI * Math.PI; // h at w = 0: the pendulum hangs at rest, θ = 0, ω = 0

        Assert.Equal(start, gd.Cost[0], 12);
        Assert.True(gd.Cost[5] > 1000 * start, $"GD η = 1 at k = 5: {gd.Cost[5]:G4}");
        Assert.Equal(gd.Cost[0], gd.Best[Iterations]); // it never improves on its start
        for (int k = 1; k <= Iterations; k++)
            Assert.True(morgd.Cost[k] < morgd.Cost[k - 1], $"MorGD α = 2^7 rises at k = {k}");
        Assert.True(morgd.Cost[Iterations] < start / 4, $"MorGD α = 2^7 at k = 50: {morgd.Cost[Iterations]:G4}");
    }

    private static (double[] Cost, double[] Best) Gd(double step) =>
        Run(new GradientDescent<double>(Chain<double>.Repeat(new PendulumDynamics(), Horizon), step));

    private static (double[] Cost, double[] Best) MorGd(double alpha) =>
        Run(new MoreauGradientDescent<double>(Chain<double>.Repeat(new PendulumDynamics(), Horizon),
                                              MoreauSchedule<double>.Constant(alpha, Gamma), new TwoStepSolver<double>()));

    private static (double[] Cost, double[] Best) Run(ChainOptimizer<double> optimizer)
    {
        double[] w = optimizer.Chain.CreateParameters(); // w = 0
        OptimizationTrace<double> trace = optimizer.Run(w, [0.0, 0.0], new PendulumCost(), Iterations);
        return (trace.Values, trace.BestValues);
    }

    /// <summary>The run with the smallest mean best-so-far cost over steps 2^low..2^high; a run that throws on a NaN/∞ scores +∞.</summary>
    private static (double[] Cost, double[] Best) BestOfGrid(Func<int, (double[] Cost, double[] Best)> run, int low, int high, out int bestExponent)
    {
        (double[] Cost, double[] Best) best = default;
        double bestScore = double.PositiveInfinity;
        bestExponent = int.MinValue;
        for (int e = low; e <= high; e++)
        {
            double score;
            (double[] Cost, double[] Best) curve = default;
            try
            {
                curve = run(e);
                score = curve.Best.Average();
            }
            catch (NonFiniteValueException)
            {
                score = double.PositiveInfinity;
            }

            if (score < bestScore)
            {
                (best, bestScore, bestExponent) = (curve, score, e);
            }
        }

        Assert.True(double.IsFinite(bestScore), $"every step of 2^{low}..2^{high} diverged");
        return best;
    }
}
