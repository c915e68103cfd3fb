using MoreauGen.Samples.Pendulum.Physics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>Moreau back-propagation (paper Alg. 1–2, eq. 52) against the definition of the Moreau gradient and closed forms.</summary>
public sealed class MoreauBackpropagationTests
{
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

    // ---- φ(w, x) = w: the oracle returns ∇env(αh)(w) ----

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.3)]
    [InlineData(8.0)]
    public void For_phi_equal_w_the_backward_pass_returns_the_Moreau_gradient_of_alpha_h_at_w(double alpha)
    {
        // Alg. 2 with γ_τ = α (Prop. 2.2 with γ₀ = α): λ₁ = α⁻¹∇env(αh)(w), g₁ = Φw(αλ₁) = ∇env(αh)(w).
        var chain = new Chain<double>([new ParameterLayer(3)]);
        double[] w = [0.4, -1.5, 2.0];
        double[] targets = [1.0, 0.5, -0.25];
        var h = new SquaredDistance<double>(3, targets) { Weight = 0.75 };
        var oracle = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Algorithm2([alpha], [1.0, alpha]));
        var g = new double[3];
        oracle.Evaluate(w, [], h, g);

        var expected = new double[3];
        for (int i = 0; i < 3; i++) expected[i] = 2 * alpha * 0.75 / (1 + 2 * alpha * 0.75) * (w[i] - targets[i]);
        if (alpha == 0.5 || alpha == 8.0)
            Assert.Equal(expected, g); // powers of two: α·(α⁻¹·r) is exact
        else
            FiniteDifferences.AssertClose(expected, g, 1e-15, "g");
    }

    [Fact]
    public void For_phi_equal_w_and_h_without_closed_form_the_solved_Moreau_gradient_matches_the_definition()
    {
        const double alpha = 1.5;
        var chain = new Chain<double>([new ParameterLayer(4)]);
        double[] w = [0.4, -1.5, 2.0, 0.05];
        var h = new LogSquareObjective(4);
        var oracle = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Algorithm2([alpha], [1.0, alpha]),
                                                       new LbfgsSolver<double> { RelativeTolerance = 1e-13 });
        var g = new double[4];
        oracle.Evaluate(w, [], h, g);
        FiniteDifferences.AssertClose(LogSquareObjective.ReferenceMoreauGradient(w, alpha), g, 1e-12, "g");
        Assert.Equal(1, oracle.LastStatistics.Solves); // only h needed a solver; Φw of φ = w is closed-form
    }

    [Fact]
    public void Under_eq_52_phi_equal_w_gives_alpha_times_the_Moreau_gradient_of_gamma_h()
    {
        const double alpha = 0.75, gamma = 0.5;
        var chain = new Chain<double>([new UndeclaredLayer(new ParameterLayer(3))]);
        double[] w = [0.4, -1.5, 2.0];
        double[] targets = [1.0, 0.5, -0.25];
        var h = new SquaredDistance<double>(3, targets);
        var oracle = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Constant(alpha, gamma));
        var g = new double[3];
        oracle.Evaluate(w, [], h, g);
        var expected = new double[3];
        for (int i = 0; i < 3; i++) expected[i] = alpha * (2 * gamma / (1 + 2 * gamma)) * (w[i] - targets[i]);
        FiniteDifferences.AssertClose(expected, g, 1e-15, "g");
    }

    [Fact]
    public void For_a_non_linear_layer_with_l2_the_update_is_a_stationary_point_of_the_defining_subproblem()
    {
        // One tanh layer, h without closed form, μ > 0: λ₁ = ∇env(γh)(x₁) (Newton reference) and g₁ = −v* with v*
        // minimising αλ₁ᵀφ(w + v, x₀) + (αμ/2)‖w + v‖² + ½‖v‖², checked by central differences of φ itself.
        const double alpha = 0.8, gamma = 0.6, mu = 0.05;
        var random = new Random(19);
        var layer = new TanhLayer(3, 2);
        var chain = new Chain<double>([layer]);
        double[] w = FiniteDifferences.RandomVector(random, layer.ParameterCount);
        double[] x0 = FiniteDifferences.RandomVector(random, 2 * 3);
        var h = new LogSquareObjective(2);
        var oracle = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Constant(alpha, gamma), new LbfgsSolver<double> { RelativeTolerance = 1e-13 })
        {
            ParameterL2 = mu,
        };
        var g = new double[w.Length];
        oracle.Evaluate(w, x0, h, g);

        var x1 = new double[4];
        layer.Forward(w, x0, x1);
        double[] lambda = LogSquareObjective.ReferenceMoreauGradient(x1, gamma);
        double Defining(double[] v)
        {
            var shifted = new double[w.Length];
            for (int i = 0; i < w.Length; i++) shifted[i] = w[i] + v[i];
            var y = new double[4];
            layer.Forward(shifted, x0, y);
            return alpha * FiniteDifferences.Dot(lambda, y) + alpha * mu / 2 * FiniteDifferences.Dot(shifted, shifted) + 0.5 * FiniteDifferences.Dot(v, v);
        }
        double[] vStar = Array.ConvertAll(g, v => -v);
        double[] stationarity = FiniteDifferences.Gradient(Defining, vStar);
        Assert.True(stationarity.Max(Math.Abs) <= 1e-8, $"largest |∇F(v*)| = {stationarity.Max(Math.Abs):E2}");
        Assert.True(g.Max(Math.Abs) > 1e-2); // a real step
    }

    [Fact]
    public void Schedules_check_their_lengths()
    {
        Assert.Equal("gammas", Assert.Throws<ArgumentException>(() => MoreauSchedule<double>.Algorithm2([1.0, 1.0], [1.0, 1.0])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => MoreauSchedule<double>.Constant(-1.0, 0.5));
        var schedule = MoreauSchedule<double>.Algorithm2([1.0, 1.0], [1.0, 1.0, 1.0]);
        var ex = Assert.Throws<ArgumentException>(() => new MoreauBackpropagation<double>(Chain<double>.Repeat(new PendulumDynamics(), 3), schedule));
        Assert.Contains("steps for 2 layers; the chain has 3", ex.Message);
    }

    [Fact]
    public void Per_layer_steps_equal_to_constants_give_the_constant_schedule()
    {
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 10);
        double[] w = FiniteDifferences.RandomVector(new Random(6), 10);
        var a = new double[10];
        var b = new double[10];
        new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Algorithm2(0.3, 0.7)).Evaluate(w, [0.0, 0.0], new PendulumCost(), a);
        new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Algorithm2(Enumerable.Repeat(0.3, 10).ToArray(), Enumerable.Repeat(0.7, 11).ToArray()))
            .Evaluate(w, [0.0, 0.0], new PendulumCost(), b);
        Assert.Equal(a, b);
    }

    // ---- linear layers with a quadratic objective: the closed form of eq. 52 ----

    public static TheoryData<string> Solvers => new() { "two-step", "gradient descent", "L-BFGS", "declared affine" };

    [Theory]
    [MemberData(nameof(Solvers))]
    public void Linear_layers_with_a_quadratic_objective_match_the_closed_form_of_eq_52(string solverName)
    {
        const double alpha = 0.7, gamma = 0.4;
        int[] sizes = [3, 4, 2];
        const int m = 2;
        var random = new Random(23);
        bool declared = solverName == "declared affine";
        IMoreauLayer<double> Make(int i, int o) => declared ? new DeclaredLinearLayer(i, o) : new LinearLayer(i, o);
        var chain = new Chain<double>([Make(sizes[0], sizes[1]), Make(sizes[1], sizes[2])]);
        InnerSolver<double>? solver = solverName switch
        {
            "gradient descent" => new GradientDescentSolver<double>(40),
            "L-BFGS" => new LbfgsSolver<double>(),
            _ => null,
        };
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount);
        double[] x0 = FiniteDifferences.RandomVector(random, m * sizes[0]);
        double[] targets = FiniteDifferences.RandomVector(random, m * sizes[2]);
        var h = new SquaredDistance<double>(sizes[2], targets) { Weight = 0.5 };
        var oracle = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Constant(alpha, gamma), solver);
        var g = new double[w.Length];
        oracle.Evaluate(w, x0, h, g);

        // Closed form: x₁ = W₁x₀, x₂ = W₂x₁ per sample; λ̂₂ = γ/(1 + γ)(x₂ − y); λ̂₁ = γW₂ᵀλ̂₂;
        // g₂ = α Σₛ λ̂₂ₛ x₁ₛᵀ, g₁ = α Σₛ λ̂₁ₛ x₀ₛᵀ (every subproblem is a unit quadratic).
        double[] w1 = w[..(sizes[0] * sizes[1])], w2 = w[(sizes[0] * sizes[1])..];
        double[] x1 = MatVec(w1, x0, sizes[0], sizes[1], m), x2 = MatVec(w2, x1, sizes[1], sizes[2], m);
        var lambda2 = new double[x2.Length];
        for (int i = 0; i < x2.Length; i++) lambda2[i] = gamma / (1 + gamma) * (x2[i] - targets[i]);
        var lambda1 = new double[x1.Length];
        for (int s = 0; s < m; s++)
            for (int o = 0; o < sizes[2]; o++)
                for (int i = 0; i < sizes[1]; i++)
                    lambda1[s * sizes[1] + i] += gamma * w2[o * sizes[1] + i] * lambda2[s * sizes[2] + o];
        var expected = new double[w.Length];
        Outer(lambda1, x0, sizes[0], sizes[1], m, alpha, expected.AsSpan(0, w1.Length));
        Outer(lambda2, x1, sizes[1], sizes[2], m, alpha, expected.AsSpan(w1.Length));

        double tolerance = solverName == "gradient descent" ? 1e-12 : 1e-13;
        Assert.True(RelativeError(g, expected) <= tolerance, $"relative error {RelativeError(g, expected):E2}");
        if (declared)
            Assert.Equal(0, oracle.LastStatistics.Solves);
        else
            Assert.Equal(3, oracle.LastStatistics.Solves); // Φw₂, Φx₂, Φw₁
    }

    private static double[] MatVec(double[] w, double[] x, int inputs, int outputs, int m)
    {
        var y = new double[m * outputs];
        new LinearLayer(inputs, outputs).Forward(w, x, y);
        return y;
    }

    private static void Outer(double[] lambda, double[] x, int inputs, int outputs, int m, double alpha, Span<double> result)
    {
        for (int s = 0; s < m; s++)
            for (int o = 0; o < outputs; o++)
                for (int i = 0; i < inputs; i++)
                    result[o * inputs + i] += alpha * lambda[s * outputs + o] * x[s * inputs + i];
    }

    // ---- affine in w: Φw is the plain gradient step ----

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void For_a_layer_affine_in_w_Phi_w_returns_the_plain_gradient_step(double mu)
    {
        // Directly on the subproblem: ∇env(αλᵀφ(·, x) + (αμ/2)‖·‖²)(w) = (α∇_wλᵀφ + αμw)/(1 + αμ).
        var random = new Random(41);
        var layer = new LinearLayer(3, 2);
        double[] w = FiniteDifferences.RandomVector(random, 6);
        double[] x = FiniteDifferences.RandomVector(random, 3 * 3);
        double[] lambda = FiniteDifferences.RandomVector(random, 3 * 2);
        const double alpha = 2.5;
        var scaled = Array.ConvertAll(lambda, l => alpha * l);
        var scratch = new double[6];
        var subproblem = new LayerParameterSubproblem<double>(layer, w, x, scaled, alpha * mu, scratch);
        var solver = new TwoStepSolver<double>();
        var g = new double[6];
        solver.MoreauGradient(ref subproblem, g, solver.CreateWorkspace(6));

        var gradient = new double[6];
        layer.PullbackW(w, x, lambda, gradient);
        var expected = new double[6];
        for (int i = 0; i < 6; i++) expected[i] = (alpha * gradient[i] + alpha * mu * w[i]) / (1 + alpha * mu);
        FiniteDifferences.AssertClose(expected, g, 1e-14, "Φw");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void Declaring_a_layer_affine_in_w_changes_nothing_but_the_work(double mu)
    {
        // The pendulum is affine in its torque: the closed-form Φw equals the solved one.
        var random = new Random(9);
        double[] w = FiniteDifferences.RandomVector(random, 30, 2);
        var declared = Chain<double>.Repeat(new PendulumDynamics(), 30);
        var undeclared = Chain<double>.Repeat(new UndeclaredLayer(new PendulumDynamics()), 30);
        var schedule = MoreauSchedule<double>.Constant(4.0, 0.5);
        var solver = new LbfgsSolver<double> { RelativeTolerance = 1e-13 };
        var a = new MoreauBackpropagation<double>(declared, schedule, solver) { ParameterL2 = mu };
        var b = new MoreauBackpropagation<double>(undeclared, schedule, solver) { ParameterL2 = mu };
        var ga = new double[30];
        var gb = new double[30];
        double[] x0 = [0.0, 0.0];
        Assert.Equal(a.Evaluate(w, x0, new PendulumCost(), ga), b.Evaluate(w, x0, new PendulumCost(), gb));
        FiniteDifferences.AssertClose(gb, ga, 1e-12, "g");
        Assert.Equal(29, a.LastStatistics.Solves);
        Assert.Equal(59, b.LastStatistics.Solves);
    }

    // ---- g/α → ∇(h∘f) as α, γ → 0 ----

    [Fact]
    public void As_alpha_and_gamma_go_to_zero_g_over_alpha_tends_to_the_gradient_at_first_order()
    {
        var random = new Random(31);
        var chain = new Chain<double>([new TanhLayer(3, 4), new TanhLayer(4, 4), new TanhLayer(4, 2)]);
        double[] w = FiniteDifferences.RandomVector(random, chain.ParameterCount);
        double[] x0 = FiniteDifferences.RandomVector(random, 2 * 3);
        var h = new SquaredDistance<double>(2, FiniteDifferences.RandomVector(random, 2 * 2));
        var gradient = new double[w.Length];
        new Backpropagation<double>(chain).Evaluate(w, x0, h, gradient);

        var solver = new LbfgsSolver<double> { RelativeTolerance = 1e-13 };
        double[] errors = new double[4];
        for (int k = 0; k < errors.Length; k++)
        {
            double step = 0.02 / Math.Pow(2, k);
            var oracle = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Algorithm2(step, step), solver);
            var g = new double[w.Length];
            oracle.Evaluate(w, x0, h, g);
            for (int i = 0; i < g.Length; i++) g[i] /= step;
            errors[k] = RelativeError(g, gradient);
        }

        Assert.True(errors[0] < 0.1, $"error at α = γ = 0.02: {errors[0]:E3}");
        for (int k = 1; k < errors.Length; k++)
        {
            double ratio = errors[k - 1] / errors[k];
            Assert.True(ratio is > 1.8 and < 2.2, $"halving α and γ should halve the error (first order): errors {string.Join(", ", errors.Select(e => e.ToString("E3")))}");
        }
    }

    // ---- the α convention: printed Alg. 2 with geometric steps is eq. 52 with α/γ ----

    [Fact]
    public void Printed_algorithm_2_with_geometric_steps_equals_eq_52_with_alpha_over_gamma()
    {
        const double alpha = 4.0, gamma = 0.5;
        var chain = Chain<double>.Repeat(new PendulumDynamics(), 40);
        double[] w = FiniteDifferences.RandomVector(new Random(2), 40, 2);
        var solver = new LbfgsSolver<double> { RelativeTolerance = 1e-13 };
        var printed = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Algorithm2Geometric(alpha, gamma, 40), solver);
        var hatted = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Constant(alpha / gamma, gamma), solver);
        var g1 = new double[40];
        var g2 = new double[40];
        printed.Evaluate(w, [0.0, 0.0], new PendulumCost(), g1);
        hatted.Evaluate(w, [0.0, 0.0], new PendulumCost(), g2);
        for (int i = 0; i < 40; i++)
            Assert.True(Math.Abs(g1[i] - g2[i]) <= 1e-11 * Math.Abs(g2[i]), $"g_{i + 1}: {g1[i]:R} vs {g2[i]:R}");
    }

    // ---- eq. 52 at τ = 100: multipliers of ~1e-30 solved as accurately as those of order 1 ----

    [Fact]
    public void Eq_52_on_100_pendulum_steps_with_LBFGS_matches_a_Newton_reference_to_1e_minus_10_at_every_scale()
    {
        double[] w = FiniteDifferences.RandomVector(new Random(8), 100, 0.5);
        var (g, expected, statistics) = Eq52OnThePendulum(w, new LbfgsSolver<double> { RelativeTolerance = 1e-13 });
        Assert.Equal(0, statistics.Failures);
        Assert.True(Math.Abs(expected[0]) < 1e-25, $"the first update is tiny: {expected[0]:E2}");
        for (int t = 0; t < w.Length; t++)
            Assert.True(Math.Abs(g[t] - expected[t]) <= 1e-10 * Math.Abs(expected[t]),
                $"g_{t + 1}: {g[t]:R}, reference {expected[t]:R} (relative error {Math.Abs(g[t] / expected[t] - 1):E2})");
    }

    [Fact]
    public void Eq_52_on_100_pendulum_steps_with_the_two_step_solver_is_as_accurate_at_1e_minus_28_as_at_order_1()
    {
        // The two-step solver is inexact (about 1e-3 here), and its error must not grow as the multipliers shrink
        // from order 1 (last layers) to ~1e-28 (first layers): one evaluation per Φx solve, none failing.
        double[] w = FiniteDifferences.RandomVector(new Random(8), 100, 0.5);
        var (g, expected, statistics) = Eq52OnThePendulum(w, new TwoStepSolver<double>());
        Assert.Equal(0, statistics.Failures);
        Assert.Equal(99, statistics.Solves);
        Assert.Equal(99, statistics.Evaluations);
        // Relative to the local magnitude max(|g_{t−1}|, |g_t|, |g_{t+1}|): g_t changes sign along the chain.
        var relative = new double[w.Length];
        for (int t = 0; t < w.Length; t++)
        {
            double scale = Math.Abs(expected[t]);
            if (t > 0) scale = Math.Max(scale, Math.Abs(expected[t - 1]));
            if (t + 1 < w.Length) scale = Math.Max(scale, Math.Abs(expected[t + 1]));
            relative[t] = Math.Abs(g[t] - expected[t]) / scale;
        }
        Assert.True(relative.Max() <= 1e-2, $"largest relative error {relative.Max():E2}");
        double tiny = relative[..10].Max(), orderOne = relative[^10..].Max();
        Assert.True(tiny <= 3 * orderOne, $"relative error {tiny:E2} on the first 10 layers, {orderOne:E2} on the last 10");
    }

    private static (double[] G, double[] Expected, InnerSolveStatistics<double> Statistics) Eq52OnThePendulum(double[] w, InnerSolver<double> solver)
    {
        const double alpha = 128.0, gamma = 0.5;
        var oracle = new MoreauBackpropagation<double>(Chain<double>.Repeat(new PendulumDynamics(), w.Length), MoreauSchedule<double>.Constant(alpha, gamma), solver);
        var g = new double[w.Length];
        oracle.Evaluate(w, [0.0, 0.0], new PendulumCost(), g);
        return (g, PendulumEq52Reference(w, alpha, gamma), oracle.LastStatistics);
    }

    /// <summary>
    /// Eq. 52 for the pendulum computed independently: λ̂_τ from the closed form of the quadratic cost, each Φx by
    /// Newton's method on its one non-linear coordinate (the ω-coordinate is linear), g_t = α·δ·λ̂_t,ω.
    /// </summary>
    private static double[] PendulumEq52Reference(double[] w, double alpha, double gamma)
    {
        const double delta = 0.1, g = 9.81, mu = 0.01;
        int tau = w.Length;
        var theta = new double[tau + 1];
        var omega = new double[tau + 1];
        for (int t = 1; t <= tau; t++)
        {
            theta[t] = theta[t - 1] + delta * omega[t - 1];
            omega[t] = omega[t - 1] + delta * (-g * Math.Sin(theta[t - 1]) - mu * omega[t - 1] + w[t - 1]);
        }
        double lt = 2 * gamma / (1 + 2 * gamma) * (theta[tau] - Math.PI);
        double lw = 2 * gamma * 0.1 / (1 + 2 * gamma * 0.1) * omega[tau];
        var result = new double[tau];
        for (int t = tau; t >= 1; t--)
        {
            result[t - 1] = alpha * delta * lw;
            if (t == 1) break;
            // min_u γ[lt(θ+u₀ + δ(ω+u₁)) + lw((1 − δμ)(ω+u₁) − δg sin(θ+u₀))] + ½‖u‖²
            double a = gamma * lt, b = gamma * lw, th = theta[t - 1];
            double u1 = -(a * delta + b * (1 - delta * mu));
            double u0 = 0;
            for (int k = 0; k < 60; k++)
            {
                double f = a - b * delta * g * Math.Cos(th + u0) + u0;
                double df = b * delta * g * Math.Sin(th + u0) + 1;
                u0 -= f / df;
            }
            lt = -u0;
            lw = -u1;
        }
        return result;
    }
}
