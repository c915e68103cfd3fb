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

        var v = RandomVector(random, w.Length, 0.3);
        var gradV = new double[w.Length];
        double valueW = layer.SubproblemW(w, x, lambda, v, gradV);
        double SubW(double[] vp)
        {
            var shifted = new double[w.Length];
            for (int i = 0; i < w.Length; i++) shifted[i] = w[i] + vp[i];
            return LambdaDotPhi(shifted, x) + 0.5 * Dot(vp, vp);
        }
        Assert.Equal(SubW(v), valueW, 1e-12 * Math.Max(1, Math.Abs(valueW)));
        Assert.Equal(valueW, layer.SubproblemW(w, x, lambda, v, Span<double>.Empty));
        AssertClose(Gradient<double>(SubW, v), gradV, tolerance, "SubproblemW gradient");

        var u = RandomVector(random, x.Length, 0.3);
        var gradU = new double[x.Length];
        double valueX = layer.SubproblemX(w, x, lambda, u, gradU);
        double SubX(double[] up)
        {
            var shifted = new double[x.Length];
            for (int i = 0; i < x.Length; i++) shifted[i] = x[i] + up[i];
            return LambdaDotPhi(w, shifted) + 0.5 * Dot(up, up);
        }
        Assert.Equal(SubX(u), valueX, 1e-12 * Math.Max(1, Math.Abs(valueX)));
        Assert.Equal(valueX, layer.SubproblemX(w, x, lambda, u, Span<double>.Empty));
        AssertClose(Gradient<double>(SubX, u), gradU, tolerance, "SubproblemX gradient");
    }
}
