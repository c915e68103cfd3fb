using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>The target passes in float agree with the same passes in double (the generic code path of T = float).</summary>
public sealed class TargetPassSinglePrecisionTests
{
    [Theory]
    [InlineData(Variant.AugmentedLagrangian)]
    [InlineData(Variant.TargetPropagation)]
    [InlineData(Variant.ProximalBackpropagation)]
    public void A_float_pass_matches_the_double_pass_to_single_precision(Variant variant)
    {
        var random = new Random(31);
        double[] w = FiniteDifferences.RandomVector(random, 3 * 4 + 4 + 4 * 2 + 2, 0.8);
        double[] x0 = FiniteDifferences.RandomVector(random, 4 * 3);
        double[] targets = FiniteDifferences.RandomVector(random, 4 * 2, 0.9);
        double[] expected = Directions<double>(variant, w, x0, targets);
        double[] actual = Directions<float>(variant, w, x0, targets);
        Assert.True(expected.Max(Math.Abs) > 1e-2, "the directions vanish");
        // Target propagation inverts the layers (no proximal term), which amplifies float rounding by their conditioning.
        double tolerance = variant == Variant.TargetPropagation ? 1e-2 : 2e-3;
        FiniteDifferences.AssertClose(expected, actual, tolerance, $"{variant} float vs double");
    }

    private static double[] Directions<T>(Variant variant, double[] w, double[] x0, double[] targets) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var chain = new Chain<T>([new GenericTanhLayer<T>(3, 4), new GenericTanhLayer<T>(4, 2)]);
        var solver = new LbfgsSolver<T> { MaxIterations = 200 };
        T One(double v) => T.CreateChecked(v);
        TargetPassOracle<T> oracle = variant switch
        {
            Variant.AugmentedLagrangian => new AugmentedLagrangianBackpropagation<T>(chain, PenaltySchedule<T>.Constant(One(0.5), One(0.5), One(0.5), One(0.1)), solver),
            Variant.TargetPropagation => new TargetPropagation<T>(chain, One(2.0), solver),
            _ => new ProximalBackpropagation<T>(chain, One(0.5), One(0.5), One(1.0), solver),
        };
        var d = new T[w.Length];
        oracle.Evaluate(w.Select(One).ToArray(), x0.Select(One).ToArray(), new SquaredDistance<T>(2, targets.Select(One).ToArray()), d);
        return d.Select(double.CreateChecked).ToArray();
    }
}
