using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen.Kernels;

/// <summary>
/// A ReLU mask applied to a product's operand as it is packed: op(A) or op(B) read as <c>mask &gt; 0 ? value : 0</c>
/// element by element, where the mask is stored in the same layout as the operand. In a dense layer's reverse pass the
/// operand is the multiplier λ and the mask the layer's forward output y (or its pre-activation z): the products
/// dW = xᵀ·dz and dx = dz·Wᵀ read dz = λ ⊙ 1[y &gt; 0] (paper Alg. 4, the pullback of the in-place ReLU) straight from
/// λ and y, and dz is never written out (<see cref="Ops.MatMulReluMask{T}"/>, <see cref="Ops.MatMulSumRowsReluMask{T}"/>).
/// </summary>
/// <remarks>
/// Each panel is packed from the operand as usual (<see cref="GemmPacking"/>), the mask's panel is packed the same way
/// into a scratch panel on the stack, 64 values of p at a time, and the two are combined in L1 with the exact operation of
/// <see cref="Ops.ReluBackward{T}"/> (<c>GreaterThan(mask, 0) &amp; value</c>; a NaN mask gives 0, a NaN value under a
/// positive mask stays NaN). The padding of a panel packs as 0 in the mask, so it stays 0. The packed values are thus
/// bit for bit those of ReluBackward followed by the plain product, which sums them in the same order; column sums
/// (<see cref="GemmEpilogue{T}.ColumnSums"/>) are taken after the mask.
/// </remarks>
internal static unsafe class GemmOperandMask
{
    /// <summary>
    /// C = op(A ⊙ 1[maskA &gt; 0])·op(B ⊙ 1[maskB &gt; 0]) (an empty mask masks nothing; else it has the length of its
    /// operand), with the column sums of the masked op(B) into <paramref name="columnSums"/> when that is not empty
    /// (n values); the lengths must already be checked.
    /// </summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool transA, bool transB,
                                   in GemmOptions options, ReadOnlySpan<T> maskA, ReadOnlySpan<T> maskB, Span<T> columnSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pmaskA = maskA)
        fixed (T* pmaskB = maskB)
        fixed (T* psums = columnSums)
        {
            var epilogue = new GemmEpilogue<T>(null, false, columnSums.IsEmpty ? null : psums)
            {
                MaskA = maskA.IsEmpty ? null : pmaskA,
                MaskB = maskB.IsEmpty ? null : pmaskB,
            };
            Gemm.Multiply(a, b, c, m, k, n, transA, transB, accumulate: false, options, epilogue);
        }
    }

    /// <summary>After <see cref="GemmPacking.PackA{T}"/> of the operand into <paramref name="dst"/>: the same panel of the mask, applied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void ApplyToPanelA<T>(T* mask, int m, int k, bool transA, int row0, int rows, int pc, int kc, T* dst, int mr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A packed panel is k-major (mr values per p), so the mask is packed and applied StackDepth values of p at a time.
        T* scratch = stackalloc T[mr * StackDepth];
        for (int p0 = 0; p0 < kc; p0 += StackDepth)
        {
            int depth = Math.Min(StackDepth, kc - p0);
            GemmPacking.PackA(mask, m, k, transA, row0, rows, pc + p0, depth, scratch, mr);
            Apply(scratch, dst + (nint)p0 * mr, (nint)mr * depth);
        }
    }

    /// <summary>After <see cref="GemmPacking.PackB{T}"/> of the operand into <paramref name="dst"/>: the same panel of the mask, applied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void ApplyToPanelB<T>(T* mask, int k, int n, bool transB, int pc, int kc, int col0, int cols, T* dst, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* scratch = stackalloc T[nr * StackDepth]; // k-major as in ApplyToPanelA
        for (int p0 = 0; p0 < kc; p0 += StackDepth)
        {
            int depth = Math.Min(StackDepth, kc - p0);
            GemmPacking.PackB(mask, k, n, transB, pc + p0, depth, col0, cols, scratch, nr);
            Apply(scratch, dst + (nint)p0 * nr, (nint)nr * depth);
        }
    }

    /// <summary>
    /// For the unpacked path: when <paramref name="epilogue"/> masks an operand, points <paramref name="a"/> or
    /// <paramref name="b"/> at a masked copy in a per-thread buffer (the unpacked path reads only small operands: few
    /// rows of A, or a product of at most a few thousand multiply-adds).
    /// </summary>
    public static void MaskForDirect<T>(in GemmEpilogue<T> epilogue, ref T* a, ref T* b, int m, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint aLength = (nint)m * k, bLength = (nint)k * n;
        if (epilogue.MaskA == null && epilogue.MaskB == null)
            return;
        T* copies = MaskScratch<T>.Direct((epilogue.MaskA == null ? 0 : aLength) + (epilogue.MaskB == null ? 0 : bLength));
        if (epilogue.MaskA != null)
        {
            Masked(epilogue.MaskA, a, copies, aLength);
            a = copies;
            copies += aLength;
        }
        if (epilogue.MaskB != null)
        {
            Masked(epilogue.MaskB, b, copies, bLength);
            b = copies;
        }
    }

    /// <summary>dst[i] ← mask[i] &gt; 0 ? dst[i] : 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply<T>(T* mask, T* dst, nint length)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Masked(mask, dst, dst, length);

    /// <summary>dst[i] = mask[i] &gt; 0 ? values[i] : 0 (dst may be values), the operation of <see cref="ReluBackwardOperator{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Masked<T>(T* mask, T* values, T* dst, nint length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<T>.Count;
            for (; i + w <= length; i += w)
            {
                Vector<T> keep = Vector.GreaterThan(Unsafe.ReadUnaligned<Vector<T>>(mask + i), Vector<T>.Zero);
                Unsafe.WriteUnaligned(dst + i, keep & Unsafe.ReadUnaligned<Vector<T>>(values + i));
            }
        }
        for (; i < length; i++)
            dst[i] = mask[i] > T.Zero ? values[i] : T.Zero;
    }

    /// <summary>
    /// The values of p a packed mask panel takes at a time, on the stack (at most 48 × 64 floats or 24 × 64 doubles, 12 KiB). A per-thread
    /// heap panel grew on a worker thread the first time that worker packed a masked panel, which under load could be
    /// a warm step rather than a warm-up one: whichever thread claims a panel packs it.
    /// </summary>
    private const int StackDepth = 64;

    /// <summary>The calling thread's buffer for the masked copies of the unpacked path (which runs on the calling thread).</summary>
    private static class MaskScratch<T> where T : unmanaged
    {
        [ThreadStatic] private static AlignedBuffer<T>? t_direct;

        public static T* Direct(nint length)
        {
            t_direct ??= new AlignedBuffer<T>();
            t_direct.EnsureCapacity(length);
            return t_direct.Pointer;
        }
    }
}
