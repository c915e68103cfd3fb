using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>
/// The element-wise vector operations of the solvers and oracles: <see cref="TensorPrimitives"/> (SIMD) for
/// vectors of more than <see cref="Small"/> values, a plain loop below. A TensorPrimitives call costs a few
/// nanoseconds of dispatch whatever the length, which dominates the 2-value states of a control problem
/// (a 100-step pendulum makes thousands of such calls per iteration).
/// </summary>
internal static class Vectors
{
    /// <summary>The longest vector handled by the plain loop.</summary>
    public const int Small = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
            return TensorPrimitives.Dot(x, y);
        if (y.Length != x.Length)
            ThrowLengths();
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
            sum += x[i] * y[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
            return TensorPrimitives.SumOfSquares(x);
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
            sum += x[i] * x[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Norm<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x.Length > Small ? TensorPrimitives.Norm(x) : T.Sqrt(SumOfSquares(x));

    /// <summary>The largest |xᵢ|; NaN if any value is NaN; 0 for an empty span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxMagnitude<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
            return T.Abs(TensorPrimitives.MaxMagnitude(x)); // TensorPrimitives returns the element itself, with its sign
        T max = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            T a = T.Abs(x[i]);
            if (T.IsNaN(a))
                return a;
            if (a > max)
                max = a;
        }

        return max;
    }

    /// <summary>True when every value is finite (true for an empty span, unlike <see cref="TensorPrimitives.IsFiniteAll{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllFinite<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
            return TensorPrimitives.IsFiniteAll(x);
        for (int i = 0; i < x.Length; i++)
        {
            if (!T.IsFinite(x[i]))
                return false;
        }

        return true;
    }

    /// <summary>destination = x·s + addend.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T s, ReadOnlySpan<T> addend, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
        {
            TensorPrimitives.MultiplyAdd(x, s, addend, destination);
            return;
        }

        if (addend.Length != x.Length || destination.Length < x.Length)
            ThrowLengths();
        for (int i = 0; i < x.Length; i++)
            destination[i] = x[i] * s + addend[i];
    }

    /// <summary>destination = x·s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply<T>(ReadOnlySpan<T> x, T s, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
        {
            TensorPrimitives.Multiply(x, s, destination);
            return;
        }

        if (destination.Length < x.Length)
            ThrowLengths();
        for (int i = 0; i < x.Length; i++)
            destination[i] = x[i] * s;
    }

    /// <summary>destination = −x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Negate<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
        {
            TensorPrimitives.Negate(x, destination);
            return;
        }

        if (destination.Length < x.Length)
            ThrowLengths();
        for (int i = 0; i < x.Length; i++)
            destination[i] = -x[i];
    }

    /// <summary>destination = x − y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
        {
            TensorPrimitives.Subtract(x, y, destination);
            return;
        }

        if (y.Length != x.Length || destination.Length < x.Length)
            ThrowLengths();
        for (int i = 0; i < x.Length; i++)
            destination[i] = x[i] - y[i];
    }

    /// <summary>destination = x + y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length > Small)
        {
            TensorPrimitives.Add(x, y, destination);
            return;
        }

        if (y.Length != x.Length || destination.Length < x.Length)
            ThrowLengths();
        for (int i = 0; i < x.Length; i++)
            destination[i] = x[i] + y[i];
    }

    private static void ThrowLengths() =>
        throw new ArgumentException("The vectors of an element-wise operation differ in length.");
}
