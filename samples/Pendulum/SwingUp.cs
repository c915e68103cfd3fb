using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Samples.Pendulum;

/// <summary>
/// The swing-up problem of paper §4 and App. E.1.1: min over the torques w₁..w_τ of h(x_τ), x_t = φ(w_t, x_{t−1}),
/// with the damped pendulum <see cref="PendulumDynamics"/> (m = 1, l = 1, μ = 0.01, g = 9.81, δ = 0.1), x₀ = (0, 0)
/// (hanging at rest), the cost <see cref="PendulumCost"/> h(x) = (θ − π)² + 0.1·ω², and w initialised at 0.
/// </summary>
public static class SwingUp
{
    /// <summary>x₀ = (θ, ω) = (0, 0): the pendulum hangs at rest.</summary>
    public static ReadOnlySpan<double> InitialState => [0.0, 0.0];

    /// <summary>
    /// Runs <paramref name="method"/> with step <paramref name="step"/> (GD's η or MorGD's α) for K =
    /// <paramref name="iterations"/> iterations from w = 0 on horizon τ = <paramref name="horizon"/>. A NaN or an
    /// infinity stops the run; the curve then holds the iterations computed before it and the reason.
    /// </summary>
    /// <param name="horizon">τ, the number of time steps (≥ 1).</param>
    /// <param name="method">GD or MorGD.</param>
    /// <param name="step">GD's step η or MorGD's α (eq. 52 convention), positive and finite.</param>
    /// <param name="iterations">K ≥ 0.</param>
    /// <param name="gamma">MorGD's γ (eq. 52); ignored by GD.</param>
    /// <param name="solver">MorGD's inner solver (default: the paper's two-step solver); ignored by GD.</param>
    /// <param name="beta">AL-MGD's β (Alg. 9).</param>
    /// <param name="kappa">κ of AL-MGD (≥ 0), TP and ProxProp (&gt; 0).</param>
    public static Curve Run(int horizon, DescentMethod method, double step, int iterations, double gamma = PendulumSettings.PaperGamma,
                            InnerSolver<double>? solver = null, double beta = 1, double kappa = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        var chain = Chain<double>.Repeat(new PendulumDynamics(), horizon);
        ChainOptimizer<double> optimizer = method switch
        {
            DescentMethod.GradientDescent => new GradientDescent<double>(chain, step),
            DescentMethod.MoreauGradientDescent =>
                new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(step, gamma), solver ?? new TwoStepSolver<double>()),
            DescentMethod.AugmentedLagrangian =>
                new AugmentedLagrangianGradientDescent<double>(chain, PenaltySchedule<double>.Constant(step, beta, gamma, kappa), solver),
            DescentMethod.TargetPropagation => new TargetPassDescent<double>(new TargetPropagation<double>(chain, kappa, solver), step),
            DescentMethod.ProximalBackpropagation => new TargetPassDescent<double>(new ProximalBackpropagation<double>(chain, step, gamma, kappa, solver)),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };

        double[] w = chain.CreateParameters();
        var costs = new double[iterations + 1];
        var best = new double[iterations + 1];
        try
        {
            optimizer.Run(w, InitialState, new PendulumCost(), costs, best);
            return new Curve(horizon, method, step, iterations, costs, best, Failure: null);
        }
        catch (NonFiniteValueException e)
        {
            // Run fills k = 0..e.Iteration − 1 before it throws.
            int done = Math.Clamp(e.Iteration, 0, iterations + 1);
            return new Curve(horizon, method, step, iterations, costs[..done], best[..done], e.Message);
        }
    }
}
