namespace MoreauGen.Benchmarks.Mlp;

/// <summary>The length checks the hand-written MLP layers make at entry: an <see cref="ArgumentException"/> naming the span.</summary>
internal static class HandWrittenLayerSpans
{
    /// <summary>The batch size m of <paramref name="x"/>, which must hold a whole, positive number of samples of <paramref name="inputs"/> values.</summary>
    public static int Batch(ReadOnlySpan<float> x, int inputs)
    {
        if (x.Length == 0 || x.Length % inputs != 0)
            throw new ArgumentException($"x has {x.Length} values, not a positive whole number of samples of {inputs}.", nameof(x));
        return x.Length / inputs;
    }

    /// <summary>Checks that <paramref name="span"/> holds exactly <paramref name="expected"/> values.</summary>
    public static void Check(ReadOnlySpan<float> span, int expected, string name)
    {
        if (span.Length != expected)
            throw new ArgumentException($"{name} has {span.Length} values; expected {expected}.", name);
    }

    /// <summary>Checks that a gradient span holds <paramref name="expected"/> values, or none (that gradient is skipped).</summary>
    public static void CheckOrEmpty(ReadOnlySpan<float> span, int expected, string name)
    {
        if (span.Length != expected && span.Length != 0)
            throw new ArgumentException($"{name} has {span.Length} values; expected {expected}, or none to skip this gradient.", name);
    }
}
