using System.Numerics.Tensors;
using MoreauGen.Samples.Pendulum.Physics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>
/// The fused passes of a gradient-descent step against the separate TensorPrimitives passes they replace: the same
/// values bit for bit (so the iterates do not change), sums to rounding, and the finiteness facts, at every length from
/// 0 to 260 (SIMD blocks and tails) and at a layer's size, in float and double.
/// </summary>
public class ParameterUpdateTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 260; n += n < 40 ? 1 : 37)
            data.Add(n);
        data.Add(100_003);
        return data;
    }

    private static float[] Random(int n, int seed, float scale)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (2 * random.NextSingle() - 1) * scale)];
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AddL2_writes_the_values_of_MultiplyAdd_and_returns_the_squares_and_the_largest_magnitudes(int n)
    {
        float[] w = Random(n, 1, 3f), g = Random(n, 2, 0.5f);
        const float mu = 1e-3f;
        var expected = new float[n];
        TensorPrimitives.MultiplyAdd(w, mu, g, expected);

        float[] direction = [.. g];
        ParameterSweep<float> sweep = ParameterUpdate.AddL2<float>(w, mu, direction, addL2: true);

        Assert.True(sweep.GradientFinite);
        Assert.Equal(expected, direction); // bit for bit
        double squares = w.Sum(v => (double)v * v);
        Assert.True(Math.Abs(squares - sweep.SumOfSquares) <= 1e-5 * Math.Max(1, squares), $"{squares} against {sweep.SumOfSquares}");
        Assert.Equal(n == 0 ? 0f : w.Max(MathF.Abs), sweep.MaxParameter);
        Assert.Equal(n == 0 ? 0f : expected.Max(MathF.Abs), sweep.MaxDirection);
        Assert.Equal(ParameterUpdate.SumOfSquares<float>(w), sweep.SumOfSquares); // same order: Value and Evaluate agree

        float[] unchanged = [.. g];
        ParameterSweep<float> plain = ParameterUpdate.AddL2<float>(w, mu, unchanged, addL2: false);
        Assert.Equal(g, unchanged);
        Assert.Equal(n == 0 ? 0f : g.Max(MathF.Abs), plain.MaxDirection);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Descend_writes_the_values_of_MultiplyAdd_into_w(int n)
    {
        float[] w = Random(n, 3, 1f), d = Random(n, 4, 2f);
        const float step = 0.0375f;
        var expected = new float[n];
        TensorPrimitives.MultiplyAdd(d, -step, w, expected);
        ParameterUpdate.Descend<float>(d, -step, w);
        Assert.Equal(expected, w);

        double[] wd = [.. Random(n, 5, 1f).Select(v => (double)v)], dd = [.. Random(n, 6, 1f).Select(v => (double)v)];
        var expectedD = new double[n];
        TensorPrimitives.MultiplyAdd(dd, -0.1, wd, expectedD);
        ParameterUpdate.Descend<double>(dd, -0.1, wd);
        Assert.Equal(expectedD, wd);
    }

    [Theory]
    [InlineData(260, 0)]
    [InlineData(260, 5)]
    [InlineData(260, 17)]
    [InlineData(260, 259)]
    [InlineData(100_003, 0)]
    [InlineData(100_003, 40_000)]
    [InlineData(100_003, 100_002)]
    public void A_non_finite_gradient_or_parameter_is_reported(int n, int position)
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            float[] w = Random(n, 7, 1f), g = Random(n, 8, 1f);
            g[position] = bad;
            Assert.False(ParameterUpdate.AddL2<float>(w, 0.5f, g, addL2: true).GradientFinite);

            float[] w2 = Random(n, 7, 1f), g2 = Random(n, 8, 1f);
            w2[position] = bad;
            ParameterSweep<float> sweep = ParameterUpdate.AddL2<float>(w2, 0.5f, g2, addL2: true);
            Assert.True(sweep.GradientFinite);
            Assert.False(ParameterUpdate.UpdateStaysFinite(sweep.MaxParameter, sweep.MaxDirection, 1e-3f));
        }
    }

    [Fact]
    public void The_in_place_update_is_taken_only_when_it_cannot_overflow()
    {
        Assert.True(ParameterUpdate.UpdateStaysFinite(1e30f, 1e30f, 1f));
        Assert.True(ParameterUpdate.UpdateStaysFinite(1e38f, 1e37f, 1f)); // 1.1e38 ≤ float.MaxValue / 2
        Assert.False(ParameterUpdate.UpdateStaysFinite(1e38f, 1e38f, 1f)); // 2e38: w − η·d may overflow
        Assert.False(ParameterUpdate.UpdateStaysFinite(1f, 1e30f, 1e10f));
        Assert.False(ParameterUpdate.UpdateStaysFinite(float.NaN, 1f, 1f));
        Assert.False(ParameterUpdate.UpdateStaysFinite(1.0, double.PositiveInfinity, 1.0));
    }

    [Fact]
    public void A_GD_step_with_l2_gives_the_iterate_and_value_of_the_separate_passes()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 21);
        double[] rest = [0.0, 0.0];
        double[] w = FiniteDifferences.RandomVector(new Random(5), 21);
        const double mu = 0.01, step = 0.125;

        var gradient = new double[21];
        double h = new Backpropagation<double>(chain).Evaluate(w, rest, new PendulumCost(), gradient);
        var direction = new double[21];
        TensorPrimitives.MultiplyAdd(w, mu, gradient, direction); // d = ∇ + μw, the separate pass
        var expected = new double[21];
        TensorPrimitives.MultiplyAdd(direction, -step, w, expected); // w − η·d

        var oracle = new Backpropagation<double>(chain) { ParameterL2 = mu };
        var fused = new double[21];
        double value = oracle.Evaluate(w, rest, new PendulumCost(), fused);
        Assert.Equal(direction, fused);
        Assert.NotNull(oracle.LastSweep);
        Assert.Equal(h + mu / 2 * w.Sum(v => v * v), value, 1e-12);
        Assert.Equal(oracle.Value(w, rest, new PendulumCost()), value);

        var gd = new GradientDescent<double>(chain, step, mu);
        Assert.Equal(value, gd.Step(w, rest, new PendulumCost()));
        Assert.Equal(expected, w);
    }

    [Fact]
    public void A_MorGD_step_with_l2_takes_the_in_place_update_with_the_iterate_and_value_of_the_separate_passes()
    {
        // Solver-path layers (tanh, Φw and Φx by the two-step solver) and the ℓ2 term: the oracle's sweep replaces the
        // direction's NaN check and the ℓ2 value's own pass, and the optimiser writes w − g straight into w.
        var chain = new Chain<double>([new TanhLayer(3, 4), new TanhLayer(4, 2)]);
        var random = new Random(9);
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount);
        double[] x0 = FiniteDifferences.RandomVector(random, 5 * 3);
        var h = new SquaredDistance<double>(2, FiniteDifferences.RandomVector(random, 5 * 2));
        var schedule = MoreauSchedule<double>.Constant(0.25, 0.5);
        const double mu = 0.01;

        for (int step = 0; step < 3; step++)
        {
            var oracle = new MoreauBackpropagation<double>(chain, schedule) { ParameterL2 = mu };
            var g = new double[w.Length];
            double value = oracle.Evaluate(w, x0, h, g);
            Assert.NotNull(oracle.LastSweep);
            Assert.Equal(oracle.Value(w, x0, h), value); // ‖w‖² summed in the order of the ℓ2 term's own pass
            Assert.Equal(new Backpropagation<double>(chain).Value(w, x0, h) + mu / 2 * w.Sum(v => v * v), value, 1e-12);
            var expected = new double[w.Length];
            TensorPrimitives.MultiplyAdd(g, -1.0, w, expected); // w − g, the separate pass

            var morGd = new MoreauGradientDescent<double>(chain, schedule, l2: mu);
            Assert.Equal(value, morGd.Step(w, x0, h));
            Assert.Equal(expected, w);
        }
    }
}
