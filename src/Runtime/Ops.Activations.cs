using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>Activations (ReLU, tanh, sigmoid) and the reverses their rules call.</summary>
public static partial class Ops
{
    /// <summary>y = max(x, 0) element-wise; x and y may be the same span.</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Max(x, T.Zero, y);
    }

    /// <summary>
    /// dx = dy where z &gt; 0, else 0; z is the input or the output of <see cref="Relu{T}"/> (same sign
    /// pattern). dx may be the same span as dy or z.
    /// </summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Backward<T, ReluBackwardOperator<T>>(z, dy, dx, nameof(z), accumulate: false);
    }

    /// <summary>dx += (z &gt; 0 ? dy : 0), the accumulating <see cref="ReluBackward{T}"/>. dx may be the same span as z.</summary>
    public static void ReluBackwardAdd<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Backward<T, ReluBackwardOperator<T>>(z, dy, dx, nameof(z), accumulate: true);
    }

    /// <summary>y = tanh(x) element-wise; x and y may be the same span.</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Tanh(x, y);
    }

    /// <summary>dx = dy·(1 − y²) where y = tanh(x) is the forward output. dx may be the same span as dy or y.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Backward<T, TanhBackwardOperator<T>>(y, dy, dx, nameof(y), accumulate: false);
    }

    /// <summary>dx += dy·(1 − y²), the accumulating <see cref="TanhBackward{T}"/>. dx may be the same span as y.</summary>
    public static void TanhBackwardAdd<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Backward<T, TanhBackwardOperator<T>>(y, dy, dx, nameof(y), accumulate: true);
    }

    /// <summary>y = 1 / (1 + e^(−x)) element-wise; x and y may be the same span.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        if (!x.IsEmpty) // TensorPrimitives.Sigmoid rejects empty spans
            TensorPrimitives.Sigmoid(x, y);
    }

    /// <summary>dx = dy·y·(1 − y) where y = sigmoid(x) is the forward output. dx may be the same span as dy or y.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Backward<T, SigmoidBackwardOperator<T>>(y, dy, dx, nameof(y), accumulate: false);
    }

    /// <summary>dx += dy·y·(1 − y), the accumulating <see cref="SigmoidBackward{T}"/>. dx may be the same span as y.</summary>
    public static void SigmoidBackwardAdd<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Backward<T, SigmoidBackwardOperator<T>>(y, dy, dx, nameof(y), accumulate: true);
    }

    /// <summary>
    /// The checks every activation reverse makes (dy and dx as long as <paramref name="forward"/>; dx the same span as
    /// dy or the forward operand, or separate), then dx (+)= the operator's value element-wise.
    /// </summary>
    private static void Backward<T, TOperator>(ReadOnlySpan<T> forward, ReadOnlySpan<T> dy, Span<T> dx, string forwardName, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOperator : struct, IBinaryOperator<T>
    {
        CheckSameLength(forward, dy, nameof(dy));
        CheckSameLength(forward, dx, nameof(dx));
        CheckInPlace(forward, dx, nameof(dx), forwardName);
        CheckInPlace(dy, dx, nameof(dx), nameof(dy));
        Elementwise.Apply<T, TOperator>(forward, dy, dx, accumulate);
    }
}
