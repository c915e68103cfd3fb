namespace MoreauGen.Tests;

/// <summary>The Ops surface on hand-computed cases (the kernel sweeps live with the kernels).</summary>
public sealed class OpsSmokeTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMul_multiplies_a_2x3_by_a_3x2_in_every_storage_order(bool transposeA, bool transposeB)
    {


        // 1·7+2·9+3·11 = 58, 1·8+2·10+3·12 = 64, 4·7+5·9+6·11 = 139, 4·8+5·10+6·12 = 154
        double[] expected = [58, 64, 139, 154];
        double[] aStored = transposeA ? [1, 4, 2, 5, 3, 6] : [1, 2, 3, 4, 5, 6];
        double[] bStored = transposeB ? [7, 9, 11, 8, 10, 12] : [7, 8, 9, 10, 11, 12];
        var y = new double[4];
        y.AsSpan().Fill(double.NaN); // the output need not be zeroed
        Ops.MatMul<double>(aStored, bStored, y, 2, 3, 2, transposeA, transposeB);
        Assert.Equal(expected, y);

    }

    [Fact]
    public void Relu_works_in_place()
    {
        float[] y = [-1f, 0f, 2.5f, -0.1f];
        Ops.Relu<float>(y, y);
        Assert.Equal([0f, 0f, 2.5f, 0f], y);
    }

    [Fact]
    public void AddBias_then_SumRows_are_adjoint()
    {
        double[] y = [1, 2, 3, 4, 5, 6];
        Ops.AddBias<double>(y, [10, 20, 30], 2, 3);
        Assert.Equal([11, 22, 33, 14, 25, 36], y);
        var sums = new double[3];
        Ops.SumRows<double>(y, sums, 2, 3);
        Assert.Equal([25, 47, 69], sums);
    }
}
