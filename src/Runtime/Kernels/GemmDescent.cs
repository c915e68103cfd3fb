using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace MoreauGen.Kernels;

/// <summary>
/// Gradient descent's update done in a weight-gradient product's final write (paper Alg. 3–4 with the ℓ2 term of
/// App. D.6): where a tile of C = ∇W is finished, while it is in L1, w ← (w·μ + ∇)·(−η) + w is written into the parameters
/// (stored like C) and the old w into C, so that the step can be undone; ∇ is never written out and no pass re-reads it.
/// </summary>
/// <remarks>
/// <para>
/// Every element takes the operations of <see cref="FusedDescent"/> (and so of the separate passes it replaced) in the
/// same order: d = w·μ + ∇ (d = ∇ without the ℓ2 term), then d·(−η) + w, each a rounded multiply and a rounded add, so the
/// iterates are bit for bit those of the separate passes.
/// </para>
/// <para>
/// ‖w‖² of the old w (for the ℓ2 value (μ/2)‖w‖²) is summed in slots, one per row of C and <see cref="SlotWidth"/> columns
/// (the micro-kernel's NR, so that each slot is one row of one tile, written by the one thread that finished the tile: the
/// blocking's NC must be a multiple of NR, as every default blocking's is), and
/// the slots are added in row-major order afterwards (<see cref="GemmDescentKernels.SumOfSquares{T}"/>): the same sum whatever the threads, but
/// in another order than <see cref="ParameterUpdate.SumOfSquares"/>, so the value agrees with the separate passes' to
/// rounding only.
/// </para>
/// <para>
/// Every tile is written whatever its values; a tile that meets a non-finite ∇ or a non-finite update sets
/// <see cref="NotFinite"/>, and the caller then copies the old w back from C (<see cref="FusedDescent.Restore"/>).
/// </para>
/// </remarks>
internal readonly unsafe struct GemmDescent<T> where T : unmanaged
{
    /// <summary>The parameters W, stored like C (same row stride), updated in place; null for no descent.</summary>
    public T* Parameters { get; init; }

    /// <summary>μ of the ℓ2 term (read only with <see cref="AddL2"/>).</summary>
    public T Mu { get; init; }

    /// <summary>Whether d = ∇ + μw (else d = ∇).</summary>
    public bool AddL2 { get; init; }

    /// <summary>−η.</summary>
    public T MinusStep { get; init; }

    /// <summary>The slots of ‖w‖²: m rows of ⌈n / <see cref="SlotWidth"/>⌉, or null for none.</summary>
    public T* Squares { get; init; }

    /// <summary>Columns of C per slot of <see cref="Squares"/>: the NR of the micro-kernel the product takes.</summary>
    public int SlotWidth { get; init; }

    /// <summary>Set to 1 by a tile that met a non-finite ∇ or update (never cleared here).</summary>
    public int* NotFinite { get; init; }

    /// <summary>Slots per row of C.</summary>
    public int SlotsPerRow(int n) => (n + SlotWidth - 1) / SlotWidth;

}

/// <summary>The loops of <see cref="GemmDescent{T}"/>.</summary>
internal static unsafe class GemmDescentKernels
{
    /// <summary>
    /// The update on a finished rows × cols region of C (row stride ldc) that starts <paramref name="offset"/> values into C;
    /// cols lies within one slot (the tile of one micro-kernel call, or a region cut at slot edges).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<T>(T* c, nint ldc, int rows, int cols, nint offset, in GemmDescent<T> descent)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* parameters = descent.Parameters + offset;
        int row0 = (int)(offset / ldc), col0 = (int)(offset % ldc);
        int slotsPerRow = descent.SlotsPerRow((int)ldc);
        T* slot = descent.Squares == null ? null : descent.Squares + (nint)row0 * slotsPerRow + col0 / descent.SlotWidth;
        T mu = descent.Mu, minusStep = descent.MinusStep;
        bool addL2 = descent.AddL2;
        bool finite = true;
        int w = Vector.IsHardwareAccelerated ? Vector<T>.Count : int.MaxValue;
        var vmu = new Vector<T>(mu);
        var s = new Vector<T>(minusStep);
        var infinity = new Vector<T>(T.PositiveInfinity);
        for (int i = 0; i < rows; i++)
        {
            T* g = c + i * ldc;
            T* p = parameters + i * ldc;
            int j = 0;
            T squares = T.Zero;
            if (j + w <= cols)
            {
                Vector<T> accumulated = Vector<T>.Zero;
                for (; j + w <= cols; j += w)
                {
                    Vector<T> wv = Unsafe.ReadUnaligned<Vector<T>>(p + j), gv = Unsafe.ReadUnaligned<Vector<T>>(g + j);
                    Vector<T> d = addL2 ? wv * vmu + gv : gv; // the values of FusedDescent
                    Vector<T> next = d * s + wv;
                    finite &= Vector.LessThanAll(Vector.Abs(gv), infinity) & Vector.LessThanAll(Vector.Abs(next), infinity);
                    accumulated += wv * wv;
                    Unsafe.WriteUnaligned(g + j, wv);
                    Unsafe.WriteUnaligned(p + j, next);
                }
                squares = Vector.Sum(accumulated);
            }
            for (; j < cols; j++)
            {
                T wi = p[j], gi = g[j];
                T d = addL2 ? wi * mu + gi : gi;
                T next = d * minusStep + wi;
                finite &= T.IsFinite(gi) & T.IsFinite(next);
                squares += wi * wi;
                g[j] = wi;
                p[j] = next;
            }
            if (slot != null)
                slot[(nint)i * slotsPerRow] = squares;
        }
        if (!finite)
            *descent.NotFinite = 1;
    }

    /// <summary>
    /// Asks for the lines of W under a tile of C (rows × cols at <paramref name="offset"/>, row stride ldc) to be brought
    /// into L2 before the tile's micro-kernel runs: the update then reads them from cache. W is read tile by tile, a few
    /// lines from each of many rows, which the hardware prefetchers do not foresee; the micro-kernel's run (kc·MR·NR
    /// multiply-adds) is far longer than the loads take.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch<T>(nint ldc, int rows, int cols, nint offset, in GemmDescent<T> descent) where T : unmanaged
    {
        if (!Sse.IsSupported)
            return;
        byte* row = (byte*)(descent.Parameters + offset);
        nint bytes = (nint)cols * sizeof(T), stride = ldc * sizeof(T);
        for (int i = 0; i < rows; i++, row += stride)
        {
            for (nint b = 0; b < bytes; b += 64)
                Sse.Prefetch0(row + b);
            Sse.Prefetch0(row + bytes - 1);
        }
    }

    /// <summary>The update on a whole m×n C (the unpacked path), region by region of one slot's width.</summary>
    public static void Whole<T>(T* c, int m, int n, in GemmDescent<T> descent)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int col0 = 0; col0 < n; col0 += descent.SlotWidth)
            Tile(c + col0, n, m, Math.Min(descent.SlotWidth, n - col0), col0, descent);
    }

    /// <summary>The <see cref="GemmDescent{T}.SlotWidth"/> of a product with n columns: the NR of the kernel <see cref="Gemm"/> takes for it.</summary>
    public static int SlotWidth<T>(int n, in GemmOptions options) where T : unmanaged, IFloatingPointIeee754<T> =>
        Gemm.Resolve<T>(options.Kernel, n) switch
        {
            GemmKernel.Avx512Wide => Avx512WideKernel<T>.NR,
            GemmKernel.Avx512 => Avx512Kernel<T>.NR,
            GemmKernel.Avx2 => Avx2Kernel<T>.NR,
            _ => PortableKernel<T>.NR,
        };

    /// <summary>Σ of the slots of ‖w‖² of an m×n product, row by row (a fixed order); 0 without slots.</summary>
    public static T SumOfSquares<T>(in GemmDescent<T> descent, int m, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        if (descent.Squares == null)
            return sum;
        nint count = (nint)m * descent.SlotsPerRow(n), i = 0;
        if (Vector.IsHardwareAccelerated && count >= Vector<T>.Count)
        {
            Vector<T> accumulated = Vector<T>.Zero;
            for (; i + Vector<T>.Count <= count; i += Vector<T>.Count)
                accumulated += Unsafe.ReadUnaligned<Vector<T>>(descent.Squares + i);
            sum = Vector.Sum(accumulated);
        }
        for (; i < count; i++)
            sum += descent.Squares[i];
        return sum;
    }
}
