using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    public static void PackA<T>(T* a, int m, int k, bool transA, int row0, int rows, int pc, int kc, T* dst, int mr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!transA && Transposer.IsSupported<T>())
        {
            // Edge panels too (m = 256 on two threads: each thread's 128 rows end in an 8-row panel every KC step).
            Transposer.Transpose(a + (nint)row0 * k + pc, k, rows, kc, dst, mr);
            ClearPadding(dst, kc, rows, mr);
        }
        else if (!transA)
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
            for (int p = 0; p < kc; p++)
            {
                T* src = a + (nint)(pc + p) * m + row0;
                T* d = dst + (nint)p * mr;
                Copy(src, d, rows);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    public static void PackB<T>(T* b, int k, int n, bool transB, int pc, int kc, int col0, int cols, T* dst, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!transB)
        {
            // Row p of op(B) is contiguous in j: copy nr values per p.
            T* src = b + (nint)pc * n + col0;
            for (int p = 0; p < kc; p++)
            {
                Copy(src, dst, cols);
                if (cols < nr)
                    new Span<T>(dst + cols, nr - cols).Clear();
                src += n;
                dst += nr;
            }
        }
        else if (Transposer.IsSupported<T>())
        {
            // Edge panels too (n = 784: the last panel's 16 columns).
            Transposer.Transpose(b + (nint)col0 * k + pc, k, cols, kc, dst, nr);
            ClearPadding(dst, kc, cols, nr);
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

    /// <summary>Zeroes lanes [used, width) of each of the kc rows of a panel (nothing when the panel is full).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearPadding<T>(T* dst, int kc, int used, int width) where T : unmanaged
    {
        if (used == width)
            return;
        for (int p = 0; p < kc; p++)
            new Span<T>(dst + (nint)p * width + used, width - used).Clear();
    }

    /// <summary>Copies <paramref name="count"/> elements with the widest moves that fit (panel rows are 24–128 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<T>(T* src, T* dst, int count) where T : unmanaged
    {
        byte* s = (byte*)src, d = (byte*)dst;
        nint bytes = (nint)count * sizeof(T), o = 0;
        for (; o + 32 <= bytes; o += 32)
            Vector256.Store(Vector256.Load(s + o), d + o);
        if (o + 16 <= bytes)
        {
            Vector128.Store(Vector128.Load(s + o), d + o);
            o += 16;
        }
        if (o + 8 <= bytes)
        {
            *(ulong*)(d + o) = *(ulong*)(s + o);
            o += 8;
        }
        if (o < bytes)
            *(uint*)(d + o) = *(uint*)(s + o);
    }
}

/// <summary>
/// Transposes <c>rows</c> source rows (each contiguous, <c>ld</c> apart) of length kc into dst[p·stride + r]:
/// the packing of non-transposed A panels and transposed B panels. Works on 8×8 float or 4×4 double tiles
/// in ymm registers; a last, shorter group of rows repeats its final row (those lanes are not stored).
/// </summary>
internal static unsafe partial class Transposer
{
    public static bool IsSupported<T>() => Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    public static void Transpose<T>(T* src, nint ld, int rows, int kc, T* dst, int stride) where T : unmanaged
    {
        if (typeof(T) == typeof(float) && rows >= 16 && kc >= 16 && Avx512F.IsSupported)
        {
            // Transposed B̃ panels of the AVX-512 kernels: 16×16 tiles in zmm registers (TransposeFloat16), then any rows left.
            int done = rows & ~15;
            TransposeFloat16((float*)src, ld, done, kc, (float*)dst, stride);
            if (done < rows)
                TransposeFloat((float*)src + done * ld, ld, rows - done, kc, (float*)dst + done, stride);
        }
        else if (typeof(T) == typeof(float))
            TransposeFloat((float*)src, ld, rows, kc, (float*)dst, stride);
        else
            TransposeDouble((double*)src, ld, rows, kc, (double*)dst, stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private static void TransposeFloat(float* src, nint ld, int rows, int kc, float* dst, int stride)
    {
        for (int r0 = 0; r0 < rows; r0 += 8)
        {
            int g = Math.Min(8, rows - r0);
            float* s0 = src + r0 * ld;
            float* s1 = s0 + Math.Min(1, g - 1) * ld, s2 = s0 + Math.Min(2, g - 1) * ld, s3 = s0 + Math.Min(3, g - 1) * ld;
            float* s4 = s0 + Math.Min(4, g - 1) * ld, s5 = s0 + Math.Min(5, g - 1) * ld, s6 = s0 + Math.Min(6, g - 1) * ld;
            float* s7 = s0 + Math.Min(7, g - 1) * ld;
            float* d = dst + r0;
            int p = 0;
            for (; p + 8 <= kc; p += 8)
            {
                Vector256<float> t0 = Avx.UnpackLow(Avx.LoadVector256(s0 + p), Avx.LoadVector256(s1 + p));
                Vector256<float> t1 = Avx.UnpackHigh(Avx.LoadVector256(s0 + p), Avx.LoadVector256(s1 + p));
                Vector256<float> t2 = Avx.UnpackLow(Avx.LoadVector256(s2 + p), Avx.LoadVector256(s3 + p));
                Vector256<float> t3 = Avx.UnpackHigh(Avx.LoadVector256(s2 + p), Avx.LoadVector256(s3 + p));
                Vector256<float> t4 = Avx.UnpackLow(Avx.LoadVector256(s4 + p), Avx.LoadVector256(s5 + p));
                Vector256<float> t5 = Avx.UnpackHigh(Avx.LoadVector256(s4 + p), Avx.LoadVector256(s5 + p));
                Vector256<float> t6 = Avx.UnpackLow(Avx.LoadVector256(s6 + p), Avx.LoadVector256(s7 + p));
                Vector256<float> t7 = Avx.UnpackHigh(Avx.LoadVector256(s6 + p), Avx.LoadVector256(s7 + p));
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
                Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
                Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
                float* dp = d + (nint)p * stride;
                StoreFloat(Avx.Permute2x128(u0, u4, 0x20), dp, g);
                StoreFloat(Avx.Permute2x128(u1, u5, 0x20), dp + stride, g);
                StoreFloat(Avx.Permute2x128(u2, u6, 0x20), dp + 2 * stride, g);
                StoreFloat(Avx.Permute2x128(u3, u7, 0x20), dp + 3 * stride, g);
                StoreFloat(Avx.Permute2x128(u0, u4, 0x31), dp + 4 * stride, g);
                StoreFloat(Avx.Permute2x128(u1, u5, 0x31), dp + 5 * stride, g);
                StoreFloat(Avx.Permute2x128(u2, u6, 0x31), dp + 6 * stride, g);
                StoreFloat(Avx.Permute2x128(u3, u7, 0x31), dp + 7 * stride, g);
            }
            for (; p < kc; p++)
            {
                float* dp = d + (nint)p * stride;
                for (int r = 0; r < g; r++)
                    dp[r] = src[(r0 + r) * ld + p];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFloat(Vector256<float> v, float* d, int count)
    {
        if (count == 8)
        {
            v.Store(d);
        }
        else if (count >= 4)
        {
            v.GetLower().Store(d);
            if (count >= 6)
                *(double*)(d + 4) = v.GetUpper().AsDouble().ToScalar();
            if ((count & 1) != 0)
                d[count - 1] = v.GetElement(count - 1);
        }
        else
        {
            for (int i = 0; i < count; i++)
                d[i] = v.GetElement(i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private static void TransposeDouble(double* src, nint ld, int rows, int kc, double* dst, int stride)
    {
        for (int r0 = 0; r0 < rows; r0 += 4)
        {
            int g = Math.Min(4, rows - r0);
            double* s0 = src + r0 * ld;
            double* s1 = s0 + Math.Min(1, g - 1) * ld, s2 = s0 + Math.Min(2, g - 1) * ld, s3 = s0 + Math.Min(3, g - 1) * ld;
            double* d = dst + r0;
            int p = 0;
            for (; p + 4 <= kc; p += 4)
            {
                Vector256<double> r0v = Avx.LoadVector256(s0 + p), r1v = Avx.LoadVector256(s1 + p);
                Vector256<double> r2v = Avx.LoadVector256(s2 + p), r3v = Avx.LoadVector256(s3 + p);
                Vector256<double> t0 = Avx.UnpackLow(r0v, r1v), t1 = Avx.UnpackHigh(r0v, r1v);
                Vector256<double> t2 = Avx.UnpackLow(r2v, r3v), t3 = Avx.UnpackHigh(r2v, r3v);
                double* dp = d + (nint)p * stride;
                StoreDouble(Avx.Permute2x128(t0, t2, 0x20), dp, g);
                StoreDouble(Avx.Permute2x128(t1, t3, 0x20), dp + stride, g);
                StoreDouble(Avx.Permute2x128(t0, t2, 0x31), dp + 2 * stride, g);
                StoreDouble(Avx.Permute2x128(t1, t3, 0x31), dp + 3 * stride, g);
            }
            for (; p < kc; p++)
            {
                double* dp = d + (nint)p * stride;
                for (int r = 0; r < g; r++)
                    dp[r] = src[(r0 + r) * ld + p];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDouble(Vector256<double> v, double* d, int count)
    {
        if (count == 4)
        {
            v.Store(d);
        }
        else
        {
            if (count >= 2)
                v.GetLower().Store(d);
            if ((count & 1) != 0)
                d[count - 1] = v.GetElement(count - 1);
        }
    }
}
