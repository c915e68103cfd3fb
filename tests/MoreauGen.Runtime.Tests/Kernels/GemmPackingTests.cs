using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// The packing of B̃ and Ã panels against their definitions (GemmPacking.PackB: dst[p·nr + j] = op(B)[pc + p, col0 + j],
/// zero for j ≥ cols; PackA likewise with rows), value for value, in both storage orders, at every panel width and depth
/// around the 8- and 16-wide transposition tiles (cols and kc from 1 to 70: every residue mod 16 and 32), for the panel
/// widths of every kernel. The padding is pre-filled with NaN so a lane left unwritten shows.
/// </summary>
public sealed class GemmPackingTests
{
    [Theory]
    [InlineData(32)] // Avx512 float
    [InlineData(48)] // Avx512Wide float
    [InlineData(16)] // Avx2 float, Avx512 double
    [InlineData(8)]  // Avx2 double
    public unsafe void Panels_of_b_hold_op_b_and_zeros_in_both_storage_orders(int nr)
    {
        const int k = 83, n = 101; // not multiples of any tile; pc and col0 move the source off alignment
        var random = new Random(nr);
        float[] bf = [.. Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f)];
        double[] bd = [.. bf.Select(v => (double)v)];
        foreach (bool transB in new[] { false, true })
        {
            for (int cols = 1; cols <= nr; cols++)
            {
                foreach (int kc in Depths())
                {
                    int pc = (cols * 7) % (k - kc + 1), col0 = Math.Min(n - cols, (kc * 5) % n);
                    Check(bf, transB, pc, kc, col0, cols, nr, (p, j) => transB ? bf[(col0 + j) * k + pc + p] : bf[(pc + p) * n + col0 + j]);
                    Check(bd, transB, pc, kc, col0, cols, nr, (p, j) => transB ? bd[(col0 + j) * k + pc + p] : bd[(pc + p) * n + col0 + j]);
                }
            }
        }

        void Check<T>(T[] b, bool transB, int pc, int kc, int col0, int cols, int width, Func<int, int, T> expected)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var panel = new T[kc * width];
            Array.Fill(panel, T.NaN);
            fixed (T* pb = b)
            fixed (T* dst = panel)
                GemmPacking.PackB(pb, k, n, transB, pc, kc, col0, cols, dst, width);
            AssertPanel(panel, kc, width, cols, expected, $"{typeof(T).Name} transB={transB} nr={width} cols={cols} kc={kc}");
        }
    }

    [Theory]
    [InlineData(12)] // Avx512
    [InlineData(8)]  // Avx512Wide
    [InlineData(6)]  // Avx2
    public unsafe void Panels_of_a_hold_op_a_and_zeros_in_both_storage_orders(int mr)
    {
        const int m = 37, k = 83;
        var random = new Random(mr);
        float[] a = [.. Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f)];
        foreach (bool transA in new[] { false, true })
        {
            for (int rows = 1; rows <= mr; rows++)
            {
                foreach (int kc in Depths())
                {
                    int pc = (rows * 3) % (k - kc + 1), row0 = Math.Min(m - rows, kc % m);
                    var panel = new float[kc * mr];
                    Array.Fill(panel, float.NaN);
                    fixed (float* pa = a)
                    fixed (float* dst = panel)
                        GemmPacking.PackA(pa, m, k, transA, row0, rows, pc, kc, dst, mr);
                    AssertPanel(panel, kc, mr, rows, (p, i) => transA ? a[(pc + p) * m + row0 + i] : a[(row0 + i) * k + pc + p],
                                $"transA={transA} mr={mr} rows={rows} kc={kc}");
                }
            }
        }
    }

    /// <summary>panel[p·width + j] is expected(p, j) for j &lt; used and zero for the padding, p &lt; kc.</summary>
    private static void AssertPanel<T>(T[] panel, int kc, int width, int used, Func<int, int, T> expected, string where)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int p = 0; p < kc; p++)
        {
            for (int j = 0; j < width; j++)
            {
                T want = j < used ? expected(p, j) : T.Zero;
                Assert.True(panel[p * width + j] == want, $"{where}: panel[{p}, {j}] = {panel[p * width + j]}, expected {want}");
            }
        }
    }

    /// <summary>Depths 1..70 (every residue of the 8- and 16-value tiles, and the prefetch distance of 64 values).</summary>
    private static IEnumerable<int> Depths() => Enumerable.Range(1, 70);
}
