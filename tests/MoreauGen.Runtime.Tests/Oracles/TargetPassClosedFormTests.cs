using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The augmented-Lagrangian (Alg. 8–9), target-propagation (Alg. 10–11) and ProxProp (Alg. 12–13) passes on chains of
/// linear layers with a quadratic h, where every subproblem is a linear least-squares problem: against the dense
/// reference of <see cref="DenseLinearChain"/>, by both runtime routes (conjugate gradients for declared-affine layers,
/// the inner solver for the same layers undeclared).
/// </summary>
public sealed class TargetPassClosedFormTests
{
    public static TheoryData<Variant, bool, double> Cases()
    {
        var data = new TheoryData<Variant, bool, double>();
        foreach (Variant v in Enum.GetValues<Variant>())
            foreach (bool declared in new[] { true, false })
                foreach (double mu in new[] { 0.0, 0.3 })
                    data.Add(v, declared, mu);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_pass_on_a_linear_chain_matches_the_dense_least_squares_solution(Variant variant, bool declared, double mu)
    {
        // Target propagation has no proximal term: square, invertible layers and a batch that makes J_w square too.
        int[] sizes = variant == Variant.TargetPropagation ? [2, 2, 2, 2] : [3, 4, 2, 3];
        const int batch = 2;
        var random = new Random(14);
        var reference = new DenseLinearChain(sizes, batch);
        var layers = new List<IMoreauLayer<double>>();
        for (int t = 1; t < sizes.Length; t++)
            layers.Add(declared ? new DeclaredLinearLayer(sizes[t - 1], sizes[t]) : new LinearLayer(sizes[t - 1], sizes[t]));
        var chain = new Chain<double>(layers);
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount);
        for (int t = 0; t < chain.Length && variant == Variant.TargetPropagation; t++)
        {
            // Keep W_t well conditioned: add the identity.
            Span<double> wt = chain.Parameters(w.AsSpan(), t);
            wt[0] += 1.5;
            wt[3] += 1.5;
        }

        double[] x0 = FiniteDifferences.RandomVector(random, batch * sizes[0]);
        double[] targets = FiniteDifferences.RandomVector(random, batch * sizes[^1]);
        var h = new SquaredDistance<double>(sizes[^1], targets) { Weight = 0.75 };
        const double alpha = 0.7, beta = 0.4, gamma = 1.3, kappa = 0.6;

        var solver = new LbfgsSolver<double> { RelativeTolerance = 1e-13, MaxIterations = 500 };
        TargetPassOracle<double> oracle = variant switch
        {
            Variant.AugmentedLagrangian => new AugmentedLagrangianBackpropagation<double>(chain, PenaltySchedule<double>.Constant(alpha, beta, gamma, kappa), solver) { ParameterL2 = mu, ConjugateGradientTolerance = 1e-14 },
            Variant.TargetPropagation => new TargetPropagation<double>(chain, kappa, solver) { ParameterL2 = mu, ConjugateGradientTolerance = 1e-14 },
            _ => new ProximalBackpropagation<double>(chain, alpha, gamma, kappa, solver) { ParameterL2 = mu, ConjugateGradientTolerance = 1e-14 },
        };

        var d = new double[chain.ParameterCount];
        oracle.Evaluate(w, x0, h, d);
        double[] expected = reference.Directions(variant, w, x0, targets, 0.75, alpha, beta, gamma, kappa, mu);
        FiniteDifferences.AssertClose(expected, d, 1e-9, $"{variant} d");
        Assert.Equal(declared ? 0 : 2 * chain.Length - 1, oracle.LastStatistics.Solves);
    }
}
