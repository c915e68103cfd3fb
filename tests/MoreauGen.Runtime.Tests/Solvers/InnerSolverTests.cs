namespace MoreauGen.Tests.Solvers;

/// <summary>
/// Each inner solver against the exact minimiser (Newton's method on the same problem) of a strongly convex
/// subproblem F(y) = s·q(z + y) + ½‖y‖², with the state z of order 1, at scales s = 1, 1e-30 and 1e+6.
/// </summary>
public sealed class InnerSolverTests
{
    public static TheoryData<double> Scales => new() { 1.0, 1e-30, 1e+6 };

    private static double RelativeError(ReadOnlySpan<double> y, ReadOnlySpan<double> exact)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < y.Length; i++)
        {
            error += (y[i] - exact[i]) * (y[i] - exact[i]);
            norm += exact[i] * exact[i];
        }
        return Math.Sqrt(error / norm);
    }

    private static (double[] Y, SolverReport<double> Report, double[] Exact) Solve(InnerSolver<double> solver, double scale)
    {
        var problem = new ConvexTestProblem(scale);
        double[] exact = problem.NewtonMinimiser();
        var function = problem.AsFunction();
        var y = new double[ConvexTestProblem.N];
        var report = solver.Minimize(ref function, y, solver.CreateWorkspace(ConvexTestProblem.N));
        Assert.Equal(function.Evaluations, report.Evaluations);
        return (y, report, exact);
    }

    [Fact]
    public void The_test_problem_at_scale_1e_minus_30_is_one_where_values_cannot_resolve_the_decrease()
    {
        // x + y rounds to x, so a line search on values alone sees no decrease: the solvers must use derivatives.
        var problem = new ConvexTestProblem(1e-30);
        double[] exact = problem.NewtonMinimiser();
        for (int i = 0; i < exact.Length; i++)
        {
            Assert.Equal(problem.Z[i], problem.Z[i] + exact[i]);
            Assert.NotEqual(0.0, exact[i]);
        }
        double f0 = problem.F(new double[ConvexTestProblem.N], Span<double>.Empty);
        double fStar = problem.F(exact, Span<double>.Empty);
        Assert.True(Math.Abs(fStar - f0) <= 1e-15 * Math.Abs(f0), "the decrease is below the rounding of the value");
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void Lbfgs_matches_the_exact_minimiser_to_1e_minus_9_relative(double scale)
    {
        var (y, report, exact) = Solve(new LbfgsSolver<double> { RelativeTolerance = 1e-12 }, scale);
        Assert.Equal(SolverStatus.Converged, report.Status);
        Assert.True(RelativeError(y, exact) <= 1e-9, $"relative error {RelativeError(y, exact):E3}");
        Assert.True(report.RelativeGradientNorm <= 1e-12);
        Assert.True(report.GradientIsAtResult);
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void Gradient_descent_with_backtracking_matches_the_exact_minimiser_to_1e_minus_9_relative_in_60_steps(double scale)
    {
        var (y, report, exact) = Solve(new GradientDescentSolver<double>(60), scale);
        Assert.True(report.Status is SolverStatus.Completed or SolverStatus.Converged, report.Status.ToString());
        Assert.True(RelativeError(y, exact) <= 1e-9, $"relative error {RelativeError(y, exact):E3}");
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void Gradient_descent_stops_at_its_relative_tolerance(double scale)
    {
        var (y, report, exact) = Solve(new GradientDescentSolver<double>(1000) { RelativeTolerance = 1e-6 }, scale);
        Assert.Equal(SolverStatus.Converged, report.Status);
        Assert.True(report.Iterations < 1000);
        Assert.True(report.RelativeGradientNorm <= 1e-6);
        // F is 1-strongly convex: ‖y − y*‖ ≤ ‖∇F(y)‖.
        Assert.True(RelativeError(y, exact) <= 1e-6 * report.InitialGradientNorm / Norm(exact) * 1.0001);
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void Two_step_solver_cuts_the_error_of_the_start_point_by_at_least_ten(double scale)
    {
        // Two steps cannot solve a non-quadratic problem exactly; with the Hessian's condition number ≤ 2.3, a
        // steepest-descent step contracts the error by ≤ (κ − 1)/(κ + 1) ≈ 0.4 and the BB step by about as much again.
        var (y, report, exact) = Solve(new TwoStepSolver<double>(), scale);
        Assert.Equal(SolverStatus.Completed, report.Status);
        Assert.Equal(2, report.Iterations);
        Assert.True(RelativeError(y, exact) <= 0.1, $"relative error {RelativeError(y, exact):E3}");
    }

    [Fact]
    public void Two_step_solver_is_exact_at_scale_1e_minus_30_where_the_subproblem_is_a_unit_quadratic_to_rounding()
    {
        var (y, report, exact) = Solve(new TwoStepSolver<double> { EvaluateFinalGradient = true }, 1e-30);
        Assert.Equal(SolverStatus.Completed, report.Status);
        Assert.True(RelativeError(y, exact) <= 1e-13, $"relative error {RelativeError(y, exact):E3}");
        Assert.True(report.GradientIsAtResult);
        Assert.True(report.RelativeGradientNorm <= 1e-13);
        Assert.Equal(2, report.Evaluations - 1); // start, the unit step (accepted on derivatives), the final check
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void Two_step_solver_in_float_rescales_so_that_1e_minus_30_does_not_underflow(double scale)
    {
        var problem = new ConvexTestProblem(scale);
        double[] exact = problem.NewtonMinimiser();
        var function = new ConvexTestProblem.FloatFunction(problem);
        var solver = new LbfgsSolver<float>();
        var y = new float[ConvexTestProblem.N];
        var report = solver.Minimize(ref function, y, solver.CreateWorkspace(y.Length));
        Assert.Equal(SolverStatus.Converged, report.Status);
        var yd = Array.ConvertAll(y, v => (double)v);
        Assert.True(RelativeError(yd, exact) <= 1e-5, $"relative error {RelativeError(yd, exact):E3}");
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void A_known_start_value_and_gradient_save_the_first_evaluation(double scale)
    {
        var problem = new ConvexTestProblem(scale);
        var solver = new TwoStepSolver<double>();
        var workspace = solver.CreateWorkspace(ConvexTestProblem.N);

        var a = problem.AsFunction();
        var yA = new double[ConvexTestProblem.N];
        var reportA = solver.Minimize(ref a, yA, workspace);

        var g0 = new double[ConvexTestProblem.N];
        double f0 = problem.F(new double[ConvexTestProblem.N], g0);
        var b = problem.AsFunction();
        var yB = new double[ConvexTestProblem.N];
        var reportB = solver.Minimize(ref b, yB, f0, g0, workspace);

        Assert.Equal(yA, yB);
        Assert.Equal(reportA.Evaluations - 1, reportB.Evaluations);
    }

    [Fact]
    public void A_start_value_off_by_more_than_the_decrease_but_within_rounding_noise_does_not_stall_the_line_search()
    {
        // Scale 1e-9: F(0) ≈ 1e-8 while the decrease is ≈ 1e-17, resolvable (> 10ε|F| ≈ 2e-23) but below the noise a
        // start value computed by other arithmetic may carry (√ε|F| ≈ 1.5e-16). A start value 5e-17 too low makes
        // every trial look like an increase; the step must still be taken, on the approximate Wolfe conditions.
        var problem = new ConvexTestProblem(1e-9);
        double[] exact = problem.NewtonMinimiser();
        var g0 = new double[ConvexTestProblem.N];
        double f0 = problem.F(new double[ConvexTestProblem.N], g0);
        var function = problem.AsFunction();
        var solver = new TwoStepSolver<double>();
        var y = new double[ConvexTestProblem.N];
        var report = solver.Minimize(ref function, y, f0 - 5e-17, g0, solver.CreateWorkspace(y.Length));
        Assert.Equal(SolverStatus.Completed, report.Status);
        Assert.True(RelativeError(y, exact) <= 1e-6, $"relative error {RelativeError(y, exact):E3}");
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(1e-30, 1.0)]
    [InlineData(1e+6, 1.0)]
    [InlineData(1e-100, 1.0)] // σ ≠ 1: the start gradient is rescaled
    [InlineData(1.0, 64.0)] // the line search shrinks the first trial
    [InlineData(1.0, 1e-3)] // the line search extrapolates
    public void The_two_step_Moreau_gradient_from_a_known_start_is_minus_the_general_iterate(double scale, double initialStep)
    {
        // MoreauGradient with a known start takes the two-step solver's from-zero path (no stored direction, fused
        // sums); Minimize from y = 0 with the same start runs the general algorithm. Same iterate up to rounding. With
        // N = 6 unknowns the from-zero path skips the general frame (TrySmallFromZero) unless σ ≠ 1 (scale 1e-100).
        var problem = new ConvexTestProblem(scale);
        var solver = new TwoStepSolver<double> { InitialStep = initialStep };
        var workspace = solver.CreateWorkspace(ConvexTestProblem.N);
        var g0 = new double[ConvexTestProblem.N];
        double f0 = problem.F(new double[ConvexTestProblem.N], g0);

        var general = problem.AsFunction();
        var y = new double[ConvexTestProblem.N];
        var reportGeneral = solver.Minimize(ref general, y, f0, g0, workspace);

        var fromZero = problem.AsFunction();
        var result = new double[ConvexTestProblem.N];
        var reportFromZero = solver.MoreauGradient(ref fromZero, result, f0, g0, workspace);

        Assert.Equal(reportGeneral.Status, reportFromZero.Status);
        Assert.Equal(reportGeneral.Evaluations, reportFromZero.Evaluations);
        Assert.Equal(reportGeneral.RelativeGradientNorm, reportFromZero.RelativeGradientNorm, 1e-12);
        var minusY = Array.ConvertAll(y, v => -v);
        Assert.True(RelativeError(result, minusY) <= 1e-14, $"relative difference {RelativeError(result, minusY):E3}");
        Assert.True(Norm(result) > 0);
    }

    [Fact]
    public void MoreauGradient_returns_minus_the_minimiser()
    {
        var problem = new ConvexTestProblem(1.0);
        double[] exact = problem.NewtonMinimiser();
        var function = problem.AsFunction();
        var solver = new LbfgsSolver<double> { RelativeTolerance = 1e-12 };
        var result = new double[ConvexTestProblem.N];
        solver.MoreauGradient(ref function, result, solver.CreateWorkspace(result.Length));
        for (int i = 0; i < result.Length; i++)
            Assert.Equal(-exact[i], result[i], 1e-10);
    }

    [Fact]
    public void A_zero_start_gradient_returns_the_start_point_without_iterating()
    {
        var solver = new LbfgsSolver<double>();
        var zero = new ZeroGradient();
        double[] y = [1.0, 2.0];
        var report = solver.Minimize(ref zero, y, solver.CreateWorkspace(2));
        Assert.Equal(SolverStatus.Converged, report.Status);
        Assert.Equal(0, report.Iterations);
        Assert.Equal([1.0, 2.0], y);
    }

    [Fact]
    public void A_workspace_too_small_is_rejected_with_the_sizes()
    {
        var solver = new LbfgsSolver<double>();
        var function = new ConvexTestProblem(1.0).AsFunction();
        var ex = Assert.Throws<ArgumentException>(() => solver.Minimize(ref function, new double[ConvexTestProblem.N], solver.CreateWorkspace(3)));
        Assert.Contains("CreateWorkspace", ex.Message);
    }

    private static double Norm(ReadOnlySpan<double> v)
    {
        double sum = 0;
        foreach (double x in v) sum += x * x;
        return Math.Sqrt(sum);
    }

    private struct ZeroGradient : ISmoothFunction<double>
    {
        public double Evaluate(ReadOnlySpan<double> y, Span<double> gradient)
        {
            gradient.Clear();
            return 0;
        }
    }
}
