using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>The oracles in float agree with the same computation in double, including at multipliers of ~1e-30.</summary>
public sealed class SinglePrecisionTests
{
    private const int Layers = 20;

    private static (Chain<float> F, Chain<double> D, float[] Wf, double[] Wd, float[] Xf, double[] Xd, double[] Targets) Network()
    {
        var random = new Random(77);
        var chainF = Chain<float>.Repeat(new GenericTanhLayer<float>(3, 3), Layers);
        var chainD = Chain<double>.Repeat(new GenericTanhLayer<double>(3, 3), Layers);
        // Round the double data to float first so both precisions start from the same numbers.
        double[] wd = Array.ConvertAll(FiniteDifferences.RandomVector(random, chainD.ParameterCount, 0.8), v => (double)(float)v);
        double[] xd = Array.ConvertAll(FiniteDifferences.RandomVector(random, 2 * 3), v => (double)(float)v);
        double[] targets = Array.ConvertAll(FiniteDifferences.RandomVector(random, 2 * 3), v => (double)(float)v);
        return (chainF, chainD, Array.ConvertAll(wd, v => (float)v), wd, Array.ConvertAll(xd, v => (float)v), xd, targets);
    }

    [Fact]
    public void Back_propagation_in_float_matches_double_to_1e_minus_4()
    {
        var (chainF, chainD, wf, wd, xf, xd, targets) = Network();
        var gf = new float[wf.Length];
        var gd = new double[wd.Length];
        new Backpropagation<float>(chainF).Evaluate(wf, xf, new SquaredDistance<float>(3, Array.ConvertAll(targets, v => (float)v)), gf);
        new Backpropagation<double>(chainD).Evaluate(wd, xd, new SquaredDistance<double>(3, targets), gd);
        FiniteDifferences.AssertClose(gd, Array.ConvertAll(gf, v => (double)v), 1e-4, "∇ in float");
    }

    [Fact]
    public void Moreau_back_propagation_in_float_matches_double_layer_by_layer_down_to_multipliers_of_1e_minus_30()
    {
        // γ = 0.03 over 20 layers: the multipliers of the first layers are ~0.03^20 ≈ 3e-31, where s^T s of the
        // solvers' vectors would underflow in float without rescaling.
        var (chainF, chainD, wf, wd, xf, xd, targets) = Network();
        const double alpha = 0.5, gamma = 0.03;
        var oracleF = new MoreauBackpropagation<float>(chainF, MoreauSchedule<float>.Constant((float)alpha, (float)gamma), new LbfgsSolver<float>());
        var oracleD = new MoreauBackpropagation<double>(chainD, MoreauSchedule<double>.Constant(alpha, gamma), new LbfgsSolver<double> { RelativeTolerance = 1e-12 });
        var gf = new float[wf.Length];
        var gd = new double[wd.Length];
        oracleF.Evaluate(wf, xf, new SquaredDistance<float>(3, Array.ConvertAll(targets, v => (float)v)), gf);
        oracleD.Evaluate(wd, xd, new SquaredDistance<double>(3, targets), gd);
        Assert.True(oracleF.LastStatistics.Failures == 0, $"{oracleF.LastStatistics.Failures} failures of {oracleF.LastStatistics.Solves}, worst {oracleF.LastStatistics.MaxRelativeGradientNorm}, iterations {oracleF.LastStatistics.Iterations}");

        int p = chainD[0].ParameterCount;
        double firstScale = gd.AsSpan(0, p).ToArray().Max(Math.Abs);
        Assert.True(firstScale is > 0 and < 1e-25, $"the first layer's update is of order {firstScale:E1}");
        for (int t = 0; t < Layers; t++)
        {
            double[] expected = gd.AsSpan(t * p, p).ToArray();
            double[] actual = Array.ConvertAll(gf.AsSpan(t * p, p).ToArray(), v => (double)v);
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < p; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-3 * scale, $"layer {t + 1}, g[{i}]: float {actual[i]:E6}, double {expected[i]:E6}");
        }
    }
}
