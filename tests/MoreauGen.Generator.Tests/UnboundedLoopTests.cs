using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Layers with <c>while</c> and <c>do</c> loops that no int counter bounds (a flag set by a hit test, a tolerance on a
/// step or a residual, a value falling by a fixed step; nested in a for loop or in each other; with break, continue, an
/// early return, scratch arrays and a helper): every oracle (Forward, Pullback, SubproblemW/X) against central
/// differences of the user's own method compiled as plain C#, in float and double, at m = 1 and 3.
/// </summary>
public sealed class UnboundedLoopTests
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
