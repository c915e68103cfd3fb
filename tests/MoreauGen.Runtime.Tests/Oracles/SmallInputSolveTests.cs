using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The Moreau backward pass's Φx solves of a few states in one frame (<c>TwoStepSolver.TrySmallInputMoreauGradient</c>)
/// against the route the oracle took before: λ and the pullback scaled by c into vectors, and the solver's public
/// <see cref="InnerSolver{T}.MoreauGradient{TFunction}(ref TFunction, Span{T}, T, ReadOnlySpan{T}, SolverWorkspace{T}, IBatchReduction{T})"/>
/// on a <see cref="LayerInputSubproblem{T}"/>. The reference backward pass (eq. 52 and Alg. 2 as printed) is written out
/// here from the public API, and MorGD's iterates on a 30-step pendulum must agree with it to 1e-12 relative over five
/// iterations, for every inner solver and for first line-search trials that are accepted, too long or too short.
/// </summary>
public sealed class SmallInputSolveTests
{
    private const int Horizon = 30, Iterations = 5;
    private const double Alpha = 128, Gamma = 0.5;

    public static TheoryData<string, bool> Cases
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (string solver in new[] { "two-step", "two-step, first trial too long", "two-step, first trial too short", "two-step, final gradient", "gradient descent", "L-BFGS" })
            {
                data.Add(solver, true);
                data.Add(solver, false);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MorGD_iterates_equal_those_of_the_solver_called_through_its_public_frame(string solverName, bool equation52)
    {
        InnerSolver<double> solver = solverName switch
        {
            "two-step" => new TwoStepSolver<double>(),
            "two-step, first trial too long" => new TwoStepSolver<double> { InitialStep = 64 },
            "two-step, first trial too short" => new TwoStepSolver<double> { InitialStep = 1.0 / 64 },
            "two-step, final gradient" => new TwoStepSolver<double> { EvaluateFinalGradient = true },
            "gradient descent" => new GradientDescentSolver<double>(3),
            _ => new LbfgsSolver<double>(),
        };
        var layer = new PendulumDynamics();
        var chain = Chain<double>.Repeat(layer, Horizon);
        MoreauSchedule<double> schedule = equation52 ? MoreauSchedule<double>.Constant(Alpha, Gamma) : MoreauSchedule<double>.Algorithm2(Alpha, Gamma);
        var optimizer = new MoreauGradientDescent<double>(chain, schedule, solver);
        var cost = new PendulumCost();
        double[] x0 = [0.3, -0.2];
        var w = new double[Horizon];
        var random = new Random(5);
        for (int t = 0; t < Horizon; t++)
            w[t] = 2 * random.NextDouble() - 1;
        double[] reference = [.. w];

        for (int k = 0; k < Iterations; k++)
        {
            optimizer.Step(w, x0, cost);
            double[] direction = ReferenceDirection(chain, layer, reference, x0, cost, solver, equation52);
            for (int t = 0; t < Horizon; t++)
                reference[t] -= direction[t];
            double scale = reference.Max(Math.Abs);
            Assert.True(scale > 1e-3, "the reference does not move");
            for (int t = 0; t < Horizon; t++)
                Assert.True(Math.Abs(w[t] - reference[t]) <= 1e-12 * scale, $"{solverName}: w_{t + 1} after iteration {k + 1} is {w[t]:R}, the reference {reference[t]:R}");
        }

        InnerSolveStatistics<double> statistics = optimizer.Oracle.LastStatistics;
        Assert.Equal(Horizon - 1, statistics.Solves);
        if (solverName.Contains("first trial", StringComparison.Ordinal))
            Assert.True(statistics.Evaluations > statistics.Solves, $"{solverName}: every first trial was accepted ({statistics.Evaluations} evaluations), so the continued line search was not exercised");
    }

    [Fact]
    public void The_unscaled_band_test_agrees_with_the_choice_of_sigma_at_its_edges()
    {
        foreach (int exponent in new[] { -1074, -1022, -300, -256, -255, -1, 0, 1, 254, 255, 256, 1023 })
        {
            foreach (double m in new[] { Math.ScaleB(1.0, exponent), Math.BitDecrement(Math.ScaleB(1.0, exponent)), Math.BitIncrement(Math.ScaleB(1.0, exponent)) })
            {
                if (m > 0 && double.IsFinite(m))
                    Assert.True(ScaledProblem<double>.IsUnscaled(m) == (ScaledProblem<double>.ChooseSigma(m) == 1), $"magnitude {m:R}");
            }
        }

        foreach (int exponent in new[] { -149, -126, -32, -31, 0, 30, 31, 32, 127 })
        {
            float m = MathF.ScaleB(1f, exponent);
            Assert.True(ScaledProblem<float>.IsUnscaled(m) == (ScaledProblem<float>.ChooseSigma(m) == 1), $"magnitude {m:R}");
            float below = MathF.BitDecrement(m);
            Assert.True(ScaledProblem<float>.IsUnscaled(below) == (ScaledProblem<float>.ChooseSigma(below) == 1), $"magnitude {below:R}");
        }

        Assert.False(ScaledProblem<double>.IsUnscaled(0));
        Assert.False(ScaledProblem<double>.IsUnscaled(double.NaN));
        Assert.False(ScaledProblem<double>.IsUnscaled(double.PositiveInfinity));
    }

    /// <summary>
    /// The Moreau backward pass at <paramref name="w"/> (the oracle's documented algorithm): λ_τ = a·∇env(γh)(x_τ); for
    /// t = τ..1, g_t = α·∇_w λ_tᵀφ_t (φ affine in w) and λ_{t−1} = b·∇env(γ·λ_tᵀφ_t(w_t, ·))(x_{t−1}) from the solver's
    /// public Moreau gradient with the start value γ·λ_tᵀx_t and gradient γ·∇ₓλ_tᵀφ_t; a = b = 1 for eq. 52, 1/γ for Alg. 2.
    /// </summary>
    private static double[] ReferenceDirection(Chain<double> chain, PendulumDynamics layer, double[] w, double[] x0, PendulumCost cost,
                                               InnerSolver<double> solver, bool equation52)
    {
        ChainWorkspace<double> workspace = chain.CreateWorkspace(1);
        chain.Forward(w, x0, workspace);
        SolverWorkspace<double> solverWorkspace = solver.CreateWorkspace(2);
        double scale = equation52 ? 1 : 1 / Gamma;
        var lambda = new double[2];
        cost.MoreauGradient(workspace.Output, Gamma, lambda);
        for (int j = 0; j < 2; j++)
            lambda[j] *= scale;

        var direction = new double[Horizon];
        var gradientX = new double[2];
        var previous = new double[2];
        for (int i = Horizon - 1; i >= 0; i--)
        {
            ReadOnlySpan<double> wt = w.AsSpan(i, 1), input = workspace.State(i), state = workspace.State(i + 1);
            layer.Pullback(wt, input, workspace.Tape(i), lambda, direction.AsSpan(i, 1), gradientX);
            direction[i] *= Alpha;
            if (i == 0)
                break;
            double[] scaledLambda = [Gamma * lambda[0], Gamma * lambda[1]];
            double[] startGradient = [gradientX[0] * Gamma, gradientX[1] * Gamma];
            double startValue = Gamma * (lambda[0] * state[0] + lambda[1] * state[1]);
            var subproblem = new LayerInputSubproblem<double>(layer, wt, input, scaledLambda);
            solver.MoreauGradient(ref subproblem, previous, startValue, startGradient, solverWorkspace);
            lambda[0] = previous[0] * scale;
            lambda[1] = previous[1] * scale;
        }

        return direction;
    }
}
