using System.Numerics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>
/// Gradient descent's fused step on layers that declare their dense structure (<see cref="DenseDescent{T}"/>: the
/// pullback's products taken by the oracle, the update in the weight gradient's final write) against the same layers
/// undeclared (their pullback, then <see cref="FusedDescent"/>): the same iterates bit for bit, the value to rounding (‖w‖²
/// is summed in another order), the layers' pullbacks not called; and an update that overflows in W or in b of the last
/// layer to run, after the later layers were updated, ends with w as it was and the exception of the undeclared chain.
/// </summary>
public class DenseDescentTests
{
    private static Chain<T> Network<T>(bool declare, bool bias, List<CountingLayer<T>>? counters = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // 300·200 (+ 200) parameters in the first layer: the step takes the fused path (ChainOptimizer.FusedDescentMinimum).
        IMoreauLayer<T>[] layers =
        [
            new DenseTestLayer<T>(300, 200, bias, DenseActivation.Relu, declare),
            new DenseTestLayer<T>(200, 30, bias, DenseActivation.Relu, declare),
            new DenseTestLayer<T>(30, 10, bias, DenseActivation.Identity, declare),
        ];
        if (counters is not null)
        {
            for (int i = 0; i < layers.Length; i++)
            {
                var counting = new CountingLayer<T>((DenseTestLayer<T>)layers[i]);
                counters.Add(counting);
                layers[i] = counting;
            }
        }
        return new Chain<T>(layers);
    }

    private static (T[] W, T[] X0, SquaredDistance<T> H) Problem<T>(Chain<T> chain, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(13);
        T[] w = [.. Enumerable.Range(0, chain.ParameterCount).Select(_ => T.CreateChecked((random.NextDouble() - 0.5) * 0.2))];
        T[] x0 = [.. Enumerable.Range(0, batch * chain.InputCount).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
        T[] targets = [.. Enumerable.Range(0, batch * chain.OutputCount).Select(_ => T.CreateChecked(random.NextDouble()))];
        return (w, x0, new SquaredDistance<T>(chain.OutputCount, targets));
    }

    [Theory]
    [InlineData(0.0, true, 16)]
    [InlineData(1e-3, true, 16)]
    [InlineData(1e-3, false, 3)]
    [InlineData(1e-3, true, 256)]
    public void Declared_dense_layers_give_the_iterates_of_their_pullbacks_without_calling_them(double l2, bool bias, int batch)
    {
        Check<float>((float)l2, bias, batch, 1e-6);
        Check<double>(l2, bias, batch, 1e-14);

        static void Check<T>(T mu, bool bias, int batch, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var counters = new List<CountingLayer<T>>();
            Chain<T> declared = Network<T>(declare: true, bias, counters), undeclared = Network<T>(declare: false, bias);
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(declared, batch);
            T[] reference = [.. w];
            T eta = T.CreateChecked(0.05);
            var fused = new GradientDescent<T>(declared, eta, mu);
            var separate = new GradientDescent<T>(undeclared, eta, mu);
            for (int step = 0; step < 4; step++)
            {
                T expected = separate.Step(reference, x0, h);
                T actual = fused.Step(w, x0, h);
                Assert.Equal(reference, w); // bit for bit
                Assert.True(double.CreateTruncating(T.Abs(actual - expected)) <= tolerance * double.CreateTruncating(T.Abs(expected)),
                            $"step {step}: value {actual}, through the pullbacks {expected}");
            }
            Assert.All(counters, c => Assert.Equal(0, c.Pullbacks));
        }
    }

    [Theory]
    [InlineData("weight", 0)]
    [InlineData("weight", 199)]
    [InlineData("bias", 0)]
    [InlineData("bias", 123)]
    public void An_update_that_overflows_in_the_last_layer_to_run_leaves_w_as_it_was(string where, int index)
    {
        Check<float>(where, index);
        Check<double>(where, index);

        static void Check<T>(string where, int index) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> declared = Network<T>(declare: true, bias: true), undeclared = Network<T>(declare: false, bias: true);
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(declared, 8);
            T huge = T.CreateChecked(typeof(T) == typeof(float) ? 1e38 : 1e308);
            if (where == "weight")
            {
                // W[5, index] of the first layer multiplies input 5, which is 0 in every sample: the forward pass and the
                // gradient stay finite, and w·μ overflows in the update.
                for (int sample = 0; sample < 8; sample++)
                    x0[sample * 300 + 5] = T.Zero;
                w[5 * 200 + index] = huge;
            }
            else
            {
                w[300 * 200 + index] = -huge; // a unit the ReLU cuts for every sample: dz = 0 there, and b·μ overflows
            }

            T mu = T.CreateChecked(10), eta = T.CreateChecked(0.05);
            T[] before = [.. w], reference = [.. w];
            Exception? expected = Record.Exception(() => new GradientDescent<T>(undeclared, eta, mu).Step(reference, x0, h));
            Exception? actual = Record.Exception(() => new GradientDescent<T>(declared, eta, mu).Step(w, x0, h));

            Assert.IsType<NonFiniteValueException>(expected);
            Assert.IsType<NonFiniteValueException>(actual);
            Assert.Equal(expected.Message, actual.Message);
            Assert.Contains("w_1", actual.Message);
            Assert.Equal(before, w); // bit for bit
        }
    }

    /// <summary>A declared dense layer that counts its pullbacks.</summary>
    private sealed class CountingLayer<T>(DenseTestLayer<T> inner) : IMoreauLayer<T>, IDenseStructure where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Pullbacks { get; private set; }
        public DenseStructure? DenseStructure => inner.DenseStructure;
        public int ParameterCount => inner.ParameterCount;
        public int InputCount => inner.InputCount;
        public int OutputCount => inner.OutputCount;
        public int TapeLength(int batch) => inner.TapeLength(batch);
        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y) => inner.Forward(w, x, y);
        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape) => inner.Forward(w, x, y, tape);

        public void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            Pullbacks++;
            inner.Pullback(w, x, tape, lambda, gradW, gradX);
        }

        public T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> v, Span<T> grad) =>
            inner.SubproblemW(w, x, lambda, v, grad);

        public T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> u, Span<T> grad) =>
            inner.SubproblemX(w, x, lambda, u, grad);
    }
}
