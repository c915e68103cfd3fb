using static MoreauGen.Testing.FiniteDifferences;

namespace MoreauGen.Tests.Kernels;

/// <summary>The batch losses: values against a direct scalar evaluation, gradients against finite differences.</summary>
public sealed class LossTests
{
    private readonly Random _random = new(5);

    private int[] Labels(int m, int classes) => [.. Enumerable.Range(0, m).Select(_ => _random.Next(classes))];

    private static double SquaredReference(double[] scores, int[] labels, int classes)
    {
        double total = 0;
        for (int i = 0; i < labels.Length; i++)
            for (int j = 0; j < classes; j++)
            {
                double d = scores[i * classes + j] - (j == labels[i] ? 1 : 0);
                total += d * d;
            }
        return total / labels.Length;
    }

    private static double CrossEntropyReference(double[] logits, int[] labels, int classes)
    {
        double total = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            double sum = 0;
            for (int j = 0; j < classes; j++)
                sum += Math.Exp(logits[i * classes + j]);
            total += Math.Log(sum) - logits[i * classes + labels[i]];
        }
        return total / labels.Length;
    }

    public static TheoryData<int, int> Shapes() => new() { { 1, 1 }, { 1, 10 }, { 7, 3 }, { 32, 10 }, { 3, 300 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SquaredLoss_value_and_gradient_are_right(int m, int classes)
    {
        int[] labels = Labels(m, classes);
        double[] scores = RandomVector(_random, m * classes, scale: 2);
        var gradient = new double[scores.Length];
        double value = Ops.SquaredLoss<double>(scores, labels, classes, gradient);
        Assert.Equal(SquaredReference(scores, labels, classes), value, 1e-12);
        Assert.Equal(value, Ops.SquaredLoss<double>(scores, labels, classes));
        AssertGradient(s => Ops.SquaredLoss<double>(s, labels, classes), scores, gradient, _random, $"SquaredLoss {m}×{classes}");

        float[] single = [.. scores.Select(v => (float)v)];
        Assert.Equal(value, Ops.SquaredLoss<float>(single, labels, classes), 1e-5 * Math.Max(1, value));

        double[] inPlace = (double[])scores.Clone();
        Ops.SquaredLoss<double>(inPlace, labels, classes, inPlace);
        Assert.Equal(gradient, inPlace);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SoftmaxCrossEntropy_value_and_gradient_are_right(int m, int classes)
    {
        int[] labels = Labels(m, classes);
        double[] logits = RandomVector(_random, m * classes, scale: 4);
        var gradient = new double[logits.Length];
        double value = Ops.SoftmaxCrossEntropy<double>(logits, labels, classes, gradient);
        Assert.Equal(CrossEntropyReference(logits, labels, classes), value, 1e-12);
        Assert.Equal(value, Ops.SoftmaxCrossEntropy<double>(logits, labels, classes), 1e-13);
        AssertGradient(z => Ops.SoftmaxCrossEntropy<double>(z, labels, classes), logits, gradient, _random,
                       $"SoftmaxCrossEntropy {m}×{classes}");

        float[] single = [.. logits.Select(v => (float)v)];
        Assert.Equal(value, Ops.SoftmaxCrossEntropy<float>(single, labels, classes), 1e-5 * Math.Max(1, value));

        double[] inPlace = (double[])logits.Clone();
        Ops.SoftmaxCrossEntropy<double>(inPlace, labels, classes, inPlace);
        Assert.Equal(gradient, inPlace);
    }

    [Fact]
    public void SoftmaxCrossEntropy_is_stable_for_large_logits()
    {
        // log(e^1000 + e^0) − 1000 = log(1 + e^−1000) ≈ 0 for label 0, and 1000 for label 1.
        float[] logits = [1000f, 0f, 1000f, 0f];
        var gradient = new float[4];
        float value = Ops.SoftmaxCrossEntropy<float>(logits, [0, 1], 2, gradient);
        Assert.Equal(500f, value, 1e-3f);
        Assert.Equal([0f, 0f, 0.5f, -0.5f], gradient);
    }

    [Fact]
    public void An_empty_batch_has_zero_loss()
    {
        Assert.Equal(0.0, Ops.SquaredLoss<double>([], [], 10, []));
        Assert.Equal(0.0, Ops.SoftmaxCrossEntropy<double>([], [], 10));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(4.0)]
    public void SquaredLossMoreauGradient_is_minus_the_minimiser_of_the_proximal_subproblem(double gamma)
    {
        // ∇env(γh)(ŷ) = −u* with u* = argmin γh(ŷ + u) + ½‖u‖², so γ∇h(ŷ + u*) + u* = 0, with ∇h checked above.
        const int m = 6, classes = 4;
        int[] labels = Labels(m, classes);
        double[] scores = RandomVector(_random, m * classes, scale: 2);
        var moreau = new double[scores.Length];
        Ops.SquaredLossMoreauGradient<double>(scores, labels, classes, gamma, moreau);

        double[] shifted = [.. scores.Zip(moreau, (s, g) => s - g)];
        var gradient = new double[scores.Length];
        Ops.SquaredLoss<double>(shifted, labels, classes, gradient);
        for (int i = 0; i < scores.Length; i++)
            Assert.Equal(0.0, gamma * gradient[i] - moreau[i], 1e-12);
    }

    [Fact]
    public void Bad_labels_and_lengths_are_reported_with_the_span_name()
    {
        var scores = new double[6];
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Ops.SquaredLoss<double>(scores, [0, 3], 3)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Ops.SoftmaxCrossEntropy<double>(scores, [-1, 0], 3)).ParamName);
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => Ops.SquaredLoss<double>(scores, [0, 1, 2], 3)).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(
            () => Ops.SoftmaxCrossEntropy<double>(scores, [0, 1], 3, new double[5])).ParamName);
        Assert.Equal("result", Assert.Throws<ArgumentException>(
            () => Ops.SquaredLossMoreauGradient<double>(scores, [0, 1], 3, 1.0, new double[5])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.SquaredLoss<double>(scores, [0, 1], 0));
        var buffer = new double[8];
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(
            () => Ops.SoftmaxCrossEntropy<double>(buffer.AsSpan(0, 6), [0, 1], 3, buffer.AsSpan(2, 6))).ParamName);
    }
}
