using System.Numerics.Tensors;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Optimizers;

/// <summary>
/// Gradient descent's fused step reads x₀ where it is (checked, not copied into the workspace): a non-finite x₀ is
/// reported as by the separate passes with w as it was, and an x₀ that overlaps the parameters the step updates before
/// the first layer's pullback reads its input is copied, so the step still gives the separate passes' iterates.
/// </summary>
public class InputInPlaceTests
{
    private static Chain<float> Network() =>
        new([
            new DenseTestLayer<float>(300, 200, bias: true, DenseActivation.Relu, declare: true), // two chunks: the fused step
            new DenseTestLayer<float>(200, 30, bias: true, DenseActivation.Relu, declare: true),
            new DenseTestLayer<float>(30, 10, bias: true, DenseActivation.Identity, declare: true),
        ]);

    private static float[] Random(int n, int seed, float scale)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (random.NextSingle() - 0.5f) * scale)];
    }

    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 1111)]
    public void A_non_finite_input_is_reported_as_by_the_separate_passes(float bad, int index)
    {
        Chain<float> chain = Network();
        float[] w = Random(chain.ParameterCount, 1, 0.2f), x0 = Random(4 * 300, 2, 1f);
        var h = new SquaredDistance<float>(10, Random(4 * 10, 3, 1f));
        x0[index] = bad;
        float[] before = [.. w];
        var direction = new float[w.Length];
        var expected = Assert.Throws<ArgumentException>(() => new Backpropagation<float>(chain) { ParameterL2 = 1e-3f }.Evaluate(w, x0, h, direction));
        var actual = Assert.Throws<ArgumentException>(() => new GradientDescent<float>(chain, 0.05f, 1e-3f).Step(w, x0, h));
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(before, w);
    }

    [Fact]
    public void An_input_that_overlaps_the_parameters_is_copied_and_the_iterates_are_those_of_the_separate_passes()
    {
        Chain<float> chain = Network();
        const int batch = 2;
        // One array holds w and, overlapping the parameters of the second layer, x₀: the step updates them before the first
        // layer's pullback reads x₀.
        int p = chain.ParameterCount, offset = chain.ParameterOffset(1);
        float[] shared = Random(p, 4, 0.2f);
        float[] values = Random(batch * 300, 5, 1f);
        values.CopyTo(shared, offset);
        Span<float> w = shared.AsSpan(0, p);
        ReadOnlySpan<float> x0 = shared.AsSpan(offset, batch * 300);
        Assert.True(x0.Overlaps(w));
        var h = new SquaredDistance<float>(10, Random(batch * 10, 6, 1f));

        // The separate passes on copies of w and x₀ as they are before the step.
        float[] reference = w.ToArray(), input = x0.ToArray();
        var direction = new float[p];
        float expectedValue = new Backpropagation<float>(chain) { ParameterL2 = 1e-3f }.Evaluate(reference, input, h, direction);
        TensorPrimitives.MultiplyAdd<float>(direction, -0.05f, reference, reference);

        float value = new GradientDescent<float>(chain, 0.05f, 1e-3f).Step(w, x0, h);
        Assert.Equal(expectedValue, value);
        Assert.Equal(reference, w.ToArray()); // bit for bit
    }

    [Fact]
    public void An_input_in_the_optimizers_own_workspace_is_copied_and_the_iterates_are_those_of_the_separate_passes()
    {
        // 300 → 200 → 300 → 10: x₀ is the state x₂ of the last step, which the second layer's forward overwrites before the
        // first layer's pullback reads x₀.
        var chain = new Chain<float>([
            new DenseTestLayer<float>(300, 200, bias: true, DenseActivation.Relu, declare: true),
            new DenseTestLayer<float>(200, 300, bias: true, DenseActivation.Relu, declare: true),
            new DenseTestLayer<float>(300, 10, bias: true, DenseActivation.Identity, declare: true),
        ]);
        const int batch = 3;
        float[] w = Random(chain.ParameterCount, 7, 0.2f);
        var h = new SquaredDistance<float>(10, Random(batch * 10, 8, 1f));
        var descent = new GradientDescent<float>(chain, 0.05f, 1e-3f);
        descent.Step(w, Random(batch * 300, 9, 1f), h);
        ReadOnlySpan<float> x0 = descent.Oracle.Workspace(batch).State(2);
        Assert.Equal(batch * 300, x0.Length);
        Assert.Contains(x0.ToArray(), v => v != 0f);

        float[] reference = [.. w], input = x0.ToArray();
        var direction = new float[w.Length];
        float expectedValue = new Backpropagation<float>(chain) { ParameterL2 = 1e-3f }.Evaluate(reference, input, h, direction);
        TensorPrimitives.MultiplyAdd<float>(direction, -0.05f, reference, reference);

        float value = descent.Step(w, x0, h);
        Assert.Equal(expectedValue, value);
        Assert.Equal(reference, w); // bit for bit
    }
}
