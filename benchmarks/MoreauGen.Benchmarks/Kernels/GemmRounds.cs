using System.Diagnostics;
using System.Globalization;
using System.Text;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// Our float GEMM beside OpenBLAS's <c>cblas_sgemm</c>, interleaved in one process so both sides see the same
/// machine load: every round times the all-core zmm FMA peak, then each shape with the sides taking turns call by
/// call (the first side alternating), and keeps each side's median and fastest call; the summary is the median over
/// rounds. Prints <c>openblas_get_corename()</c>, the OpenBLAS variables and the load; writes every round's raw
/// figures to a CSV file. Run it with <c>OPENBLAS_CORETYPE</c> and <c>OPENBLAS_L2_SIZE</c> unset in that command
/// alone, so OpenBLAS picks its own kernels:
/// <code>
/// env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- \
///     gemm-rounds [--rounds 9] [--threads 2] [--csv file] [--shapes 256x784x500,256x500x784-Bt (any m×k×n[-At][-Bt])] [--variants tiles,rows-mc96,auto-wide,rows-rb1,columns,columns-own] [--turns blocks|calls]
/// </code>
/// <c>--variants</c> adds our GEMM with another split or blocking as further sides, for tuning.
/// </summary>
internal static class GemmRounds
{
    private sealed record Side(string Name, Action<GemmShape, float[], float[], float[]> Multiply);

    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 9);
        int threads = Option(args, "--threads", 2);
        string csv = OptionText(args, "--csv") ?? "gemm-rounds.csv";
        bool byCalls = (OptionText(args, "--turns") ?? "blocks") switch
        {
            "blocks" => false,
            "calls" => true,
            var other => throw new ArgumentException($"--turns {other}: write blocks (each side's calls in one block, the default) or calls"),
        };
        if (!OpenBlas.IsAvailable)
        {
            Console.Error.WriteLine(OpenBlas.MissingMessage);
            return 1;
        }

        OpenBlas.SetThreads(threads);
        var ours = new GemmOptions { MaxThreads = threads };
        Side[] sides =
        [
            new Side("OpenBLAS", (s, a, b, c) => OpenBlas.MatMul(a, b, c, s.M, s.K, s.N, s.TransposeA, s.TransposeB)),
            new Side("ours", (s, a, b, c) => Gemm.Multiply<float>(a, b, c, s.M, s.K, s.N, s.TransposeA, s.TransposeB, false, ours)),
        ];
        if (OptionText(args, "--variants") is { } variants)
        {
            // Schedules to compare with the default in the same run (for tuning), e.g. rows, rows-mc96, auto-kc384.
            foreach (string variant in variants.Split(','))
            {
                GemmOptions options = Variant(variant, ours);
                sides = [.. sides, new Side("ours " + variant, (s, a, b, c) => Gemm.Multiply<float>(a, b, c, s.M, s.K, s.N, s.TransposeA, s.TransposeB, false, options))];
            }
        }
        Console.WriteLine($"OpenBLAS core: {OpenBlas.CoreName}; OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"}, "
                          + $"OPENBLAS_L2_SIZE={Environment.GetEnvironmentVariable("OPENBLAS_L2_SIZE") ?? "(unset)"}; threads {threads}; "
                          + $"ours: {Gemm.Resolve<float>(GemmKernel.Auto, 512)} kernel; sides take turns "
                          + (byCalls ? "call by call" : $"in blocks, {IdleWorkers.TotalMilliseconds:F0} ms idle before each"));
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");

        string? only = OptionText(args, "--shapes"); // e.g. 256x784x500,1024x1024x1024 (default: all six), or any m×k×n[-At][-Bt]
        List<GemmShape> shapes = only is null ? [.. GemmBenchmarks.Shapes()] : [.. only.Split(',').Select(ParseShape)];
        var operands = shapes.Select(Operands).ToList();
        var peak = new FmaPeakBenchmarks();
        var rows = new StringBuilder("round,shape,side,gflops,ms,best_gflops,best_ms\n");
        var gflops = shapes.ToDictionary(s => s, _ => sides.ToDictionary(side => side.Name, _ => new List<double>()));
        var best = shapes.ToDictionary(s => s, _ => sides.ToDictionary(side => side.Name, _ => new List<double>()));
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
                (double Median, double Best)[] ms = Milliseconds(sides, shape, a, b, c, byCalls, round);
                for (int s = 0; s < sides.Length; s++)
                {
                    double rate = Flops(shape) / (ms[s].Median * 1e6), bestRate = Flops(shape) / (ms[s].Best * 1e6);
                    gflops[shape][sides[s].Name].Add(rate);
                    best[shape][sides[s].Name].Add(bestRate);
                    rows.Append(CultureInfo.InvariantCulture, $"{round},{shape},{sides[s].Name},{rate:F1},{ms[s].Median:F4},{bestRate:F1},{ms[s].Best:F4}\n");
                }
            }
            Console.WriteLine($"round {round}: zmm peak {zmm:F0} GFLOP/s, load {Rounds.LoadAverage()}");
        }

        Console.WriteLine();
        Console.WriteLine($"| shape (m×k×n) | OpenBLAS ({OpenBlas.CoreName}) GFLOP/s | ours GFLOP/s | ours / OpenBLAS (range over rounds) | best call: OpenBLAS | best call: ours | best-call ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (GemmShape shape in shapes)
        {
            List<double> theirs = gflops[shape]["OpenBLAS"], mine = gflops[shape]["ours"];
            double[] ratios = [.. mine.Zip(theirs, (x, y) => x / y)];
            double bestTheirs = best[shape]["OpenBLAS"].Max(), bestMine = best[shape]["ours"].Max();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {shape} | {Rounds.Median(theirs):F1} | {Rounds.Median(mine):F1} | **{Rounds.Median(ratios):F2}** ({ratios.Min():F2}–{ratios.Max():F2}) | {bestTheirs:F1} | {bestMine:F1} | {bestMine / bestTheirs:F2} |"));
            foreach (Side variant in sides.Skip(2))
            {
                double[] variantRatios = [.. gflops[shape][variant.Name].Zip(theirs, (x, y) => x / y)];
                double bestVariant = best[shape][variant.Name].Max();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {shape}, {variant.Name} | | {Rounds.Median(gflops[shape][variant.Name]):F1} | {Rounds.Median(variantRatios):F2} ({variantRatios.Min():F2}–{variantRatios.Max():F2}) | | {bestVariant:F1} | {bestVariant / bestTheirs:F2} |"));
            }
        }
        double peakMedian = Rounds.Median(peaks);
        if (shapes.FirstOrDefault(s => s.M == 1024 && s.K == 1024 && s.N == 1024) is { } cube)
        {
            double[] cubeShares = [.. gflops[cube]["ours"].Zip(peaks, (x, p) => x / p)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\nzmm FMA peak (all cores, median of rounds): {peakMedian:F1} GFLOP/s; 1024³ ours / peak of the same round: median {Rounds.Median(cubeShares):P0} ({cubeShares.Min():P0}–{cubeShares.Max():P0})"));
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        File.WriteAllText(csv, rows.ToString());
        Console.WriteLine($"raw rounds: {csv}");
        return 0;
    }

    /// <summary>A shape written as m×k×n with optional -At / -Bt (e.g. 128x784x500, 784x128x500-At), as the table prints it.</summary>
    internal static GemmShape ParseShape(string text)
    {
        string[] parts = text.Split('-');
        int[] sizes = [.. parts[0].Split('x').Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];
        if (sizes.Length != 3 || sizes.Any(v => v < 1) || parts.Skip(1).Any(p => p is not ("At" or "Bt")))
            throw new ArgumentException($"--shapes: '{text}' is not m×k×n with optional -At / -Bt, e.g. 128x784x500 or 784x128x500-At.");
        return new GemmShape(sizes[0], sizes[1], sizes[2], parts.Contains("At"), parts.Contains("Bt"));
    }

    /// <summary>
    /// Our options for a variant name: the split (tiles, rows, columns, auto), then any of wide (the 8×48 kernel), t1 (one thread), own (the
    /// column split's Ã packed by each thread), rbN (row blocks per thread), mcN, kcN, ncN, dkN (blocking; dk0: no deeper depth block above 2·MC rows), e.g. rows-rb4-kc256.
    /// </summary>
    public static GemmOptions Variant(string variant, GemmOptions ours)
    {
        string[] parts = variant.Split('-');
        GemmOptions options = ours with { Split = Enum.Parse<GemmSplit>(parts[0], ignoreCase: true) };
        GemmKernel kernel = parts.Contains("wide") ? GemmKernel.Avx512Wide : GemmKernel.Avx512;
        options = options with { Kernel = kernel };
        GemmBlocking blocking = Gemm.DefaultBlocking<float>(kernel);
        foreach (string part in parts[1..].Where(p => p != "wide"))
        {
            if (part == "own")
            {
                options = options with { ColumnsPackOwnA = true }; // columns-own: each thread packs all of Ã
                continue;
            }
            if (part == "t1")
            {
                options = options with { MaxThreads = 1 }; // one thread: the kernel alone, no schedule
                continue;
            }
            if (part.StartsWith("rb", StringComparison.Ordinal))
            {
                options = options with { RowBlocksPerThread = int.Parse(part[2..], CultureInfo.InvariantCulture) };
                continue;
            }
            int value = int.Parse(part[2..], CultureInfo.InvariantCulture);
            blocking = part[..2] switch
            {
                "mc" => blocking with { MC = value },
                "kc" => blocking with { KC = value },
                "nc" => blocking with { NC = value },
                "dk" => blocking with { DeepKC = value }, // dk0: depth blocks of KC above 2·MC rows too
                _ => throw new ArgumentException($"variant '{variant}': write e.g. rows-mc96-kc384 or rows-rb4 (row blocks per thread)"),
            };
        }
        return options with { Blocking = blocking };
    }

    internal static double Flops(GemmShape shape) => 2.0 * shape.M * shape.K * shape.N;

    internal static (float[] A, float[] B, float[] C) Operands(GemmShape shape)
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

    /// <summary>How long the process sleeps before each side's block, so idle workers of the side before have stopped spinning.</summary>
    private static readonly TimeSpan IdleWorkers = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The median and the shortest time of each side over enough calls to fill about 0.3 s per side (at least 5). By
    /// default each side makes all its calls in one block after <see cref="IdleWorkers"/> of sleep, the first side
    /// rotating with <paramref name="round"/>; with <paramref name="byCalls"/> the sides take turns call by call.
    /// </summary>
    private static (double Median, double Best)[] Milliseconds(Side[] sides, GemmShape shape, float[] a, float[] b, float[] c, bool byCalls, int round)
    {
        int calls = (int)Math.Clamp(0.3 * 250e9 / Flops(shape), 5, 2000);
        Action[] actions = [.. sides.Select(side => (Action)(() => side.Multiply(shape, a, b, c)))];
        double[][] times = byCalls ? Rounds.InterleavedTimes(actions, calls) : new double[sides.Length][];
        for (int j = 0; !byCalls && j < sides.Length; j++)
        {
            int s = (round + j) % sides.Length;
            Thread.Sleep(IdleWorkers);
            times[s] = new double[calls];
            for (int i = 0; i < calls; i++)
            {
                long start = Stopwatch.GetTimestamp();
                actions[s]();
                times[s][i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }
        return [.. times.Select(t => (Rounds.Median(t), t.Min()))];
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

    internal static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    internal static string? OptionText(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
