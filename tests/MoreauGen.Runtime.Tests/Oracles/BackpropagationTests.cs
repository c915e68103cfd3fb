using MoreauGen.Samples.Pendulum.Physics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>Back-propagation (paper Alg. 3–4) against central finite differences of h∘f.</summary>
public sealed class BackpropagationTests
{
    private static readonly Chain<double> Pendulum100 = Chain<double>.Repeat(new PendulumDynamics(), 100);
    private static readonly double[] Rest = [0.0, 0.0];

    public static TheoryData<string> PendulumControls => new() { "zero", "random" };

    private static double[] Controls(string which) =>
        which == "zero" ? new double[100] : FiniteDifferences.RandomVector(new Random(5), 100, 2.0);

    [Theory]
    [MemberData(nameof(PendulumControls))]
    public void Gradient_of_100_pendulum_steps_matches_central_differences_componentwise(string which)
    {
        double[] w = Controls(which);
        var oracle = new Backpropagation<double>(Pendulum100);
        var cost = new PendulumCost();
        var gradient = new double[100];
        double value = oracle.Evaluate(w, Rest, cost, gradient);

        var value0 = new Backpropagation<double>(Pendulum100);
        Assert.Equal(value0.Value(w, Rest, cost), value);
        double[] fd = FiniteDifferences.Gradient(p => value0.Value(p, Rest, cost), w);
        FiniteDifferences.AssertClose(fd, gradient, 1e-6, "∇_w h∘f");
        Assert.Contains(gradient, g => Math.Abs(g) > 1e-3); // not trivially zero
    }

    [Theory]
    [MemberData(nameof(PendulumControls))]
    public void Gradient_of_100_pendulum_steps_matches_central_differences_along_random_directions(string which)
    {
        double[] w = Controls(which);
        var oracle = new Backpropagation<double>(Pendulum100);
        var cost = new PendulumCost();
        var gradient = new double[100];
        oracle.Evaluate(w, Rest, cost, gradient);
        var random = new Random(17);
        for (int k = 0; k < 5; k++)
        {
            double[] d = FiniteDifferences.RandomVector(random, 100);
            double fd = FiniteDifferences.Directional(p => oracle.Value(p, Rest, cost), w, d);
            double exact = FiniteDifferences.Dot(gradient, d);
            Assert.True(Math.Abs(fd - exact) <= 1e-6 * Math.Max(1, Math.Abs(exact)), $"direction {k}: fd {fd:R}, backprop {exact:R}");
        }
    }

    [Fact]
    public void Gradient_of_a_network_of_different_layers_on_a_batch_with_l2_matches_central_differences()
    {
        var random = new Random(3);
        var chain = new Chain<double>([new TanhLayer(3, 4), new LinearLayer(4, 4), new TanhLayer(4, 2)]);
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount);
        double[] x0 = FiniteDifferences.RandomVector(random, 5 * 3);
        var objective = new SquaredDistance<double>(2, FiniteDifferences.RandomVector(random, 5 * 2)) { MeanOverBatch = true };
        var oracle = new Backpropagation<double>(chain) { ParameterL2 = 0.01 };
        var gradient = new double[w.Length];
        double value = oracle.Evaluate(w, x0, objective, gradient);

        double F(double[] p) => oracle.Value(p, x0, objective);
        Assert.Equal(F(w), value, 1e-14);
        FiniteDifferences.AssertClose(FiniteDifferences.Gradient(F, w), gradient, 1e-7, "∇(h∘f + μ/2‖w‖²)");
    }

    [Fact]
    public void Evaluate_rejects_wrong_sizes_and_names_the_span()
    {
        var oracle = new Backpropagation<double>(Pendulum100);
        var cost = new PendulumCost();
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => oracle.Evaluate(new double[99], Rest, cost, new double[100])).ParamName);
        Assert.Equal("direction", Assert.Throws<ArgumentException>(() => oracle.Evaluate(new double[100], Rest, cost, new double[10])).ParamName);
        Assert.Equal("x0", Assert.Throws<ArgumentException>(() => oracle.Evaluate(new double[100], [1.0, 2.0, 3.0], cost, new double[100])).ParamName);
        var shared = new double[200];
        Assert.Equal("direction", Assert.Throws<ArgumentException>(() =>
            oracle.Evaluate(shared.AsSpan(0, 100), Rest, cost, shared.AsSpan(50, 100))).ParamName);
    }

    [Fact]
    public void An_objective_of_the_wrong_size_is_rejected_with_both_sizes()
    {
        var oracle = new Backpropagation<double>(Pendulum100);
        var ex = Assert.Throws<ArgumentException>(() => oracle.Evaluate(new double[100], Rest, new SquaredDistance<double>(3), new double[100]));
        Assert.Contains("reads 3 values per sample", ex.Message);
        Assert.Contains("layer 100 of 100 (PendulumDynamics) outputs 2", ex.Message);
    }
}
