using System.Numerics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The first layer by rows of its weights on the batch's halves (<see cref="BatchHalves{T}.FirstLayerByRows"/>): which
/// chains take it; the gradient against central differences for a ReLU or identity first layer, with or without a bias,
/// and for a first layer that is the whole chain; the gradient and the step against the halves without it to rounding;
/// the fused step against Evaluate and the separate update bit for bit, side by side and one after the other; and on a
/// failure in the first layer's update, in a later layer's update or gradient or in x₀, w exactly as it was and the whole batch's
/// exception. (The halves' other tests run the small ReLU networks by rows too, by default.)
/// </summary>
[Collection(nameof(HalvesAloneCollection))]
public sealed class FirstLayerByRowsTests
{
    private static Chain<T> Dense<T>(int[] sizes, bool bias, DenseActivation first) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = new IMoreauLayer<T>[sizes.Length - 1];
        for (int i = 0; i < layers.Length; i++)
        {
            DenseActivation activation = i == 0 ? first : i + 1 < layers.Length ? DenseActivation.Relu : DenseActivation.Identity;
            layers[i] = new DenseTestLayer<T>(sizes[i], sizes[i + 1], bias, activation, declare: true);
        }
        return new Chain<T>(layers);
    }

    private static Backpropagation<T> Oracle<T>(Chain<T> chain, T mu, bool byRows) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(chain) { ParameterL2 = mu, Halves = true, FirstLayerByRows = byRows };

    private static GradientDescent<T> Sgd<T>(Chain<T> chain, T eta, T mu, bool? halves, bool byRows = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sgd = new GradientDescent<T>(chain, eta, mu);
        var oracle = (Backpropagation<T>)sgd.Oracle;
        oracle.Halves = halves;
        oracle.FirstLayerByRows = byRows;
        return sgd;
    }

    private static double Norm<T>(T[] v) where T : unmanaged, IFloatingPointIeee754<T> =>
        Math.Sqrt(v.Sum(x => double.CreateChecked(x) * double.CreateChecked(x)));

    private static double Distance<T>(T[] a, T[] b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Math.Sqrt(a.Zip(b, (x, y) => Math.Pow(double.CreateChecked(x) - double.CreateChecked(y), 2)).Sum());

    [Fact]
    public void A_dense_first_layer_of_two_inputs_or_more_runs_by_rows_and_no_other_does()
    {
        ChainWorkspace<float> Workspace(params IMoreauLayer<float>[] layers) => new Chain<float>(layers).CreateWorkspace(8);

        Assert.True(new BatchHalves<float>(Workspace(new DenseTestLayer<float>(12, 9, true, DenseActivation.Relu, true))).FirstLayerByRows);
        Assert.True(new BatchHalves<float>(Workspace(new DenseTestLayer<float>(2, 3, false, DenseActivation.Identity, true),
                                                     new DenseTestLayer<float>(3, 2, true, DenseActivation.Identity, true))).FirstLayerByRows);
        // Not declared, one input (no second block of rows), or wrapped (the wrapper declares nothing).
        Assert.False(new BatchHalves<float>(Workspace(new DenseTestLayer<float>(12, 9, true, DenseActivation.Relu, false))).FirstLayerByRows);
        Assert.False(new BatchHalves<float>(Workspace(new DenseTestLayer<float>(1, 9, true, DenseActivation.Relu, true))).FirstLayerByRows);
        Assert.False(new BatchHalves<float>(Workspace(new Wrapped<float>(new DenseTestLayer<float>(12, 9, true, DenseActivation.Relu, true)))).FirstLayerByRows);
    }

    private sealed class Wrapped<T>(IMoreauLayer<T> inner) : DelegatingLayer<T>(inner) where T : unmanaged, IFloatingPointIeee754<T>;

    public static TheoryData<string, bool, DenseActivation, int> Chains()
    {
        var data = new TheoryData<string, bool, DenseActivation, int>();
        foreach (string sizes in new[] { "12-9-7-3", "11-6" }) // "11-6": the first layer is the whole chain
        {
            foreach (bool bias in new[] { true, false })
            {
                data.Add(sizes, bias, DenseActivation.Relu, 7);
                data.Add(sizes, bias, DenseActivation.Identity, 2);
            }
        }
        return data;
    }

    private static int[] Sizes(string sizes) => [.. sizes.Split('-').Select(int.Parse)];

    [Theory]
    [MemberData(nameof(Chains))]
    public void The_gradient_by_rows_matches_central_differences(string sizes, bool bias, DenseActivation first, int batch)
    {
        Chain<double> chain = Dense<double>(Sizes(sizes), bias, first);
        (double[] w, double[] x0, SquaredDistance<double> h) = ReluNetwork.Problem(chain, batch);
        Backpropagation<double> rows = Oracle(chain, 1e-2, byRows: true);
        var whole = new Backpropagation<double>(chain) { ParameterL2 = 1e-2, Halves = false };

        var gradient = new double[w.Length];
        double value = rows.Evaluate(w, x0, h, gradient);
        Assert.True(rows.LastHalves.Halves);
        Assert.True(rows.LastByRows);
        ReluNetwork.AssertCentralDifferences(whole, w, x0, h, gradient, value);
    }

    [Theory]
    [InlineData(96, false)]
    [InlineData(33, false)]
    [InlineData(33, true)]
    public void Gradient_and_step_by_rows_are_the_halves_without_it_to_rounding(int batch, bool poolHeld)
    {
        Check<float>(1e-5);
        Check<double>(1e-12);

        void Check<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = ReluNetwork.Build<T>([256, 320, 128, 64, 10]); // layer 1 swept in two chunks
            (T[] w, T[] x0, SquaredDistance<T> h) = ReluNetwork.Problem(chain, batch);
            T mu = T.CreateChecked(1e-3), eta = T.CreateChecked(0.05);
            Backpropagation<T> rows = Oracle(chain, mu, byRows: true), plain = Oracle(chain, mu, byRows: false);
            T[] expected = new T[w.Length], actual = new T[w.Length];
            T expectedValue = plain.Evaluate(w, x0, h, expected);
            T value = PoolHold.Held(poolHeld, () => rows.Evaluate(w, x0, h, actual));
            Assert.True(rows.LastByRows);
            Assert.False(plain.LastByRows);
            double norm = Norm(expected);
            Assert.True(Distance(expected, actual) <= tolerance * norm, $"{typeof(T).Name}: ‖Δg‖ = {Distance(expected, actual)}, ‖g‖ = {norm}");
            Assert.Equal(double.CreateChecked(expectedValue), double.CreateChecked(value), tolerance * Math.Abs(double.CreateChecked(expectedValue)));

            GradientDescent<T> byRows = Sgd(chain, eta, mu, halves: true), halves = Sgd(chain, eta, mu, halves: true, byRows: false);
            T[] a = [.. w], b = [.. w];
            for (int k = 0; k < 3; k++)
            {
                T va = PoolHold.Held(poolHeld, () => byRows.Step(a, x0, h));
                T vb = halves.Step(b, x0, h);
                Assert.True(((Backpropagation<T>)byRows.Oracle).LastByRows);
                Assert.Equal(double.CreateChecked(vb), double.CreateChecked(va), tolerance * Math.Abs(double.CreateChecked(vb)));
            }
            Assert.True(Distance(a, b) <= 10 * tolerance * Norm(b), $"{typeof(T).Name}: ‖Δw‖ = {Distance(a, b)}");
            Assert.True(Distance(a, w) > 1e-3 * Norm(w), "the steps moved w"); // the comparison means something
        }
    }

    /// <summary>As <see cref="Chains"/>, with more weights than the optimiser's fused-step minimum, so a step takes the fused pass.</summary>
    public static TheoryData<string, bool, DenseActivation, int> StepChains()
    {
        var data = new TheoryData<string, bool, DenseActivation, int>();
        foreach (string sizes in new[] { "300-200-30-10", "400-200", "64-300-200-10" }) // the last: layer 1 swept in two chunks
        {
            foreach (bool bias in new[] { true, false })
            {
                data.Add(sizes, bias, DenseActivation.Relu, 9);
                data.Add(sizes, bias, DenseActivation.Identity, 16);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(StepChains))]
    public void The_step_by_rows_is_evaluate_by_rows_and_the_separate_update_bit_for_bit_side_by_side_or_not(string sizes, bool bias,
                                                                                                           DenseActivation first, int batch)
    {
        Check<float>();
        Check<double>();

        void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = Dense<T>(Sizes(sizes), bias, first);
            Assert.True(chain.ParameterCount >= ChainOptimizer<T>.FusedDescentMinimum); // the step takes the fused pass
            (T[] w, T[] x0, SquaredDistance<T> h) = ReluNetwork.Problem(chain, batch);
            T mu = T.CreateChecked(1e-3), eta = T.CreateChecked(0.05);
            foreach (bool poolHeld in new[] { false, true })
            {
                GradientDescent<T> sgd = Sgd(chain, eta, mu, halves: true);
                Backpropagation<T> evaluate = Oracle(chain, mu, byRows: true);
                T[] actual = [.. w], reference = [.. w];
                for (int k = 0; k < 3; k++)
                {
                    var direction = new T[w.Length];
                    T expected = evaluate.Evaluate(reference, x0, h, direction);
                    Assert.True(evaluate.LastByRows);
                    ParameterUpdate.Descend<T>(direction, -eta, reference);
                    T value = PoolHold.Held(poolHeld, () => sgd.Step(actual, x0, h));
                    Assert.True(((Backpropagation<T>)sgd.Oracle).LastFusedByRows); // the fused step by rows, not its fallback
                    Assert.Equal(expected, value);
                    Assert.Equal(reference, actual); // bit for bit
                }
            }
        }
    }

    public static TheoryData<string, bool> Failures()
    {
        var data = new TheoryData<string, bool>();
        foreach (bool poolHeld in new[] { false, true })
        {
            data.Add("first-layer-update", poolHeld); // the first layer's update overflows
            data.Add("later-update", poolHeld);       // the first layer's update is finite (zero gradient), a later layer's overflows
            data.Add("middle-gradient", poolHeld);    // layer 1's gradient holds a NaN: the updates before it are undone (with the
                                                      // pool held, the last layer's chunk is always swept before layer 1's)
            data.Add("x0-second", poolHeld);          // a NaN in a sample of the second half
            data.Add("x0-first", poolHeld);           // an infinity in a sample of the first half
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_by_rows_leaves_w_as_it_was_and_ends_as_the_whole_batch_does(string kind, bool poolHeld)
    {
        Check<float>();
        Check<double>();

        void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int batch = 8;
            NaNGradient<T>? faulty = null;
            Chain<T> chain = ReluNetwork.Build<T>([300, 200, 30, 10], (i, layer) => i == 1 && kind == "middle-gradient" ? faulty = new NaNGradient<T>(layer) : layer);
            Assert.True(chain.ParameterCount >= ChainOptimizer<T>.FusedDescentMinimum); // the step takes the fused pass
            (T[] w0, T[] x0, SquaredDistance<T> h) = ReluNetwork.Problem(chain, batch);
            T eta = T.CreateChecked(0.01), mu = T.CreateChecked(1e-3);
            if (kind is "first-layer-update" or "later-update")
            {
                // A step so long, and targets so far off, that w − η·d overflows.
                eta = T.CreateChecked(typeof(T) == typeof(float) ? 1e37 : 1e306);
                h = new SquaredDistance<T>(chain.OutputCount, Enumerable.Repeat(T.CreateChecked(1e3), batch * chain.OutputCount).ToArray());
            }
            if (kind == "first-layer-update")
            {
                // x₀'s first half of the inputs 0: the first core's block of W₀ (those rows) has a zero gradient, so its update
                // w(1 − ημ) is finite while the second core's overflows, and the first block must be restored.
                int k = chain.InputCount;
                for (int sample = 0; sample < batch; sample++)
                    Array.Clear(x0, sample * k, k / 2);
            }
            if (kind == "later-update")
            {
                // x₀ = 0 and b₀ < 0: x₁ = ReLU(b₀) = 0, so dz₁ = 0 and the first layer's gradient is zero. Its update is then
                // w₀(1 − ημ), finite but far from w₀, and the later layers' updates overflow after it: w₀ must be restored.
                Array.Clear(x0);
                int first = chain[0].InputCount * chain[0].OutputCount;
                for (int j = 0; j < chain[0].OutputCount; j++)
                    w0[first + j] = T.CreateChecked(-0.5);
                // b₁ > 0, so that x₂ and the later layers' gradients are not zero.
                int second = chain.ParameterOffset(1) + chain[1].InputCount * chain[1].OutputCount;
                for (int j = 0; j < chain[1].OutputCount; j++)
                    w0[second + j] = T.CreateChecked(0.5);
            }

            GradientDescent<T> rows = Sgd(chain, eta, mu, halves: true), whole = Sgd(chain, eta, mu, halves: false);
            // The same problem at a short step takes the fused step by rows to its end (the failing step below starts there).
            GradientDescent<T> healthy = Sgd(chain, T.CreateChecked(0.01), mu, halves: true);
            T[] warm = [.. w0];
            healthy.Step(warm, x0, h);
            Assert.True(((Backpropagation<T>)healthy.Oracle).LastFusedByRows);

            switch (kind)
            {
                case "middle-gradient":
                    faulty!.Fails = true;
                    break;
                case "x0-second":
                    x0[6 * chain.InputCount + 5] = T.NaN;
                    break;
                case "x0-first":
                    x0[2] = T.PositiveInfinity;
                    break;
            }

            T[] expectedW = [.. w0], actualW = [.. w0];
            Exception? expected = Record.Exception(() => whole.Step(expectedW, x0, h));
            Exception? actual = PoolHold.Held(poolHeld, () => Record.Exception(() => rows.Step(actualW, x0, h)));
            Assert.NotNull(expected);
            Assert.IsType(kind.StartsWith("x0", StringComparison.Ordinal) ? typeof(ArgumentException) : typeof(NonFiniteValueException), expected);
            Assert.NotNull(actual);
            Assert.Equal(expected.GetType(), actual.GetType());
            Assert.Equal(expected.Message, actual.Message);
            Assert.Equal(w0, expectedW);
            Assert.Equal(w0, actualW); // bit for bit: w as it was
            Assert.True(((Backpropagation<T>)rows.Oracle).LastByRows); // the halves by rows were tried (the fallback's Evaluate too)
        }
    }

    /// <summary>A layer whose parameter gradient holds a NaN once <see cref="Fails"/> is set.</summary>
    private sealed class NaNGradient<T>(IMoreauLayer<T> inner) : DelegatingLayer<T>(inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public bool Fails { get; set; }

        public override void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            base.Pullback(w, x, tape, lambda, gradW, gradX);
            if (Fails && !gradW.IsEmpty)
                gradW[gradW.Length / 2] = T.NaN;
        }
    }
}
