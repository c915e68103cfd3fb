using MoreauGen.Samples.Pendulum.Physics;
using static MoreauGen.Samples.Pendulum.Physics.PendulumDynamics;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The first iterates of AL-MGD (Alg. 7–9) on the pendulum of App. E.1.1, with L-BFGS to a tight tolerance as the
/// inner solver, against a double-precision reference computed here by another route: the dynamics and cost written
/// out by hand, the objective's step and the control steps in closed form (the control enters linearly), and each
/// state subproblem (two unknowns) solved by Newton's method with its exact Hessian.
/// </summary>
public sealed class PendulumAugmentedLagrangianReferenceTests
{
    private const double Alpha = 16, Beta = 0.5, Gamma = 0.5, Kappa = 0.1;
    private const int Horizon = 10;
    private const double Inertia = Mass * RodLength * RodLength;
    private const double Keep = 1 - TimeStep * Friction / Inertia, GravityStep = TimeStep * Gravity / RodLength, Gain = TimeStep / Inertia;

    [Fact]
    public void The_first_three_AL_MGD_iterates_match_a_Newton_reference()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), Horizon);
        var optimizer = new AugmentedLagrangianGradientDescent<double>(chain, PenaltySchedule<double>.Constant(Alpha, Beta, Gamma, Kappa),
                                                                        new LbfgsSolver<double> { RelativeTolerance = 1e-14, MaxIterations = 200 });
        var w = new double[Horizon];
        double[] reference = new double[Horizon];
        for (int k = 0; k < 3; k++)
        {
            optimizer.Step(w, [0.0, 0.0], new PendulumCost());
            reference = ReferenceStep(reference);
            Assert.True(reference.Max(Math.Abs) > 1e-3, "the reference does not move");
            FiniteDifferences.AssertClose(reference, w, 1e-9, $"w after iteration {k + 1}");
        }
    }

    private static (double, double) Step((double Theta, double Omega) x, double u) =>
        (x.Theta + TimeStep * x.Omega, Keep * x.Omega - GravityStep * Math.Sin(x.Theta) + Gain * u);

    /// <summary>One AL-MGD iteration (Alg. 9 with the reading of its doc comment), from scratch.</summary>
    private static double[] ReferenceStep(double[] w)
    {
        var states = new (double Theta, double Omega)[Horizon + 1];
        for (int t = 1; t <= Horizon; t++) states[t] = Step(states[t - 1], w[t - 1]);

        // x⁺_τ = argmin (θ − π)² + 0.1ω² + (ρ/2)‖y − x_τ‖², ρ = 1/γ + κ, coordinate by coordinate.
        double rho = 1 / Gamma + Kappa;
        (double Theta, double Omega) last = states[Horizon];
        (double Theta, double Omega) target = ((2 * Math.PI + rho * last.Theta) / (2 + rho), rho * last.Omega / (2 * PendulumCost.VelocityWeight + rho));
        var next = new double[Horizon];
        for (int t = Horizon; t >= 1; t--)
        {
            (double Theta, double Omega) x = states[t - 1];
            double r0 = states[t].Theta - target.Theta, r1 = states[t].Omega - target.Omega;

            // Control: φ(v, x) = φ(0, x) + (0, Gain)·v, so Φw is a scalar quadratic:
            // β·r₁·Gain + (v − w)/α + κ·Gain·(φ₁(0, x) + Gain·v − x⁺₁) = 0.
            double free1 = Keep * x.Omega - GravityStep * Math.Sin(x.Theta);
            next[t - 1] = (w[t - 1] / Alpha - Beta * r1 * Gain + Kappa * Gain * (target.Omega - free1)) / (1 / Alpha + Kappa * Gain * Gain);

            if (t > 1)
                target = NewtonState(x, w[t - 1], (r0, r1), target);
        }

        return next;
    }

    /// <summary>argmin_y β rᵀφ(y) + ((1/γ + κ)/2)‖y − x‖² + (κ/2)‖φ(y) − x⁺‖² by Newton's method (exact 2×2 Hessian).</summary>
    private static (double, double) NewtonState((double Theta, double Omega) x, double u, (double R0, double R1) r, (double Theta, double Omega) target)
    {
        double prox = 1 / Gamma + Kappa;
        double y0 = x.Theta, y1 = x.Omega;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            (double p0, double p1) = Step((y0, y1), u);
            double e0 = p0 - target.Theta, e1 = p1 - target.Omega;
            // J = ∂φ/∂y = [[1, δ], [−G·cos y₀, Keep]]; the multiplier m = βr + κe.
            double c = -GravityStep * Math.Cos(y0);
            double m0 = Beta * r.R0 + Kappa * e0, m1 = Beta * r.R1 + Kappa * e1;
            double g0 = m0 + c * m1 + prox * (y0 - x.Theta);
            double g1 = TimeStep * m0 + Keep * m1 + prox * (y1 - x.Omega);
            // Hessian: κJᵀJ + prox·I + m₁·∂²φ₁/∂y₀² (= m₁·G·sin y₀ in the (0, 0) entry).
            double h00 = Kappa * (1 + c * c) + prox + m1 * GravityStep * Math.Sin(y0);
            double h01 = Kappa * (TimeStep + c * Keep);
            double h11 = Kappa * (TimeStep * TimeStep + Keep * Keep) + prox;
            double det = h00 * h11 - h01 * h01;
            y0 -= (h11 * g0 - h01 * g1) / det;
            y1 -= (h00 * g1 - h01 * g0) / det;
        }

        return (y0, y1);
    }
}
