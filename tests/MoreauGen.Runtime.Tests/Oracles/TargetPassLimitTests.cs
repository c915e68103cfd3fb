using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The target passes on a nonlinear (tanh) chain against the limits derived in their doc comments: the
/// augmented-Lagrangian pass with κ = 0, β = 1 is the Moreau pass of eq. 52; with β = 0 it is ProxProp; as the steps
/// shrink each pass tends to its linearisation, a discounted gradient (not the plain one); as κ → ∞ target
/// propagation tends to linearised inverse propagation.
/// </summary>
public sealed class TargetPassLimitTests
{
    private static readonly LbfgsSolver<double> Exact = new() { RelativeTolerance = 1e-13, MaxIterations = 1000 };

    private static (Chain<double> Chain, double[] W, double[] X0, SquaredDistance<double> H) TanhChain(int[] sizes, int batch, int seed)
    {
        var random = new Random(seed);
        var layers = new List<IMoreauLayer<double>>();
        for (int t = 1; t < sizes.Length; t++) layers.Add(new TanhLayer(sizes[t - 1], sizes[t]));
        var chain = new Chain<double>(layers);
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount, 0.8);
        double[] x0 = FiniteDifferences.RandomVector(random, batch * sizes[0]);
        double[] targets = FiniteDifferences.RandomVector(random, batch * sizes[^1], 0.9);
        return (chain, w, x0, new SquaredDistance<double>(sizes[^1], targets) { Weight = 0.5 });
    }

    private static double[] Directions(ChainOracle<double> oracle, double[] w, double[] x0, IMoreauObjective<double> h)
    {
        var d = new double[w.Length];
        oracle.Evaluate(w, x0, h, d);
        return d;
    }

    private static double RelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            error += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.Sqrt(error / norm);
    }

    [Theory]
    [InlineData(0.5, 0.25)]
    [InlineData(2.0, 1.0)]
    public void With_kappa_zero_and_beta_one_the_augmented_Lagrangian_pass_is_the_Moreau_pass_of_equation_52(double alpha, double gamma)
    {
        var (chain, w, x0, h) = TanhChain([3, 4, 3, 2], 3, 1);
        double[] moreau = Directions(new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Constant(alpha, gamma), Exact), w, x0, h);
        double[] al = Directions(new AugmentedLagrangianBackpropagation<double>(chain, PenaltySchedule<double>.Constant(alpha, 1.0, gamma, 0.0), Exact), w, x0, h);
        Assert.True(moreau.Max(Math.Abs) > 1e-3, "the Moreau directions vanish; the comparison would be empty");
        FiniteDifferences.AssertClose(moreau, al, 1e-9, "AL(κ = 0, β = 1) vs eq. 52");
    }

    [Fact]
    public void With_beta_zero_the_augmented_Lagrangian_pass_is_ProxProp()
    {
        var (chain, w, x0, h) = TanhChain([3, 4, 3, 2], 3, 2);
        double[] prox = Directions(new ProximalBackpropagation<double>(chain, 0.8, 0.6, 0.9, Exact), w, x0, h);
        double[] al = Directions(new AugmentedLagrangianBackpropagation<double>(chain, PenaltySchedule<double>.Constant(0.8, 0.0, 0.6, 0.9), Exact), w, x0, h);
        Assert.True(prox.Max(Math.Abs) > 1e-3, "the ProxProp directions vanish");
        FiniteDifferences.AssertClose(prox, al, 1e-9, "AL(β = 0) vs ProxProp");
    }

    /// <summary>
    /// As α, γ → 0 with β, κ fixed: x_τ − x⁺_τ ≈ e∇h (e = 1/(1/γ + κ)), each layer multiplies the residual by
    /// q = (β + κ)/(1/γ + κ) through J_xᵀ, and d_t ≈ α(β + κ)J_wᵀ(x_t − x⁺_t); so d_t/(α(β + κ)·e·q^(τ−t)) → ∇_{w_t}(h∘f).
    /// β = 0 is ProxProp, whose limit is therefore a gradient discounted by (κγ/(1 + κγ))^(τ−t) per layer.
    /// </summary>
    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.5, 0.3)]
    [InlineData(0.0, 0.6)]
    public void As_the_steps_shrink_each_pass_tends_to_its_discounted_gradient(double beta, double kappa)
    {
        var (chain, w, x0, h) = TanhChain([3, 4, 3, 2], 3, 3);
        double[] gradient = Directions(new Backpropagation<double>(chain), w, x0, h);
        var errors = new List<double>();
        foreach (double step in new[] { 1e-2, 1e-3 })
        {
            double alpha = step, gamma = 2 * step;
            double e = 1 / (1 / gamma + kappa), q = (beta + kappa) / (1 / gamma + kappa);
            ChainOracle<double> oracle = beta == 0
                ? new ProximalBackpropagation<double>(chain, alpha, gamma, kappa, Exact)
                : new AugmentedLagrangianBackpropagation<double>(chain, PenaltySchedule<double>.Constant(alpha, beta, gamma, kappa), Exact);
            double[] d = Directions(oracle, w, x0, h);
            double worst = 0;
            for (int i = 0; i < chain.Length; i++)
            {
                double discount = alpha * (beta + kappa) * e * Math.Pow(q, chain.Length - 1 - i);
                double[] scaled = chain.Parameters(d.AsSpan(), i).ToArray().Select(v => v / discount).ToArray();
                worst = Math.Max(worst, RelativeError(scaled, chain.Parameters(gradient.AsSpan(), i)));
            }
            errors.Add(worst);
        }

        Assert.True(errors[0] < 0.1, $"at step 1e-2 the pass is {errors[0]:E2} from its linearisation");
        Assert.True(errors[1] < errors[0] / 5, $"the error does not shrink with the step: {errors[0]:E2} then {errors[1]:E2}");
    }

    /// <summary>
    /// As κ → ∞: κ(x⁺_τ − x_τ) → −∇h(x_τ), κ(x⁺_{t−1} − x_{t−1}) → J_x⁻¹κ(x⁺_t − x_t) and κ(w⁺_t − w_t) → J_w⁻¹κ(x⁺_t − x_t)
    /// for square, invertible Jacobians (2 → 2 tanh layers, batch 3: J_w is 6×6). The Jacobians come from central
    /// differences of the forward pass, the inverses from dense elimination.
    /// </summary>
    [Fact]
    public void As_kappa_grows_target_propagation_tends_to_linearised_inverse_propagation()
    {
        const int batch = 3;
        int[] sizes = [2, 2, 2, 2];
        var (chain, w, x0, h) = TanhChain(sizes, batch, 4);
        var work = chain.CreateWorkspace(batch);
        chain.Forward(w, x0, work);
        var states = Enumerable.Range(0, chain.Length + 1).Select(t => work.State(t).ToArray()).ToArray();
        var gradH = new double[states[^1].Length];
        h.ValueAndGradient(states[^1], gradH);

        // Linearised inverse propagation of δ_τ = −∇h.
        var expected = new double[chain.ParameterCount];
        double[] delta = gradH.Select(g => -g).ToArray();
        for (int i = chain.Length - 1; i >= 0; i--)
        {
            IMoreauLayer<double> layer = chain[i];
            double[] wt = chain.Parameters(w.AsSpan(), i).ToArray();
            double[] x = states[i];
            double[,] jw = FiniteDifferences.Jacobian(v => Apply(layer, v, x), wt);
            DenseLinearChain.Solve(jw, delta).CopyTo(chain.Parameters(expected.AsSpan(), i));
            double[,] jx = FiniteDifferences.Jacobian(u => Apply(layer, wt, u), x);
            delta = DenseLinearChain.Solve(jx, delta);
        }

        var errors = new List<double>();
        foreach (double kappa in new[] { 1e3, 1e4 })
        {
            double[] d = Directions(new TargetPropagation<double>(chain, kappa, Exact), w, x0, h);
            double[] scaled = d.Select(v => -kappa * v).ToArray(); // κ(w⁺ − w)
            errors.Add(RelativeError(scaled, expected));
        }

        Assert.True(errors[0] < 0.05, $"at κ = 1000 target propagation is {errors[0]:E2} from linearised inverse propagation");
        Assert.True(errors[1] < errors[0] / 5, $"the error does not shrink as κ grows: {errors[0]:E2} then {errors[1]:E2}");
    }

    private static double[] Apply(IMoreauLayer<double> layer, double[] w, double[] x)
    {
        var y = new double[x.Length / layer.InputCount * layer.OutputCount];
        layer.Forward(w, x, y);
        return y;
    }
}
