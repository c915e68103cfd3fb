using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MoreauGen.Kernels;

/// <summary>
/// The edge tiles of <see cref="Avx512Kernel{T}"/>: a tile with fewer than MR rows or NR columns inside C. Rows go in
/// groups of 4 (a group past the last row is skipped, so a 4-row panel costs a third of a full one), a tile of at most
/// one vector of columns computes one vector per row instead of two, and C is read and written with masked moves,
/// straight into C: no scratch tile and no copy. Padding rows of the packed panel are zero, so a group's rows past
/// <c>rows</c> are computed but never stored.
/// </summary>
internal readonly unsafe partial struct Avx512Kernel<T>
{
    /// <summary>Row granularity of <see cref="RunEdge"/>: a panel of this many rows costs this share of a full tile.</summary>
    public static int EdgeRows => 4;

    /// <summary>Writes or adds the <paramref name="rows"/> × <paramref name="cols"/> corner of the tile straight into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunEdge(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate, int rows, int cols, T* scratch)
    {
        int w = Vector512<T>.Count;
        if (cols > w)
        {
            Vector512<T> all = Vector512<T>.AllBitsSet, mask = Mask(cols - w);
            for (int r0 = 0; r0 < rows; r0 += 4)
                FourRows(kc, a + r0, b, c + r0 * ldc, ldc, accumulate, Math.Min(4, rows - r0), all, mask);
            return;
        }
        Vector512<T> first = Mask(cols);
        int r = 0;
        for (; rows - r > 4; r += 8)
            EightRowsOneVector(kc, a + r, b, c + r * ldc, ldc, accumulate, Math.Min(8, rows - r), first);
        if (r < rows) // at most 4 rows left: the second vector's lanes are all masked off
            FourRows(kc, a + r, b, c + r * ldc, ldc, accumulate, rows - r, first, Vector512<T>.Zero);
    }

    /// <summary>All-ones in the first <paramref name="count"/> lanes (1 ≤ count ≤ the vector width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Mask(int count) =>
        Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(count)));

    /// <summary>Rows [0, 4) of the panel (stride MR = 12 in <paramref name="a"/>), two vectors of B stored through two masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourRows(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate, int rows, Vector512<T> mask0, Vector512<T> mask1)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default, c30 = default, c31 = default;
        for (nint p = 0; p < kc; p++)
        {
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
            a += 12;
            b += 2 * w;
        }
        StoreOne(c, accumulate, c00, mask0);
        StoreOne(c + w, accumulate, c01, mask1);
        if (rows > 1)
        {
            StoreOne(c + ldc, accumulate, c10, mask0);
            StoreOne(c + ldc + w, accumulate, c11, mask1);
        }
        if (rows > 2)
        {
            StoreOne(c + 2 * ldc, accumulate, c20, mask0);
            StoreOne(c + 2 * ldc + w, accumulate, c21, mask1);
        }
        if (rows > 3)
        {
            StoreOne(c + 3 * ldc, accumulate, c30, mask0);
            StoreOne(c + 3 * ldc + w, accumulate, c31, mask1);
        }
    }

    /// <summary>Rows [0, 8) of the panel (stride MR = 12 in <paramref name="a"/>), one masked vector of B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightRowsOneVector(nint kc, T* a, T* b, T* c, nint ldc, bool accumulate, int rows, Vector512<T> mask)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (nint p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            c0 = SimdMath.Fma(Vector512.Create(a[0]), b0, c0);
            c1 = SimdMath.Fma(Vector512.Create(a[1]), b0, c1);
            c2 = SimdMath.Fma(Vector512.Create(a[2]), b0, c2);
            c3 = SimdMath.Fma(Vector512.Create(a[3]), b0, c3);
            c4 = SimdMath.Fma(Vector512.Create(a[4]), b0, c4);
            c5 = SimdMath.Fma(Vector512.Create(a[5]), b0, c5);
            c6 = SimdMath.Fma(Vector512.Create(a[6]), b0, c6);
            c7 = SimdMath.Fma(Vector512.Create(a[7]), b0, c7);
            a += 12;
            b += 2 * w;
        }
        StoreOne(c, accumulate, c0, mask);
        if (rows > 1) StoreOne(c + ldc, accumulate, c1, mask);
        if (rows > 2) StoreOne(c + 2 * ldc, accumulate, c2, mask);
        if (rows > 3) StoreOne(c + 3 * ldc, accumulate, c3, mask);
        if (rows > 4) StoreOne(c + 4 * ldc, accumulate, c4, mask);
        if (rows > 5) StoreOne(c + 5 * ldc, accumulate, c5, mask);
        if (rows > 6) StoreOne(c + 6 * ldc, accumulate, c6, mask);
        if (rows > 7) StoreOne(c + 7 * ldc, accumulate, c7, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne(T* row, bool accumulate, Vector512<T> v, Vector512<T> mask)
    {
        if (accumulate)
            v += MaskLoad(row, mask);
        MaskStore(row, mask, v);
    }

    /// <summary>The lanes of <paramref name="mask"/> from memory, zero elsewhere (masked lanes are never touched).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MaskLoad(T* address, Vector512<T> mask)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.MaskLoad((float*)address, mask.AsSingle(), Vector512<float>.Zero).As<float, T>();
        return Avx512F.MaskLoad((double*)address, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskStore(T* address, Vector512<T> mask, Vector512<T> value)
    {
        if (typeof(T) == typeof(float))
            Avx512F.MaskStore((float*)address, mask.AsSingle(), value.AsSingle());
        else
            Avx512F.MaskStore((double*)address, mask.AsDouble(), value.AsDouble());
    }
}

/// <summary>The edge tile of kernels without their own: the full tile into a scratch tile, then its corner into C.</summary>
internal static unsafe class EdgeTile
{
    /// <summary>Writes or adds the rows × cols corner of <paramref name="tile"/> (row stride <paramref name="nr"/>) into C, a vector at a time, then the last few columns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Merge<T>(T* tile, int nr, T* c, nint ldc, int rows, int cols, bool accumulate)
        where T : unmanaged, INumberBase<T>
    {
        int w = Vector.IsHardwareAccelerated ? Vector<T>.Count : int.MaxValue;
        for (int i = 0; i < rows; i++)
        {
            T* src = tile + i * nr;
            T* dst = c + i * ldc;
            int j = 0;
            if (accumulate)
            {
                for (; j + w <= cols; j += w)
                    Unsafe.WriteUnaligned(dst + j, Unsafe.ReadUnaligned<Vector<T>>(dst + j) + Unsafe.ReadUnaligned<Vector<T>>(src + j));
                for (; j < cols; j++)
                    dst[j] += src[j];
            }
            else
            {
                for (; j + w <= cols; j += w)
                    Unsafe.WriteUnaligned(dst + j, Unsafe.ReadUnaligned<Vector<T>>(src + j));
                for (; j < cols; j++)
                    dst[j] = src[j];
            }
        }
    }
}
