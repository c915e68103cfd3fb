using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// The fast GEMM against <see cref="ReferenceGemm"/> on every dispatch path, in all four storage orders,
/// float and double, plain and accumulating (tolerance: see <see cref="GemmCheck"/>).
/// </summary>
public sealed class GemmTests
{
    /// <summary>Every path a product can take. Kernels the machine lacks fall back to the next one down.</summary>
    public static readonly TheoryData<string> Paths =
    [
        "ops-default",              // exactly what Ops.MatMul does
        "avx512-small-blocks",      // packed, blocks far smaller than the sweep: every block edge, 2 threads
        "avx512-small-blocks-tiles",     // the tile split (shared Ã), forced where the automatic choice takes rows
        "avx2-small-blocks",
        "portable-small-blocks",
        "avx2-small-blocks-row-split",   // the row split (per-thread Ã), forced with blocks far smaller than the sweep
        "avx512-small-blocks-row-split",
        "avx512-small-blocks-row-split-8",   // eight row blocks per thread: blocks of a few row groups, claimed dynamically
        "avx512-small-blocks-column-split",  // the column split (shared Ã, per-thread B̃): several row and column blocks
        "avx2-small-blocks-column-split",
        "avx512-small-blocks-column-split-own-a",  // each thread packs all of Ã itself
        "avx512-wide-small-blocks-column-split",
        "avx512-wide-small-blocks",      // the 8×48 kernel, every block edge, both splits
        "avx512-wide-small-blocks-tiles",
        "avx512-small-blocks-deep-rows",   // depth blocks deeper than KC above 2·MC rows, MC and NC shrunk to match (DeepKC)
        "avx512-small-blocks-deep-1-thread",
        "avx2-default-blocks-1-thread",
        "direct",                   // the unpacked path for every size
    ];

    internal static GemmOptions Options(string path) => path switch
    {
        "ops-default" => new GemmOptions(),
        "avx512-small-blocks" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2),
        "avx2-small-blocks" => Packed(GemmKernel.Avx2, new GemmBlocking(MC: 13, KC: 11, NC: 37), threads: 2),
        "portable-small-blocks" => Packed(GemmKernel.Portable, new GemmBlocking(MC: 9, KC: 7, NC: 10), threads: 2),
        "avx512-small-blocks-tiles" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Tiles },
        "avx2-small-blocks-row-split" => Packed(GemmKernel.Avx2, new GemmBlocking(MC: 13, KC: 11, NC: 37), threads: 2) with { Split = GemmSplit.Rows },
        "avx512-small-blocks-row-split" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Rows },
        "avx512-small-blocks-row-split-8" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Rows, RowBlocksPerThread = 8 },
        "avx512-small-blocks-column-split" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Columns },
        "avx512-small-blocks-column-split-own-a" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Columns, ColumnsPackOwnA = true },
        "avx2-small-blocks-column-split" => Packed(GemmKernel.Avx2, new GemmBlocking(MC: 13, KC: 11, NC: 37), threads: 2) with { Split = GemmSplit.Columns },
        "avx512-wide-small-blocks-column-split" => Packed(GemmKernel.Avx512Wide, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Columns },
        "avx512-default-blocks-2-threads-columns" => Packed(GemmKernel.Avx512, blocking: null, threads: 2) with { Split = GemmSplit.Columns },
        "avx2-default-blocks-1-thread" => Packed(GemmKernel.Avx2, blocking: null, threads: 1),
        "avx2-default-blocks-2-threads-tiles" => Packed(GemmKernel.Avx2, blocking: null, threads: 2) with { Split = GemmSplit.Tiles },
        "avx2-default-blocks-2-threads-rows" => Packed(GemmKernel.Avx2, blocking: null, threads: 2) with { Split = GemmSplit.Rows },
        "avx2-default-blocks-2-threads" => Packed(GemmKernel.Avx2, blocking: null, threads: 2),
        "avx512-default-blocks-2-threads" => Packed(GemmKernel.Avx512, blocking: null, threads: 2),
        "avx512-default-blocks-1-thread" => Packed(GemmKernel.Avx512, blocking: null, threads: 1),
        "avx512-default-blocks-2-threads-rows" => Packed(GemmKernel.Avx512, blocking: null, threads: 2) with { Split = GemmSplit.Rows },
        "avx512-wide-small-blocks" => Packed(GemmKernel.Avx512Wide, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Rows },
        "avx512-wide-small-blocks-tiles" => Packed(GemmKernel.Avx512Wide, new GemmBlocking(MC: 29, KC: 19, NC: 70), threads: 2) with { Split = GemmSplit.Tiles },
        "avx512-small-blocks-deep-rows" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70, DeepKC: 50), threads: 2) with { Split = GemmSplit.Rows },
        "avx512-small-blocks-deep-1-thread" => Packed(GemmKernel.Avx512, new GemmBlocking(MC: 29, KC: 19, NC: 70, DeepKC: 50), threads: 1),
        "avx512-wide-default-blocks-1-thread" => Packed(GemmKernel.Avx512Wide, blocking: null, threads: 1),
        "avx512-wide-default-blocks-2-threads-rows" => Packed(GemmKernel.Avx512Wide, blocking: null, threads: 2) with { Split = GemmSplit.Rows },
        "avx512-wide-default-blocks-2-threads-tiles" => Packed(GemmKernel.Avx512Wide, blocking: null, threads: 2) with { Split = GemmSplit.Tiles },
        "avx512-wide-default-blocks-2-threads-columns" => Packed(GemmKernel.Avx512Wide, blocking: null, threads: 2) with { Split = GemmSplit.Columns },
        "direct" => new GemmOptions { DirectRowsBelow = int.MaxValue },
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, null),
    };

    internal static GemmOptions Packed(GemmKernel kernel, GemmBlocking? blocking, int threads) => new()
    {
        Kernel = kernel,
        Blocking = blocking,
        MaxThreads = threads,
        AllowDirect = false,
        ParallelWorkAtLeast = 0, // thread even the smallest products, to exercise the barriers and the work split
    };

    // One dimension swept over 1..130 while the other two stay at 37 and 41 (not multiples of any MR or NR).
    private static readonly Lazy<GemmCheck[][]> Sweeps = new(() =>
    {
        var random = new Random(20240601);
        var sweeps = new GemmCheck[3][];
        for (int dimension = 0; dimension < 3; dimension++)
        {
            sweeps[dimension] = new GemmCheck[130];
            for (int size = 1; size <= 130; size++)
            {
                (int m, int k, int n) = dimension switch { 0 => (size, 37, 41), 1 => (37, size, 41), _ => (37, 41, size) };
                sweeps[dimension][size - 1] = new GemmCheck(m, k, n, random);
            }
        }
        return sweeps;
    });

    // 200 random (m, k, n), each dimension log-uniform in 1..400, with m·k·n ≤ 300 000 to keep the suite quick.
    private static readonly Lazy<GemmCheck[]> RandomProblems = new(() =>
    {
        var random = new Random(7);
        var problems = new GemmCheck[200];
        for (int i = 0; i < problems.Length; i++)
        {
            int m, k, n;
            do
            {
                m = LogUniform(random, 400); k = LogUniform(random, 400); n = LogUniform(random, 400);
            } while ((long)m * k * n > 300_000);
            problems[i] = new GemmCheck(m, k, n, random);
        }
        return problems;
    });

    private static int LogUniform(Random random, int max) => (int)Math.Floor(Math.Exp(random.NextDouble() * Math.Log(max + 1)));

    public static TheoryData<string, string> SweepCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string path in Paths)
            foreach (string dimension in new[] { "m", "k", "n" })
                data.Add(path, dimension);
        return data;
    }

    [Theory]
    [MemberData(nameof(SweepCases))]
    public void Matches_the_reference_as_one_dimension_sweeps_1_to_130(string path, string dimension)
    {
        GemmOptions options = Options(path);
        foreach (GemmCheck check in Sweeps.Value["mkn".IndexOf(dimension[0])])
        {
            AssertPasses(check.Verify<float>(options));
            AssertPasses(check.Verify<double>(options));
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Matches_the_reference_on_200_random_shapes(string path)
    {
        GemmOptions options = Options(path);
        foreach (GemmCheck check in RandomProblems.Value)
        {
            AssertPasses(check.Verify<float>(options));
            AssertPasses(check.Verify<double>(options));
        }
    }

    [Theory]
    [InlineData("ops-default")]
    [InlineData("avx2-default-blocks-1-thread")]
    [InlineData("avx2-default-blocks-2-threads")]
    [InlineData("avx2-default-blocks-2-threads-tiles")]
    [InlineData("avx2-default-blocks-2-threads-rows")]
    [InlineData("avx512-default-blocks-2-threads")]
    [InlineData("avx512-default-blocks-1-thread")]
    [InlineData("avx512-default-blocks-2-threads-rows")]
    [InlineData("avx512-default-blocks-2-threads-columns")]
    [InlineData("avx512-wide-default-blocks-1-thread")]  // the 8×48 kernel at the blocking it runs with (MC 256, KC 192, NC 4080)
    [InlineData("avx512-wide-default-blocks-2-threads-rows")]
    [InlineData("avx512-wide-default-blocks-2-threads-tiles")]
    [InlineData("avx512-wide-default-blocks-2-threads-columns")]
    public void Crosses_every_edge_of_the_production_blocks(string path)
    {
        // KC = 256/384 and MC = 240 (float) are crossed by k = 520/800 and m = 250/490/1000; NC = 4096 by n = 4100.
        // 1000×800×40 has 5 row blocks, which the automatic split shares by rows on 2 threads; 300×520×150 (one or two MC
        // blocks, at least two NR-panels per thread) it shares by columns. m in (MC, 2·MC] deepens the depth block up to
        // 4·KC while Ã stays within 1 MB: k = 1100 at m = 300 and k = 700 at m = 460 cross that deeper limit. Above 2·MC rows the
        // AVX-512 float kernel's depth blocks go up to DeepKC = 1024: k = 1100 at m = 500 is two of 550, with MC shrunk to 156.
        // The 8×48 kernel (MC 256, KC 192, NC 4080) is crossed by the same shapes: m = 490 and 1000, k = 300, 520 and 800, n = 4100.
        var random = new Random(3);
        (int, int, int)[] shapes = [(250, 520, 100), (490, 300, 50), (10, 40, 4100), (600, 1, 600), (1, 700, 300), (3, 300, 1), (250, 17, 18), (1000, 800, 40), (300, 520, 150),
                                    (300, 1100, 70), (460, 700, 90), (500, 1100, 70)];
        GemmOptions options = Options(path);
        foreach ((int m, int k, int n) in shapes)
        {
            var check = new GemmCheck(m, k, n, random);
            AssertPasses(check.Verify<float>(options, accumulateToo: false));
            AssertPasses(check.Verify<double>(options, accumulateToo: false));
        }
    }

    private static void AssertPasses(string? failure) => Assert.True(failure is null, failure);

    [Fact]
    public void Products_running_on_several_threads_at_once_are_each_correct()
    {
        // Only one caller holds the worker pool; the others must fall back to their own thread and buffers.
        var random = new Random(11);
        GemmCheck[] checks = [.. Enumerable.Range(0, 8).Select(i => new GemmCheck(120 + i, 150, 130 - i, random))];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            string? failure = checks[i % checks.Length].Verify<float>(new GemmOptions { ParallelWorkAtLeast = 0 }, accumulateToo: false);
            if (failure is not null)
                failures.Add(failure);
        });
        Assert.Empty(failures);
    }

    [Theory]
    [InlineData(0, 5, 7)]
    [InlineData(5, 0, 7)]
    [InlineData(5, 7, 0)]
    public void Empty_dimensions_write_zeros_or_leave_the_sum_unchanged(int m, int k, int n)
    {
        var a = new double[m * k];
        var b = new double[k * n];
        var y = Enumerable.Repeat(double.NaN, m * n).ToArray();
        Ops.MatMul<double>(a, b, y, m, k, n);
        Assert.All(y, value => Assert.Equal(0.0, value));

        var sum = Enumerable.Repeat(2.5, m * n).ToArray();
        Ops.MatMulAdd<double>(a, b, sum, m, k, n);
        Assert.All(sum, value => Assert.Equal(2.5, value));
    }

    [Fact]
    public void Wrong_lengths_are_reported_with_the_span_name()
    {
        var a = new float[6];
        var b = new float[12];
        var y = new float[8];
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Ops.MatMul<float>(a.AsSpan(1), b, y, 2, 3, 4)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Ops.MatMul<float>(a, b.AsSpan(1), y, 2, 3, 4)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.MatMulAdd<float>(a, b, y.AsSpan(1), 2, 3, 4)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.MatMul<float>(a, b, y, -2, 3, 4));
        Assert.Equal("db", Assert.Throws<ArgumentException>(
            () => Ops.MatMulBackward<float>(a, b, y, new float[6], new float[11], 2, 3, 4)).ParamName);
    }

    [Fact]
    public void An_output_overlapping_an_input_is_rejected()
    {
        var buffer = new double[20];
        // y = buffer[6..14) overlaps a = buffer[0..8).
        Assert.Equal("y", Assert.Throws<ArgumentException>(
            () => Ops.MatMul<double>(buffer.AsSpan(0, 8), new double[16], buffer.AsSpan(6, 8), 2, 4, 4)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(
            () => Ops.MatMulAdd<double>(new double[8], buffer.AsSpan(0, 16), buffer.AsSpan(0, 8), 2, 4, 4)).ParamName);
        Assert.Equal("db", Assert.Throws<ArgumentException>(
            () => Ops.MatMulBackward<double>(new double[8], buffer.AsSpan(0, 16), new double[8], Span<double>.Empty,
                                             buffer.AsSpan(4, 16), 2, 4, 4)).ParamName);
    }
}
