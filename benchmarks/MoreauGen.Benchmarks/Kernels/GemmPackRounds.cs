using System.Globalization;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// The packing of one operand alone, plain against transposed storage, on one thread, the sides taking turns call by
/// call: B̃ of a k×n op(B) (every NR-panel of the Avx512 float kernel, as the column split packs them, into one panel
/// buffer) from row-major k×n and from transposed n×k storage, and Ã of an m×k op(A) (MR-panels) from row-major m×k and
/// transposed k×m storage; then the whole product on two threads with B plain and transposed. Prints the median over
/// rounds of each side's median call and the bandwidth (bytes read + written):
/// <code>
/// dotnet benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll gemm-pack [--m 256] [--k 500] [--n 784] [--rounds 5]
/// </code>
/// </summary>
internal static class GemmPackRounds
{
    public static unsafe int Run(string[] args)
    {
        int m = Option(args, "--m", 256), k = Option(args, "--k", 500), n = Option(args, "--n", 784), rounds = Option(args, "--rounds", 5);
        int mr = Avx512Kernel<float>.MR, nr = Avx512Kernel<float>.NR;
        var random = new Random(1);
        float[] a = [.. Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble())];
        float[] b = [.. Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble())];
        float[] c = new float[m * n];
        float[] panelB = GC.AllocateArray<float>(k * nr + 16, pinned: true);
        float[] blockA = GC.AllocateArray<float>((m + mr) * k + 16, pinned: true);
        var ours = new GemmOptions { MaxThreads = 2 };

        void PackAllB(bool transB)
        {
            fixed (float* pb = b)
            fixed (float* dst = panelB)
            {
                for (int col0 = 0; col0 < n; col0 += nr)
                    GemmPacking.PackB(pb, k, n, transB, 0, k, col0, Math.Min(nr, n - col0), dst, nr);
            }
        }

        void PackAllA(bool transA)
        {
            fixed (float* pa = a)
            fixed (float* dst = blockA)
            {
                for (int row0 = 0; row0 < m; row0 += mr)
                    GemmPacking.PackA(pa, m, k, transA, row0, Math.Min(mr, m - row0), 0, k, dst + (nint)row0 * k, mr);
            }
        }

        (string Name, Action Call, double Bytes)[] sides =
        [
            ($"pack B̃ {k}×{n}, B plain", () => PackAllB(false), 8.0 * k * n),
            ($"pack B̃ {k}×{n}, B transposed", () => PackAllB(true), 8.0 * k * n),
            ($"pack Ã {m}×{k}, A plain", () => PackAllA(false), 8.0 * m * k),
            ($"pack Ã {m}×{k}, A transposed", () => PackAllA(true), 8.0 * m * k),
            ($"product {m}×{k}×{n}, B plain", () => Gemm.Multiply<float>(a, b, c, m, k, n, false, false, false, ours), 0),
            ($"product {m}×{k}×{n}, B transposed", () => Gemm.Multiply<float>(a, b, c, m, k, n, false, true, false, ours), 0),
        ];
        Console.WriteLine($"gemm-pack m={m} k={k} n={n}, Avx512 float panels MR={mr} NR={nr}; load average at start: {Rounds.LoadAverage()}");
        Rounds.WarmUp(1.0, [.. sides.Select(s => s.Call)]);
        var medians = sides.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            double[] ms = Rounds.InterleavedMedians([.. sides.Select(s => s.Call)], 200);
            for (int s = 0; s < sides.Length; s++)
                medians[s].Add(ms[s]);
        }
        Console.WriteLine("| side | median µs | GB/s or GFLOP/s |");
        Console.WriteLine("|---|---:|---:|");
        for (int s = 0; s < sides.Length; s++)
        {
            double ms = Rounds.Median(medians[s]);
            double rate = sides[s].Bytes > 0 ? sides[s].Bytes / (ms * 1e6) : 2.0 * m * k * n / (ms * 1e6);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {sides[s].Name} | {ms * 1e3:F1} | {rate:F1} |"));
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
