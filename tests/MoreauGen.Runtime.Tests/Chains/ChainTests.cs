using MoreauGen.Samples.Pendulum.Physics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Chains;

/// <summary>Building a chain (sizes checked), its parameter views and its forward pass (paper Def. 1.1, Alg. 1).</summary>
public sealed class ChainTests
{
    [Fact]
    public void A_size_mismatch_names_both_layers_and_both_sizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Chain<double>([new TanhLayer(3, 4), new TanhLayer(4, 4), new LinearLayer(5, 2)]));
        Assert.Equal("layers", ex.ParamName);
        Assert.Contains("layer 2 of 3 (TanhLayer) outputs 4 values per sample", ex.Message);
        Assert.Contains("layer 3 of 3 (LinearLayer) reads 5", ex.Message);
    }

    [Fact]
    public void A_size_mismatch_uses_the_given_layer_names()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new Chain<double>([new TanhLayer(3, 4), new LinearLayer(6, 2)], ["hidden", "output"]));
        Assert.Contains("layer 1 of 2 (hidden) outputs 4", ex.Message);
        Assert.Contains("layer 2 of 2 (output) reads 6", ex.Message);
    }

    [Fact]
    public void An_empty_chain_or_a_wrong_number_of_names_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Chain<double>([]));
        Assert.Throws<ArgumentException>(() => new Chain<double>([new TanhLayer(2, 2)], ["a", "b"]));
    }

    [Fact]
    public void Parameters_live_in_one_flat_vector_with_a_view_per_layer()
    {
        var chain = new Chain<double>([new TanhLayer(3, 4), new LinearLayer(4, 2), new ParameterLayerAdapter()]);
        Assert.Equal(16 + 8 + 0, chain.ParameterCount);
        Assert.Equal([0, 16, 24], [chain.ParameterOffset(0), chain.ParameterOffset(1), chain.ParameterOffset(2)]);
        double[] w = chain.CreateParameters();
        chain.Parameters(w.AsSpan(), 1).Fill(7.0);
        Assert.All(w[16..24], v => Assert.Equal(7.0, v));
        Assert.All(w[..16], v => Assert.Equal(0.0, v));
        Assert.Equal(0, chain.Parameters(w.AsSpan(), 2).Length);
        Assert.Equal(3, chain.InputCount);
        Assert.Equal(2, chain.OutputCount);
    }

    [Fact]
    public void Repeat_builds_tau_copies_of_one_layer_with_a_parameter_each()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 50);
        Assert.Equal(50, chain.Length);
        Assert.Equal(50, chain.ParameterCount);
        Assert.Equal("layer 50 of 50 (PendulumDynamics)", chain.Describe(49));
    }

    [Fact]
    public void Forward_keeps_every_state_and_tape_of_the_batch()
    {
        var random = new Random(1);
        var first = new TanhLayer(3, 4);
        var second = new TanhLayer(4, 2);
        var chain = new Chain<double>([first, second]);
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount);
        double[] x0 = FiniteDifferences.RandomVector(random, 2 * 3);
        var workspace = chain.CreateWorkspace(2);
        chain.Forward(w, x0, workspace);

        var x1 = new double[8];
        var x2 = new double[4];
        first.Forward(w.AsSpan(0, 16), x0, x1);
        second.Forward(w.AsSpan(16), x1, x2);
        Assert.Equal(x0, workspace.State(0).ToArray());
        Assert.Equal(x1, workspace.State(1).ToArray());
        Assert.Equal(x2, workspace.Output.ToArray());
        Assert.Equal(x1, workspace.Tape(0).ToArray()); // TanhLayer tapes its outputs
        Assert.Equal(2, workspace.BatchSize);
    }

    [Fact]
    public void Forward_rejects_a_workspace_of_another_batch_size_or_chain()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 3);
        var other = Chain<double>.Repeat(new PendulumDynamics(), 3);
        var w = new double[3];
        Assert.Equal("x0", Assert.Throws<ArgumentException>(() => chain.Forward(w, new double[4], chain.CreateWorkspace(1))).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() => chain.Forward(w, new double[2], other.CreateWorkspace(1))).ParamName);
        Assert.Equal("x0", Assert.Throws<ArgumentException>(() => chain.Forward(w, new double[3], chain.CreateWorkspace(1))).ParamName);
    }

    [Fact]
    public void A_non_finite_state_names_the_layer_that_produced_it()
    {
        var chain = new Chain<double>([new SquareRootGainLayer(2), new SquareRootGainLayer(2), new SquareRootGainLayer(2)]);
        double[] w = [1.0, -1.0, 1.0]; // √−1 in layer 2
        var ex = Assert.Throws<NonFiniteValueException>(() => chain.Forward(w, [1.0, 2.0], chain.CreateWorkspace(1)));
        Assert.Equal(2, ex.Layer);
        Assert.Equal(-1, ex.Iteration);
        Assert.Equal("SquareRootGainLayer", ex.Component);
        Assert.Contains("layer 2 of 3 (SquareRootGainLayer)", ex.Message);
        Assert.Contains("the state x_2", ex.Message);
        Assert.True(double.IsNaN(ex.Value));
    }

    [Fact]
    public void A_non_finite_input_is_an_argument_error()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 2);
        var ex = Assert.Throws<ArgumentException>(() => chain.Forward(new double[2], [0.0, double.NaN], chain.CreateWorkspace(1)));
        Assert.Equal("x0", ex.ParamName);
    }

    [Theory]
    [InlineData(0, -1)]
    [InlineData(3, -1)]
    [InlineData(3, 2)]
    [InlineData(16, 0)]
    [InlineData(37, 36)]
    [InlineData(37, 20)]
    [InlineData(1000, 517)]
    [InlineData(1000, -1)]
    public void The_copy_of_the_inputs_is_exact_and_finds_every_non_finite_value(int n, int position)
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var random = new Random(n);
            float[] source = [.. Enumerable.Range(0, n).Select(_ => random.NextSingle() - 0.5f)];
            if (position >= 0)
                source[position] = bad;
            var destination = new float[n + 3];
            Assert.Equal(position < 0, NonFinite.CopyAllFinite<float>(source, destination));
            Assert.Equal(source, destination[..n]);
            Assert.Equal(new float[3], destination[n..]);
        }
    }

    [Theory]
    [InlineData(1)]    // small states: one pass over all of them after the last layer
    [InlineData(64)]   // large states: each checked right after its layer
    public void The_first_layer_with_a_non_finite_output_is_named_whatever_the_state_sizes(int batch)
    {
        var chain = new Chain<double>([new DenseTestLayer<double>(40, 30, true, DenseActivation.Relu, false),
                                       new DenseTestLayer<double>(30, 20, true, DenseActivation.Relu, false),
                                       new DenseTestLayer<double>(20, 20, true, DenseActivation.Identity, false)]);
        var random = new Random(2);
        double[] w = [.. Enumerable.Range(0, chain.ParameterCount).Select(_ => random.NextDouble() - 0.5)];
        double[] x0 = [.. Enumerable.Range(0, batch * 40).Select(_ => random.NextDouble())];
        w[chain.ParameterOffset(1) + chain[1].ParameterCount - 1] = double.PositiveInfinity; // a bias of layer 2: +∞ after its ReLU
        var ex = Assert.Throws<NonFiniteValueException>(() => chain.Forward(w, x0, chain.CreateWorkspace(batch)));
        Assert.Equal(2, ex.Layer);
        Assert.Equal(19, ex.Index); // the last output of the first sample
        Assert.Equal(double.PositiveInfinity, ex.Value);
    }

    /// <summary>A parameterless layer 2 → 2 (φ(w, x) = x).</summary>
    private sealed class ParameterLayerAdapter : IMoreauLayer<double>
    {
        public int ParameterCount => 0;
        public int InputCount => 2;
        public int OutputCount => 2;
        public int TapeLength(int batch) => 0;
        public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => x.CopyTo(y);
        public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape) => x.CopyTo(y);
        public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX) => lambda.CopyTo(gradX);
        public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> grad) => FiniteDifferences.Dot(lambda, x);
        public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u, Span<double> grad)
        {
            for (int i = 0; i < grad.Length; i++) grad[i] = lambda[i] + u[i];
            double value = 0;
            for (int i = 0; i < x.Length; i++) value += lambda[i] * (x[i] + u[i]) + 0.5 * u[i] * u[i];
            return value;
        }
    }
}
