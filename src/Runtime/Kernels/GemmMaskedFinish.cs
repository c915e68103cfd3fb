using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MoreauGen.Kernels;

/// <summary>
/// The finish of a product whose result a ReLU's reverse pass reads next (<see cref="GemmEpilogue{T}.MaskC"/>): each
/// finished tile of C, while it is in L1, is checked to be finite and replaced by mask &gt; 0 ? C : 0. In a chain of dense
/// layers, C is the multiplier λ_{t−1} = dz_t·W_tᵀ and the mask the pre-activation z_{t−1} of the layer below, so the product
/// writes dz_{t−1} = λ_{t−1} ⊙ 1[z_{t−1} &gt; 0] (paper Alg. 4, the pullback of the in-place ReLU) and its check of λ_{t−1}
/// without a pass over either, and the layer below multiplies dz_{t−1} as it is, without masking it while packing.
/// </summary>
/// <remarks>
/// The mask is the operation of <see cref="Ops.ReluBackward{T}"/> (<c>GreaterThan(mask, 0) &amp; value</c>; a NaN mask
/// gives 0, a NaN value under a positive mask stays NaN), so C holds bit for bit what ReluBackward of the plain product
/// writes; the check reads the values before the mask, as a check of λ_{t−1} would.
/// </remarks>
internal static unsafe class GemmMaskedFinish
{
    /// <summary>
    /// Asks for the lines of the mask under a tile of C (rows × cols, row stride ldc) to be brought into L1 before the tile's
    /// micro-kernel runs: the mask is read a few lines from each of many rows, which the hardware prefetchers do not foresee.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch<T>(T* mask, nint ldc, int rows, int cols) where T : unmanaged
    {
        if (!Sse.IsSupported)
            return;
        byte* row = (byte*)mask;
        nint bytes = (nint)cols * sizeof(T), stride = ldc * sizeof(T);
        for (int i = 0; i < rows; i++, row += stride)
        {
            for (nint b = 0; b < bytes; b += 64)
                Sse.Prefetch0(row + b);
            Sse.Prefetch0(row + bytes - 1);
        }
    }

    /// <summary>
    /// On a rows × cols region of C with row stride ldc (<paramref name="mask"/> at the same place, same stride): sets
    /// <paramref name="notFinite"/> to 1 if some value is a NaN or an infinity, then C ← mask &gt; 0 ? C : 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(T* c, nint ldc, int rows, int cols, T* mask, int* notFinite)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector.IsHardwareAccelerated ? Vector<T>.Count : int.MaxValue;
        var infinity = new Vector<T>(T.PositiveInfinity);
        Vector<T> finite = Vector<T>.AllBitsSet; // lanes stay all ones while every value seen is finite
        bool scalarFinite = true;
        for (int i = 0; i < rows; i++)
        {
            T* row = c + i * ldc;
            T* maskRow = mask + i * ldc;
            int j = 0;
            for (; j + w <= cols; j += w)
            {
                Vector<T> v = Unsafe.ReadUnaligned<Vector<T>>(row + j);
                finite &= Vector.LessThan(Vector.Abs(v), infinity);
                Vector<T> keep = Vector.GreaterThan(Unsafe.ReadUnaligned<Vector<T>>(maskRow + j), Vector<T>.Zero);
                Unsafe.WriteUnaligned(row + j, keep & v);
            }
            for (; j < cols; j++)
            {
                T v = row[j];
                scalarFinite &= T.IsFinite(v);
                row[j] = maskRow[j] > T.Zero ? v : T.Zero;
            }
        }
        if (!scalarFinite || !Vector.EqualsAll(Vector.AsVectorByte(finite), Vector<byte>.AllBitsSet))
            *notFinite = 1;
    }
}
