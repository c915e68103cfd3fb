using static MoreauGen.Testing.FiniteDifferences;

namespace MoreauGen.Testing;

/// <summary>Checks of a layer's oracles against central differences of its own forward pass.</summary>
public static class LayerOracleChecks
{
    /// <summary>
    /// Checks every oracle of <paramref name="layer"/> at (w, x, λ) against central differences of its forward pass:
    /// the taped and untaped forward agree, Pullback gives ∇_w and ∇_x of λᵀφ, SubproblemW/X give the value
    /// λᵀφ(w + v, x) + ½‖v‖² (resp. x + u) and its gradient at a random v (u).
    /// </summary>
    public static void AssertLayerOracles(IMoreauLayer<double> layer, double[] w, double[] x, double[] lambda, Random random, double tolerance = 1e-7)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int m = layer.InputCount == 0 ? 1 : x.Length / layer.InputCount;
        var y = new double[m * layer.OutputCount];
        var yTaped = new double[y.Length];
        var tape = new double[layer.TapeLength(m)];
        layer.Forward(w, x, y);
        layer.Forward(w, x, yTaped, tape);
        Assert.Equal(y, yTaped);

        double LambdaDotPhi(double[] wp, double[] xp)
        {
            var output = new double[y.Length];
            layer.Forward(wp, xp, output);
            return Dot(lambda, output);
        }

        var gradW = new double[w.Length];
        var gradX = new double[x.Length];
        layer.Pullback(w, x, tape, lambda, gradW, gradX);
        AssertClose(Gradient(p => LambdaDotPhi(p, x), w), gradW, tolerance, "Pullback gradW");
        AssertClose(Gradient(p => LambdaDotPhi(w, p), x), gradX, tolerance, "Pullback gradX");

        AssertSubproblem("SubproblemW", w, v => LambdaDotPhi(v, x), (v, gradient) => layer.SubproblemW(w, x, lambda, v, gradient), random, tolerance);
        AssertSubproblem("SubproblemX", x, u => LambdaDotPhi(w, u), (u, gradient) => layer.SubproblemX(w, x, lambda, u, gradient), random, tolerance);
    }

    /// <summary>A subproblem oracle at the shift s: its value, and its gradient into <c>gradient</c> unless that is empty.</summary>
    private delegate double Subproblem(double[] shift, Span<double> gradient);

    /// <summary>
    /// Checks <paramref name="oracle"/> at a random shift s against its definition λᵀφ(origin + s) + ½‖s‖²
    /// (<paramref name="lambdaDotPhi"/> gives λᵀφ at a point) and the central differences of that definition.
    /// </summary>
    private static void AssertSubproblem(string name, double[] origin, Func<double[], double> lambdaDotPhi, Subproblem oracle, Random random, double tolerance)
    {
        double[] shift = RandomVector(random, origin.Length, 0.3);
        var gradient = new double[origin.Length];
        double value = oracle(shift, gradient);
        double Defining(double[] s)
        {
            var shifted = new double[origin.Length];
            for (int i = 0; i < origin.Length; i++) shifted[i] = origin[i] + s[i];
            return lambdaDotPhi(shifted) + 0.5 * Dot(s, s);
        }
        Assert.Equal(Defining(shift), value, 1e-12 * Math.Max(1, Math.Abs(value)));
        Assert.Equal(value, oracle(shift, Span<double>.Empty));
        AssertClose(Gradient<double>(Defining, shift), gradient, tolerance, name + " gradient");
    }
}
