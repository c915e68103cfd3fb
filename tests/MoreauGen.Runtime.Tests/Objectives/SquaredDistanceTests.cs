
namespace MoreauGen.Tests.Objectives;

/// <summary>The squared distance to targets: value, gradient against central differences, closed-form Moreau gradient against its definition.</summary>
public sealed class SquaredDistanceTests
{
    private static readonly double[] X = [0.5, -1.0, 2.0, 0.25, 3.0, -0.5];
    private static readonly double[] Targets = [1.0, 0.0, -1.0, 0.5, 2.0, 0.0];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Value_and_gradient_match_the_formula_and_central_differences(bool mean)
    {
        var h = new SquaredDistance<double>(2, Targets) { Weight = 0.5, MeanOverBatch = mean };
        double expected = 0;
        for (int i = 0; i < X.Length; i++) expected += (X[i] - Targets[i]) * (X[i] - Targets[i]);
        expected *= mean ? 0.5 / 3 : 0.5;
        Assert.Equal(expected, h.Value(X), 1e-14);
        var grad = new double[X.Length];
        Assert.Equal(expected, h.ValueAndGradient(X, grad), 1e-14);
        FiniteDifferences.AssertClose(FiniteDifferences.Gradient(p => h.Value(p), X), grad, 1e-8, "∇h");
    }

    [Theory]
    [InlineData(0.25, false)]
    [InlineData(3.0, true)]
    public void Moreau_gradient_satisfies_its_definition(double gamma, bool mean)
    {
        // r = −argmin_y γh(x + y) + ½‖y‖² ⇔ γ∇h(x − r) = r (h convex), and matches the L-BFGS solve.
        var h = new SquaredDistance<double>(2, Targets) { Weight = 0.75, MeanOverBatch = mean };
        var r = new double[X.Length];
        h.MoreauGradient(X, gamma, r);
        var shifted = new double[X.Length];
        for (int i = 0; i < X.Length; i++) shifted[i] = X[i] - r[i];
        var grad = new double[X.Length];
        h.ValueAndGradient(shifted, grad);
        for (int i = 0; i < grad.Length; i++) grad[i] *= gamma;
        FiniteDifferences.AssertClose(r, grad, 1e-14, "γ∇h(x − r)");

        var solver = new LbfgsSolver<double> { RelativeTolerance = 1e-13 };
        var solved = new double[X.Length];
        var subproblem = new ObjectiveEnvelopeSubproblem<double>(h, X, gamma, new double[X.Length]);
        solver.MoreauGradient(ref subproblem, solved, solver.CreateWorkspace(X.Length));
        FiniteDifferences.AssertClose(r, solved, 1e-11, "solved ∇env(γh)");
    }

    [Fact]
    public void Targets_of_the_wrong_length_are_reported()
    {
        var h = new SquaredDistance<double>(2, new double[4]);
        var ex = Assert.Throws<InvalidOperationException>(() => h.Value(X));
        Assert.Contains("set Targets for this batch", ex.Message);
    }
}
