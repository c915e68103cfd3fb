using System.Diagnostics;
using System.Globalization;
using System.Text;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// Why calls of one GEMM shape vary: times every call of our GEMM (and of variants, taking turns call by call) and beside
/// each call what could explain it: the all-core zmm FMA rate measured right before it (the clock and the host's share of the
/// cores), the time the process's threads waited on the run queue during it (/proc/self/task/*/schedstat: another process
/// on our cores), the VM's steal time (/proc/stat, 10 ms units), the minor page faults, and, in a diagnostic build of the
/// runtime (<c>-p:GemmTrace=true</c>, <see cref="GemmTrace"/>), when each thread joined and left the product, how long it
/// spun waiting and how many row panels it computed. Prints the distribution of the calls and the mean of every column over
/// the slowest and the fastest fifth of the calls; writes every call to a CSV file.
/// <code>
/// dotnet benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll gemm-calls \
///     [--shape 1024x1024x1024] [--calls 300] [--threads 2] [--probe 1] [--variants rows-rb2,tiles,rows-t1] [--csv file]
/// </code>
/// </summary>
internal static class GemmCalls
{
    private sealed record Side(string Name, GemmOptions Options);

    private static readonly string[] TraceColumns =
        ["t1_join_us", "t0_leave_us", "t1_leave_us", "t0_wait_buffer_us", "t1_wait_buffer_us", "t0_wait_packed_us", "t1_wait_packed_us",
         "t0_wait_block_us", "t1_wait_block_us", "t0_row_panels", "t1_row_panels", "t0_b_panels", "t1_b_panels"];

    public static int Run(string[] args)
    {
        int calls = GemmRounds.Option(args, "--calls", 300);
        int threads = GemmRounds.Option(args, "--threads", 2);
        bool probe = GemmRounds.Option(args, "--probe", 1) != 0;
        string csv = GemmRounds.OptionText(args, "--csv") ?? "gemm-calls.csv";
        int[] dims = [.. (GemmRounds.OptionText(args, "--shape") ?? "1024x1024x1024").Split('x').Select(d => int.Parse(d, CultureInfo.InvariantCulture))];
        var shape = new GemmShape(dims[0], dims[1], dims[2]);
        var ours = new GemmOptions { MaxThreads = threads };
        List<Side> sides = [new Side("ours", ours)];
        if (GemmRounds.OptionText(args, "--variants") is { } variants)
            sides.AddRange(variants.Split(',').Select(v => new Side("ours " + v, GemmRounds.Variant(v, ours))));

        Console.WriteLine($"gemm-calls {shape}, threads {threads}, {calls} calls per side taking turns call by call; trace build: {GemmTrace.Enabled}; "
                          + $"ours: {Gemm.Resolve<float>(GemmKernel.Auto, shape.N)} kernel");
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        var (a, b, c) = GemmRounds.Operands(shape);
        var peak = new FmaPeakBenchmarks();
        double flops = GemmRounds.Flops(shape);
        Rounds.WarmUp(1.0, [.. sides.Select(s => (Action)(() => Multiply(s, shape, a, b, c)))]);

        string[] columns = ["side", "call", "ms", "gflops", "probe_gflops", "run_delay_us", "steal_ms", "minflt", .. GemmTrace.Enabled ? TraceColumns : []];
        var table = sides.ToDictionary(s => s.Name, _ => new List<double[]>());
        for (int i = 0; i < calls; i++)
        {
            for (int j = 0; j < sides.Count; j++)
            {
                Side side = sides[(i + j) % sides.Count];
                double probeRate = probe ? PeakRate(peak) : double.NaN;
                long delay = RunDelayNs(), steal = StealTicks(), faults = MinorFaults();
                GemmTrace.Reset();
                long start = Stopwatch.GetTimestamp();
                Multiply(side, shape, a, b, c);
                long end = Stopwatch.GetTimestamp();
                double ms = Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
                double[] row = [i, ms, flops / (ms * 1e6), probeRate, (RunDelayNs() - delay) / 1e3, (StealTicks() - steal) * 10.0, MinorFaults() - faults,
                                .. GemmTrace.Enabled ? Trace(start) : []];
                table[side.Name].Add(row);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| side | min ms | p10 | median | p90 | max | GFLOP/s median (best) | probe GFLOP/s median | median call / probe of its call |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Side side in sides)
        {
            List<double[]> rows = table[side.Name];
            double[] ms = [.. rows.Select(r => r[1]).Order()];
            double shareMedian = Rounds.Median(rows.Select(r => r[2] / r[3]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {side.Name} | {ms[0]:F3} | {Quantile(ms, 0.1):F3} | {Quantile(ms, 0.5):F3} | {Quantile(ms, 0.9):F3} | {ms[^1]:F3} | "
                + $"{flops / (Quantile(ms, 0.5) * 1e6):F0} ({flops / (ms[0] * 1e6):F0}) | {Rounds.Median(rows.Select(r => r[3])):F0} | {shareMedian:P0} |"));
        }

        // What the slowest fifth of the calls had that the fastest fifth had not: the mean of every column over each.
        Console.WriteLine();
        Console.WriteLine("| side | calls | " + string.Join(" | ", columns[2..]) + " |");
        Console.WriteLine("|---|---|" + string.Concat(Enumerable.Repeat("---:|", columns.Length - 2)));
        foreach (Side side in sides)
        {
            double[][] sorted = [.. table[side.Name].OrderBy(r => r[1])];
            int fifth = Math.Max(1, sorted.Length / 5);
            foreach ((string name, double[][] part) in new[] { ("fastest fifth", sorted[..fifth]), ("middle", sorted[fifth..^fifth]), ("slowest fifth", sorted[^fifth..]) })
            {
                if (part.Length == 0)
                    continue;
                IEnumerable<string> means = Enumerable.Range(1, columns.Length - 2).Select(k => part.Average(r => r[k]).ToString("G4", CultureInfo.InvariantCulture));
                Console.WriteLine($"| {side.Name} | {name} | " + string.Join(" | ", means) + " |");
            }
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");

        var text = new StringBuilder(string.Join(',', columns) + "\n");
        foreach (Side side in sides)
        {
            foreach (double[] row in table[side.Name])
                text.Append(side.Name).Append(',').AppendJoin(',', row.Select(v => v.ToString("G6", CultureInfo.InvariantCulture))).Append('\n');
        }
        File.WriteAllText(csv, text.ToString());
        Console.WriteLine($"every call: {csv}");
        return 0;
    }

    private static void Multiply(Side side, GemmShape s, float[] a, float[] b, float[] c) =>
        Gemm.Multiply<float>(a, b, c, s.M, s.K, s.N, s.TransposeA, s.TransposeB, false, side.Options);

    /// <summary>The trace of the call that started at <paramref name="start"/> (µs from the start for the times).</summary>
    private static double[] Trace(long start)
    {
        static double Us(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
        double At(int t, GemmTrace.Field f) => GemmTrace.Get(t, GemmTrace.Field.Enter) == 0 ? double.NaN : Us(GemmTrace.Get(t, f) - start);
        double Sum(int t, GemmTrace.Field f) => Us(GemmTrace.Get(t, f));
        return [At(1, GemmTrace.Field.Enter), At(0, GemmTrace.Field.Leave), At(1, GemmTrace.Field.Leave),
                Sum(0, GemmTrace.Field.WaitBuffer), Sum(1, GemmTrace.Field.WaitBuffer), Sum(0, GemmTrace.Field.WaitPacked), Sum(1, GemmTrace.Field.WaitPacked),
                Sum(0, GemmTrace.Field.WaitBlock), Sum(1, GemmTrace.Field.WaitBlock),
                GemmTrace.Get(0, GemmTrace.Field.RowPanels), GemmTrace.Get(1, GemmTrace.Field.RowPanels),
                GemmTrace.Get(0, GemmTrace.Field.Panels), GemmTrace.Get(1, GemmTrace.Field.Panels)];
    }

    private static double Quantile(double[] sorted, double q) => sorted[(int)Math.Round(q * (sorted.Length - 1))];

    /// <summary>One all-core zmm FMA run (12 chains × 4·10⁶ iterations per core), in GFLOP/s.</summary>
    private static double PeakRate(FmaPeakBenchmarks peak)
    {
        long start = Stopwatch.GetTimestamp();
        peak.Float512();
        return 2.0 * 16 * 12 * 4_000_000 * WorkerPool.Shared.ThreadCount / (Stopwatch.GetElapsedTime(start).TotalSeconds * 1e9);
    }

    /// <summary>Nanoseconds the process's threads have waited on a run queue (second field of each task's schedstat).</summary>
    private static long RunDelayNs()
    {
        long total = 0;
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string[] fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                total += long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // the thread ended between the listing and the read
            }
        }
        return total;
    }

    /// <summary>The machine's steal time so far (the eighth value of /proc/stat's cpu line, in 10 ms units).</summary>
    private static long StealTicks()
    {
        using var reader = new StreamReader("/proc/stat");
        string[] fields = reader.ReadLine()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[8], CultureInfo.InvariantCulture);
    }

    /// <summary>The process's minor page faults so far (/proc/self/stat, tenth field).</summary>
    private static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
}
