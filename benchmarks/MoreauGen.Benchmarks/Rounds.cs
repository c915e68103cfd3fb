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

    /// <summary>The 1-, 5- and 15-minute load averages from /proc/loadavg, or "unknown".</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
