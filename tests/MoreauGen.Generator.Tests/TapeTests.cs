using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// What the taped Forward records for loops: exactly what the reverse pass reads back (an overwritten value before
/// each overwrite, a Math call's derivative), never an accumulator that is only added to; and TapeLength(m) is
/// exactly the room the taped Forward fills.
/// </summary>
public sealed class TapeTests
{
    [Theory]
    // The running product before each of its 4 factors (the factors themselves are recomputed from w and x).
    [InlineData("RunningProduct", 4)]
    // The sum is only added to: nothing for it; one tanh output per unit (2 units).
    [InlineData("DenseTanhLoops", 2)]
    // s = cos(s) + w[i], 5 times: sin s for each cos' derivative; then s itself, which y[1] = s * x[1] reads back.
    [InlineData("Recurrence", 6)]
    // acc = acc * tanh(x[j]) + …, over the triangle j ≤ i < 4 (10 steps): acc and tanh(x[j]) at each step.
    [InlineData("Triangular", 20)]
    // Two carried values over 6 steps: cos θ for sin θ's derivative, at each step.
    [InlineData("PendulumRollout", 6)]
    public void The_tape_holds_exactly_what_the_reverse_pass_reads(string name, int perSample)
    {
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(LayerCorpus.Find(name), "Double");
        foreach (int m in new[] { 1, 3 })
        {
            Assert.Equal(m * perSample, layer.TapeLength(m));
        }
    }

    [Theory]
    [InlineData("RunningProduct")]
    [InlineData("DenseTanhLoops")]
    [InlineData("Recurrence")]
    [InlineData("Triangular")]
    [InlineData("UpperTriangular")]
    [InlineData("DeepNest")]
    [InlineData("NestedCarried")]
    public void Without_branches_the_taped_forward_writes_every_slot_of_its_tape(string name)
    {
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(LayerCorpus.Find(name), "Double");
        const int m = 3;
        double[] w = Enumerable.Range(0, layer.ParameterCount).Select(i => 0.1 + 0.05 * i).ToArray();
        double[] x = Enumerable.Range(0, m * layer.InputCount).Select(i => 0.3 - 0.07 * i).ToArray();
        double[] tape = Enumerable.Repeat(double.NaN, layer.TapeLength(m)).ToArray();
        Assert.NotEmpty(tape);
        layer.Forward(w, x, new double[m * layer.OutputCount], tape);
        Assert.All(tape, value => Assert.True(double.IsFinite(value)));
    }

    [Fact]
    public void A_tape_one_value_short_or_long_is_rejected_with_the_tapes_name()
    {
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(LayerCorpus.Find("Triangular"), "Double");
        double[] w = new double[4], x = new double[8], y = new double[8];
        int length = layer.TapeLength(2);
        Assert.Equal("tape", Assert.ThrowsAny<ArgumentException>(() => layer.Forward(w, x, y, new double[length - 1])).ParamName);
        Assert.Equal("tape", Assert.ThrowsAny<ArgumentException>(() => layer.Pullback(w, x, new double[length + 1], y, new double[4], new double[8])).ParamName);
    }
}
