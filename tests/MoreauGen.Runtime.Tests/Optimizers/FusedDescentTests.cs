using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>
/// Gradient descent's update fused into the backward pass (<see cref="FusedDescent"/>, <see cref="Backpropagation{T}"/>'s
/// TryDescend) against the separate passes it replaces: the same iterates bit for bit and the same value; and on a
/// non-finite gradient, multiplier or update, or a layer that throws, w exactly as it was and the exception of the
/// separate passes — also when the failure comes after later layers were already updated, and in a chunk of a layer
/// split across the pool's threads.
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

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-3)]
    public void GD_steps_give_the_iterates_and_values_of_the_separate_passes_in_float_and_double(double l2)
    {
        Check<float>((float)l2, 0.05f);
        Check<double>(l2, 0.05);

        static void Check<T>(T mu, T step) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = Network<T>();
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, 16);
            T[] reference = [.. w];
            var oracle = new Backpropagation<T>(chain) { ParameterL2 = mu };
            var gd = new GradientDescent<T>(chain, step, mu);
            for (int k = 0; k < 4; k++)
            {
                var direction = new T[w.Length];
                T expectedValue = oracle.Evaluate(reference, x0, h, direction);
                TensorPrimitives.MultiplyAdd<T>(direction, -step, reference, reference); // the separate update pass

                Assert.Equal(expectedValue, gd.Step(w, x0, h));
                Assert.Equal(reference, w); // bit for bit
            }
        }
    }

    public static TheoryData<int, string, int> Failures() => new()
    {
        { 0, "gradient", 10 },        // the last layer to run: both later layers are updated by then; first chunk
        { 0, "gradient", 50_000 },    // its second chunk, after the first completed
        { 1, "gradient", 5 },
        { 2, "gradient", 0 },         // the first layer to run: nothing updated yet
        { 1, "multiplier", 3 },
        { 0, "throws", 0 },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_after_later_layers_were_updated_leaves_w_unchanged_with_the_separate_passes_exception(int at, string kind, int index)
    {
        var poisoned = new PoisonLayer<float>(Network<float>()[at], kind, index);
        Chain<float> chain = Network(poisoned, at);
        (float[] w, float[] x0, SquaredDistance<float> h) = Problem(chain, 8);
        float[] before = [.. w];
        var gd = new GradientDescent<float>(chain, 0.05f, 1e-3f);

        poisoned.Armed = false;
        gd.Step(w, x0, h); // a healthy step first: the workspace and the pool are warm
        Assert.NotEqual(before, w);
        before = [.. w];

        poisoned.Armed = true;
        if (kind == "throws")
        {
            Assert.Throws<InvalidOperationException>(() => gd.Step(w, x0, h));
        }
        else
        {
            var ex = Assert.Throws<NonFiniteValueException>(() => gd.Step(w, x0, h));
            Assert.Equal(at + 1, ex.Layer);
            Assert.Contains(kind == "gradient" ? $"the update direction of w_{at + 1}" : $"the multiplier λ_{at}", ex.Message);
        }
        Assert.Equal(before, w); // bit for bit
    }

    /// <summary>Delegates to a layer; when armed, its pullback writes NaN into the gradient or the multiplier, or throws.</summary>
    private sealed class PoisonLayer<T>(IMoreauLayer<T> inner, string kind, int index) : IMoreauLayer<T>
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
}
