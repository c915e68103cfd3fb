using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// The AVX-512 edge tiles (<see cref="Avx512Kernel{T}.RunEdge"/>) on their own: every corner rows × cols of a tile,
/// float and double, plain and accumulating, against the packed panels' product summed in double; every element of C
/// outside the corner must keep its sentinel (the tile writes straight into C through masks).
/// </summary>
public sealed unsafe class GemmEdgeTileTests
{
    [Fact]
    public void Every_corner_of_a_float_tile_is_written_and_nothing_else() => CheckEveryCorner<float>();

    [Fact]
    public void Every_corner_of_a_double_tile_is_written_and_nothing_else() => CheckEveryCorner<double>();

    private static void CheckEveryCorner<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Avx512Kernel<T>.IsSupported)
            return; // nothing to check on a machine without AVX-512: the driver never calls this kernel there
        int mr = Avx512Kernel<T>.MR, nr = Avx512Kernel<T>.NR, kc = 37;
        const int Ldc = 71; // wider than a tile, so a stray write lands inside C where the sentinel catches it
        var random = new Random(17);
        T[] a = Fill<T>(random, kc * mr), b = Fill<T>(random, kc * nr);
        T[] c = new T[(mr + 1) * Ldc], scratch = new T[mr * nr];
        T[] y0 = Fill<T>(random, c.Length);
        T sentinel = T.CreateChecked(12345);
        for (int rows = 1; rows <= mr; rows++)
        {
            for (int cols = 1; cols <= nr; cols++)
            {
                foreach (bool accumulate in new[] { false, true })
                {
                    for (int i = 0; i < c.Length; i++)
                        c[i] = sentinel;
                    for (int i = 0; i < rows; i++)
                    {
                        for (int j = 0; j < cols; j++)
                            c[i * Ldc + j] = accumulate ? y0[i * Ldc + j] : T.NaN;
                    }
                    fixed (T* pa = a, pb = b, pc = c, ps = scratch)
                        Avx512Kernel<T>.RunEdge(kc, pa, pb, pc, Ldc, accumulate, rows, cols, ps);

                    for (int i = 0; i < c.Length; i++)
                    {
                        int row = i / Ldc, col = i % Ldc;
                        if (row >= rows || col >= cols)
                        {
                            Assert.True(c[i] == sentinel, $"{typeof(T).Name} {rows}×{cols} accumulate={accumulate}: C[{row}, {col}] was overwritten");
                            continue;
                        }
                        double expected = accumulate ? double.CreateChecked(y0[i]) : 0, bound = Math.Abs(expected);
                        for (int p = 0; p < kc; p++)
                        {
                            double product = double.CreateChecked(a[p * mr + row]) * double.CreateChecked(b[p * nr + col]);
                            expected += product;
                            bound += Math.Abs(product);
                        }
                        double tolerance = 2 * (kc + 1) * double.CreateChecked(Eps<T>()) * bound;
                        Assert.True(Math.Abs(double.CreateChecked(c[i]) - expected) <= tolerance,
                                    $"{typeof(T).Name} {rows}×{cols} accumulate={accumulate}: C[{row}, {col}] = {c[i]}, expected {expected}");
                    }
                }
            }
        }
    }

    private static T Eps<T>() where T : IFloatingPointIeee754<T> => T.BitIncrement(T.One) - T.One;

    private static T[] Fill<T>(Random random, int length) where T : IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = T.CreateChecked(random.NextDouble() - 0.5);
        return values;
    }
}
