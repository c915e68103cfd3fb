using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Gradient descent's update in a product's final write (<see cref="GemmDescent{T}"/>) against the plain product followed
/// by <see cref="FusedDescent"/>: W and the old W left in C bit for bit, on every dispatch path and storage order, for sizes
/// that cross every block and tile edge; ‖w‖² to rounding and the same bits whatever the threads; a non-finite update flagged
/// with every tile still written.
/// </summary>
public sealed class GemmDescentTests
{
    public static TheoryData<string> Paths => GemmTests.Paths;

    private static readonly (int M, int K, int N)[] Shapes =
    [
        (1, 1, 1), (3, 7, 5), (4, 9, 130), (5, 37, 41), (13, 130, 29), (37, 41, 70), (50, 19, 97), (97, 64, 33), (130, 3, 130),
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void The_update_in_the_final_write_equals_the_product_then_the_fused_sweep(string path)
    {
        GemmOptions options = Aligned(GemmTests.Options(path));
        var random = new Random(37);
        foreach ((int m, int k, int n) in Shapes)
        {
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
            {
                foreach (bool addL2 in new[] { true, false })
                {
                    Check<float>(m, k, n, transA, transB, addL2, options, random);
                    Check<double>(m, k, n, transA, transB, addL2, options, random);
                }
            }
        }
    }

    [Fact]
    public void A_non_finite_update_is_flagged_and_every_tile_is_still_written()
    {
        GemmOptions options = Aligned(GemmTests.Options("avx512-small-blocks"));
        var random = new Random(41);
        const int m = 37, k = 19, n = 70;
        float[] a = Fill<float>(random, m * k), b = Fill<float>(random, k * n), w = Fill<float>(random, m * n);
        w[m * n - 3] = 3e38f; // w·μ overflows
        float[] before = [.. w], c = new float[m * n];
        (int notFinite, _) = Fused(a, b, c, w, m, k, n, false, false, addL2: true, 10f, -0.5f, options);

        Assert.Equal(1, notFinite);
        Assert.Equal(before, c); // the old w everywhere, for the caller to restore
        Assert.True(float.IsInfinity(w[m * n - 3]) || float.IsNaN(w[m * n - 3]));
    }

    [Fact]
    public void A_blocking_whose_column_blocks_cut_a_panel_is_refused()
    {
        var random = new Random(43);
        float[] a = Fill<float>(random, 37 * 19), b = Fill<float>(random, 19 * 70), w = Fill<float>(random, 37 * 70);
        Assert.Throws<ArgumentException>(() => Fused(a, b, new float[37 * 70], w, 37, 19, 70, false, false, addL2: true, 1f, -0.5f,
                                                     GemmTests.Options("avx512-small-blocks"))); // NC = 70, NR = 32
    }

    /// <summary>The path's options with NC rounded up to a multiple of NR (the slots of ‖w‖² are NR-panels).</summary>
    private static GemmOptions Aligned(GemmOptions options)
    {
        if (options.Blocking is not { } blocking)
            return options;
        int nr = GemmDescentKernels.SlotWidth<float>(int.MaxValue, options);
        return options with { Blocking = blocking with { NC = (blocking.NC + nr - 1) / nr * nr } };
    }

    private static void Check<T>(int m, int k, int n, bool transA, bool transB, bool addL2, GemmOptions options, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Fill<T>(random, m * k), b = Fill<T>(random, k * n), w = Fill<T>(random, m * n);
        T mu = T.CreateChecked(1e-2), minusStep = T.CreateChecked(-0.25);
        string where = $"{m}×{k}×{n} transA {transA} transB {transB} ℓ2 {addL2} {typeof(T).Name}";

        T[] gradient = new T[m * n], expected = [.. w];
        Gemm.Multiply<T>(a, b, gradient, m, k, n, transA, transB, accumulate: false, options);
        DescentSweep<T> sweep = FusedDescent.Run<T>(expected, mu, gradient, addL2, minusStep); // gradient ← the old w
        Assert.True(sweep.Completed, where);

        T[] fusedW = [.. w], c = new T[m * n];
        (int notFinite, T squares) = Fused(a, b, c, fusedW, m, k, n, transA, transB, addL2, mu, minusStep, options);
        Assert.Equal(0, notFinite);
        Assert.True(expected.AsSpan().SequenceEqual(fusedW), $"{where}: w");
        Assert.True(gradient.AsSpan().SequenceEqual(c), $"{where}: the old w in C");
        if (addL2)
        {
            T reference = ParameterUpdate.SumOfSquares<T>(w);
            double relative = double.CreateTruncating(T.Abs(squares - reference) / reference);
            Assert.True(relative < (typeof(T) == typeof(float) ? 1e-5 : 1e-13), $"{where}: ‖w‖² {squares} against {reference}");

            // The slots make the sum independent of the threads.
            T[] alone = [.. w];
            (_, T squaresAlone) = Fused(a, b, new T[m * n], alone, m, k, n, transA, transB, addL2, mu, minusStep, options with { MaxThreads = 1 });
            Assert.Equal(squares, squaresAlone);
        }
    }

    private static unsafe (int NotFinite, T Squares) Fused<T>(T[] a, T[] b, T[] c, T[] w, int m, int k, int n, bool transA, bool transB, bool addL2,
                                                              T mu, T minusStep, GemmOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int slotWidth = GemmDescentKernels.SlotWidth<T>(n, options);
        var slots = new T[m * ((n + slotWidth - 1) / slotWidth)];
        int notFinite = 0;
        fixed (T* pw = w)
        fixed (T* pslots = slots)
        {
            var epilogue = new GemmEpilogue<T>(null, false, null)
            {
                Descent = new GemmDescent<T>
                {
                    Parameters = pw, Mu = mu, AddL2 = addL2, MinusStep = minusStep, Squares = pslots, SlotWidth = slotWidth, NotFinite = &notFinite,
                },
            };
            Gemm.Multiply<T>(a, b, c, m, k, n, transA, transB, accumulate: false, options, epilogue);
            return (notFinite, GemmDescentKernels.SumOfSquares(epilogue.Descent, m, n));
        }
    }

    private static T[] Fill<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
}
