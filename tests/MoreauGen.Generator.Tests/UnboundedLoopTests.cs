using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Tests.Corpus;
using Xunit.Abstractions;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Layers with <c>while</c> and <c>do</c> loops that no int counter bounds (a flag set by a hit test, a tolerance on a
/// step or a residual, a value falling by a fixed step; nested in a for loop or in each other; with break, continue, an
/// early return, scratch arrays and a helper): every oracle (Forward, Pullback, SubproblemW/X) against central
/// differences of the user's own method compiled as plain C#, in float and double, at m = 1 and 3.
/// </summary>
public sealed class UnboundedLoopTests(ITestOutputHelper output)
{
    public static TheoryData<string> Layers => new(UnboundedLoopCorpus.Layers.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Layers))]
    public void Oracles_of_layers_with_unbounded_while_and_do_loops_match_central_differences(string name) =>
        CompileAndRunTests.CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));

    /// <summary>
    /// One batch with samples whose trips fit the per-sample reserve of the call's tape (about 20 trips) and a sample
    /// that overflows it (about 1,020): the taped Forward marks each sample (the value before its reserve: the values
    /// recorded, or −1), and Pullback's gradients, read from the call's tape for the first and recorded again for the
    /// second, match central differences.
    /// </summary>
    [Fact]
    public void Pullback_is_right_both_for_samples_that_fit_the_reserve_and_for_samples_that_overflow_it()
    {
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(LayerCorpus.Find("SomeSamplesOverflowTheReserve"), "Double");
        const int m = 3;
        double[] w = [0.7, -1.3];
        double[] x = [0.2, 0.4, 0.9, -0.6, -0.35, 0.1];
        double[] y = new double[m];
        double[] tape = new double[layer.TapeLength(m)];
        layer.Forward(w, x, y, tape);

        int perSample = tape.Length / m;
        Assert.Equal(m * perSample, tape.Length);
        Assert.InRange(tape[0], 1, perSample - 1);
        Assert.Equal(-1, tape[perSample]);
        Assert.InRange(tape[2 * perSample], 1, perSample - 1);

        LayerOracleChecks.AssertLayerOracles(layer, w, x, [0.8, -1.1, 0.5], new Random(12), tolerance: 1e-6);
    }

    /// <summary>
    /// The taped Forward's mark before each sample's reserve, in float and double: -1 for every sample of the nested loops
    /// whose trips (hundreds of inner ones) overflow it, so that the gradients the corpus checks of that entry come from
    /// the pooled tape; the number of values recorded, within the reserve, for every sample of the loops whose room per
    /// trip the tape prelude counts, so that theirs come from the call's tape.
    /// </summary>
    [Fact]
    public void The_overflow_entry_overflows_the_reserve_and_the_prelude_counted_entry_fits_it()
    {
        const int m = 3;
        Assert.All(Marks<double>("NestedLoopsWithJumpsOverflowTheReserve", 2, m), mark => Assert.Equal(-1, mark));
        Assert.All(Marks<float>("NestedLoopsWithJumpsOverflowTheReserve", 2, m), mark => Assert.Equal(-1, mark));
        foreach (string name in new[] { "TriangularLoopInsideUnboundedLoop", "LoopsInUnboundedLoopsVaryWithTheLoopsAround" })
        {
            Assert.All(Marks<double>(name, 3, m), mark => Assert.True(mark > 0, name + ": mark " + mark));
            Assert.All(Marks<float>(name, 3, m), mark => Assert.True(mark > 0, name + ": mark " + mark));
        }
    }

    /// <summary>
    /// A layer whose for loops record 64 × 64 tanh terms before a small loop with no trip bound: each sample's reserve
    /// holds what is recorded outside the trips about twice (once, and once more as room for the check before a trip),
    /// not once per reserved trip. Its length is below S + 64 × trip + 2R with S, a trip's records and R = S + trip
    /// counted here from the layer's source (not read from the generated code): the reverse pass needs at most the tanh
    /// value and one factor of each of the 4,096 terms, and at most 16 other values of the sample; at most s and the
    /// sine's argument and cosine in a trip, and its count. A batch of 8,192 gets 8,192 times that length (no int
    /// overflow), a batch too large for an int tape throws. The samples of 30 and 64 trips fit the reserve, that of 80
    /// overflows it, in float and double, and the double gradients of the three in one batch match central differences.
    /// </summary>
    [Fact]
    public void A_large_recorded_part_takes_the_reserve_about_twice_and_the_trips_still_fit_or_overflow_as_counted()
    {
        const int records = 2 * 64 * 64 + 16;
        const int trip = 4;
        const int room = records + trip;
        CorpusEntry entry = LayerCorpus.Find("LargeStraightPartAndSmallWhileLoop");
        foreach (string flavour in new[] { "Double", "Single" })
        {
            int length = flavour == "Double" ? CorpusAssembly.Default.Create<double>(entry, flavour).TapeLength(1) : CorpusAssembly.Default.Create<float>(entry, flavour).TapeLength(1);
            output.WriteLine(flavour + ": TapeLength(1) = " + length);
            Assert.InRange(length, 64 * 64 + LayerEmitter.ReservedTrips, records + LayerEmitter.ReservedTrips * trip + 2 * room);
        }

        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(entry, "Double");
        Assert.Equal(8192L * layer.TapeLength(1), layer.TapeLength(8192));
        Assert.Throws<OverflowException>(() => layer.TapeLength(int.MaxValue / 1000));

        const int m = 3;
        double[] x = ThirtySixtyFourAndEightyTrips(m);
        Assert.Equal(new[] { true, true, false }, Marks<double>(entry, x, m).Select(mark => mark > 0));
        Assert.Equal(new[] { true, true, false }, Marks<float>(entry, x, m).Select(mark => mark > 0));
        Assert.Equal(-1, Marks<double>(entry, x, m)[2]);
        Assert.Equal(-1, Marks<float>(entry, x, m)[2]);
        LayerOracleChecks.AssertLayerOracles(layer, [0.7, -1.3, 0.4], x, [0.8, -1.1, 0.5], new Random(13), tolerance: 1e-6);
    }

    /// <summary>
    /// A float tape whose reserve per sample would exceed 2^24 values (a for loop recording nine million): TapeLength
    /// throws, since the mark could not count the values recorded exactly; a double tape takes it, and a batch whose
    /// length exceeds an int throws instead of going negative.
    /// </summary>
    [Fact]
    public void A_float_reserve_too_large_to_count_exactly_and_an_int_overflowing_length_throw()
    {
        var entry = new CorpusEntry("ReserveBeyondFloat", $$"""
            public partial class ReserveBeyondFloat
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)
                {
                    T a = x[0];
                    for (int i = 0; i < 9000000; i++)
                    {
                        a = M.Tanh(w[0] * a);
                    }

                    T z = 1 + a * a;
                    while (z > 1e-9f)
                    {
                        z *= 0.5f;
                    }

                    y[0] = a + z;
                }
            }
            """);
        using CorpusAssembly corpus = CorpusAssembly.Build([entry], new MoreauGenerator(), "ReserveBeyondFloat", single: true);
        NotSupportedException error = Assert.Throws<NotSupportedException>(() => corpus.Create<float>(entry, "Single").TapeLength(1));
        Assert.Contains("2^24", error.Message, StringComparison.Ordinal);
        IMoreauLayer<double> layer = corpus.Create<double>(entry, "Double");
        Assert.InRange(layer.TapeLength(1), 1 << 24, int.MaxValue / 8);
        Assert.Throws<OverflowException>(() => layer.TapeLength(1000));
    }

    /// <summary>m samples of 64 inputs in [-0.6, 0.6] (30 trips), with x[0] = 0.9 in the second (64 trips) and x[1] = -0.9 in the third (about 80).</summary>
    private static double[] ThirtySixtyFourAndEightyTrips(int m)
    {
        double[] x = Enumerable.Range(0, m * 64).Select(i => 0.6 * Math.Sin(0.7 * i + 0.3)).ToArray();
        x[64] = 0.9;
        x[128 + 1] = -0.9;
        return x;
    }

    private static double[] Marks<T>(CorpusEntry entry, double[] x, int m)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        IMoreauLayer<T> layer = CorpusAssembly.Default.Create<T>(entry, typeof(T) == typeof(double) ? "Double" : "Single");
        T[] w = [T.CreateChecked(0.7), T.CreateChecked(-1.3), T.CreateChecked(0.4)];
        T[] tape = new T[layer.TapeLength(m)];
        layer.Forward(w, x.Select(T.CreateChecked).ToArray(), new T[m], tape);
        int perSample = tape.Length / m;
        return Enumerable.Range(0, m).Select(s => double.CreateChecked(tape[s * perSample])).ToArray();
    }

    /// <summary>Runs the taped Forward of a corpus entry on m samples and returns the mark before each sample's reserve (one value in each m-th of the tape).</summary>
    private static double[] Marks<T>(string name, int inputs, int m)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        IMoreauLayer<T> layer = CorpusAssembly.Default.Create<T>(LayerCorpus.Find(name), typeof(T) == typeof(double) ? "Double" : "Single");
        T[] w = [T.CreateChecked(0.7), T.CreateChecked(-1.3)];
        T[] x = Enumerable.Range(0, m * inputs).Select(i => T.CreateChecked(0.9 * Math.Sin(i + 1.0))).ToArray();
        T[] y = new T[m * layer.OutputCount];
        T[] tape = new T[layer.TapeLength(m)];
        layer.Forward(w, x, y, tape);
        int perSample = tape.Length / m;
        Assert.Equal(m * perSample, tape.Length);
        double[] marks = Enumerable.Range(0, m).Select(s => double.CreateChecked(tape[s * perSample])).ToArray();
        Assert.All(marks, mark => Assert.True(mark < perSample, name + ": mark " + mark + " of " + perSample));
        return marks;
    }
}
