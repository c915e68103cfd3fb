namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>
/// What a random program's reference reports while it runs: the branch decisions it took (as a hash), the smallest
/// distance of a compared value or a kink's argument from its switch, and the largest magnitude it computed.
/// </summary>
public sealed class Trace
{
    public double MinMargin { get; private set; } = double.PositiveInfinity;

    public double MaxAbs { get; private set; }

    public bool NotFinite { get; private set; }

    public ulong Decisions { get; private set; } = 14695981039346656037;

    /// <summary>Records an assigned value.</summary>
    public double V(double value)
    {
        if (!double.IsFinite(value))
        {
            NotFinite = true;
        }
        else
        {
            MaxAbs = Math.Max(MaxAbs, Math.Abs(value));
        }

        return value;
    }

    /// <summary><paramref name="value"/> &gt; <paramref name="constant"/> (or &lt;), recorded.</summary>
    public bool Compare(double value, double constant, bool greater)
    {
        MinMargin = Math.Min(MinMargin, Math.Abs(value - constant));
        bool result = greater ? value > constant : value < constant;
        Record(result);
        return result;
    }

    /// <summary>The argument of a function with a kink at <paramref name="at"/>, recorded.</summary>
    public double Kink(double value, double at)
    {
        MinMargin = Math.Min(MinMargin, Math.Abs(value - at));
        Record(value > at);
        return value;
    }

    /// <summary>The argument of a function that jumps at every integer + <paramref name="offset"/> (Floor: 0, Round: 0.5), recorded.</summary>
    public double Jump(double value, double offset)
    {
        double shifted = value - offset;
        MinMargin = Math.Min(MinMargin, Math.Abs(shifted - Math.Round(shifted)));
        Decisions = (Decisions ^ (ulong)(long)Math.Floor(shifted)) * 1099511628211UL;
        return value;
    }

    private void Record(bool taken) => Decisions = (Decisions ^ (taken ? 1UL : 2UL)) * 1099511628211UL;
}

/// <summary>A random program's reference: φ(w, x) into y, reporting to the trace.</summary>
public delegate void ReferenceEvaluation(double[] w, double[] x, double[] y, Trace trace);
