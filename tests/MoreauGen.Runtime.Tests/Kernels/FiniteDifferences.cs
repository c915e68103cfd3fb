namespace MoreauGen.Tests.Kernels;

/// <summary>Central finite differences for checking reverse-mode derivatives (double precision).</summary>
internal static class FiniteDifferences
{
    /// <summary>Step of the central difference; its O(h²) truncation error is far below the tolerance.</summary>
    public const double Step = 1e-5;

    /// <summary>Relative tolerance of a derivative check.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>(f(x + h·t) − f(x − h·t)) / 2h, the derivative of the scalar f at x along t.</summary>
    public static double Directional(Func<double[], double> f, double[] x, double[] t)
    {
        var plus = new double[x.Length];
        var minus = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            plus[i] = x[i] + Step * t[i];
            minus[i] = x[i] - Step * t[i];
        }
        return (f(plus) - f(minus)) / (2 * Step);
    }

    /// <summary>
    /// Asserts ⟨gradient, t⟩ = the central difference of f along t for several random directions t, with
    /// tolerance <see cref="Tolerance"/>·(1 + ‖gradient‖·‖t‖).
    /// </summary>
    public static void AssertGradient(Func<double[], double> f, double[] x, double[] gradient, Random random, string what, int directions = 4)
    {
        Assert.Equal(x.Length, gradient.Length);
        double gradientNorm = Math.Sqrt(gradient.Sum(g => g * g));
        for (int d = 0; d < directions; d++)
        {
            double[] t = RandomVector(random, x.Length);
            double analytic = 0, tNorm = 0;
            for (int i = 0; i < x.Length; i++)
            {
                analytic += gradient[i] * t[i];
                tNorm += t[i] * t[i];
            }
            double numeric = Directional(f, x, t);
            double tolerance = Tolerance * (1 + gradientNorm * Math.Sqrt(tNorm));
            Assert.True(Math.Abs(numeric - analytic) <= tolerance,
                $"{what}: ⟨∇, t⟩ = {analytic}, central difference {numeric} (±{tolerance})");
        }
    }

    /// <summary>Uniform values in [−scale, scale).</summary>
    public static double[] RandomVector(Random random, int length, double scale = 1)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
            values[i] = scale * (2 * random.NextDouble() - 1);
        return values;
    }

    /// <summary>⟨a, b⟩.</summary>
    public static double Inner(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }
}
