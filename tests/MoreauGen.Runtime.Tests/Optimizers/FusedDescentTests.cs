using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>
/// Gradient descent's update fused into the backward pass (<see cref="FusedDescent"/>, <see cref="Backpropagation{T}"/>'s
/// TryDescend) against the separate passes it replaces: the same iterates bit for bit and the same value; and on a
/// non-finite gradient, multiplier or update, or a layer that throws, w exactly as it was and the exception of the
/// separate passes — also when the failure comes after later layers were already updated, and in a chunk of a layer
/// split across the pool's threads. MorGD (which keeps the separate passes) is held to the same.
/// </summary>
public class FusedDescentTests
{
    private static float[] Random(int n, int seed, float scale)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (2 * random.NextSingle() - 1) * scale)];
    }

    [Theory]
    [MemberData(nameof(ParameterUpdateTests.Lengths), MemberType = typeof(ParameterUpdateTests))]
    public void A_sweep_writes_the_values_of_the_separate_passes_and_keeps_the_old_parameters(int n)
    {
        foreach (bool addL2 in new[] { true, false })
        {
            float[] w = Random(n, 1, 3f), g = Random(n, 2, 0.5f);
            const float mu = 1e-3f, step = 0.0375f;
            float[] d = [.. g];
            if (addL2)
                TensorPrimitives.MultiplyAdd(w, mu, g, d);
            var expected = new float[n];
            TensorPrimitives.MultiplyAdd(d, -step, w, expected);

            float[] fused = [.. w], scratch = [.. g];
            DescentSweep<float> sweep = FusedDescent.Run<float>(fused, mu, scratch, addL2, -step);

            Assert.True(sweep.Completed);
            Assert.Equal(expected, fused); // bit for bit
            Assert.Equal(w, scratch);      // the old parameters, to undo the step
            Assert.Equal(ParameterUpdate.SumOfSquares<float>(w), sweep.SumOfSquares); // the order of the ℓ2 term's pass
        }
    }

    [Theory]
    [InlineData(260, 0)]
    [InlineData(260, 17)]
    [InlineData(260, 259)]
    [InlineData(100_003, 0)]
    [InlineData(100_003, 40_000)]
    [InlineData(100_003, 100_002)]
    public void A_sweep_that_meets_a_non_finite_gradient_or_update_leaves_w_as_it_was(int n, int position)
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            float[] w = Random(n, 3, 1f), g = Random(n, 4, 1f);
            g[position] = bad;
            float[] fused = [.. w];
            Assert.False(FusedDescent.Run<float>(fused, 0.5f, g, addL2: true, -1e-3f).Completed);
            Assert.Equal(w, fused);
        }

        float[] large = Random(n, 5, 1f), gradient = Random(n, 6, 1f);
        large[position] = 3e38f; // finite, but w − η·d overflows
        gradient[position] = -1e38f;
        float[] before = [.. large];
        Assert.False(FusedDescent.Run<float>(large, 0f, gradient, addL2: false, -10f).Completed);
        Assert.Equal(before, large);
    }

    private static Chain<T> Network<T>(PoisonLayer<T>? poisoned = null, int at = -1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // 300·200 + 200 parameters in the first layer: two chunks of the pool's sweep.
        IMoreauLayer<T>[] layers =
        [
            new DenseTestLayer<T>(300, 200, bias: true, DenseActivation.Relu, declare: true),
            new DenseTestLayer<T>(200, 30, bias: true, DenseActivation.Relu, declare: true),
            new DenseTestLayer<T>(30, 10, bias: true, DenseActivation.Identity, declare: true),
        ];
        if (poisoned is not null)
            layers[at] = poisoned;
        return new Chain<T>(layers);
    }

    private static (T[] W, T[] X0, SquaredDistance<T> H) Problem<T>(Chain<T> chain, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(11);
        T[] w = [.. Enumerable.Range(0, chain.ParameterCount).Select(_ => T.CreateChecked((random.NextDouble() - 0.5) * 0.2))];
        T[] x0 = [.. Enumerable.Range(0, batch * chain.InputCount).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
        T[] targets = [.. Enumerable.Range(0, batch * chain.OutputCount).Select(_ => T.CreateChecked(random.NextDouble()))];
        return (w, x0, new SquaredDistance<T>(chain.OutputCount, targets));
    }

    private static (ChainOptimizer<T> Fused, ChainOracle<T> Separate, T Step) Optimizer<T>(string method, Chain<T> chain, T mu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T eta = T.CreateChecked(0.05);
        var schedule = MoreauSchedule<T>.Constant(eta, T.CreateChecked(0.5));
        return method == "GD"
            ? (new GradientDescent<T>(chain, eta, mu), new Backpropagation<T>(chain) { ParameterL2 = mu }, eta)
            : (new MoreauGradientDescent<T>(chain, schedule, new TwoStepSolver<T>(), mu), new MoreauBackpropagation<T>(chain, schedule) { ParameterL2 = mu }, T.One);
    }

    [Theory]
    [InlineData("GD", 0.0)]
    [InlineData("GD", 1e-3)]
    [InlineData("MorGD", 0.0)]
    [InlineData("MorGD", 1e-3)]
    public void Steps_give_the_iterates_and_values_of_the_separate_passes_in_float_and_double(string method, double l2)
    {
        Check<float>(method, (float)l2);
        Check<double>(method, l2);

        static void Check<T>(string method, T mu) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = Network<T>();
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, 16);
            T[] reference = [.. w];
            (ChainOptimizer<T> fused, ChainOracle<T> separate, T step) = Optimizer(method, chain, mu);
            for (int k = 0; k < 4; k++)
            {
                var direction = new T[w.Length];
                T expectedValue = separate.Evaluate(reference, x0, h, direction);
                TensorPrimitives.MultiplyAdd<T>(direction, -step, reference, reference); // the separate update pass

                Assert.Equal(expectedValue, fused.Step(w, x0, h));
                Assert.Equal(reference, w); // bit for bit
            }
        }
    }

    public static TheoryData<string, int, string, int> Failures()
    {
        var data = new TheoryData<string, int, string, int>();
        foreach (string method in new[] { "GD", "MorGD" })
        {
            data.Add(method, 0, "gradient", 10);      // the last layer to run: both later layers are updated by then; first chunk
            data.Add(method, 0, "gradient", 50_000);  // its second chunk, after the first completed
            data.Add(method, 1, "gradient", 5);
            data.Add(method, 2, "gradient", 0);       // the first layer to run: nothing updated yet
            data.Add(method, 1, "multiplier", 3);
            data.Add(method, 0, "throws", 0);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_after_later_layers_were_updated_ends_as_the_separate_passes_do(string method, int at, string kind, int index)
    {
        // MorGD: declared affine, so Φw and Φx are the pullback's gradient steps and the NaN reaches g_t or λ_{t−1} (the
        // inner solver would treat a NaN start as a failed solve and return a finite direction).
        PoisonLayer<float> poisoned = method == "GD"
            ? new PoisonLayer<float>(Network<float>()[at], kind, index)
            : new AffinePoisonLayer<float>(Network<float>()[at], kind, index);
        Chain<float> chain = Network(poisoned, at);
        (float[] w, float[] x0, SquaredDistance<float> h) = Problem(chain, 8);
        (ChainOptimizer<float> fused, ChainOracle<float> separate, float step) = Optimizer(method, chain, 1e-3f);

        poisoned.Armed = false;
        float[] before = [.. w];
        fused.Step(w, x0, h); // a healthy step first: the workspace and the pool are warm
        Assert.NotEqual(before, w);

        // What the separate passes do from here: throw (w unchanged) or give an iterate.
        poisoned.Armed = true;
        before = [.. w];
        float[] reference = [.. w];
        var direction = new float[w.Length];
        Exception? expected = Record.Exception(() =>
        {
            separate.Evaluate(reference, x0, h, direction);
            TensorPrimitives.MultiplyAdd<float>(direction, -step, reference, reference);
        });
        Assert.True(kind == "throws" ? expected is InvalidOperationException : expected is NonFiniteValueException, $"{expected}");

        Exception? actual = Record.Exception(() => fused.Step(w, x0, h));
        if (expected is null)
        {
            Assert.Null(actual);
            Assert.Equal(reference, w);
        }
        else
        {
            Assert.NotNull(actual);
            Assert.Equal(expected.GetType(), actual.GetType());
            Assert.Equal(expected.Message, actual.Message);
            Assert.Equal(before, w); // bit for bit
        }
    }

    /// <summary>Delegates to a layer; when armed, its pullback writes NaN into the gradient or the multiplier, or throws.</summary>
    private class PoisonLayer<T>(IMoreauLayer<T> inner, string kind, int index) : IMoreauLayer<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public bool Armed { get; set; }
        public int ParameterCount => inner.ParameterCount;
        public int InputCount => inner.InputCount;
        public int OutputCount => inner.OutputCount;
        public int TapeLength(int batch) => inner.TapeLength(batch);
        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y) => inner.Forward(w, x, y);
        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape) => inner.Forward(w, x, y, tape);

        public void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            inner.Pullback(w, x, tape, lambda, gradW, gradX);
            if (!Armed)
                return;
            if (kind == "throws")
                throw new InvalidOperationException("the layer failed");
            (kind == "gradient" ? gradW : gradX)[index] = T.NaN;
        }

        public T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> v, Span<T> grad) =>
            inner.SubproblemW(w, x, lambda, v, grad);

        public T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> u, Span<T> grad) =>
            inner.SubproblemX(w, x, lambda, u, grad);
    }

    /// <summary>A <see cref="PoisonLayer{T}"/> declared affine in w and in x.</summary>
    private sealed class AffinePoisonLayer<T>(IMoreauLayer<T> inner, string kind, int index)
        : PoisonLayer<T>(inner, kind, index), IAffineInParameters, IAffineInInputs
        where T : unmanaged, IFloatingPointIeee754<T>;
}
