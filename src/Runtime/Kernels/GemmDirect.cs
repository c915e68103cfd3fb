using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MoreauGen.Kernels;

/// <summary>
/// The unpacked path for products where packing does not pay: few rows of C (a batch of one or a few
/// samples) or tiny matrices. B is streamed once per group of 4 rows of C straight from its storage.
/// </summary>
internal static unsafe class GemmDirect
{
    /// <summary>C[m×n] (+)= op(A)·op(B) without packing; same contract as <see cref="Gemm.Multiply{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int, int, int, bool, bool, bool)"/>.</summary>
    public static void Run<T>(T* a, T* b, T* c, int m, int k, int n, bool transA, bool transB, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!transB)
        {
            for (int i0 = 0; i0 < m; i0 += 4)
                RowsTimesB(a, b, c, m, k, n, transA, accumulate, i0, Math.Min(4, m - i0));
        }
        else
        {
            RowsDotB(a, b, c, m, k, n, transA, accumulate);
        }
    }

    /// <summary>Rows i0..i0+rows of C (rows ≤ 4) for B stored k×n: C[i, :] (+)= Σ_p op(A)[i, p]·B[p, :].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private static void RowsTimesB<T>(T* a, T* b, T* c, int m, int k, int n, bool transA, bool accumulate, int i0, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // op(A)[i, p] = a[i·strideI + p·strideP]; missing rows of a short group repeat row i0 and are not stored.
        nint strideI = transA ? 1 : k, strideP = transA ? m : 1;
        T* a0 = a + i0 * strideI;
        T* a1 = rows > 1 ? a0 + strideI : a0;
        T* a2 = rows > 2 ? a0 + 2 * strideI : a0;
        T* a3 = rows > 3 ? a0 + 3 * strideI : a0;
        T* c0 = c + (nint)i0 * n;
        int j = 0;

        if (Avx2Kernel<T>.IsSupported)
        {
            int w = Vector256<T>.Count;
            for (; j + 2 * w <= n; j += 2 * w)
            {
                Vector256<T> r00 = default, r01 = default, r10 = default, r11 = default;
                Vector256<T> r20 = default, r21 = default, r30 = default, r31 = default;
                T* bp = b + j;
                nint ap = 0;
                for (int p = 0; p < k; p++, ap += strideP, bp += n)
                {
                    Vector256<T> b0 = Vector256.Load(bp), b1 = Vector256.Load(bp + w);
                    Vector256<T> x = Vector256.Create(a0[ap]);
                    r00 = SimdMath.Fma(x, b0, r00); r01 = SimdMath.Fma(x, b1, r01);
                    x = Vector256.Create(a1[ap]);
                    r10 = SimdMath.Fma(x, b0, r10); r11 = SimdMath.Fma(x, b1, r11);
                    x = Vector256.Create(a2[ap]);
                    r20 = SimdMath.Fma(x, b0, r20); r21 = SimdMath.Fma(x, b1, r21);
                    x = Vector256.Create(a3[ap]);
                    r30 = SimdMath.Fma(x, b0, r30); r31 = SimdMath.Fma(x, b1, r31);
                }
                StoreRow(c0 + j, w, accumulate, r00, r01);
                if (rows > 1) StoreRow(c0 + n + j, w, accumulate, r10, r11);
                if (rows > 2) StoreRow(c0 + 2 * n + j, w, accumulate, r20, r21);
                if (rows > 3) StoreRow(c0 + 3 * n + j, w, accumulate, r30, r31);
            }
            for (; j + w <= n; j += w)
            {
                Vector256<T> r0 = default, r1 = default, r2 = default, r3 = default;
                T* bp = b + j;
                nint ap = 0;
                for (int p = 0; p < k; p++, ap += strideP, bp += n)
                {
                    Vector256<T> b0 = Vector256.Load(bp);
                    r0 = SimdMath.Fma(Vector256.Create(a0[ap]), b0, r0);
                    r1 = SimdMath.Fma(Vector256.Create(a1[ap]), b0, r1);
                    r2 = SimdMath.Fma(Vector256.Create(a2[ap]), b0, r2);
                    r3 = SimdMath.Fma(Vector256.Create(a3[ap]), b0, r3);
                }
                StoreVector(c0 + j, accumulate, r0);
                if (rows > 1) StoreVector(c0 + n + j, accumulate, r1);
                if (rows > 2) StoreVector(c0 + 2 * n + j, accumulate, r2);
                if (rows > 3) StoreVector(c0 + 3 * n + j, accumulate, r3);
            }
        }

        for (; j < n; j++)
        {
            T s0 = T.Zero, s1 = T.Zero, s2 = T.Zero, s3 = T.Zero;
            T* bp = b + j;
            nint ap = 0;
            for (int p = 0; p < k; p++, ap += strideP, bp += n)
            {
                T bv = *bp;
                s0 += a0[ap] * bv;
                s1 += a1[ap] * bv;
                s2 += a2[ap] * bv;
                s3 += a3[ap] * bv;
            }
            StoreScalar(c0 + j, accumulate, s0);
            if (rows > 1) StoreScalar(c0 + n + j, accumulate, s1);
            if (rows > 2) StoreScalar(c0 + 2 * n + j, accumulate, s2);
            if (rows > 3) StoreScalar(c0 + 3 * n + j, accumulate, s3);
        }
    }

    /// <summary>
    /// B stored n×k: C[i, j] (+)= ⟨op(A)[i, :], B[j, :]⟩, dot products of contiguous rows. Rows of op(A) go four
    /// at a time against each row of B, so B is read once per four rows of C; a row of op(A) stored as a column
    /// (transposed A) is first gathered into a contiguous chunk on the stack.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private static void RowsDotB<T>(T* a, T* b, T* c, int m, int k, int n, bool transA, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Chunk = 256;
        T* gathered = stackalloc T[4 * Chunk];
        bool contiguous = !transA || m == 1; // for m = 1 both storage orders coincide
        for (int i0 = 0; i0 < m; i0 += 4)
        {
            int rows = Math.Min(4, m - i0);
            for (int r = 0; r < rows; r++)
            {
                if (!accumulate)
                    new Span<T>(c + (nint)(i0 + r) * n, n).Clear();
            }
            for (int p0 = 0; p0 < k; p0 += Chunk)
            {
                int len = Math.Min(Chunk, k - p0);
                // Row pointers of op(A)[i0 + r, p0..p0 + len); missing rows repeat the first and are not stored.
                T* a0, a1, a2, a3;
                if (contiguous)
                {
                    a0 = a + (nint)i0 * k + p0;
                    a1 = rows > 1 ? a0 + k : a0;
                    a2 = rows > 2 ? a0 + 2 * (nint)k : a0;
                    a3 = rows > 3 ? a0 + 3 * (nint)k : a0;
                }
                else
                {
                    for (int r = 0; r < rows; r++)
                    {
                        for (int p = 0; p < len; p++)
                            gathered[r * Chunk + p] = a[(nint)(p0 + p) * m + i0 + r];
                    }
                    a0 = gathered;
                    a1 = rows > 1 ? gathered + Chunk : a0;
                    a2 = rows > 2 ? gathered + 2 * Chunk : a0;
                    a3 = rows > 3 ? gathered + 3 * Chunk : a0;
                }
                for (int j = 0; j < n; j++)
                {
                    T* bj = b + (nint)j * k + p0;
                    Dot4(a0, a1, a2, a3, bj, len, out T d0, out T d1, out T d2, out T d3);
                    T* cj = c + (nint)i0 * n + j;
                    cj[0] += d0;
                    if (rows > 1) cj[n] += d1;
                    if (rows > 2) cj[2 * n] += d2;
                    if (rows > 3) cj[3 * n] += d3;
                }
            }
        }
    }

    /// <summary>Four dot products of length <paramref name="len"/> against the same <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private static void Dot4<T>(T* a0, T* a1, T* a2, T* a3, T* b, int len, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = 0;
        d0 = d1 = d2 = d3 = T.Zero;
        if (Avx2Kernel<T>.IsSupported)
        {
            int w = Vector256<T>.Count;
            Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; p + w <= len; p += w)
            {
                Vector256<T> bv = Vector256.Load(b + p);
                s0 = SimdMath.Fma(Vector256.Load(a0 + p), bv, s0);
                s1 = SimdMath.Fma(Vector256.Load(a1 + p), bv, s1);
                s2 = SimdMath.Fma(Vector256.Load(a2 + p), bv, s2);
                s3 = SimdMath.Fma(Vector256.Load(a3 + p), bv, s3);
            }
            d0 = Vector256.Sum(s0); d1 = Vector256.Sum(s1); d2 = Vector256.Sum(s2); d3 = Vector256.Sum(s3);
        }
        for (; p < len; p++)
        {
            T bv = b[p];
            d0 += a0[p] * bv; d1 += a1[p] * bv; d2 += a2[p] * bv; d3 += a3[p] * bv;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(T* dst, int w, bool accumulate, Vector256<T> v0, Vector256<T> v1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        StoreVector(dst, accumulate, v0);
        StoreVector(dst + w, accumulate, v1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector<T>(T* dst, bool accumulate, Vector256<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (accumulate)
            v += Vector256.Load(dst);
        v.Store(dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreScalar<T>(T* dst, bool accumulate, T v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        *dst = accumulate ? *dst + v : v;
    }
}
