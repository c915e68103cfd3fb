using System.Numerics;

namespace MoreauGen.Generator.Tests.Infrastructure;

/// <summary>
/// Checks every oracle of a layer against central finite differences of an all-double reference layer computing
/// the same φ: Pullback (both gradients, and each alone with the other span empty), and the values and gradients of
/// SubproblemW and SubproblemX. Inputs are drawn with a fixed seed and rounded to float, so float layers and their
/// double references see the same points.
/// </summary>
/// <remarks>
/// Tolerance: |computed − reference| ≤ tolerance · max(1, |reference|), per component; the finite differences use
/// the five-point central stencil (8(f(z+h) − f(z−h)) − (f(z+2h) − f(z−2h))) / 12h with h = 1e-4 · max(1, |z|),
/// whose error (≈ h⁴) is far below 1e-6.
/// </remarks>
internal static class OracleChecks
{
    public const double DoubleTolerance = 1e-6;
    public const double FloatTolerance = 1e-2;

    public static void Check<T>(string name, IMoreauLayer<T> layer, IMoreauLayer<double> reference, int m, int seed, double low, double high, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(reference.ParameterCount, layer.ParameterCount);
        Assert.Equal(reference.InputCount, layer.InputCount);
        Assert.Equal(reference.OutputCount, layer.OutputCount);
        Check(name, layer, (w, x, samples) => Forward(reference, w, x, samples * reference.OutputCount), m, seed, low, high, tolerance);
    }

    /// <summary>
    /// Checks every oracle of <paramref name="layer"/> against <paramref name="reference"/>, a plain function giving y for
    /// w, x and the batch size (the user's own method compiled as C#, or an all-double layer).
    /// </summary>
    public static void Check<T>(string name, IMoreauLayer<T> layer, Func<double[], double[], int, double[]> reference, int m, int seed, double low, double high, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = layer.ParameterCount, n = layer.InputCount, o = layer.OutputCount;

        var random = new Random(seed);
        double[] w = Draw(random, p, low, high);
        double[] x = Draw(random, m * n, low, high);
        double[] lambda = Draw(random, m * o, -1, 1);
        double[] v = Draw(random, p, -0.1, 0.1);
        double[] u = Draw(random, m * n, -0.1, 0.1);
        string at = $"{name} (m = {m}, {typeof(T).Name})";

        double F(double[] ww, double[] xx) => Dot(lambda, reference(ww, xx, m));

        // Forward: the taped and plain forward passes agree exactly, and agree with the reference.
        T[] y = Filled<T>(m * o, T.NaN);
        T[] yTaped = Filled<T>(m * o, T.NaN);
        T[] tape = Filled<T>(layer.TapeLength(m), T.NaN);
        layer.Forward(Cast<T>(w), Cast<T>(x), y);
        layer.Forward(Cast<T>(w), Cast<T>(x), yTaped, tape);
        Assert.Equal(Bits(y), Bits(yTaped));
        AssertClose(reference(w, x, m), ToDouble(y), tolerance, at + ": Forward");

        // Pullback: both gradients against central differences; written, not accumulated (spans start as NaN).
        T[] gradW = Filled<T>(p, T.NaN);
        T[] gradX = Filled<T>(m * n, T.NaN);
        layer.Pullback(Cast<T>(w), Cast<T>(x), tape, Cast<T>(lambda), gradW, gradX);
        AssertClose(Gradient(z => F(z, x), w), ToDouble(gradW), tolerance, at + ": Pullback gradW");
        AssertClose(Gradient(z => F(w, z), x), ToDouble(gradX), tolerance, at + ": Pullback gradX");

        // Each gradient alone, with the other span empty: the same values.
        T[] gradWOnly = Filled<T>(p, T.NaN);
        layer.Pullback(Cast<T>(w), Cast<T>(x), tape, Cast<T>(lambda), gradWOnly, Span<T>.Empty);
        Assert.Equal(Bits(gradW), Bits(gradWOnly));
        T[] gradXOnly = Filled<T>(m * n, T.NaN);
        layer.Pullback(Cast<T>(w), Cast<T>(x), tape, Cast<T>(lambda), Span<T>.Empty, gradXOnly);
        Assert.Equal(Bits(gradX), Bits(gradXOnly));

        // Φw(v) = λᵀφ(w + v, x) + ½‖v‖² and its gradient.
        double PhiW(double[] vv) => F(Add(w, vv), x) + 0.5 * Dot(vv, vv);
        T[] gradV = Filled<T>(p, T.NaN);
        T valueW = layer.SubproblemW(Cast<T>(w), Cast<T>(x), Cast<T>(lambda), Cast<T>(v), gradV);
        AssertClose([PhiW(v)], [double.CreateChecked(valueW)], tolerance, at + ": SubproblemW value");
        AssertClose(Gradient(PhiW, v), ToDouble(gradV), tolerance, at + ": SubproblemW gradient");
        Assert.Equal(valueW, layer.SubproblemW(Cast<T>(w), Cast<T>(x), Cast<T>(lambda), Cast<T>(v), Span<T>.Empty));

        // Φx(u) = λᵀφ(w, x + u) + ½‖u‖² and its gradient.
        double PhiX(double[] uu) => F(w, Add(x, uu)) + 0.5 * Dot(uu, uu);
        T[] gradU = Filled<T>(m * n, T.NaN);
        T valueX = layer.SubproblemX(Cast<T>(w), Cast<T>(x), Cast<T>(lambda), Cast<T>(u), gradU);
        AssertClose([PhiX(u)], [double.CreateChecked(valueX)], tolerance, at + ": SubproblemX value");
        AssertClose(Gradient(PhiX, u), ToDouble(gradU), tolerance, at + ": SubproblemX gradient");
        Assert.Equal(valueX, layer.SubproblemX(Cast<T>(w), Cast<T>(x), Cast<T>(lambda), Cast<T>(u), Span<T>.Empty));
    }

    /// <summary>
    /// The gradient of <paramref name="f"/> at <paramref name="at"/> by five-point central differences with
    /// h = 1e-4·max(1, |atᵢ|), the reference of every generated gradient in these tests.
    /// </summary>
    public static double[] Gradient(Func<double[], double> f, double[] at) => FiniteDifferences.Gradient(f, at, 1e-4, Stencil.FivePoint);

    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance * Math.Max(1, Math.Abs(expected[i]))))
            {
                Assert.Fail($"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R} (error {error:E2}, tolerance {tolerance:E0} relative).");
            }
        }
    }

    public static double[] Forward(IMoreauLayer<double> layer, double[] w, double[] x, int outputs)
    {
        var y = new double[outputs];
        layer.Forward(w, x, y);
        return y;
    }

    public static double[] Draw(Random random, int count, double low, double high)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(low + (high - low) * random.NextDouble());
        }

        return values;
    }

    public static T[] Cast<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => values.Select(T.CreateChecked).ToArray();

    public static double[] ToDouble<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => values.Select(double.CreateChecked).ToArray();

    public static T[] Filled<T>(int count, T value) => Enumerable.Repeat(value, count).ToArray();

    public static long[] Bits<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => values.Select(v => BitConverter.DoubleToInt64Bits(double.CreateChecked(v))).ToArray();

    public static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    public static double[] Add(double[] a, double[] b) => a.Select((value, i) => value + b[i]).ToArray();
}
