using System.Diagnostics;
using System.Globalization;
using System.Text;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// Our float GEMM beside OpenBLAS's <c>cblas_sgemm</c>, interleaved in one process so both sides see the same
/// machine load: every round times each shape on both sides (the order alternating from round to round) and the
/// all-core zmm FMA peak, and the summary is the median over rounds. Prints <c>openblas_get_corename()</c> and
/// the load; writes every round's raw figures to a CSV file. Run it with <c>OPENBLAS_CORETYPE</c> and
/// <c>OPENBLAS_L2_SIZE</c> unset in that command alone, so OpenBLAS picks its own kernels:
/// <code>
/// env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- gemm-rounds [--rounds 9] [--threads 2] [--csv file]
/// </code>
/// </summary>
internal static class GemmRounds
{
    private sealed record Side(string Name, Action<GemmShape, float[], float[], float[]> Multiply);

    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 9);
        int threads = Option(args, "--threads", 2);
        string csv = OptionText(args, "--csv") ?? "gemm-rounds.csv";
        if (!OpenBlas.IsAvailable)
        {
            Console.Error.WriteLine(OpenBlas.MissingMessage);
            return 1;
        }

        OpenBlas.SetThreads(threads);
        var ours = new GemmOptions { MaxThreads = threads };
        var sides = new[]
        {
            new Side("OpenBLAS", (s, a, b, c) => OpenBlas.MatMul(a, b, c, s.M, s.K, s.N, s.TransposeA, s.TransposeB)),
            new Side("ours", (s, a, b, c) => Gemm.Multiply<float>(a, b, c, s.M, s.K, s.N, s.TransposeA, s.TransposeB, false, ours)),
        };
        Console.WriteLine($"OpenBLAS core: {OpenBlas.CoreName}; OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"}, "
                          + $"OPENBLAS_L2_SIZE={Environment.GetEnvironmentVariable("OPENBLAS_L2_SIZE") ?? "(unset)"}; threads {threads}; "
                          + $"ours: {Gemm.Resolve<float>(GemmKernel.Auto, 512)} kernel");
        Console.WriteLine($"load average at start: {LoadAverage()}");

        List<GemmShape> shapes = [.. GemmBenchmarks.Shapes()];
        var operands = shapes.Select(Operands).ToList();
        var peak = new FmaPeakBenchmarks();
        var rows = new StringBuilder("round,shape,side,gflops,ms\n");
        var gflops = shapes.ToDictionary(s => s, _ => sides.ToDictionary(side => side.Name, _ => new List<double>()));
        var peaks = new List<double>();

        // Warm-up: JIT, pack buffers, worker threads.
        for (int i = 0; i < shapes.Count; i++)
        {
            foreach (Side side in sides)
                side.Multiply(shapes[i], operands[i].A, operands[i].B, operands[i].C);
        }

        for (int round = 1; round <= rounds; round++)
        {
            double zmm = TimePeak(peak);
            peaks.Add(zmm);
            rows.Append(CultureInfo.InvariantCulture, $"{round},zmm FMA peak,all cores,{zmm:F1},\n");
            for (int i = 0; i < shapes.Count; i++)
            {
                GemmShape shape = shapes[i];
                var (a, b, c) = operands[i];
                IEnumerable<Side> order = round % 2 == 1 ? sides : sides.Reverse();
                foreach (Side side in order)
                {
                    double ms = MedianMilliseconds(() => side.Multiply(shape, a, b, c), Flops(shape));
                    double rate = Flops(shape) / (ms * 1e6);
                    gflops[shape][side.Name].Add(rate);
                    rows.Append(CultureInfo.InvariantCulture, $"{round},{shape},{side.Name},{rate:F1},{ms:F4}\n");
                }
            }
            Console.WriteLine($"round {round}: zmm peak {zmm:F0} GFLOP/s, load {LoadAverage()}");
        }

        Console.WriteLine();
        Console.WriteLine($"| shape (m×k×n) | OpenBLAS ({OpenBlas.CoreName}) GFLOP/s | ours GFLOP/s | ours / OpenBLAS (range over rounds) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (GemmShape shape in shapes)
        {
            List<double> theirs = gflops[shape]["OpenBLAS"], mine = gflops[shape]["ours"];
            double[] ratios = [.. mine.Zip(theirs, (x, y) => x / y)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {shape} | {Median(theirs):F1} | {Median(mine):F1} | **{Median(ratios):F2}** ({ratios.Min():F2}–{ratios.Max():F2}) |"));
        }
        double peakMedian = Median(peaks);
        GemmShape cube = shapes.First(s => s.M == 1024 && s.K == 1024 && s.N == 1024);
        double[] cubeShares = [.. gflops[cube]["ours"].Zip(peaks, (x, p) => x / p)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"\nzmm FMA peak (all cores, median of rounds): {peakMedian:F1} GFLOP/s; 1024³ ours / peak of the same round: median {Median(cubeShares):P0} ({cubeShares.Min():P0}–{cubeShares.Max():P0})"));
        Console.WriteLine($"load average at end: {LoadAverage()}");
        File.WriteAllText(csv, rows.ToString());
        Console.WriteLine($"raw rounds: {csv}");
        return 0;
    }

    private static double Flops(GemmShape shape) => 2.0 * shape.M * shape.K * shape.N;

    private static (float[] A, float[] B, float[] C) Operands(GemmShape shape)
    {
        var random = new Random(42);
        float[] Fill(int length)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++)
                values[i] = (float)(random.NextDouble() - 0.5);
            return values;
        }
        return (Fill(shape.M * shape.K), Fill(shape.K * shape.N), new float[shape.M * shape.N]);
    }

    /// <summary>The median time of enough calls to fill about 0.3 s (at least 5).</summary>
    private static double MedianMilliseconds(Action call, double flops)
    {
        int calls = (int)Math.Clamp(0.3 * 250e9 / flops, 5, 2000);
        var times = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Median(times);
    }

    private static double TimePeak(FmaPeakBenchmarks peak)
    {
        var rates = new double[5];
        double flops = 2.0 * 16 * 12 * 4_000_000 * WorkerPool.Shared.ThreadCount;
        for (int i = 0; i < rates.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            peak.Float512();
            rates[i] = flops / (Stopwatch.GetElapsedTime(start).TotalSeconds * 1e9);
        }
        return rates.Max();
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        int h = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
