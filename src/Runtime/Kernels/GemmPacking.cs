using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen.Kernels;

/// <summary>
/// Packs blocks of op(A) and op(B) into the contiguous, zero-padded panels the micro-kernels read.
/// Transposition is absorbed here: the micro-kernel sees the same layout for all four storage orders.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [row0, row0 + rows) × columns [pc, pc + kc) of op(A) (m×k; stored k×m when
    /// <paramref name="transA"/>) into one panel: dst[p·mr + i] = op(A)[row0 + i, pc + p], zero for
    /// i ≥ <paramref name="rows"/> (rows ≤ mr).
    /// </summary>
    public static void PackA<T>(T* a, int m, int k, bool transA, int row0, int rows, int pc, int kc, T* dst, int mr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!transA)
        {
            // Row i of op(A) is contiguous in p: read rows, write with stride mr.
            for (int i = 0; i < rows; i++)
            {
                T* src = a + (nint)(row0 + i) * k + pc;
                T* d = dst + i;
                int p = 0;
                for (; p + 4 <= kc; p += 4)
                {
                    d[0] = src[p];
                    d[mr] = src[p + 1];
                    d[2 * mr] = src[p + 2];
                    d[3 * mr] = src[p + 3];
                    d += 4 * mr;
                }
                for (; p < kc; p++)
                {
                    *d = src[p];
                    d += mr;
                }
            }
            if (rows < mr)
            {
                for (int p = 0; p < kc; p++)
                    new Span<T>(dst + (nint)p * mr + rows, mr - rows).Clear();
            }
        }
        else
        {
            // Column p of op(A) is row pc + p of the stored k×m matrix: mr contiguous values per p.
            nint bytes = (nint)rows * sizeof(T);
            for (int p = 0; p < kc; p++)
            {
                T* src = a + (nint)(pc + p) * m + row0;
                T* d = dst + (nint)p * mr;
                Unsafe.CopyBlockUnaligned(d, src, (uint)bytes);
                if (rows < mr)
                    new Span<T>(d + rows, mr - rows).Clear();
            }
        }
    }

    /// <summary>
    /// Packs rows [pc, pc + kc) × columns [col0, col0 + cols) of op(B) (k×n; stored n×k when
    /// <paramref name="transB"/>) into one panel: dst[p·nr + j] = op(B)[pc + p, col0 + j], zero for
    /// j ≥ <paramref name="cols"/> (cols ≤ nr).
    /// </summary>
    public static void PackB<T>(T* b, int k, int n, bool transB, int pc, int kc, int col0, int cols, T* dst, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!transB)
        {
            // Row p of op(B) is contiguous in j: copy nr values per p.
            T* src = b + (nint)pc * n + col0;
            if (cols == nr)
            {
                uint bytes = (uint)(nr * sizeof(T));
                for (int p = 0; p < kc; p++)
                {
                    Unsafe.CopyBlockUnaligned(dst, src, bytes);
                    src += n;
                    dst += nr;
                }
            }
            else
            {
                uint bytes = (uint)(cols * sizeof(T));
                for (int p = 0; p < kc; p++)
                {
                    Unsafe.CopyBlockUnaligned(dst, src, bytes);
                    new Span<T>(dst + cols, nr - cols).Clear();
                    src += n;
                    dst += nr;
                }
            }
        }
        else
        {
            // Column j of op(B) is row col0 + j of the stored n×k matrix, contiguous in p.
            for (int j = 0; j < cols; j++)
            {
                T* src = b + (nint)(col0 + j) * k + pc;
                T* d = dst + j;
                int p = 0;
                for (; p + 4 <= kc; p += 4)
                {
                    d[0] = src[p];
                    d[nr] = src[p + 1];
                    d[2 * nr] = src[p + 2];
                    d[3 * nr] = src[p + 3];
                    d += 4 * nr;
                }
                for (; p < kc; p++)
                {
                    *d = src[p];
                    d += nr;
                }
            }
            if (cols < nr)
            {
                for (int p = 0; p < kc; p++)
                    new Span<T>(dst + (nint)p * nr + cols, nr - cols).Clear();
            }
        }
    }
}
