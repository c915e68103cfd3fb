using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MoreauGen.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel (the innermost loop of the Goto/BLIS structure): it multiplies
/// one packed MR×kc panel of A by one packed kc×NR panel of B and writes or adds the MR×NR result into C.
/// </summary>
/// <remarks>
/// Packed layouts (see <see cref="GemmPacking"/>): the A panel holds, for p = 0..kc−1, the MR values
/// op(A)[i, p] of its rows (a[p·MR + i]); the B panel holds, for each p, the NR values op(B)[p, j] of its
/// columns (b[p·NR + j]). Panels are zero-padded at the matrix edges, so the kernel always computes a full
/// MR×NR tile; the driver routes edge tiles through a scratch tile.
/// </remarks>
internal unsafe interface IMicroKernel<T> where T : unmanaged
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile (a multiple of the vector width).</summary>
    static abstract int NR { get; }

    /// <summary>Whether this kernel can run on the current hardware.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>
    /// c[i·ldc + j] = (accumulate ? c[i·ldc + j] : 0) + Σ_p a[p·MR + i]·b[p·NR + j] for i &lt; MR, j &lt; NR.
    /// </summary>
    static abstract void Run(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate);

    /// <summary>Row granularity of <see cref="RunEdge"/>: a panel of this many rows costs less than a full tile (MR when it does not).</summary>
    static abstract int EdgeRows { get; }

    /// <summary>
    /// As <see cref="Run"/>, but only the <paramref name="rows"/> × <paramref name="cols"/> corner of the tile (rows ≤ MR,
    /// cols ≤ NR) is written or added into C; <paramref name="scratch"/> has room for an MR×NR tile.
    /// </summary>
    static abstract void RunEdge(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate, int rows, int cols, T* scratch);
}

/// <summary>Vector helpers the generic SIMD kernels share; every branch folds away for a given T.</summary>
internal static class SimdMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Avx512F.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }
}

/// <summary>
/// AVX2 + FMA micro-kernel, 6 rows × 2 vectors (float 6×16, double 6×8): 12 ymm accumulators, two ymm
/// for the B row and one broadcast of A, 15 of the 16 ymm registers.
/// </summary>
internal readonly unsafe struct Avx2Kernel<T> : IMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 6;
    public static int NR => 2 * Vector256<T>.Count;
    public static bool IsSupported =>
        Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported && Vector256.IsHardwareAccelerated
        && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    public static int EdgeRows => MR;

    public static void RunEdge(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate, int rows, int cols, T* scratch)
    {
        Run(kc, a, b, scratch, NR, accumulate: false);
        EdgeTile.Merge(scratch, NR, c, ldc, rows, cols, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        int w = Vector256<T>.Count;
        // C is touched only after the k loop: start fetching its 6 rows now (each 64 bytes, maybe over 2 lines),
        // so the loads and stores at the end do not wait for L3 or memory when C is larger than L2.
        for (nint i = 0; i < 6; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + (2 * w - 1));
        }
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        for (nint p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + w);
            Vector256<T> ai = Vector256.Create(a[0]);
            c00 = SimdMath.Fma(ai, b0, c00); c01 = SimdMath.Fma(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = SimdMath.Fma(ai, b0, c10); c11 = SimdMath.Fma(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = SimdMath.Fma(ai, b0, c20); c21 = SimdMath.Fma(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = SimdMath.Fma(ai, b0, c30); c31 = SimdMath.Fma(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = SimdMath.Fma(ai, b0, c40); c41 = SimdMath.Fma(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = SimdMath.Fma(ai, b0, c50); c51 = SimdMath.Fma(ai, b1, c51);
            a += 6;
            b += 2 * w;
        }

        Store(c, w, accumulate, c00, c01);
        Store(c + ldc, w, accumulate, c10, c11);
        Store(c + 2 * ldc, w, accumulate, c20, c21);
        Store(c + 3 * ldc, w, accumulate, c30, c31);
        Store(c + 4 * ldc, w, accumulate, c40, c41);
        Store(c + 5 * ldc, w, accumulate, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, int w, bool accumulate, Vector256<T> v0, Vector256<T> v1)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(row);
            v1 += Vector256.Load(row + w);
        }
        v0.Store(row);
        v1.Store(row + w);
    }
}

/// <summary>
/// AVX-512 micro-kernel, 12 rows × 2 vectors (float 12×32, double 12×16): 24 zmm accumulators, two zmm
/// for the B row and one broadcast of A, 27 of the 32 zmm registers. Used only where the hardware
/// accelerates <see cref="Vector512"/>; the <see cref="Avx2Kernel{T}"/> is the kernel of AVX2-only machines.
/// </summary>
internal readonly unsafe partial struct Avx512Kernel<T> : IMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 12;
    public static int NR => 2 * Vector512<T>.Count;
    public static bool IsSupported =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated
        && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        int w = Vector512<T>.Count;
        // C is touched only after the k loop: start fetching its 12 rows (each 128 bytes, maybe over 3 lines) now, so the
        // loads and stores at the end do not wait for L3 or memory when C is larger than L2 (1024³, 4000×4000×256).
        for (nint i = 0; i < 12; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + w);
            Sse.Prefetch0(c + i * ldc + (2 * w - 1));
        }
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<T> c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;

        for (nint p = 0; p < kc; p++)
        {
            // Both packed streams 8 steps ahead (B̃: two lines a step; Ã: 48 or 96 bytes), as OpenBLAS's SkylakeX kernel fetches
            // its packed panel: a deep block's B̃ panel (kc up to 4·KC) and every Ã panel come from L2.
            Sse.Prefetch0(b + 16 * w);
            Sse.Prefetch0(b + 17 * w);
            Sse.Prefetch0(a + 96);
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = Vector512.Load(b + w);
            Vector512<T> ai = Vector512.Create(a[0]);
            c00 = SimdMath.Fma(ai, b0, c00); c01 = SimdMath.Fma(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = SimdMath.Fma(ai, b0, c10); c11 = SimdMath.Fma(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = SimdMath.Fma(ai, b0, c20); c21 = SimdMath.Fma(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = SimdMath.Fma(ai, b0, c30); c31 = SimdMath.Fma(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = SimdMath.Fma(ai, b0, c40); c41 = SimdMath.Fma(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = SimdMath.Fma(ai, b0, c50); c51 = SimdMath.Fma(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = SimdMath.Fma(ai, b0, c60); c61 = SimdMath.Fma(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = SimdMath.Fma(ai, b0, c70); c71 = SimdMath.Fma(ai, b1, c71);
            ai = Vector512.Create(a[8]);
            c80 = SimdMath.Fma(ai, b0, c80); c81 = SimdMath.Fma(ai, b1, c81);
            ai = Vector512.Create(a[9]);
            c90 = SimdMath.Fma(ai, b0, c90); c91 = SimdMath.Fma(ai, b1, c91);
            ai = Vector512.Create(a[10]);
            ca0 = SimdMath.Fma(ai, b0, ca0); ca1 = SimdMath.Fma(ai, b1, ca1);
            ai = Vector512.Create(a[11]);
            cb0 = SimdMath.Fma(ai, b0, cb0); cb1 = SimdMath.Fma(ai, b1, cb1);
            a += 12;
            b += 2 * w;
        }

        Store(c, w, accumulate, c00, c01);
        Store(c + ldc, w, accumulate, c10, c11);
        Store(c + 2 * ldc, w, accumulate, c20, c21);
        Store(c + 3 * ldc, w, accumulate, c30, c31);
        Store(c + 4 * ldc, w, accumulate, c40, c41);
        Store(c + 5 * ldc, w, accumulate, c50, c51);
        Store(c + 6 * ldc, w, accumulate, c60, c61);
        Store(c + 7 * ldc, w, accumulate, c70, c71);
        Store(c + 8 * ldc, w, accumulate, c80, c81);
        Store(c + 9 * ldc, w, accumulate, c90, c91);
        Store(c + 10 * ldc, w, accumulate, ca0, ca1);
        Store(c + 11 * ldc, w, accumulate, cb0, cb1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, int w, bool accumulate, Vector512<T> v0, Vector512<T> v1)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + w);
        }
        v0.Store(row);
        v1.Store(row + w);
    }
}

/// <summary>
/// AVX-512 micro-kernel, 8 rows × 3 vectors (float 8×48, double 8×24): 24 zmm accumulators, three zmm for the B row
/// and one broadcast of A. The shape of OpenBLAS's SkylakeX sgemm kernel (48 × 8 in its column-major terms): per k,
/// 3 loads and 8 broadcasts feed 24 FMAs, against 2 loads and 12 broadcasts for <see cref="Avx512Kernel{T}"/>, and a
/// row block of 128 (batch 256 on two threads) is 16 whole panels instead of 10⅔.
/// </summary>
internal readonly unsafe struct Avx512WideKernel<T> : IMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 8;
    public static int NR => 3 * Vector512<T>.Count;
    public static bool IsSupported => Avx512Kernel<T>.IsSupported;

    public static int EdgeRows => MR;

    public static void RunEdge(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate, int rows, int cols, T* scratch)
    {
        Run(kc, a, b, scratch, NR, accumulate: false);
        EdgeTile.Merge(scratch, NR, c, ldc, rows, cols, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<T> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;

        for (nint p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = Vector512.Load(b + w);
            Vector512<T> b2 = Vector512.Load(b + 2 * w);
            Vector512<T> ai = Vector512.Create(a[0]);
            c00 = SimdMath.Fma(ai, b0, c00); c01 = SimdMath.Fma(ai, b1, c01); c02 = SimdMath.Fma(ai, b2, c02);
            ai = Vector512.Create(a[1]);
            c10 = SimdMath.Fma(ai, b0, c10); c11 = SimdMath.Fma(ai, b1, c11); c12 = SimdMath.Fma(ai, b2, c12);
            ai = Vector512.Create(a[2]);
            c20 = SimdMath.Fma(ai, b0, c20); c21 = SimdMath.Fma(ai, b1, c21); c22 = SimdMath.Fma(ai, b2, c22);
            ai = Vector512.Create(a[3]);
            c30 = SimdMath.Fma(ai, b0, c30); c31 = SimdMath.Fma(ai, b1, c31); c32 = SimdMath.Fma(ai, b2, c32);
            ai = Vector512.Create(a[4]);
            c40 = SimdMath.Fma(ai, b0, c40); c41 = SimdMath.Fma(ai, b1, c41); c42 = SimdMath.Fma(ai, b2, c42);
            ai = Vector512.Create(a[5]);
            c50 = SimdMath.Fma(ai, b0, c50); c51 = SimdMath.Fma(ai, b1, c51); c52 = SimdMath.Fma(ai, b2, c52);
            ai = Vector512.Create(a[6]);
            c60 = SimdMath.Fma(ai, b0, c60); c61 = SimdMath.Fma(ai, b1, c61); c62 = SimdMath.Fma(ai, b2, c62);
            ai = Vector512.Create(a[7]);
            c70 = SimdMath.Fma(ai, b0, c70); c71 = SimdMath.Fma(ai, b1, c71); c72 = SimdMath.Fma(ai, b2, c72);
            a += 8;
            b += 3 * w;
        }

        Store(c, w, accumulate, c00, c01, c02);
        Store(c + ldc, w, accumulate, c10, c11, c12);
        Store(c + 2 * ldc, w, accumulate, c20, c21, c22);
        Store(c + 3 * ldc, w, accumulate, c30, c31, c32);
        Store(c + 4 * ldc, w, accumulate, c40, c41, c42);
        Store(c + 5 * ldc, w, accumulate, c50, c51, c52);
        Store(c + 6 * ldc, w, accumulate, c60, c61, c62);
        Store(c + 7 * ldc, w, accumulate, c70, c71, c72);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, int w, bool accumulate, Vector512<T> v0, Vector512<T> v1, Vector512<T> v2)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + w);
            v2 += Vector512.Load(row + 2 * w);
        }
        v0.Store(row);
        v1.Store(row + w);
        v2.Store(row + 2 * w);
    }
}

/// <summary>
/// Portable scalar micro-kernel, 4×4 with 16 scalar accumulators: the path for hardware without AVX2+FMA
/// and for element types other than float and double. Same packed layout, so the same driver serves it.
/// </summary>
internal readonly unsafe struct PortableKernel<T> : IMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 4;
    public static int NR => 4;
    public static bool IsSupported => true;

    public static int EdgeRows => MR;

    public static void RunEdge(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate, int rows, int cols, T* scratch)
    {
        Run(kc, a, b, scratch, NR, accumulate: false);
        EdgeTile.Merge(scratch, NR, c, ldc, rows, cols, accumulate);
    }

    public static void Run(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate)
    {
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero;
        T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero;
        T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        for (nint p = 0; p < kc; p++)
        {
            T b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            T ai = a[0];
            c00 += ai * b0; c01 += ai * b1; c02 += ai * b2; c03 += ai * b3;
            ai = a[1];
            c10 += ai * b0; c11 += ai * b1; c12 += ai * b2; c13 += ai * b3;
            ai = a[2];
            c20 += ai * b0; c21 += ai * b1; c22 += ai * b2; c23 += ai * b3;
            ai = a[3];
            c30 += ai * b0; c31 += ai * b1; c32 += ai * b2; c33 += ai * b3;
            a += 4;
            b += 4;
        }
        StoreRow(c, accumulate, c00, c01, c02, c03);
        StoreRow(c + ldc, accumulate, c10, c11, c12, c13);
        StoreRow(c + 2 * ldc, accumulate, c20, c21, c22, c23);
        StoreRow(c + 3 * ldc, accumulate, c30, c31, c32, c33);
    }

    private static void StoreRow(T* row, bool accumulate, T v0, T v1, T v2, T v3)
    {
        if (accumulate)
        {
            row[0] += v0; row[1] += v1; row[2] += v2; row[3] += v3;
        }
        else
        {
            row[0] = v0; row[1] = v1; row[2] = v2; row[3] = v3;
        }
    }
}
