using MoreauGen.Samples.Pendulum.Physics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>GD and MorGD (paper Alg. 6): the update, the record of a run, mini-batch epochs.</summary>
public sealed class OptimizerTests
{
    private static readonly double[] Rest = [0.0, 0.0];

    [Fact]
    public void A_GD_step_moves_against_the_back_propagated_gradient()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 20);
        double[] w = FiniteDifferences.RandomVector(new Random(4), 20);
        var gradient = new double[20];
        double value = new Backpropagation<double>(chain).Evaluate(w, Rest, new PendulumCost(), gradient);
        var expected = new double[20];
        for (int i = 0; i < 20; i++) expected[i] = w[i] - 0.125 * gradient[i];

        var gd = new GradientDescent<double>(chain, 0.125);
        Assert.Equal(value, gd.Step(w, Rest, new PendulumCost()));
        Assert.Equal(expected, w);
    }

    [Fact]
    public void A_MorGD_step_subtracts_the_Moreau_gradients()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 20);
        double[] w = FiniteDifferences.RandomVector(new Random(4), 20);
        var schedule = MoreauSchedule<double>.Constant(16.0, 0.5);
        var g = new double[20];
        new MoreauBackpropagation<double>(chain, schedule).Evaluate(w, Rest, new PendulumCost(), g);
        var expected = new double[20];
        for (int i = 0; i < 20; i++) expected[i] = w[i] - g[i];

        new MoreauGradientDescent<double>(chain, schedule).Step(w, Rest, new PendulumCost());
        Assert.Equal(expected, w);
    }

    [Fact]
    public void A_run_records_the_cost_at_every_iterate_and_its_best_so_far()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 50);
        var w = new double[50];
        var trace = new GradientDescent<double>(chain, 0.25).Run(w, Rest, new PendulumCost(), 20);
        Assert.Equal(20, trace.Iterations);
        Assert.Equal(Math.PI * Math.PI, trace.Values[0], 1e-12); // at rest at the bottom: h = (0 − π)²

        // Replay: the value recorded at k is the cost of the k-th iterate.
        var replay = new double[50];
        var gd = new GradientDescent<double>(chain, 0.25);
        var oracle = new Backpropagation<double>(chain);
        for (int k = 0; k <= 20; k++)
        {
            Assert.Equal(oracle.Value(replay, Rest, new PendulumCost()), trace.Values[k]);
            if (k < 20) gd.Step(replay, Rest, new PendulumCost());
        }
        Assert.Equal(replay, w);
        double best = double.PositiveInfinity;
        for (int k = 0; k <= 20; k++)
        {
            best = Math.Min(best, trace.Values[k]);
            Assert.Equal(best, trace.BestValues[k]);
        }
    }

    [Fact]
    public void GD_and_MorGD_lower_the_swing_up_cost_of_50_pendulum_steps()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 50);
        var gd = new GradientDescent<double>(chain, 0.25).Run(new double[50], Rest, new PendulumCost(), 50);
        var morgd = new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(128.0, 0.5))
            .Run(new double[50], Rest, new PendulumCost(), 50);
        Assert.True(gd.BestValues[^1] < 0.5 * gd.Values[0], $"GD best {gd.BestValues[^1]}");
        Assert.True(morgd.BestValues[^1] < 0.5 * morgd.Values[0], $"MorGD best {morgd.BestValues[^1]}");
    }

    // ---- NaN and infinities: the run stops, names the iteration and the layer, leaves w as it was ----

    [Theory]
    [InlineData("GD")]
    [InlineData("MorGD")]
    public void A_NaN_in_the_forward_pass_at_the_first_iteration_names_it_and_leaves_w_unchanged(string method)
    {
        var chain = new Chain<double>([new SquareRootGainLayer(2), new SquareRootGainLayer(2), new SquareRootGainLayer(2)]);
        double[] w = [1.0, -4.0, 1.0];
        var h = new SquaredDistance<double>(2, new double[2]);
        ChainOptimizer<double> optimizer = method == "GD"
            ? new GradientDescent<double>(chain, 0.1)
            : new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(0.1, 0.5));
        var ex = Assert.Throws<NonFiniteValueException>(() => optimizer.Run(w, [1.0, 2.0], h, 10));
        Assert.Equal(0, ex.Iteration);
        Assert.Equal(2, ex.Layer);
        Assert.StartsWith("Iteration 0: layer 2 of 3 (SquareRootGainLayer) produced a non-finite value in the state x_2 (NaN at index 0)", ex.Message);
        Assert.Equal([1.0, -4.0, 1.0], w);
    }

    [Fact]
    public void A_NaN_at_a_later_iteration_leaves_the_parameters_of_the_iteration_before()
    {
        // h(w) = (√w·1 − (−10))²: ∂h/∂w = (√w + 10)/√w = 11 at w = 1, so one step of 1 gives w = −10 and
        // iteration 1 computes √−10.
        var chain = new Chain<double>([new SquareRootGainLayer(1)]);
        double[] w = [1.0];
        var h = new SquaredDistance<double>(1, new[] { -10.0 });
        var ex = Assert.Throws<NonFiniteValueException>(() => new GradientDescent<double>(chain, 1.0).Run(w, [1.0], h, 5));
        Assert.Equal(1, ex.Iteration);
        Assert.Equal(1, ex.Layer);
        Assert.Contains("Iteration 1: layer 1 of 1 (SquareRootGainLayer)", ex.Message);
        Assert.Equal([-10.0], w);
    }

    [Fact]
    public void An_overflowing_update_is_caught_before_it_is_written()
    {
        var chain = new Chain<double>([new ParameterLayer(2)]);
        double[] w = [1e150, 1.0]; // h = ‖w‖² = 1e300 and ∇h = 2e150 are finite; w − 1e160·∇h is not
        var h = new SquaredDistance<double>(2, new double[2]);
        var ex = Assert.Throws<NonFiniteValueException>(() => new GradientDescent<double>(chain, 1e160).Run(w, [], h, 3));
        Assert.Equal(0, ex.Iteration);
        Assert.Equal(1, ex.Layer);
        Assert.Contains("the updated parameters w_1", ex.Message);
        Assert.Contains("−∞ at index 0", ex.Message);
        Assert.Equal([1e150, 1.0], w);
    }

    [Fact]
    public void An_infinite_state_is_reported_with_its_sign()
    {
        var chain = new Chain<double>([new SquareRootGainLayer(1), new SquareRootGainLayer(1)]);
        double[] w = [1.0, 1e300];
        var ex = Assert.Throws<NonFiniteValueException>(() =>
            new GradientDescent<double>(chain, 1.0).Step(w, [1e200], new SquaredDistance<double>(1, new double[1])));
        Assert.Equal(2, ex.Layer);
        Assert.Equal(-1, ex.Iteration); // a single step, outside a run
        Assert.Equal(double.PositiveInfinity, ex.Value);
        Assert.Contains("+∞ at index 0", ex.Message);
        Assert.Equal([1.0, 1e300], w);
    }

    [Theory]
    [InlineData("GD")]
    [InlineData("MorGD")]
    public void A_NaN_objective_names_the_objective(string method)
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 3);
        var w = new double[3];
        ChainOptimizer<double> optimizer = method == "GD"
            ? new GradientDescent<double>(chain, 0.1)
            : new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(0.1, 0.5));
        var ex = Assert.Throws<NonFiniteValueException>(() => optimizer.Run(w, Rest, new NaNObjective(), 2));
        Assert.Equal(0, ex.Layer);
        Assert.Equal("NaNObjective", ex.Component);
        Assert.Contains("Iteration 0: the objective (NaNObjective)", ex.Message);
        Assert.Equal(new double[3], w);
    }

    private sealed class NaNObjective : IMoreauObjective<double>
    {
        public int InputCount => 2;
        public double Value(ReadOnlySpan<double> x) => double.NaN;
        public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> grad)
        {
            grad.Clear();
            return double.NaN;
        }
    }

    // ---- mini-batches: SGD and MorSGD ----

    [Theory]
    [InlineData("SGD")]
    [InlineData("MorSGD")]
    [InlineData("MorSGD with l2")]
    public void Mini_batch_epochs_fit_a_linear_model_including_a_last_partial_batch(string method)
    {
        var random = new Random(12);
        var source = new RegressionBatches(random, samples: 42, batch: 8);
        var chain = new Chain<double>([new DeclaredLinearLayer(3, 1)]);
        ChainOptimizer<double> optimizer = method switch
        {
            "SGD" => new GradientDescent<double>(chain, 0.2),
            "MorSGD" => new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(0.2, 1.0)),
            _ => new MoreauGradientDescent<double>(chain, MoreauSchedule<double>.Constant(0.2, 1.0), l2: 1e-6),
        };
        var w = new double[3];
        double first = optimizer.Epoch(w, source);
        double last = first;
        for (int epoch = 0; epoch < 40; epoch++) last = optimizer.Epoch(w, source);
        Assert.True(last < 1e-3 * first, $"mean batch loss {first} → {last}");
        FiniteDifferences.AssertClose(source.TrueWeights, w, 1e-2, "w");
    }

    /// <summary>y = aᵀx for random x, in batches of 8 (and a last batch of 42 mod 8 = 2), mean squared loss.</summary>
    private sealed class RegressionBatches : IMiniBatchSource<double>
    {
        private readonly double[] _inputs;
        private readonly double[] _targets;
        private readonly int _batch;
        private readonly SquaredDistance<double> _objective = new(1) { MeanOverBatch = true };

        public RegressionBatches(Random random, int samples, int batch)
        {
            _batch = batch;
            TrueWeights = [0.5, -1.0, 2.0];
            _inputs = FiniteDifferences.RandomVector(random, 3 * samples);
            _targets = new double[samples];
            for (int s = 0; s < samples; s++)
                _targets[s] = FiniteDifferences.Dot(TrueWeights, _inputs.AsSpan(3 * s, 3));
            BatchCount = (samples + batch - 1) / batch;
        }

        public double[] TrueWeights { get; }
        public int BatchCount { get; }

        public ReadOnlySpan<double> Batch(int index, out IMoreauObjective<double> objective)
        {
            int start = index * _batch, count = Math.Min(_batch, _targets.Length - start);
            _objective.Targets = _targets.AsMemory(start, count);
            objective = _objective;
            return _inputs.AsSpan(3 * start, 3 * count);
        }
    }
}
