using System.Numerics;
using System.Runtime.CompilerServices;
using MoreauGen.Kernels;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// <see cref="Backpropagation{T}"/>'s backward pass as two streams (<see cref="BackwardStreams{T}"/>: the multiplier chain
/// on one thread, the parameter gradients and updates on the other) against the same oracle pulling back layer by layer
/// (<c>TwoStreams = false</c>, the unchanged pass): the same gradients and SGD iterates bit for bit in float and double,
/// with the pool free or held by another caller; and on a non-finite multiplier or gradient, or a layer that throws in
/// either stream, the same exception and w exactly as it was.
/// </summary>
public sealed class BackwardStreamsTests
{
    private const int Batch = 96;

    private static int[] Sizes => [256, 192, 128, 64, 10];

    private static Chain<T> Network<T>(Func<int, IMoreauLayer<T>, IMoreauLayer<T>>? wrap = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        ReluNetwork.Build(Sizes, wrap);

    private static (T[] W, T[] X0, SquaredDistance<T> H) Problem<T>(Chain<T> chain) where T : unmanaged, IFloatingPointIeee754<T> =>
        ReluNetwork.Problem(chain, Batch);

    private static GradientDescent<T> Sgd<T>(Chain<T> chain, T mu, bool? twoStreams) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sgd = new GradientDescent<T>(chain, T.CreateChecked(1e-3), mu);
        var oracle = (Backpropagation<T>)sgd.Oracle;
        oracle.TwoStreams = twoStreams;
        oracle.Halves = false; // the whole batch's pass, which these tests are about (BatchHalves.Pays holds at this batch)
        return sgd;
    }

    [Fact]
    public void The_streams_are_taken_for_the_test_network_and_not_for_the_pendulum_small_chains_or_very_large_layers()
    {
        Assert.False(BackwardStreams<float>.Pays(new Chain<float>([new DenseTestLayer<float>(784, 4000, true, DenseActivation.Relu, true),
            new DenseTestLayer<float>(4000, 1000, true, DenseActivation.Relu, true), new DenseTestLayer<float>(1000, 10, true, DenseActivation.Identity, true)]), 256));
        Assert.True(BackwardStreams<float>.Pays(Network<float>(), Batch));
        Assert.False(BackwardStreams<double>.Pays(Chain<double>.Repeat(new DenseTestLayer<double>(2, 2, bias: false, DenseActivation.Identity, declare: false), 100), 1));
        Assert.False(BackwardStreams<float>.Pays(new Chain<float>([new DenseTestLayer<float>(300, 200, true, DenseActivation.Relu, true),
            new DenseTestLayer<float>(200, 30, true, DenseActivation.Relu, true), new DenseTestLayer<float>(30, 10, true, DenseActivation.Identity, true)]), 16));
    }

    [Fact]
    public void Above_the_threshold_each_later_layer_is_pulled_back_once_for_its_input_and_once_for_its_parameters()
    {
        var calls = new List<(int Layer, bool W, bool X)>();
        Chain<float> chain = Network<float>((i, layer) => new Spy<float>(layer, i, calls));
        (float[] w, float[] x0, SquaredDistance<float> h) = Problem(chain);
        GradientDescent<float> sgd = Sgd(chain, 1e-3f, twoStreams: null);
        sgd.Step(w, x0, h);
        sgd.Oracle.Evaluate(w, x0, h, new float[w.Length]);
        foreach (int pass in new[] { 0, 1 })
        {
            var seen = calls.Skip(pass * 7).Take(7).ToList();
            Assert.Equal(7, seen.Count);
            for (int layer = 1; layer < 4; layer++)
            {
                Assert.Contains((layer, false, true), seen);
                Assert.Contains((layer, true, false), seen);
            }
            Assert.Equal((0, true, false), seen[^1]); // the first layer on the whole pool after both streams
        }
        Assert.Equal(14, calls.Count);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(1e-3, false)]
    [InlineData(1e-3, true)]
    public void Sgd_steps_and_gradients_are_those_of_the_layer_by_layer_pass_bit_for_bit(double l2, bool poolHeld)
    {
        Check<float>((float)l2, poolHeld);
        Check<double>(l2, poolHeld);

        static void Check<T>(T mu, bool poolHeld) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = Network<T>();
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain);
            T[] reference = [.. w];
            GradientDescent<T> split = Sgd(chain, mu, twoStreams: true), sequential = Sgd(chain, mu, twoStreams: false);
            for (int k = 0; k < 4; k++)
            {
                T expected = sequential.Step(reference, x0, h);
                T actual = PoolHold.Held(poolHeld, () => split.Step(w, x0, h));
                Assert.Equal(expected, actual);
                Assert.Equal(reference, w); // bit for bit
            }

            T[] expectedDirection = new T[w.Length], direction = new T[w.Length];
            T expectedValue = sequential.Oracle.Evaluate(w, x0, h, expectedDirection);
            Assert.Equal(expectedValue, PoolHold.Held(poolHeld, () => split.Oracle.Evaluate(w, x0, h, direction)));
            Assert.Equal(expectedDirection, direction);
            Assert.Equal(sequential.Oracle.LastSweep, split.Oracle.LastSweep);
        }
    }

    public static TheoryData<string, bool> Failures()
    {
        // Poisons "kind@layer", comma-separated: x = NaN into λ_{t−1} (part 0), w = NaN into g_t (part 1),
        // throwx / throww = the pullback throws when asked for that gradient, slowx = part 0 sleeps first on that layer,
        // so that part 1 waits on it.
        var data = new TheoryData<string, bool>();
        foreach (bool poolHeld in new[] { false, true })
        {
            foreach (string poisons in new[]
            {
                "slowx@3,x@3", "x@2", "x@1", "w@3", "w@2", "w@1", "w@0",
                "throwx@3", "throwx@1", "throww@3", "throww@2", "throww@0",
                "slowx@3,w@3,x@3", // both in one layer: the gradient's failure comes first
                "throwx@2,w@3",    // part 0 throws below a layer whose gradient is not finite
                "slowx@3,x@3,throww@2", // part 1 never reaches layer 2 (no λ_2)
                "x@2,throww@3",
            })
                data.Add(poisons, poolHeld);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_in_either_stream_ends_as_the_layer_by_layer_pass_does(string poisons, bool poolHeld)
    {
        var armed = new StrongBox<bool>();
        Chain<float> chain = Network<float>((i, layer) => new Poison<float>(layer, Kinds(poisons, i), armed));
        (float[] w, float[] x0, SquaredDistance<float> h) = Problem(chain);
        GradientDescent<float> split = Sgd(chain, 1e-3f, twoStreams: true), sequential = Sgd(chain, 1e-3f, twoStreams: false);
        float[] reference = [.. w];
        split.Step(w, x0, h); // a healthy step first: every later layer updated, the workspace and the pool warm
        sequential.Step(reference, x0, h);
        Assert.Equal(reference, w);

        armed.Value = true;
        float[] before = [.. w];
        Exception? expected = Record.Exception(() => sequential.Step(reference, x0, h));
        Exception? actual = PoolHold.Held(poolHeld, () => Record.Exception(() => split.Step(w, x0, h)));
        Assert.Equal(expected?.GetType(), actual?.GetType());
        Assert.Equal(expected?.Message, actual?.Message);
        Assert.Equal(reference, w); // bit for bit: the iterate, or w as it was
        if (expected is not null)
            Assert.Equal(before, w);

        var expectedDirection = new float[w.Length];
        expected = Record.Exception(() => sequential.Oracle.Evaluate(w, x0, h, expectedDirection));
        actual = PoolHold.Held(poolHeld, () => Record.Exception(() => split.Oracle.Evaluate(w, x0, h, new float[w.Length])));
        Assert.NotNull(expected); // every poison here reaches the oracle's pass
        Assert.Equal(expected.GetType(), actual?.GetType());
        Assert.Equal(expected.Message, actual?.Message);
    }

    private static string[] Kinds(string poisons, int layer) =>
        [.. poisons.Split(',').Where(p => p.EndsWith($"@{layer}", StringComparison.Ordinal)).Select(p => p[..p.IndexOf('@')])];

    /// <summary>Delegates to a layer and records which gradients each pullback asked for.</summary>
    private sealed class Spy<T>(IMoreauLayer<T> inner, int index, List<(int, bool, bool)> calls) : DelegatingLayer<T>(inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public override void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            lock (calls)
                calls.Add((index, !gradW.IsEmpty, !gradX.IsEmpty));
            Inner.Pullback(w, x, tape, lambda, gradW, gradX);
        }
    }

    /// <summary>When armed, writes NaN into the gradients asked for, throws, or sleeps (see <see cref="Failures"/>).</summary>
    private sealed class Poison<T>(IMoreauLayer<T> inner, string[] kinds, StrongBox<bool> armed) : DelegatingLayer<T>(inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public override void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            if (armed.Value && !gradX.IsEmpty && kinds.Contains("slowx"))
                Thread.Sleep(30);
            Inner.Pullback(w, x, tape, lambda, gradW, gradX);
            if (!armed.Value)
                return;
            if ((!gradW.IsEmpty && kinds.Contains("throww")) || (!gradX.IsEmpty && kinds.Contains("throwx")))
                throw new InvalidOperationException($"the layer failed ({string.Join(",", kinds)})");
            if (!gradW.IsEmpty && kinds.Contains("w"))
                gradW[gradW.Length / 3] = T.NaN;
            if (!gradX.IsEmpty && kinds.Contains("x"))
                gradX[gradX.Length / 2] = T.NaN;
        }
    }
}
