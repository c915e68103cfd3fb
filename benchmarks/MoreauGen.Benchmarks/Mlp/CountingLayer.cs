using System.Diagnostics;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// A layer that forwards every call to a dense layer (m × n_in by n_in × n_out products) and counts the matrix
/// products it asks for, in units of one forward product m·n_in·n_out: a forward is one, a pullback one per gradient
/// requested (dW = xᵀ·dz, dx = dz·Wᵀ). Used by <see cref="VariantRounds"/> to count the work of a step, untimed.
/// </summary>
internal class CountingLayer(IMoreauLayer<float> inner, ProductCounter counter, int index) : IMoreauLayer<float>
{
    public int ParameterCount => inner.ParameterCount;

    public int InputCount => inner.InputCount;

    public int OutputCount => inner.OutputCount;

    public int TapeLength(int batch) => inner.TapeLength(batch);

    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        counter.Forward(index, Size(x));
        long start = Stopwatch.GetTimestamp();
        inner.Forward(w, x, y);
        counter.Add(start);
    }

    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, Span<float> tape)
    {
        counter.Forward(index, Size(x));
        long start = Stopwatch.GetTimestamp();
        inner.Forward(w, x, y, tape);
        counter.Add(start);
    }

    public void Pullback(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> tape, ReadOnlySpan<float> lambda,
                         Span<float> gradW, Span<float> gradX)
    {
        counter.Pullback(index, Size(x), gradW.IsEmpty ? 0 : 1, gradX.IsEmpty ? 0 : 1);
        long start = Stopwatch.GetTimestamp();
        inner.Pullback(w, x, tape, lambda, gradW, gradX);
        counter.Add(start);
    }

    public float SubproblemW(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, ReadOnlySpan<float> v, Span<float> grad)
    {
        counter.Forward(index, Size(x));
        counter.Pullback(index, Size(x), grad.IsEmpty ? 0 : 1, 0);
        return inner.SubproblemW(w, x, lambda, v, grad);
    }

    public float SubproblemX(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, ReadOnlySpan<float> u, Span<float> grad)
    {
        counter.Forward(index, Size(x));
        counter.Pullback(index, Size(x), 0, grad.IsEmpty ? 0 : 1);
        return inner.SubproblemX(w, x, lambda, u, grad);
    }

    private double Size(ReadOnlySpan<float> x) => (double)x.Length * inner.OutputCount;

    /// <summary>The counting wrapper of <paramref name="layer"/>, keeping its affine markers.</summary>
    public static IMoreauLayer<float> Wrap(IMoreauLayer<float> layer, ProductCounter counter, int index) =>
        layer is IAffineInInputs and IAffineInParameters ? new Affine(layer, counter, index) : new CountingLayer(layer, counter, index);

    private sealed class Affine(IMoreauLayer<float> inner, ProductCounter counter, int index) : CountingLayer(inner, counter, index), IAffineInInputs, IAffineInParameters;
}

/// <summary>The products the <see cref="CountingLayer"/>s of a chain saw, in multiply–adds, and their calls per layer.</summary>
internal sealed class ProductCounter(int layers)
{
    private readonly int[] _forwards = new int[layers], _pullbacks = new int[layers];

    public double MultiplyAdds { get; private set; }

    /// <summary>Wall time spent inside the layers' calls.</summary>
    public TimeSpan InLayers { get; private set; }

    public void Add(long start) => InLayers += Stopwatch.GetElapsedTime(start);

    public int Forwards => _forwards.Sum();

    public int Pullbacks => _pullbacks.Sum();

    /// <summary>"forwards/pullbacks" of each layer, input first.</summary>
    public string PerLayer(int steps) => string.Join(" ", _forwards.Select((f, i) => $"{(double)f / steps:0.#}/{(double)_pullbacks[i] / steps:0.#}"));

    public void Forward(int index, double size)
    {
        MultiplyAdds += size;
        _forwards[index]++;
    }

    public void Pullback(int index, double size, int gradW, int gradX)
    {
        MultiplyAdds += size * (gradW + gradX);
        _pullbacks[index]++;
    }

    public void Reset()
    {
        MultiplyAdds = 0;
        InLayers = TimeSpan.Zero;
        Array.Clear(_forwards);
        Array.Clear(_pullbacks);
    }
}
