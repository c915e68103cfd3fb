using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>Element-wise arithmetic (sums, products, scalings, dot products) and its reverses.</summary>
public static partial class Ops
{
    /// <summary>y = a + b element-wise; y may be the same span as a or b (so <c>Add(y, d, y)</c> accumulates d into y).</summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.Add(a, b, y);
    }

    /// <summary>y = a ⊙ b element-wise; y may be the same span as a or b.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.Multiply(a, b, y);
    }

    /// <summary>y += a ⊙ b element-wise (the accumulating reverse of <see cref="Multiply{T}"/>: da += dy ⊙ b).</summary>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.MultiplyAdd(a, b, y, y);
    }

    /// <summary>y = s·x element-wise; x and y may be the same span.</summary>
    public static void Scale<T>(ReadOnlySpan<T> x, T s, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Multiply(x, s, y);
    }

    /// <summary>y += s·x element-wise (the accumulating reverse of <see cref="Scale{T}"/>: dx += s·dy).</summary>
    public static void ScaleAdd<T>(ReadOnlySpan<T> x, T s, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.MultiplyAdd(x, s, y, y);
    }

    /// <summary>Σᵢ a[i]·b[i] (the reverse of <see cref="Scale{T}"/> with respect to s: ds = ⟨x, dy⟩).</summary>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        return TensorPrimitives.Dot(a, b);
    }
}
