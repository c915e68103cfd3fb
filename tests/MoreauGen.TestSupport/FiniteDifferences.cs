using System.Numerics;

namespace MoreauGen.Testing;

/// <summary>The stencil of <see cref="FiniteDifferences.Gradient{T}"/>.</summary>
public enum Stencil
{
    /// <summary>(f(x + h) − f(x − h)) / 2h: truncation error O(h²).</summary>
    ThreePoint,

    /// <summary>(8(f(x + h) − f(x − h)) − (f(x + 2h) − f(x − 2h))) / 12h: truncation error O(h⁴).</summary>
    FivePoint,
}

/// <summary>
/// Central finite differences, the reference every test checks derivatives against, in float or double: the function
/// is evaluated at points of <c>T</c>, the differences are taken in double.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>Step of <see cref="AssertGradient"/>; its O(h²) truncation error is far below <see cref="GradientTolerance"/>.</summary>
    public const double GradientStep = 1e-5;

    /// <summary>Relative tolerance of <see cref="AssertGradient"/>.</summary>
    public const double GradientTolerance = 1e-6;

    /// <summary>(f(x + h·t) − f(x − h·t)) / 2h, the derivative of the scalar f at x along t (h = <paramref name="step"/>).</summary>
    public static double Directional<T>(Func<T[], double> f, T[] x, T[] t, double step = 1e-6)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        Assert.Equal(x.Length, t.Length);
        T h = T.CreateChecked(step);
        var plus = new T[x.Length];
        var minus = new T[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            plus[i] = x[i] + h * t[i];
            minus[i] = x[i] - h * t[i];
        }

        return (f(plus) - f(minus)) / (2 * step);
    }

    /// <summary>
    /// The gradient of the scalar f at x, one coordinate at a time with h = <paramref name="step"/>·max(1, |xᵢ|), by the
    /// central <paramref name="stencil"/>.
    /// </summary>
    public static double[] Gradient<T>(Func<T[], double> f, T[] x, double step = 1e-6, Stencil stencil = Stencil.ThreePoint)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var gradient = new double[x.Length];
        var z = (T[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            double h = step * Math.Max(1, Math.Abs(double.CreateChecked(x[i])));
            double Shifted(double by)
            {
                z[i] = x[i] + T.CreateChecked(by);
                double value = f(z);
                z[i] = x[i];
                return value;
            }

            gradient[i] = stencil == Stencil.FivePoint
                ? (8 * (Shifted(h) - Shifted(-h)) - (Shifted(2 * h) - Shifted(-2 * h))) / (12 * h)
                : (Shifted(h) - Shifted(-h)) / (2 * h);
        }

        return gradient;
    }

    /// <summary>
    /// The Jacobian of f at x (rows: outputs, columns: inputs), one column at a time by three-point central differences
    /// with h = <paramref name="step"/>·max(1, |xₖ|).
    /// </summary>
    public static double[,] Jacobian(Func<double[], double[]> f, double[] x, double step = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(f);
        int rows = f(x).Length;
        var jacobian = new double[rows, x.Length];
        var z = (double[])x.Clone();
        for (int k = 0; k < x.Length; k++)
        {
            double h = step * Math.Max(1, Math.Abs(x[k]));
            z[k] = x[k] + h;
            double[] plus = f(z);
            z[k] = x[k] - h;
            double[] minus = f(z);
            z[k] = x[k];
            for (int i = 0; i < rows; i++)
                jacobian[i, k] = (plus[i] - minus[i]) / (2 * h);
        }

        return jacobian;
    }

    /// <summary>
    /// Asserts ⟨gradient, t⟩ = <see cref="Directional{T}"/>(f, x, t, <paramref name="step"/>) for <paramref name="directions"/>
    /// random directions t with entries in [−1, 1), within <paramref name="tolerance"/>·(1 + ‖gradient‖·‖t‖).
    /// </summary>
    public static void AssertDirectional<T>(Func<T[], double> f, T[] x, T[] gradient, Random random, double step, double tolerance, string what,
                                            int directions = 3)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        Assert.Equal(x.Length, gradient.Length);
        double gradientNorm = Math.Sqrt(InnerInDouble(gradient, gradient));
        for (int d = 0; d < directions; d++)
        {
            T[] t = RandomVector<T>(random, x.Length);
            double analytic = InnerInDouble(gradient, t), tNorm = Math.Sqrt(InnerInDouble(t, t));
            double numeric = Directional(f, x, t, step);
            double allowed = tolerance * (1 + gradientNorm * tNorm);
            Assert.True(Math.Abs(numeric - analytic) <= allowed,
                $"{what}: ⟨∇, t⟩ = {analytic}, central difference {numeric} (±{allowed})");
        }
    }

    /// <summary>
    /// <see cref="AssertDirectional{T}"/> in double along <paramref name="directions"/> directions with step
    /// <see cref="GradientStep"/> and tolerance <see cref="GradientTolerance"/>.
    /// </summary>
    public static void AssertGradient(Func<double[], double> f, double[] x, double[] gradient, Random random, string what, int directions = 4) =>
        AssertDirectional(f, x, gradient, random, GradientStep, GradientTolerance, what, directions);

    /// <summary>Asserts |actual − expected| ≤ tolerance·max(1, max |expected|) componentwise.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double e in expected)
            scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * scale,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance * scale:E2})");
    }

    /// <summary>⟨a, b⟩.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    /// <summary>Uniform values in [−scale, scale).</summary>
    public static double[] RandomVector(Random random, int length, double scale = 1) => RandomVector<double>(random, length, scale);

    /// <summary>Uniform values in [−scale, scale), drawn in double and rounded to <typeparamref name="T"/>.</summary>
    public static T[] RandomVector<T>(Random random, int length, double scale = 1)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = T.CreateChecked(scale * (2 * random.NextDouble() - 1));
        return values;
    }

    private static double InnerInDouble<T>(T[] a, T[] b)
        where T : IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += double.CreateChecked(a[i]) * double.CreateChecked(b[i]);
        return sum;
    }
}
