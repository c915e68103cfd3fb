using System.Numerics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>The dense ReLU networks and random problems of the halves' and the two streams' tests.</summary>
internal static class ReluNetwork
{
    /// <summary>
    /// A dense network of ReLU layers and an identity last layer on <paramref name="sizes"/>, each layer passed through
    /// <paramref name="wrap"/> (with its index) when given.
    /// </summary>
    public static Chain<T> Build<T>(int[] sizes, Func<int, IMoreauLayer<T>, IMoreauLayer<T>>? wrap = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = new IMoreauLayer<T>[sizes.Length - 1];
        for (int i = 0; i < layers.Length; i++)
        {
            IMoreauLayer<T> layer = new DenseTestLayer<T>(sizes[i], sizes[i + 1], bias: true,
                i + 1 < layers.Length ? DenseActivation.Relu : DenseActivation.Identity, declare: true);
            layers[i] = wrap is null ? layer : wrap(i, layer);
        }
        return new Chain<T>(layers);
    }

    /// <summary>
    /// Asserts that <paramref name="gradient"/> is the central differences of <paramref name="whole"/>'s value at w (to 10⁻⁶
    /// of their norm, which must be large enough to check) and <paramref name="value"/> its value (to 10⁻¹²).
    /// </summary>
    public static void AssertCentralDifferences(Backpropagation<double> whole, double[] w, double[] x0, SquaredDistance<double> h,
                                                double[] gradient, double value)
    {
        double[] fd = FiniteDifferences.Gradient(v => whole.Value(v, x0, h), w);
        double norm = Math.Sqrt(fd.Sum(x => x * x));
        double distance = Math.Sqrt(fd.Zip(gradient, (a, b) => (a - b) * (a - b)).Sum());
        Assert.True(norm > 1e-3, $"the gradient is too small to check ({norm})");
        Assert.True(distance <= 1e-6 * norm, $"‖fd − g‖ = {distance}, ‖fd‖ = {norm}");
        Assert.Equal(whole.Value(w, x0, h), value, 1e-12 * Math.Abs(value));
    }

    /// <summary>w in [−0.1, 0.1], x₀ in [−0.5, 0.5] and targets in [0, 1] for <paramref name="batch"/> samples, drawn in that order.</summary>
    public static (T[] W, T[] X0, SquaredDistance<T> H) Problem<T>(Chain<T> chain, int batch, int seed = 7)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] w = [.. Enumerable.Range(0, chain.ParameterCount).Select(_ => T.CreateChecked((random.NextDouble() - 0.5) * 0.2))];
        T[] x0 = [.. Enumerable.Range(0, batch * chain.InputCount).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
        T[] targets = [.. Enumerable.Range(0, batch * chain.OutputCount).Select(_ => T.CreateChecked(random.NextDouble()))];
        return (w, x0, new SquaredDistance<T>(chain.OutputCount, targets));
    }
}
