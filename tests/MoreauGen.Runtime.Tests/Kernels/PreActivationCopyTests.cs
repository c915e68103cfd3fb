namespace MoreauGen.Tests.Kernels;

/// <summary><see cref="Ops.MatMulBiasReluAndCopyPreActivation{T}"/>: y as MatMul, AddBias, Relu give it, and z = x·W + b before the ReLU.</summary>
public sealed class PreActivationCopyTests
{
    [Theory]
    [InlineData(256, 300, 100)] // the packed path
    [InlineData(3, 4, 5)] // small: the unpacked path
    [InlineData(37, 19, 41)]
    public void The_pre_activation_copy_is_the_biased_product_and_y_its_relu(int m, int k, int n)
    {
        var random = new Random(m + k + n);
        float[] x = Fill(random, m * k), w = Fill(random, k * n), bias = Fill(random, n);
        var z = new float[m * n];
        Ops.MatMul<float>(x, w, z, m, k, n);
        Ops.AddBias<float>(z, bias, m, n);
        var relu = new float[m * n];
        Ops.Relu<float>(z, relu);

        var y = new float[m * n];
        var tape = new float[m * n + 2];
        Array.Fill(tape, 7f);
        Ops.MatMulBiasReluAndCopyPreActivation<float>(x, w, bias, y, tape, m, k, n);
        Assert.Equal(relu.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(z.Select(BitConverter.SingleToInt32Bits), tape[..(m * n)].Select(BitConverter.SingleToInt32Bits));
        Assert.All(tape[(m * n)..], v => Assert.Equal(7f, v));
        Assert.Contains(tape, v => v < 0f); // the copy kept what the ReLU cut
    }

    [Fact]
    public void The_pre_activation_span_is_checked()
    {
        float[] a = new float[6], b = new float[12], y = new float[8];
        Assert.Equal("preActivation", Assert.Throws<ArgumentException>(() => Ops.MatMulBiasReluAndCopyPreActivation<float>(a, b, new float[4], y, new float[7], 2, 3, 4)).ParamName);
        Assert.Equal("preActivation", Assert.Throws<ArgumentException>(() => Ops.MatMulBiasReluAndCopyPreActivation<float>(a, b, new float[4], y, y, 2, 3, 4)).ParamName);
    }

    private static float[] Fill(Random random, int length) => [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5))];
}
