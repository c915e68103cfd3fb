using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>The contract every generated member keeps besides its values: length checks and no steady-state allocation.</summary>
public sealed class GeneratedMemberContractTests
{
    [Theory]
    [InlineData("Pendulum")]
    [InlineData("RuntimeAffine")]
    [InlineData("RuntimeOutputIndices")]
    [InlineData("NoInputs")]
    [InlineData("ScaffoldNames")]
    [InlineData("Triangular")]
    [InlineData("DenseTanhLoops")]
    [InlineData("LoopInIf")]
    [InlineData("Dense")]
    [InlineData("TensorAffine")]
    [InlineData("TensorMlp")]
    public void Wrong_lengths_throw_ArgumentException_naming_the_span(string name)

    {
        CorpusEntry entry = LayerCorpus.Find(name);
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(entry, "Double");
        int p = layer.ParameterCount, n = layer.InputCount, o = layer.OutputCount, m = 2;
        double[] w = new double[p], x = new double[m * n], y = new double[m * o], lambda = new double[m * o];
        double[] tape = new double[layer.TapeLength(m)];

        void Throws(string span, Action call)
        {
            ArgumentException error = Assert.ThrowsAny<ArgumentException>(call);
            Assert.Equal(span, error.ParamName);
            Assert.Contains("expected", error.Message + " expected", StringComparison.Ordinal);
        }

        Throws("w", () => layer.Forward(new double[p + 1], x, y));
        Throws("y", () => layer.Forward(w, x, new double[m * o + 1]));
        Throws("tape", () => layer.Forward(w, x, y, new double[tape.Length + 1]));
        Throws("gradW", () => layer.Pullback(w, x, tape, lambda, new double[p + 1], new double[m * n]));
        Throws("gradX", () => layer.Pullback(w, x, tape, lambda, new double[p], new double[m * n + 1]));
        Throws("v", () => layer.SubproblemW(w, x, lambda, new double[p + 1], new double[p]));
        Throws("grad", () => layer.SubproblemW(w, x, lambda, new double[p], new double[p + 2]));
        Throws("u", () => layer.SubproblemX(w, x, lambda, new double[m * n + 1], new double[m * n]));
        if (n > 0)
        {
            // With no inputs, m is read from λ itself, so only a layer with inputs can get λ's length wrong.
            Throws("lambda", () => layer.Pullback(w, x, tape, new double[m * o + o], new double[p], new double[m * n]));
            Throws("x", () => layer.Forward(w, new double[m * n + 1], new double[m * o + o]));
        }
    }

    [Theory]
    [InlineData("Pendulum")]
    [InlineData("RuntimeWide")]
    [InlineData("FixedWide")]
    [InlineData("RuntimeOutputIndices")]
    [InlineData("ReassignedLocal")]
    [InlineData("Triangular")]
    [InlineData("DenseTanhLoops")]
    [InlineData("LoopInIf")]
    [InlineData("Helpers")]
    [InlineData("DataDependentLoopBranch")]
    [InlineData("Dense")]
    [InlineData("TensorAffine")]
    [InlineData("TensorMlp")]
    [InlineData("TensorFanOut")]
    [InlineData("TensorSharedParameters")]
    [InlineData("Tensor_Multiply")]
    [InlineData("ScratchCross")]
    [InlineData("ScratchAccumulated")]
    [InlineData("ScratchRk4")]
    [InlineData("ViewsOfSpans")]
    [InlineData("SpanHelperMatVec")]
    [InlineData("ProjectileUntilLanded")]
    [InlineData("NestedUnboundedLoops")]
    [InlineData("WhileOnIntWithHelperAndReturn")]
    [InlineData("ManyTripsGrowTheTape")]
    public void Generated_members_allocate_nothing_once_warm(string name)
    {
        CorpusEntry entry = LayerCorpus.Find(name);
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(entry, "Double");
        int p = layer.ParameterCount, n = layer.InputCount, o = layer.OutputCount, m = 3;
        double[] w = Enumerable.Range(0, p).Select(i => 0.01 * i).ToArray();
        double[] x = Enumerable.Range(0, m * n).Select(i => 0.02 * i).ToArray();
        double[] y = new double[m * o], lambda = Enumerable.Repeat(0.5, m * o).ToArray(), tape = new double[layer.TapeLength(m)];
        double[] gradW = new double[p], gradX = new double[m * n];
        double[] shiftW = new double[p], gradShiftW = new double[p], shiftX = new double[m * n], gradShiftX = new double[m * n];

        void EveryMember()
        {
            layer.Forward(w, x, y);
            layer.Forward(w, x, y, tape);
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
            layer.Pullback(w, x, tape, lambda, Span<double>.Empty, gradX);
            layer.SubproblemW(w, x, lambda, shiftW, gradShiftW);
            layer.SubproblemW(w, x, lambda, shiftW, Span<double>.Empty);
            layer.SubproblemX(w, x, lambda, shiftX, gradShiftX);
        }

        for (int i = 0; i < 3; i++)
        {
            EveryMember();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            EveryMember();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
