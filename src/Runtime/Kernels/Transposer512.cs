using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MoreauGen.Kernels;

/// <summary>The AVX-512 part of <see cref="Transposer"/>: whole groups of 16 source rows in 16×16 float tiles.</summary>
internal static unsafe partial class Transposer
{
    /// <summary>
    /// dst[p·stride + r] = src[r·ld + p] for r &lt; <paramref name="rows"/> (a multiple of 16) and p &lt; kc: the packing of a
    /// transposed B̃ panel (stride NR = 32 for the 12×32 kernel, 48 for the 8×48 one), as OpenBLAS's SkylakeX sgemm copy
    /// routines do it. For every 16 values of p the panel's rows are written whole, group after group of 16 source rows
    /// (each a 16×16 tile: unpack, shuffle, then two 128-bit lane shuffles; 64 shuffles per 256 values against 96 for
    /// 8×8 ymm tiles), so each destination line is written once while it is in L1, where the 8×8 path wrote a third of
    /// a line per pass, once per group of 8 rows, over a panel larger than L1 (kc = 500: 64 KB). The source rows are
    /// fetched 256 bytes ahead of their reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private static void TransposeFloat16(float* src, nint ld, int rows, int kc, float* dst, int stride)
    {
        int p = 0;
        for (; p + 16 <= kc; p += 16)
        {
            float* dp = dst + (nint)p * stride;
            for (int r0 = 0; r0 < rows; r0 += 16)
            {
                float* s = src + r0 * ld + p;
                Tile(s, ld, dp + r0, stride, prefetch: p + 80 <= kc);
            }
        }
        for (; p < kc; p++)
        {
            float* dp = dst + (nint)p * stride;
            for (int r = 0; r < rows; r++)
                dp[r] = src[r * ld + p];
        }
    }

    /// <summary>One 16×16 tile: rows s + r·ld (16 values each) to columns d + c·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(float* s, nint ld, float* d, int stride, bool prefetch)
    {
        if (prefetch)
        {
            for (nint r = 0; r < 16; r++)
                Sse.Prefetch0(s + r * ld + 64);
        }
        // Rows pairwise interleaved: t(2i) = r(2i)/r(2i+1) low halves of each 128-bit lane, t(2i+1) the high halves.
        Vector512<float> t0 = Avx512F.UnpackLow(Avx512F.LoadVector512(s), Avx512F.LoadVector512(s + ld));
        Vector512<float> t1 = Avx512F.UnpackHigh(Avx512F.LoadVector512(s), Avx512F.LoadVector512(s + ld));
        Vector512<float> t2 = Avx512F.UnpackLow(Avx512F.LoadVector512(s + 2 * ld), Avx512F.LoadVector512(s + 3 * ld));
        Vector512<float> t3 = Avx512F.UnpackHigh(Avx512F.LoadVector512(s + 2 * ld), Avx512F.LoadVector512(s + 3 * ld));
        Vector512<float> t4 = Avx512F.UnpackLow(Avx512F.LoadVector512(s + 4 * ld), Avx512F.LoadVector512(s + 5 * ld));
        Vector512<float> t5 = Avx512F.UnpackHigh(Avx512F.LoadVector512(s + 4 * ld), Avx512F.LoadVector512(s + 5 * ld));
        Vector512<float> t6 = Avx512F.UnpackLow(Avx512F.LoadVector512(s + 6 * ld), Avx512F.LoadVector512(s + 7 * ld));
        Vector512<float> t7 = Avx512F.UnpackHigh(Avx512F.LoadVector512(s + 6 * ld), Avx512F.LoadVector512(s + 7 * ld));
        Vector512<float> t8 = Avx512F.UnpackLow(Avx512F.LoadVector512(s + 8 * ld), Avx512F.LoadVector512(s + 9 * ld));
        Vector512<float> t9 = Avx512F.UnpackHigh(Avx512F.LoadVector512(s + 8 * ld), Avx512F.LoadVector512(s + 9 * ld));
        Vector512<float> ta = Avx512F.UnpackLow(Avx512F.LoadVector512(s + 10 * ld), Avx512F.LoadVector512(s + 11 * ld));
        Vector512<float> tb = Avx512F.UnpackHigh(Avx512F.LoadVector512(s + 10 * ld), Avx512F.LoadVector512(s + 11 * ld));
        Vector512<float> tc = Avx512F.UnpackLow(Avx512F.LoadVector512(s + 12 * ld), Avx512F.LoadVector512(s + 13 * ld));
        Vector512<float> td = Avx512F.UnpackHigh(Avx512F.LoadVector512(s + 12 * ld), Avx512F.LoadVector512(s + 13 * ld));
        Vector512<float> te = Avx512F.UnpackLow(Avx512F.LoadVector512(s + 14 * ld), Avx512F.LoadVector512(s + 15 * ld));
        Vector512<float> tf = Avx512F.UnpackHigh(Avx512F.LoadVector512(s + 14 * ld), Avx512F.LoadVector512(s + 15 * ld));
        // u(4q + c): in 128-bit lane l, column 4l + c of rows 4q..4q+3.
        Vector512<float> u0 = Avx512F.Shuffle(t0, t2, 0x44), u1 = Avx512F.Shuffle(t0, t2, 0xEE);
        Vector512<float> u2 = Avx512F.Shuffle(t1, t3, 0x44), u3 = Avx512F.Shuffle(t1, t3, 0xEE);
        Vector512<float> u4 = Avx512F.Shuffle(t4, t6, 0x44), u5 = Avx512F.Shuffle(t4, t6, 0xEE);
        Vector512<float> u6 = Avx512F.Shuffle(t5, t7, 0x44), u7 = Avx512F.Shuffle(t5, t7, 0xEE);
        Vector512<float> u8 = Avx512F.Shuffle(t8, ta, 0x44), u9 = Avx512F.Shuffle(t8, ta, 0xEE);
        Vector512<float> ua = Avx512F.Shuffle(t9, tb, 0x44), ub = Avx512F.Shuffle(t9, tb, 0xEE);
        Vector512<float> uc = Avx512F.Shuffle(tc, te, 0x44), ud = Avx512F.Shuffle(tc, te, 0xEE);
        Vector512<float> ue = Avx512F.Shuffle(td, tf, 0x44), uf = Avx512F.Shuffle(td, tf, 0xEE);
        Columns(u0, u4, u8, uc, d, stride);              // columns 0, 4, 8, 12
        Columns(u1, u5, u9, ud, d + stride, stride);     // 1, 5, 9, 13
        Columns(u2, u6, ua, ue, d + 2 * stride, stride); // 2, 6, 10, 14
        Columns(u3, u7, ub, uf, d + 3 * stride, stride); // 3, 7, 11, 15
    }

    /// <summary>
    /// From the four row quarters holding, in 128-bit lane l, column 4l + c: columns c, c + 4, c + 8, c + 12 of all 16 rows,
    /// stored at d, d + 4·stride, d + 8·stride, d + 12·stride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3, float* d, int stride)
    {
        Vector512<float> even01 = Avx512F.Shuffle4x128(q0, q1, 0x88), odd01 = Avx512F.Shuffle4x128(q0, q1, 0xDD); // lanes 0,2 / 1,3
        Vector512<float> even23 = Avx512F.Shuffle4x128(q2, q3, 0x88), odd23 = Avx512F.Shuffle4x128(q2, q3, 0xDD);
        Avx512F.Shuffle4x128(even01, even23, 0x88).Store(d);               // lane 0 of each quarter: column c
        Avx512F.Shuffle4x128(odd01, odd23, 0x88).Store(d + 4 * stride);    // lane 1: column c + 4
        Avx512F.Shuffle4x128(even01, even23, 0xDD).Store(d + 8 * stride);  // lane 2: column c + 8
        Avx512F.Shuffle4x128(odd01, odd23, 0xDD).Store(d + 12 * stride);   // lane 3: column c + 12
    }
}
