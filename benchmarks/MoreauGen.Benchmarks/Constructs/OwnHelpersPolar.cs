namespace MoreauGen.Benchmarks.Constructs;

using MoreauGen;

/// <summary>
/// A polar map through helpers of the type itself without attributes (an out-parameter SinCos, a ref-parameter instance
/// helper reading a field): y = r·(cos a, sin a) with a = w₀x₀, r = √(1 + (sin a + w₁)² + (x₁ cos a)²)·(1 − g·tanh(x₀²)).
/// </summary>
public partial class OwnHelpersPolar
{
    /// <summary>The damping gain g.</summary>
    public const double Gain = 0.5;

    private readonly double gain = Gain;

    [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        SinCos(w[0] * x[0], out double s, out double c);
        double r = Radius(s + w[1], c * x[1]);
        Damp(ref r, x[0]);
        y[0] = r * c;
        y[1] = r * s;
    }

    private static void SinCos(double a, out double s, out double c)
    {
        s = Math.Sin(a);
        c = Math.Cos(a);
    }

    private static double Radius(double a, double b) => Math.Sqrt(1 + a * a + b * b);

    private void Damp(ref double r, double v) => r *= 1 - gain * Math.Tanh(v * v);
}

/// <summary>The hand-written adjoint of <see cref="OwnHelpersPolar"/>: the forward pass records nothing; the reverse recomputes.</summary>
internal static class HandWrittenOwnHelpersPolar
{
    public static void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i += 2)
        {
            (double s, double c) = Math.SinCos(w[0] * x[i]);
            double a = s + w[1], b = c * x[i + 1];
            double r = Math.Sqrt(1 + a * a + b * b) * (1 - OwnHelpersPolar.Gain * Math.Tanh(x[i] * x[i]));
            y[i] = r * c;
            y[i + 1] = r * s;
        }
    }

    /// <summary>gradW = Σ_s (∂y_s/∂w)ᵀλ_s (written), gradX_s = (∂y_s/∂x_s)ᵀλ_s.</summary>
    public static void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        double g0 = 0, g1 = 0;
        for (int i = 0; i < x.Length; i += 2)
        {
            double x0 = x[i], x1 = x[i + 1];
            (double s, double c) = Math.SinCos(w[0] * x0);
            double a = s + w[1], b = c * x1;
            double r = Math.Sqrt(1 + a * a + b * b);
            double th = Math.Tanh(x0 * x0);
            double f = 1 - OwnHelpersPolar.Gain * th;
            double big = r * f;
            double dBig = lambda[i] * c + lambda[i + 1] * s;
            double dc = lambda[i] * big, ds = lambda[i + 1] * big;
            double dr = dBig * f, dth = -OwnHelpersPolar.Gain * dBig * r;
            double dv = dth * (1 - th * th) * 2 * x0;
            double da = dr * a / r, db = dr * b / r;
            ds += da;
            g1 += da;
            dc += db * x1;
            double dAngle = ds * c - dc * s;
            g0 += dAngle * x0;
            gradX[i] = dAngle * w[0] + dv;
            gradX[i + 1] = db * c;
        }

        gradW[0] = g0;
        gradW[1] = g1;
    }
}
