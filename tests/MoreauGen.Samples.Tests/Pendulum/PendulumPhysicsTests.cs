using MoreauGen.Samples.Pendulum.Physics;
using MoreauGen.Testing;

namespace MoreauGen.Samples.Tests.Pendulum;

/// <summary>The pendulum dynamics and cost (paper App. E.1.1; oracles generated from their bodies) against their formulas and central differences.</summary>
public sealed class PendulumPhysicsTests
{
    [Fact]
    public void One_step_follows_the_explicit_Euler_formula_of_the_paper()
    {
        double theta = 0.7, omega = -1.3, torque = 2.5;
        var y = new double[2];
        new PendulumDynamics().Forward([torque], [theta, omega], y);
        // θ' = θ + δω, ω' = ω + δ(−(g/l) sin θ − μ/(ml²) ω + w/(ml²)) with m = l = 1, μ = 0.01, g = 9.81, δ = 0.1.
        Assert.Equal(theta + 0.1 * omega, y[0], 1e-15);
        Assert.Equal(omega + 0.1 * (-9.81 * Math.Sin(theta) - 0.01 * omega + torque), y[1], 1e-14);
    }

    [Fact]
    public void Every_oracle_matches_central_differences_on_a_batch_of_three()
    {
        var random = new Random(11);
        double[] w = [0.8];
        double[] x = FiniteDifferences.RandomVector(random, 6, 3);
        double[] lambda = FiniteDifferences.RandomVector(random, 6, 2);
        LayerOracleChecks.AssertLayerOracles(new PendulumDynamics(), w, x, lambda, random);
    }

    [Fact]
    public void Oracles_check_span_lengths_and_name_the_span()
    {
        var layer = new PendulumDynamics();
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => layer.Forward(new double[2], new double[2], new double[2])).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => layer.Forward(new double[1], new double[3], new double[3])).ParamName);
        Assert.Equal("tape", Assert.Throws<ArgumentException>(() => layer.Forward(new double[1], new double[4], new double[4], new double[1])).ParamName);
        Assert.Equal("gradX", Assert.Throws<ArgumentException>(() =>
            layer.Pullback(new double[1], new double[2], new double[1], new double[2], new double[1], new double[1])).ParamName);
    }

    [Fact]
    public void Cost_is_the_papers_h_and_its_gradient_matches_central_differences()
    {
        var cost = new PendulumCost();
        double[] x = [0.3, -2.0, 3.5, 1.0];
        double expected = Math.Pow(0.3 - Math.PI, 2) + 0.1 * 4.0 + Math.Pow(3.5 - Math.PI, 2) + 0.1 * 1.0;
        Assert.Equal(expected, cost.Value(x), 1e-14);
        var grad = new double[4];
        Assert.Equal(expected, cost.ValueAndGradient(x, grad), 1e-14);
        FiniteDifferences.AssertClose(FiniteDifferences.Gradient(p => cost.Value(p), x), grad, 1e-8, "∇h");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1e-3)]
    [InlineData(64)]
    public void Cost_Moreau_gradient_satisfies_its_definition(double gamma)
    {
        // r = ∇env(γh)(x) = −argmin_y γh(x + y) + ½‖y‖²  ⇔  γ∇h(x − r) = r (h is convex).
        var cost = new PendulumCost();
        double[] x = [0.3, -2.0, 3.5, 1.0];
        var r = new double[4];
        cost.MoreauGradient(x, gamma, r);
        var shifted = new double[4];
        for (int i = 0; i < 4; i++) shifted[i] = x[i] - r[i];
        var grad = new double[4];
        cost.ValueAndGradient(shifted, grad);
        for (int i = 0; i < 4; i++) grad[i] *= gamma;
        FiniteDifferences.AssertClose(r, grad, 1e-14, "γ∇h(x − r)");
    }
}
