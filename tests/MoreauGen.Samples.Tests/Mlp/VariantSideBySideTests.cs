using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// On the sample's 784-500-300-100-10 network at batch 256 (generated layers, every product above the pool's threshold),
/// the variants' passes with layers τ..2 solved side by side, each product inside a part on one thread, take the same
/// steps, bit for bit, as the pass one layer after the other with every product on the pool.
/// </summary>
[Collection(nameof(StepAllocationCollection))] // alone, so the pool is free and the parts do run side by side
public sealed class VariantSideBySideTests
{
    private const int Batch = 256;

    [Theory]
    [InlineData(TrainingMethod.AlMsgd)]
    [InlineData(TrainingMethod.TargetProp)]
    [InlineData(TrainingMethod.ProxProp)]
    public void The_side_by_side_pass_takes_the_steps_of_the_pass_one_layer_after_the_other(TrainingMethod method)
    {
        float[] reference = Steps(method, sideBySide: false, out float[] start);
        float[] actual = Steps(method, sideBySide: true, out _);
        Assert.NotEqual(start, actual);
        Assert.Equal(reference, actual);
    }

    private static float[] Steps(TrainingMethod method, bool sideBySide, out float[] start)
    {
        var network = new Network(784, [500, 300, 100], 10);
        float[] w = network.InitialParameters(0);
        start = [.. w];
        var random = new Random(3);
        float scale = 2f / MathF.Sqrt(784);
        float[] x = [.. Enumerable.Range(0, Batch * 784).Select(_ => (random.NextSingle() - 0.5f) * scale)];
        int[] labels = [.. Enumerable.Range(0, Batch).Select(_ => random.Next(10))];
        var objective = ClassificationObjective.Create(LossKind.Squared, 10, Batch);
        objective.SetLabels(labels);
        float l2 = (float)MlpSettings.PaperL2;
        ChainOptimizer<float> optimizer = method switch
        {
            TrainingMethod.AlMsgd => new AugmentedLagrangianGradientDescent<float>(new AugmentedLagrangianBackpropagation<float>(
                network.Chain, PenaltySchedule<float>.Constant(1f / 256, 1f, 4f, 1e-5f)) { ParameterL2 = l2, SideBySide = sideBySide }),
            TrainingMethod.TargetProp => new TargetPassDescent<float>(new TargetPropagation<float>(network.Chain, 1f) { ParameterL2 = l2, SideBySide = sideBySide }, 1f / 64),
            _ => new TargetPassDescent<float>(new ProximalBackpropagation<float>(network.Chain, 1f, 1f, 1f) { ParameterL2 = l2, SideBySide = sideBySide }),
        };
        for (int step = 0; step < 4; step++)
            optimizer.Step(w, x, objective);
        return w;
    }
}
