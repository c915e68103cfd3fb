using System.Numerics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>
/// Gradient descent's fused step on layers that declare their dense structure (<see cref="DenseBackward"/>: the pullback's
/// products taken by the oracle, dz_{t−1} written by the product that writes λ_{t−1}) against the same layers undeclared
/// (their pullbacks): the same iterates and values bit for bit, with ReLU and identity layers, with and without biases,
/// with a layer that declares nothing in between, and the declared layers' pullbacks never called; and a non-finite
/// λ_{t−1} under units the ReLU below cuts (so dz_{t−1} is finite) ends as the undeclared chain does: the same exception,
/// w as it was.
/// </summary>
public class DenseBackwardTests
{
    private static IMoreauLayer<T>[] Layers<T>(bool declare, bool bias, bool undeclaredBetween) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // 300·200 (+ 200) parameters in the first layer: the step takes the fused path (ChainOptimizer.FusedDescentMinimum).
        List<IMoreauLayer<T>> layers =
        [
            new DenseTestLayer<T>(300, 200, bias, DenseActivation.Relu, declare),
            new DenseTestLayer<T>(200, 40, bias, DenseActivation.Identity, declare), // no mask for the layer above to apply
            new DenseTestLayer<T>(40, 30, bias, DenseActivation.Relu, declare),
            new DenseTestLayer<T>(30, 10, bias, DenseActivation.Identity, declare),
        ];
        if (undeclaredBetween)
            layers.Insert(3, new GenericTanhLayer<T>(30, 30));
        return [.. layers];
    }

    private static (T[] W, T[] X0, SquaredDistance<T> H) Problem<T>(Chain<T> chain, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(17);
        T[] w = [.. Enumerable.Range(0, chain.ParameterCount).Select(_ => T.CreateChecked((random.NextDouble() - 0.5) * 0.2))];
        T[] x0 = [.. Enumerable.Range(0, batch * chain.InputCount).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
        T[] targets = [.. Enumerable.Range(0, batch * chain.OutputCount).Select(_ => T.CreateChecked(random.NextDouble()))];
        return (w, x0, new SquaredDistance<T>(chain.OutputCount, targets));
    }

    [Theory]
    [InlineData(0.0, true, false, 16)]
    [InlineData(1e-3, true, false, 16)]
    [InlineData(1e-3, false, false, 3)]
    [InlineData(1e-3, true, true, 9)]
    [InlineData(1e-3, true, false, 256)]
    public void Declared_dense_layers_give_the_iterates_and_values_of_their_pullbacks_without_calling_them(double l2, bool bias, bool between, int batch)
    {
        Check<float>((float)l2, bias, between, batch);
        Check<double>(l2, bias, between, batch);

        static void Check<T>(T mu, bool bias, bool between, int batch) where T : unmanaged, IFloatingPointIeee754<T>
        {
            IMoreauLayer<T>[] counted = [.. Layers<T>(declare: true, bias, between).Select(l => l is DenseTestLayer<T> d ? new CountingLayer<T>(d) : l)];
            var declared = new Chain<T>(counted);
            var undeclared = new Chain<T>(Layers<T>(declare: false, bias, between));
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(declared, batch);
            T[] reference = [.. w];
            T eta = T.CreateChecked(0.05);
            var fused = new GradientDescent<T>(declared, eta, mu);
            var separate = new GradientDescent<T>(undeclared, eta, mu);
            for (int step = 0; step < 4; step++)
            {
                Assert.Equal(separate.Step(reference, x0, h), fused.Step(w, x0, h));
                Assert.Equal(reference, w); // bit for bit
            }
            Assert.All(counted.OfType<CountingLayer<T>>(), c => Assert.Equal(0, c.Pullbacks));
        }
    }

    [Fact]
    public void A_non_finite_multiplier_under_units_the_relu_below_cuts_is_reported_as_before()
    {
        Check<float>(huge: 3e38f, cut: -1e30f);
        Check<double>(huge: 1.7e308, cut: -1e300);

        static void Check<T>(T huge, T cut) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> declared = new(Layers<T>(declare: true, bias: true, undeclaredBetween: false));
            Chain<T> undeclared = new(Layers<T>(declare: false, bias: true, undeclaredBetween: false));
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(declared, 8);
            // Unit 7 of layer 3 (ReLU, 40 → 30) is cut for every sample by its bias, so x_3[:, 7] = 0 and the forward pass
            // is finite; row 7 of W_4 (30 → 10) is huge, so λ_3[:, 7] = dz_4·W_4ᵀ overflows there, where the mask hides it.
            int layer3 = declared.ParameterOffset(2), layer4 = declared.ParameterOffset(3);
            w[layer3 + 40 * 30 + 7] = cut;
            for (int c = 0; c < 10; c++)
                w[layer4 + 7 * 10 + c] = huge;

            T eta = T.CreateChecked(0.05), mu = T.CreateChecked(1e-3);
            T[] before = [.. w], reference = [.. w];
            Exception? expected = Record.Exception(() => new GradientDescent<T>(undeclared, eta, mu).Step(reference, x0, h));
            Exception? actual = Record.Exception(() => new GradientDescent<T>(declared, eta, mu).Step(w, x0, h));

            Assert.IsType<NonFiniteValueException>(expected);
            Assert.Contains("multiplier", expected.Message);
            Assert.IsType<NonFiniteValueException>(actual);
            Assert.Equal(expected.Message, actual.Message);
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
