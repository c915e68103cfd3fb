using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// The generated <see cref="Dense"/> declares its structure (<see cref="IDenseStructure"/>, the pre-activation on its tape),
/// and MorSGD steps through the Gram form of Φw equal those of the solve on the parameters (the same layers hiding the
/// declaration) to 1e-5 relative, in single precision.
/// </summary>
public sealed class DenseGramFormTests
{
    [Fact]
    public void The_generated_dense_layer_declares_its_structure_and_records_its_pre_activation()
    {
        var dense = new Dense(7, 5);
        DenseStructure structure = Assert.IsAssignableFrom<IDenseStructure>(dense).DenseStructure!.Value;
        Assert.Equal(new DenseStructure(7, 5, 0, 35, DenseActivation.Relu, 0), structure);

        var random = new Random(1);
        float[] w = [.. Enumerable.Range(0, dense.ParameterCount).Select(_ => random.NextSingle() - 0.5f)];
        float[] x = [.. Enumerable.Range(0, 3 * 7).Select(_ => random.NextSingle() - 0.5f)];
        var y = new float[15];
        var tape = new float[dense.TapeLength(3)];
        dense.Forward(w, x, y, tape);
        var z = new float[15];
        Ops.MatMul<float>(x, w.AsSpan(0, 35), z, 3, 7, 5);
        Ops.AddBias<float>(z, w.AsSpan(35), 3, 5);
        Assert.Equal(z, tape[..15]);
        Assert.Contains(tape, v => v < 0f);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-3)]
    public void MorSgd_steps_through_the_Gram_form_equal_the_solve_on_the_parameters(double l2)
    {
        const int batch = 64;
        int[] sizes = [784, 500, 300, 100, 10];
        var network = new Network(sizes[0], sizes[1..^1], sizes[^1]);
        var hidden = new Chain<float>(Enumerable.Range(0, network.Chain.Length).Select(i => (IMoreauLayer<float>)new Undeclared(network.Chain[i])));
        float[] w = network.InitialParameters(0);
        var random = new Random(3);
        float[] x = [.. Enumerable.Range(0, batch * sizes[0]).Select(_ => random.NextSingle() - 0.5f)];
        var objective = ClassificationObjective.Create(LossKind.Squared, sizes[^1], batch);
        objective.SetLabels([.. Enumerable.Range(0, batch).Select(_ => random.Next(sizes[^1]))]);
        MoreauSchedule<float> schedule = MoreauSchedule<float>.Constant(1e-2f, 1f);
        var gram = new MoreauBackpropagation<float>(network.Chain, schedule) { ParameterL2 = (float)l2 };
        var plain = new MoreauBackpropagation<float>(hidden, schedule) { ParameterL2 = (float)l2 };
        float[] wGram = (float[])w.Clone(), wPlain = (float[])w.Clone();
        var dGram = new float[w.Length];
        var dPlain = new float[w.Length];
        for (int step = 0; step < 3; step++)
        {
            gram.Evaluate(wGram, x, objective, dGram);
            plain.Evaluate(wPlain, x, objective, dPlain);
            Assert.True(Relative(dGram, dPlain) <= 1e-5, $"step {step}: directions differ by {Relative(dGram, dPlain):E2}");
            for (int i = 0; i < w.Length; i++)
            {
                wGram[i] -= dGram[i];
                wPlain[i] -= dPlain[i];
            }
        }
    }

    private static double Relative(float[] a, float[] b)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            difference += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            norm += (double)b[i] * b[i];
        }
        return Math.Sqrt(difference / norm);
    }

    /// <summary>Delegates to a layer without declaring its structure (nor its affinity), so Φw is solved on the parameters.</summary>
    private sealed class Undeclared(IMoreauLayer<float> inner) : IMoreauLayer<float>
    {
        public int ParameterCount => inner.ParameterCount;
        public int InputCount => inner.InputCount;
        public int OutputCount => inner.OutputCount;
        public int TapeLength(int batch) => inner.TapeLength(batch);
        public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y) => inner.Forward(w, x, y);
        public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, Span<float> tape) => inner.Forward(w, x, y, tape);
        public void Pullback(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> tape, ReadOnlySpan<float> lambda, Span<float> gradW, Span<float> gradX) =>
            inner.Pullback(w, x, tape, lambda, gradW, gradX);
        public float SubproblemW(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, ReadOnlySpan<float> v, Span<float> grad) =>
            inner.SubproblemW(w, x, lambda, v, grad);
        public float SubproblemX(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, ReadOnlySpan<float> u, Span<float> grad) =>
            inner.SubproblemX(w, x, lambda, u, grad);
    }
}
