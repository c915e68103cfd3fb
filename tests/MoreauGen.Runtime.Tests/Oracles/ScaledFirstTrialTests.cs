using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// <see cref="TargetPassOracle{T}.ScaledFirstTrial"/>: the two-step solver's line search starts at 1/c, c the curvature
/// it saw along its first step in the previous pass. On a quadratic subproblem (a linear layer the oracle does not know
/// is linear, so the inner solver runs) 1/c at the same point is the exact step along the steepest descent
/// (<see cref="Solvers.FirstTrialTests"/> checks the solve against its closed form): the first pass is the unit trial's,
/// the second takes one evaluation per subproblem and is as close to the exact pass (L-BFGS) as the unit trial's.
/// </summary>
public sealed class ScaledFirstTrialTests
{
    private const double Alpha = 0.7, Gamma = 1.3, Kappa = 0.6;

    private static (Chain<double> Chain, double[] W, double[] X0, SquaredDistance<double> H) Problem(double inputScale)
    {
        int[] sizes = [3, 4, 2, 3];
        const int batch = 2;
        var random = new Random(41);
        var chain = new Chain<double>(Enumerable.Range(1, sizes.Length - 1).Select(t => (IMoreauLayer<double>)new LinearLayer(sizes[t - 1], sizes[t])));
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount);
        // A larger input makes the parameter subproblems' curvature κ‖J_w‖² large, so that the unit first trial overshoots.
        double[] x0 = [.. FiniteDifferences.RandomVector(random, batch * sizes[0]).Select(v => inputScale * v)];
        double[] targets = FiniteDifferences.RandomVector(random, batch * sizes[^1]);
        return (chain, w, x0, new SquaredDistance<double>(sizes[^1], targets) { Weight = 0.75 });
    }

    private static TargetPassOracle<double> Oracle(Variant variant, Chain<double> chain, bool scaled) => variant switch
    {
        Variant.TargetPropagation => new TargetPropagation<double>(chain, Kappa, new TwoStepSolver<double>()) { ScaledFirstTrial = scaled },
        _ => new ProximalBackpropagation<double>(chain, Alpha, Gamma, Kappa, new TwoStepSolver<double>()) { ScaledFirstTrial = scaled },
    };

    [Theory]
    [InlineData(Variant.TargetPropagation)]
    [InlineData(Variant.ProximalBackpropagation)]
    public void On_quadratic_subproblems_the_second_pass_takes_one_evaluation_per_subproblem_and_is_as_close_to_the_exact_pass(Variant variant)
    {
        var (chain, w, x0, h) = Problem(inputScale: 4);
        TargetPassOracle<double> unit = Oracle(variant, chain, scaled: false);
        var expected = new double[chain.ParameterCount];
        unit.Evaluate(w, x0, h, expected);
        int solves = unit.LastStatistics.Solves;
        Assert.Equal(2 * chain.Length - 1, solves);
        Assert.True(unit.LastStatistics.Evaluations > solves, $"the unit first trial took {unit.LastStatistics.Evaluations} evaluations for {solves} solves");

        TargetPassOracle<double> warm = Oracle(variant, chain, scaled: true);
        var first = new double[chain.ParameterCount];
        warm.Evaluate(w, x0, h, first);
        FiniteDifferences.AssertClose(expected, first, 1e-12, "first pass (no curvature seen yet: the unit trial)");
        Assert.Equal(unit.LastStatistics.Evaluations, warm.LastStatistics.Evaluations);

        var second = new double[chain.ParameterCount];
        warm.Evaluate(w, x0, h, second);
        Assert.Equal(solves, warm.LastStatistics.Solves);
        Assert.Equal(solves, warm.LastStatistics.Evaluations);

        // Both passes solve each subproblem inexactly (two steps); against the exact pass, the scaled trial's is as close.
        var exact = new double[chain.ParameterCount];
        TargetPassOracle<double> reference = variant switch
        {
            Variant.TargetPropagation => new TargetPropagation<double>(chain, Kappa, new LbfgsSolver<double> { RelativeTolerance = 1e-13, MaxIterations = 500 }),
            _ => new ProximalBackpropagation<double>(chain, Alpha, Gamma, Kappa, new LbfgsSolver<double> { RelativeTolerance = 1e-13, MaxIterations = 500 }),
        };
        reference.Evaluate(w, x0, h, exact);
        double unitError = Distance(expected, exact), warmError = Distance(second, exact);
        // Seen: TP 0.455 against 0.480, ProxProp 0.0796 against 0.0803 (|d*| = 1.22, 0.445).
        Assert.True(warmError <= 1.05 * unitError, $"|d_warm − d*| = {warmError:E3}, |d_unit − d*| = {unitError:E3}");
    }

    private static double Distance(double[] u, double[] v) => Math.Sqrt(u.Zip(v, (p, q) => (p - q) * (p - q)).Sum());

    [Fact]
    public void The_augmented_Lagrangian_keeps_the_unit_first_trial_and_the_variants_can_turn_it_off()
    {
        var (chain, _, _, _) = Problem(inputScale: 1);
        var schedule = PenaltySchedule<double>.Constant(Alpha, 1.0, Gamma, 0.0);
        Assert.False(new AugmentedLagrangianBackpropagation<double>(chain, schedule).ScaledFirstTrial);
        Assert.True(new TargetPropagation<double>(chain, Kappa).ScaledFirstTrial);
        Assert.True(new ProximalBackpropagation<double>(chain, Alpha, Gamma, Kappa).ScaledFirstTrial);
        Assert.False(new TargetPropagation<double>(chain, Kappa) { ScaledFirstTrial = false }.ScaledFirstTrial);
    }
}
