using MoreauGen.Samples.Pendulum.Physics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>
/// AL-MGD / AL-MSGD (Alg. 7) and descent driven by target propagation and ProxProp: full batch on the pendulum,
/// mini-batches on a regression, the same divergence handling as GD and MorGD, and no allocation per step.
/// </summary>
public sealed class TargetPassOptimizerTests
{
    private static readonly double[] Rest = [0.0, 0.0];

    public static TheoryData<string> Methods => new() { "AL-MGD", "TP", "ProxProp" };

    private static ChainOptimizer<double> Create(string method, Chain<double> chain, double alpha, double gamma, double kappa, double l2 = 0) => method switch
    {
        "AL-MGD" => new AugmentedLagrangianGradientDescent<double>(chain, PenaltySchedule<double>.Constant(alpha, 1.0, gamma, kappa), l2: l2),
        "TP" => new TargetPassDescent<double>(new TargetPropagation<double>(chain, kappa) { ParameterL2 = l2 }, alpha),
        _ => new TargetPassDescent<double>(new ProximalBackpropagation<double>(chain, alpha, gamma, kappa) { ParameterL2 = l2 }),
    };

    [Theory]
    [InlineData("AL-MGD", 128.0, 0.5, 1e-5)]
    [InlineData("TP", 1.0, 0.0, 0.1)]
    [InlineData("ProxProp", 128.0, 16.0, 1.0)]
    public void Each_method_lowers_the_swing_up_cost_of_50_pendulum_steps(string method, double alpha, double gamma, double kappa)
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 50);
        OptimizationTrace<double> trace = Create(method, chain, alpha, gamma == 0 ? 1 : gamma, kappa).Run(new double[50], Rest, new PendulumCost(), 50);
        Assert.True(trace.BestValues[^1] < 0.5 * trace.Values[0], $"{method}: cost {trace.Values[0]} → best {trace.BestValues[^1]}");
    }

    [Theory]
    [InlineData("AL-MGD", 0.2, 1.0, 1e-5)]
    [InlineData("TP", 1.0, 1.0, 0.1)]
    [InlineData("ProxProp", 0.5, 1.0, 1.0)]
    public void Mini_batch_epochs_fit_a_linear_model_including_a_last_partial_batch(string method, double alpha, double gamma, double kappa)
    {
        var source = new RegressionBatches(new Random(12), samples: 42, batch: 8);
        var chain = new Chain<double>([new DeclaredLinearLayer(3, 1)]);
        // No ℓ2 term for target propagation: its exact block minimisation would set the part of w a 2-sample batch
        // cannot identify to 0 (the ℓ2 term alone decides it; there is no proximal term).
        ChainOptimizer<double> optimizer = Create(method, chain, alpha, gamma, kappa, l2: method == "TP" ? 0 : 1e-8);
        var w = new double[3];
        double first = optimizer.Epoch(w, source);
        double last = first;
        for (int epoch = 0; epoch < 40; epoch++) last = optimizer.Epoch(w, source);
        Assert.True(last < 1e-3 * first, $"{method}: mean batch loss {first} → {last}");
        FiniteDifferences.AssertClose(source.TrueWeights, w, 1e-2, "w");
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void A_NaN_in_the_forward_pass_names_the_iteration_and_layer_and_leaves_w_unchanged(string method)
    {
        var chain = new Chain<double>([new SquareRootGainLayer(2), new SquareRootGainLayer(2), new SquareRootGainLayer(2)]);
        double[] w = [1.0, -4.0, 1.0];
        var h = new SquaredDistance<double>(2, new double[2]);
        ChainOptimizer<double> optimizer = Create(method, chain, 0.1, 0.5, 1.0);
        var ex = Assert.Throws<NonFiniteValueException>(() => optimizer.Run(w, [1.0, 2.0], h, 10));
        Assert.Equal(0, ex.Iteration);
        Assert.Equal(2, ex.Layer);
        Assert.Equal([1.0, -4.0, 1.0], w);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void An_overflowing_update_is_caught_before_it_is_written(string method)
    {
        var chain = new Chain<double>([new ParameterLayer(2)]);
        double[] w = [1e150, 1.0];
        var h = new SquaredDistance<double>(2, new double[2]);
        ChainOptimizer<double> optimizer = method == "AL-MGD"
            ? Create(method, chain, 1e300, 1.0, 0.0)
            : new TargetPassDescent<double>(method == "TP" ? new TargetPropagation<double>(chain, 1.0) : new ProximalBackpropagation<double>(chain, 1.0, 1.0, 1.0), 1e300);
        var ex = Assert.Throws<NonFiniteValueException>(() => optimizer.Run(w, [], h, 3));
        Assert.Equal(0, ex.Iteration);
        Assert.Equal([1e150, 1.0], w);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void A_step_allocates_nothing_on_the_pendulum_and_on_a_tanh_network(string method)
    {
        var pendulum = Chain<double>.Repeat(new PendulumDynamics(), 100);
        ChainOptimizer<double> onPendulum = Create(method, pendulum, 16.0, 0.5, 1e-3);
        var w = new double[100];
        var cost = new PendulumCost();
        Assert.Equal(0, AllocationTests.AllocatedBytes(() => onPendulum.Step(w, Rest, cost), 20));

        var random = new Random(5);
        var network = new Chain<double>([new GenericTanhLayer<double>(4, 6), new GenericTanhLayer<double>(6, 3)]);
        ChainOptimizer<double> onNetwork = Create(method, network, 0.5, 0.5, 1e-3, l2: 1e-4);
        double[] weights = FiniteDifferences.RandomVector(random, network.ParameterCount);
        double[] x0 = FiniteDifferences.RandomVector(random, 5 * 4);
        var h = new SquaredDistance<double>(3, FiniteDifferences.RandomVector(random, 5 * 3, 0.5));
        Assert.Equal(0, AllocationTests.AllocatedBytes(() => onNetwork.Step(weights, x0, h), 20));
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
            _inputs = FiniteDifferences.RandomVector(random, 3 * samples);
            _targets = new double[samples];
            for (int s = 0; s < samples; s++)
                _targets[s] = FiniteDifferences.Dot(TrueWeights, _inputs.AsSpan(3 * s, 3));
            BatchCount = (samples + batch - 1) / batch;
        }

        public double[] TrueWeights { get; } = [0.5, -1.0, 2.0];

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
