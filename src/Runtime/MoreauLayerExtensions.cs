using System.Buffers;
using System.Numerics;

namespace MoreauGen;

/// <summary>Conveniences over <see cref="IMoreauLayer{T}"/> for callers that hold no tape.</summary>
public static class MoreauLayerExtensions
{
    /// <summary>
    /// Writes ∇_w (λᵀφ(w, x)), summed over the batch in <paramref name="x"/>, into <paramref name="gradW"/>:
    /// runs the taped forward pass into pooled buffers, then the pullback.
    /// </summary>
    public static void PullbackW<T>(this IMoreauLayer<T> layer, ReadOnlySpan<T> w, ReadOnlySpan<T> x,
                                    ReadOnlySpan<T> lambda, Span<T> gradW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (gradW.Length != layer.ParameterCount)
            throw new ArgumentException($"gradW has {gradW.Length} values; the layer has {layer.ParameterCount} parameters.", nameof(gradW));
        PullbackWithPooledTape(layer, w, x, lambda, gradW, Span<T>.Empty);
    }

    /// <summary>
    /// Writes ∇_x (λᵀφ(w, x)) for every sample of the batch into <paramref name="gradX"/> (same length as
    /// <paramref name="x"/>): runs the taped forward pass into pooled buffers, then the pullback.
    /// </summary>
    public static void PullbackX<T>(this IMoreauLayer<T> layer, ReadOnlySpan<T> w, ReadOnlySpan<T> x,
                                    ReadOnlySpan<T> lambda, Span<T> gradX)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (gradX.Length != x.Length)
            throw new ArgumentException($"gradX has {gradX.Length} values; x has {x.Length}.", nameof(gradX));
        PullbackWithPooledTape(layer, w, x, lambda, Span<T>.Empty, gradX);
    }

    /// <summary>The batch size m of <paramref name="x"/>, checked to be a whole number of samples.</summary>
    public static int BatchSize<T>(this IMoreauLayer<T> layer, ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        int inputs = layer.InputCount;
        if (inputs == 0)
            throw new ArgumentException("The layer reads no input (InputCount = 0), so the batch size cannot be read from x.", nameof(x));
        if (x.Length % inputs != 0)
            throw new ArgumentException($"x has {x.Length} values, not a whole number of samples of {inputs}.", nameof(x));
        return x.Length / inputs;
    }

    private static void PullbackWithPooledTape<T>(IMoreauLayer<T> layer, ReadOnlySpan<T> w, ReadOnlySpan<T> x,
                                                 ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = layer.BatchSize(x);
        int outputs = m * layer.OutputCount;
        if (lambda.Length != outputs)
            throw new ArgumentException($"lambda has {lambda.Length} values; the batch of {m} has {outputs} outputs.", nameof(lambda));
        int tapeLength = layer.TapeLength(m);
        T[] y = ArrayPool<T>.Shared.Rent(outputs);
        T[] tape = ArrayPool<T>.Shared.Rent(tapeLength);
        try
        {
            layer.Forward(w, x, y.AsSpan(0, outputs), tape.AsSpan(0, tapeLength));
            layer.Pullback(w, x, tape.AsSpan(0, tapeLength), lambda, gradW, gradX);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(tape);
            ArrayPool<T>.Shared.Return(y);
        }
    }
}
