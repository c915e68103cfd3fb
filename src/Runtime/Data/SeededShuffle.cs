namespace MoreauGen.Data;

/// <summary>
/// Reproducible permutations of sample indices: the order for (seed, epoch) depends on those two numbers and the
/// sample count only — not on the .NET version, the machine or earlier epochs — so a run resumed from a checkpoint
/// at epoch k sees the same orders as the uninterrupted run. SplitMix64 drives a Fisher–Yates shuffle with unbiased
/// bounded draws (Lemire's multiply-and-reject).
/// </summary>
public static class SeededShuffle
{
    /// <summary>Writes into <paramref name="order"/> the permutation of 0..order.Length−1 for (<paramref name="seed"/>, <paramref name="epoch"/>).</summary>
    public static void Permutation(Span<int> order, ulong seed, int epoch)
    {
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        Shuffle(order, seed, epoch);
    }

    /// <summary>Shuffles <paramref name="values"/> in place with the generator for (<paramref name="seed"/>, <paramref name="epoch"/>).</summary>
    public static void Shuffle<TValue>(Span<TValue> values, ulong seed, int epoch)
    {
        // Two SplitMix64 steps mix the epoch into the seed, so neighbouring seeds and epochs give unrelated streams.
        ulong state = seed;
        state = Mix(ref state) ^ (ulong)(uint)epoch;
        state = Mix(ref state);
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = (int)Below(ref state, (uint)(i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>A uniform integer in 0..bound−1 (Lemire, "Fast random integer generation in an interval", 2019).</summary>
    private static uint Below(ref ulong state, uint bound)
    {
        ulong product = (ulong)(uint)(Mix(ref state) >> 32) * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            uint threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                product = (ulong)(uint)(Mix(ref state) >> 32) * bound;
                low = (uint)product;
            }
        }
        return (uint)(product >> 32);
    }

    /// <summary>One SplitMix64 step (Steele, Lea, Flood 2014): advances the state and returns a mixed 64-bit value.</summary>
    private static ulong Mix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
