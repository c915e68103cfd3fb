namespace MoreauGen.Tests.TestLayers;

/// <summary>Central finite differences and the checks of a layer's oracles against them.</summary>
internal static class FiniteDifferences
{
    public delegate double ScalarFunction(double[] point);

    /// <summary>(f(p + h·eᵢ) − f(p − h·eᵢ)) / 2h for every i, with h = step·max(1, |pᵢ|).</summary>
    public static double[] Gradient(ScalarFunction f, double[] point, double step = 1e-6)
    {
        var gradient = new double[point.Length];
        for (int i = 0; i < point.Length; i++)
        {
            double h = step * Math.Max(1, Math.Abs(point[i]));
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[i] += h;
            minus[i] -= h;
            gradient[i] = (f(plus) - f(minus)) / (2 * h);
        }
        return gradient;
    }

    /// <summary>(f(p + h·d) − f(p − h·d)) / 2h along direction d.</summary>
    public static double Directional(ScalarFunction f, double[] point, double[] direction, double step = 1e-6)
    {
        var plus = new double[point.Length];
        var minus = new double[point.Length];
        for (int i = 0; i < point.Length; i++)
        {
            plus[i] = point[i] + step * direction[i];
            minus[i] = point[i] - step * direction[i];
        }
        return (f(plus) - f(minus)) / (2 * step);
    }

    /// <summary>Asserts |actual − expected| ≤ tolerance·max(1, max |expected|) componentwise.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * scale,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance * scale:E2})");
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    public static double[] RandomVector(Random random, int length, double scale = 1)
    {
        var v = new double[length];
        for (int i = 0; i < length; i++) v[i] = scale * (2 * random.NextDouble() - 1);
        return v;
    }

    /// <summary>
    /// Checks every oracle of <paramref name="layer"/> at (w, x, λ) against central differences of its forward pass:
    /// the taped and untaped forward agree, Pullback gives ∇_w and ∇_x of λᵀφ, SubproblemW/X give the value
    /// λᵀφ(w + v, x) + ½‖v‖² (resp. x + u) and its gradient at a random v (u).
    /// </summary>
    public static void AssertLayerOracles(IMoreauLayer<double> layer, double[] w, double[] x, double[] lambda, Random random, double tolerance = 1e-7)
    {
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
        AssertClose(Gradient(SubW, v), gradV, tolerance, "SubproblemW gradient");

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
        AssertClose(Gradient(SubX, u), gradU, tolerance, "SubproblemX gradient");
    }
}
