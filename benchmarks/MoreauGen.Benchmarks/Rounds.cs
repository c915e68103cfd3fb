namespace MoreauGen.Benchmarks;

/// <summary>What the interleaved round benchmarks (<c>gemm-rounds</c>, <c>step-rounds</c>) share: medians and the load.</summary>
internal static class Rounds
{
    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        int h = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
    }

    /// <summary>The options of a rounds subcommand: <c>--rounds N</c> first (default 5) and <c>--csv FILE</c> anywhere.</summary>
    public static (int Rounds, string Csv) Options(string[] args, string defaultCsv)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
        int csvAt = Array.IndexOf(args, "--csv");
        return (rounds, csvAt >= 0 && csvAt + 1 < args.Length ? args[csvAt + 1] : defaultCsv);
    }

    /// <summary>
    /// Calls each of <paramref name="sides"/> in turn for at least <paramref name="seconds"/> (and 200 times), so that the
    /// JIT's tiered compilation has replaced their first, unoptimized code before anything is timed: it starts counting
    /// calls only after 100 ms without new methods and compiles the optimized code on a background thread, which a loaded
    /// machine starves. A warm-up of a fixed 200 calls lasted about a millisecond and timed code of mixed tiers.
    /// </summary>
    public static void WarmUp(double seconds, params Action[] sides)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int calls = 0; calls < 200 || watch.Elapsed.TotalSeconds < seconds; calls++)
        {
            foreach (Action side in sides)
            {
                side();
            }

            if (calls % 64 == 63)
            {
                Thread.Sleep(1);
            }
        }
    }

    /// <summary>
    /// The median time in ms of each of <paramref name="sides"/> over <paramref name="calls"/> calls, the sides taking turns
    /// call by call (the first side alternating), so that all meet the same moments of a shared machine.
    /// </summary>
    public static double[] InterleavedMedians(Action[] sides, int calls) => [.. InterleavedTimes(sides, calls).Select(Median)];

    /// <summary>The time in ms of each call of each of <paramref name="sides"/>, taking turns as <see cref="InterleavedMedians"/> does.</summary>
    public static double[][] InterleavedTimes(Action[] sides, int calls) => InterleavedTimes([.. sides.Select(Timed)], calls);

    /// <summary>The times in ms that each of <paramref name="sides"/> returns, call by call, taking turns as <see cref="InterleavedMedians"/> does.</summary>
    public static double[][] InterleavedTimes(Func<double>[] sides, int calls)
    {
        var times = new double[sides.Length][];
        for (int s = 0; s < sides.Length; s++)
            times[s] = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            for (int j = 0; j < sides.Length; j++)
            {
                int s = (i + j) % sides.Length;
                times[s][i] = sides[s]();
            }
        }
        return times;
    }

    /// <summary>A side that times one call of <paramref name="side"/>, in ms.</summary>
    public static Func<double> Timed(Action side) => () =>
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        side();
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    };

    /// <summary>
    /// The time in ms of <paramref name="parts"/>, each timed on a call made right after an untimed call of itself, summed:
    /// every part finds its own operands where a loop of it alone leaves them (a training step after the previous step, a
    /// product measured alone), whatever ran before. For the products of a step this is "the sum of its products' times
    /// measured alone", the strongest honest baseline: a product timed in a sequence after other work finds its operands
    /// evicted and is slower.
    /// </summary>
    public static double WarmSum(IReadOnlyList<Action> parts)
    {
        double total = 0;
        foreach (Action part in parts)
        {
            part();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            part();
            total += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return total;
    }

    /// <summary>
    /// The median over <paramref name="calls"/> of each side's <see cref="WarmSum"/>, the sides taking turns call by call as in
    /// <see cref="InterleavedMedians"/>.
    /// </summary>
    public static double[] InterleavedWarmMedians(IReadOnlyList<Action>[] sides, int calls) =>
        InterleavedMedians([.. sides.Select(parts => (Func<double>)(() => WarmSum(parts)))], calls);

    /// <summary>The median over <paramref name="calls"/> of the times in ms that each of <paramref name="sides"/> returns, taking turns as in <see cref="InterleavedMedians"/>.</summary>
    public static double[] InterleavedMedians(Func<double>[] sides, int calls) => [.. InterleavedTimes(sides, calls).Select(Median)];

    /// <summary>The 1-, 5- and 15-minute load averages from /proc/loadavg, or "unknown".</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
