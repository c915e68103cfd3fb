using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MoreauGen.Kernels;

/// <summary>
/// AVX2 max-pooling of float planes with 2×2 windows and stride 2 (the paper's ConvNet pooling), eight windows per
/// step. Within each window the four values are compared in the scalar kernel's row-major order with the same strict
/// comparison (<c>m = a; if (b &gt; m) m = b; if (c &gt; m) m = c; if (d &gt; m) m = d</c>), lane by lane with masks
/// instead of branches, so the maximum, the winner of a tie and the treatment of NaN are exactly those of
/// <see cref="Pooling"/>'s loops. The windows left over at the end of an output row go through those loops.
/// </summary>
/// <remarks>
/// Layout: a vector t of 8 values of a top input row holds 4 windows' pairs (a, b); its neighbour-swapped copy
/// (vpermilps 0xB1) puts b under a, so the even lanes of the masked sequence carry each window's result. The even lanes
/// of two such vectors are packed into 8 outputs by shufps 0x88 and vpermq 0xD8.
/// </remarks>
internal static unsafe class PoolingMax2x2
{
    /// <summary>Swaps neighbouring lanes: (1, 0, 3, 2) in each 128-bit half.</summary>
    private const byte SwapPairs = 0xB1;

    /// <summary>Whether this path applies: float, a 2×2 window, stride 2, and AVX2.</summary>
    public static bool Applies<T>(in PoolingShape s) => typeof(T) == typeof(float) && s.Kernel == 2 && s.Stride == 2 && Avx2.IsSupported;

    /// <summary>y = the maximum of each 2×2 window of x (the shape's sizes; lengths checked by the caller).</summary>
    public static void Forward(float* x, float* y, in PoolingShape s)
    {
        int h = s.Height, w = s.Width, oh = s.OutHeight, ow = s.OutWidth, vectorEnd = ow - ow % 8;
        for (int plane = 0; plane < s.Planes; plane++)
        {
            float* input = x + (nint)plane * h * w;
            float* output = y + (nint)plane * oh * ow;
            for (int r = 0; r < oh; r++, output += ow)
            {
                float* top = input + (nint)2 * r * w, bottom = top + w;
                for (int q = 0; q < vectorEnd; q += 8)
                {
                    Vector256<float> m0 = Window(top + 2 * q, bottom + 2 * q);
                    Vector256<float> m1 = Window(top + 2 * q + 8, bottom + 2 * q + 8);
                    Vector256<float> packed = Avx.Shuffle(m0, m1, 0x88);
                    Avx2.Permute4x64(packed.AsDouble(), 0xD8).AsSingle().Store(output + q);
                }
                for (int q = vectorEnd; q < ow; q++)
                {
                    float* a = top + 2 * q, c = bottom + 2 * q;
                    float m = a[0];
                    if (a[1] > m)
                        m = a[1];
                    if (c[0] > m)
                        m = c[0];
                    if (c[1] > m)
                        m = c[1];
                    output[q] = m;
                }
            }
        }
    }

    /// <summary>dx += dy routed to the first maximum of each 2×2 window of x (dx already cleared by the caller if needed).</summary>
    public static void BackwardAdd(float* x, float* dy, float* dx, in PoolingShape s)
    {
        int h = s.Height, w = s.Width, oh = s.OutHeight, ow = s.OutWidth, vectorEnd = ow - ow % 4;
        Vector256<int> spread = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        for (int plane = 0; plane < s.Planes; plane++)
        {
            float* input = x + (nint)plane * h * w;
            float* target = dx + (nint)plane * h * w;
            float* adjoint = dy + (nint)plane * oh * ow;
            for (int r = 0; r < oh; r++, adjoint += ow)
            {
                nint rowOffset = (nint)2 * r * w;
                float* top = input + rowOffset, bottom = top + w;
                float* dTop = target + rowOffset, dBottom = dTop + w;
                for (int q = 0; q < vectorEnd; q += 4)
                {
                    Vector256<float> t = Vector256.Load(top + 2 * q), b = Vector256.Load(bottom + 2 * q);
                    Vector256<float> ts = Avx.Permute(t, SwapPairs), bs = Avx.Permute(b, SwapPairs);
                    // The sequence m = a; b > m; c > m; d > m of the scalar loop, on the even lanes.
                    Vector256<float> isB = Vector256.GreaterThan(ts, t);
                    Vector256<float> m = Vector256.ConditionalSelect(isB, ts, t);
                    Vector256<float> isC = Vector256.GreaterThan(b, m);
                    m = Vector256.ConditionalSelect(isC, b, m);
                    Vector256<float> isD = Vector256.GreaterThan(bs, m);
                    Vector256<float> winC = Vector256.AndNot(isC, isD);
                    Vector256<float> winB = Vector256.AndNot(Vector256.AndNot(isB, isC), isD);
                    Vector256<float> winA = ~(isB | isC | isD);
                    // Each window's flags to its positions: even lanes a (top) / c (bottom), odd lanes b / d.
                    Vector256<float> topMask = Avx.Blend(winA, Avx.Permute(winB, SwapPairs), 0xAA);
                    Vector256<float> bottomMask = Avx.Blend(winC, Avx.Permute(isD, SwapPairs), 0xAA);
                    Vector256<float> g = Avx2.PermuteVar8x32(Vector128.Load(adjoint + q).ToVector256Unsafe(), spread);
                    Vector256<float> dt = Vector256.Load(dTop + 2 * q), db = Vector256.Load(dBottom + 2 * q);
                    Vector256.ConditionalSelect(topMask, dt + g, dt).Store(dTop + 2 * q);
                    Vector256.ConditionalSelect(bottomMask, db + g, db).Store(dBottom + 2 * q);
                }
                for (int q = vectorEnd; q < ow; q++)
                {
                    float* a = top + 2 * q, c = bottom + 2 * q;
                    int best = 0;
                    float m = a[0];
                    if (a[1] > m)
                    {
                        m = a[1];
                        best = 1;
                    }
                    if (c[0] > m)
                    {
                        m = c[0];
                        best = w;
                    }
                    if (c[1] > m)
                        best = w + 1;
                    dTop[2 * q + best] += adjoint[q];
                }
            }
        }
    }

    /// <summary>The sequence m = a; b &gt; m; c &gt; m; d &gt; m on the even lanes of 4 windows (top and bottom rows at the pointers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Window(float* top, float* bottom)
    {
        Vector256<float> t = Vector256.Load(top), b = Vector256.Load(bottom);
        Vector256<float> m = Vector256.ConditionalSelect(Vector256.GreaterThan(Avx.Permute(t, SwapPairs), t), Avx.Permute(t, SwapPairs), t);
        m = Vector256.ConditionalSelect(Vector256.GreaterThan(b, m), b, m);
        Vector256<float> bs = Avx.Permute(b, SwapPairs);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(bs, m), bs, m);
    }
}
