namespace MoreauGen.Tests.Solvers;

/// <summary>
/// The two-step solver's first trial step given by the caller (the internal overload of
/// <see cref="InnerSolver{T}.MoreauGradient{TFunction}(ref TFunction, Span{T}, T, ReadOnlySpan{T}, SolverWorkspace{T}, IBatchReduction{T})"/>
/// that <see cref="TargetPassOracle{T}.ScaledFirstTrial"/> uses), against the closed form of the algorithm on a quadratic.
/// </summary>
public sealed class FirstTrialTests
{
    /// <summary>F(y) = ½yᵀAy + bᵀy with A = BᵀB + I·shift (symmetric positive definite).</summary>
    private sealed class Quadratic(double[,] a, double[] b) : ISmoothFunction<double>
    {
        public int Evaluations { get; private set; }

        public double Evaluate(ReadOnlySpan<double> y, Span<double> gradient)
        {
            Evaluations++;
            double value = 0;
            for (int i = 0; i < b.Length; i++)
            {
                double ay = 0;
                for (int j = 0; j < b.Length; j++) ay += a[i, j] * y[j];
                value += 0.5 * y[i] * ay + b[i] * y[i];
                if (!gradient.IsEmpty) gradient[i] = ay + b[i];
            }

            return value;
        }
    }

    private static (double[,] A, double[] B) Problem(int n, double scale)
    {
        var random = new Random(7);
        var m = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i, j] = random.NextDouble() * 2 - 1;
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                for (int k = 0; k < n; k++) a[i, j] += scale * m[k, i] * m[k, j];
                if (i == j) a[i, j] += 1; // the proximal term ½‖y‖²
            }

        return (a, [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1)]);
    }

    private static double[] Times(double[,] a, double[] v) =>
        [.. Enumerable.Range(0, v.Length).Select(i => Enumerable.Range(0, v.Length).Sum(j => a[i, j] * v[j]))];

    private static double Dot(double[] u, double[] v) => u.Zip(v, (p, q) => p * q).Sum();

    [Theory]
    [InlineData(6, 300.0)]   // curvature far above the unit step's: the unit trial overshoots
    [InlineData(40, 1000.0)] // beyond the small-problem path's size
    public void The_previous_solves_inverse_curvature_is_the_exact_line_step_and_takes_one_evaluation(int n, double scale)
    {
        var (a, b) = Problem(n, scale);
        var solver = new TwoStepSolver<double>();
        SolverWorkspace<double> workspace = solver.CreateWorkspace(n);

        // The closed form of the algorithm with an exact line search: g₀ = b, s* = g₀ᵀg₀ / g₀ᵀAg₀, y₁ = −s*·g₀,
        // r = Ay₁, η = y₁ᵀy₁ / y₁ᵀr, y₂ = y₁ − η(Ay₁ + b); the Moreau gradient is −y₂.
        double[] ag = Times(a, b);
        double rayleigh = Dot(b, ag) / Dot(b, b);
        double[] y1 = [.. b.Select(v => -v / rayleigh)];
        double[] r = Times(a, y1);
        double eta = Dot(y1, y1) / Dot(y1, r);
        double[] expected = [.. y1.Select((v, i) => -(v - eta * (r[i] + b[i])))];

        // A first solve from the unit trial: several evaluations; its curvature along the first step is the Rayleigh quotient.
        var unitFunction = new Quadratic(a, b);
        var unit = new double[n];
        SolverReport<double> first = solver.MoreauGradient(ref unitFunction, unit, 0.0, b, workspace, double.NaN);
        Assert.True(unitFunction.Evaluations > 1, $"{unitFunction.Evaluations} evaluations");
        Assert.Equal(rayleigh, first.Curvature, rayleigh * 1e-10);

        var function = new Quadratic(a, b);
        var result = new double[n];
        solver.MoreauGradient(ref function, result, 0.0, b, workspace, 1 / first.Curvature);
        Assert.Equal(1, function.Evaluations);
        FiniteDifferences.AssertClose(expected, result, 1e-10, "y₂ from the scaled first trial");
    }

    [Fact]
    public void A_first_trial_that_is_not_positive_and_finite_is_the_solvers_initial_step()
    {
        var (a, b) = Problem(6, 300.0);
        var solver = new TwoStepSolver<double>();
        SolverWorkspace<double> workspace = solver.CreateWorkspace(6);
        var reference = new double[6];
        var referenceFunction = new Quadratic(a, b);
        solver.MoreauGradient(ref referenceFunction, reference, 0.0, b, workspace);
        foreach (double trial in new[] { double.NaN, 0.0, -1.0, double.PositiveInfinity })
        {
            var function = new Quadratic(a, b);
            var result = new double[6];
            solver.MoreauGradient(ref function, result, 0.0, b, workspace, trial);
            Assert.Equal(reference, result);
            Assert.Equal(referenceFunction.Evaluations, function.Evaluations);
        }
    }
}
