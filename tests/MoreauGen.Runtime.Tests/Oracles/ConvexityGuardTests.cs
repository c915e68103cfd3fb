using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The Prop. 2.3 guard of the target passes: a state step γ too large for the layer's curvature makes the Φx
/// subproblem non-convex, which the inner solver sees and the oracle reports; a small γ does not; back-off caps γ.
/// </summary>
public sealed class ConvexityGuardTests
{
    private const double TooLarge = 4.0;

    /// <summary>The pendulum of App. E.1.1 over 12 steps: φ_t is affine in the control, nonlinear (sin θ) in the state.</summary>
    private static (Chain<double> Chain, double[] W, double[] X0, PendulumCost H) Network()
    {
        var random = new Random(23);
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 12);
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount, 2);
        return (chain, w, [0.3, 0.0], new PendulumCost());
    }

    private static List<ConvexityWarning<double>> Warnings(double gamma, bool backOff, out AugmentedLagrangianBackpropagation<double> oracle, int evaluations = 1)
    {
        var (chain, w, x0, h) = Network();
        oracle = new AugmentedLagrangianBackpropagation<double>(chain, PenaltySchedule<double>.Constant(1.0, 1.0, gamma, 0.0),
                                                                new LbfgsSolver<double> { MaxIterations = 50 }) { BackOffSteps = backOff };
        var warnings = new List<ConvexityWarning<double>>();
        oracle.ConvexityViolated += warnings.Add;
        var d = new double[chain.ParameterCount];
        for (int k = 0; k < evaluations; k++) oracle.Evaluate(w, x0, h, d);
        return warnings;
    }

    [Fact]
    public void A_state_step_too_large_for_the_layer_curvature_is_reported_with_layer_step_and_a_smaller_safe_step()
    {
        List<ConvexityWarning<double>> warnings = Warnings(TooLarge, backOff: false, out _);
        Assert.NotEmpty(warnings);
        foreach (ConvexityWarning<double> warning in warnings)
        {
            Assert.Equal(LayerArgument.Input, warning.Argument);
            Assert.InRange(warning.Layer, 2, 12); // Φx exists for t = 2..τ
            Assert.Equal(TooLarge, warning.Step);
            Assert.True(warning.Curvature <= 0 || warning.Status == SolverStatus.LineSearchFailed, warning.ToString());
            Assert.True(warning.SafeStep > 0 && warning.SafeStep < warning.Step, warning.ToString());
            Assert.False(warning.BackedOff);
        }
    }

    [Fact]
    public void A_small_state_step_raises_no_warning()
    {
        Assert.Empty(Warnings(0.5, backOff: false, out _)); // the paper's γ for the pendulum (App. E.2.2)
    }

    [Fact]
    public void Back_off_caps_the_step_below_the_estimate_and_the_capped_steps_stop_warning()
    {
        List<ConvexityWarning<double>> warnings = Warnings(TooLarge, backOff: true, out AugmentedLagrangianBackpropagation<double> oracle, evaluations: 6);
        Assert.NotEmpty(warnings);
        ConvexityWarning<double> first = warnings[0];
        Assert.True(first.BackedOff);
        double capped = oracle.InputStep(first.Layer - 1);
        Assert.True(capped <= first.SafeStep / 2, $"γ capped at {capped}, estimate {first.SafeStep}");

        // Once every layer has been backed off, later passes at the same point are quiet.
        int before = warnings.Count;
        var (chain, w, x0, h) = Network();
        oracle.Evaluate(w, x0, h, new double[chain.ParameterCount]);
        Assert.Equal(before, warnings.Count);
    }
}
