using System.Globalization;

namespace MoreauGen.Samples.Common;

/// <summary>
/// Tick marks for a logarithmic axis, in axis units (log10 of the value). Over two decades or more: a labelled tick at
/// each power of ten (every second or third when there are many), minor ticks at 2..9 × 10^k. Over less: labelled
/// ticks at 1, 2, 5 × 10^k (or 1..9 × 10^k when that still gives fewer than three), so even a short range such as
/// 0.05..10 gets several labels and never a single one.
/// </summary>
public static class LogTicks
{
    /// <summary>The labelled ticks (log10 position, label) and the minor ones for values in [<paramref name="low"/>, <paramref name="high"/>] (both positive).</summary>
    public static (IReadOnlyList<(double Position, string Label)> Major, IReadOnlyList<double> Minor) For(double low, double high)
    {
        if (!(low > 0 && high >= low && double.IsFinite(high)))
            throw new ArgumentOutOfRangeException(nameof(low), $"A log axis needs 0 < low ≤ high < ∞; got {low}..{high}.");
        int first = (int)Math.Floor(Math.Log10(low)), last = (int)Math.Ceiling(Math.Log10(high));
        if (last == first)
            last++;
        var major = new List<(double, string)>();
        var minor = new List<double>();
        if (last - first >= 2)
        {
            int every = Math.Max(1, (int)Math.Ceiling((last - first + 1) / 8.0));
            for (int k = first; k <= last; k++)
            {
                if ((k - first) % every == 0)
                    major.Add((k, Label(k, 1)));
                else
                    minor.Add(k);
                for (int m = 2; m <= 9 && k < last; m++)
                    minor.Add(k + Math.Log10(m));
            }

            return (major, minor);
        }

        foreach (int[] mantissas in new[] { new[] { 1, 2, 5 }, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 } })
        {
            major.Clear();
            minor.Clear();
            for (int k = first; k <= last; k++)
            {
                for (int m = 1; m <= 9; m++)
                {
                    double value = m * Math.Pow(10, k);
                    bool inside = value >= low * 0.999 && value <= high * 1.001;
                    if (mantissas.Contains(m) && inside)
                        major.Add((Math.Log10(value), Label(k, m)));
                    else if (value >= low / 10 && value <= high * 10)
                        minor.Add(Math.Log10(value));
                }
            }

            if (major.Count >= 3)
                break;
        }

        if (major.Count < 2)
        {
            // A very narrow range (e.g. 3.1..3.4): label its ends.
            major.Clear();
            major.Add((Math.Log10(low), low.ToString("G3", CultureInfo.InvariantCulture)));
            major.Add((Math.Log10(high), high.ToString("G3", CultureInfo.InvariantCulture)));
        }

        return (major, minor);
    }

    /// <summary>m·10^k as a short label: 0.002, 50, 1e+05 (G4, invariant culture).</summary>
    private static string Label(int k, int m) => (m * Math.Pow(10, k)).ToString(k is >= -4 and <= 5 ? "G6" : "0e+0", CultureInfo.InvariantCulture);
}
