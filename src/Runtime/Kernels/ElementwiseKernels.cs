using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MoreauGen.Kernels;

/// <summary>
/// A binary element-wise operator in the TensorPrimitives style: one scalar and one vector form per width,
/// so a single driver (<see cref="Elementwise"/>) handles widths, tails and accumulation.
/// </summary>
internal interface IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract T Invoke(T x, T y);
    static abstract Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);
    static abstract Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
    static abstract Vector512<T> Invoke(Vector512<T> x, Vector512<T> y);
}

/// <summary>ReLU's reverse: f(z, dy) = dy where z &gt; 0, else 0 (one compare and one mask, no branch).</summary>
internal readonly struct ReluBackwardOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T z, T dy) => z > T.Zero ? dy : T.Zero;
    public static Vector128<T> Invoke(Vector128<T> z, Vector128<T> dy) => Vector128.GreaterThan(z, Vector128<T>.Zero) & dy;
    public static Vector256<T> Invoke(Vector256<T> z, Vector256<T> dy) => Vector256.GreaterThan(z, Vector256<T>.Zero) & dy;
    public static Vector512<T> Invoke(Vector512<T> z, Vector512<T> dy) => Vector512.GreaterThan(z, Vector512<T>.Zero) & dy;
}

/// <summary>tanh's reverse from its output y: f(y, dy) = dy·(1 − y·y).</summary>
internal readonly struct TanhBackwardOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T y, T dy) => dy * (T.One - y * y);
    public static Vector128<T> Invoke(Vector128<T> y, Vector128<T> dy) => dy * (Vector128<T>.One - y * y);
    public static Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * (Vector256<T>.One - y * y);
    public static Vector512<T> Invoke(Vector512<T> y, Vector512<T> dy) => dy * (Vector512<T>.One - y * y);
}

/// <summary>The logistic sigmoid's reverse from its output y: f(y, dy) = dy·(y·(1 − y)).</summary>
internal readonly struct SigmoidBackwardOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T y, T dy) => dy * (y * (T.One - y));
    public static Vector128<T> Invoke(Vector128<T> y, Vector128<T> dy) => dy * (y * (Vector128<T>.One - y));
    public static Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * (y * (Vector256<T>.One - y));
    public static Vector512<T> Invoke(Vector512<T> y, Vector512<T> dy) => dy * (y * (Vector512<T>.One - y));
}

/// <summary>Drives an <see cref="IBinaryOperator{T}"/> over spans: the widest accelerated vector first, then narrower ones, then scalars.</summary>
internal static class Elementwise
{
    /// <summary>
    /// d[i] = f(x[i], y[i]) (or d[i] += f(x[i], y[i]) when <paramref name="accumulate"/>). The lengths must
    /// match (checked by the caller); d may be the same span as x or y, but must not partly overlap them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    public static void Apply<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOperator<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        ref T rd = ref MemoryMarshal.GetReference(d);
        nuint length = (nuint)d.Length;
        nuint i = 0;

        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            nuint w = (nuint)Vector512<T>.Count;
            for (; i + w <= length; i += w)
            {
                Vector512<T> r = TOp.Invoke(Vector512.LoadUnsafe(ref rx, i), Vector512.LoadUnsafe(ref ry, i));
                if (accumulate)
                    r += Vector512.LoadUnsafe(ref rd, i);
                r.StoreUnsafe(ref rd, i);
            }
        }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            nuint w = (nuint)Vector256<T>.Count;
            for (; i + w <= length; i += w)
            {
                Vector256<T> r = TOp.Invoke(Vector256.LoadUnsafe(ref rx, i), Vector256.LoadUnsafe(ref ry, i));
                if (accumulate)
                    r += Vector256.LoadUnsafe(ref rd, i);
                r.StoreUnsafe(ref rd, i);
            }
        }
        if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
        {
            nuint w = (nuint)Vector128<T>.Count;
            for (; i + w <= length; i += w)
            {
                Vector128<T> r = TOp.Invoke(Vector128.LoadUnsafe(ref rx, i), Vector128.LoadUnsafe(ref ry, i));
                if (accumulate)
                    r += Vector128.LoadUnsafe(ref rd, i);
                r.StoreUnsafe(ref rd, i);
            }
        }
        for (; i < length; i++)
        {
            T r = TOp.Invoke(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
            Unsafe.Add(ref rd, i) = accumulate ? Unsafe.Add(ref rd, i) + r : r;
        }
    }
}
