namespace MoreauGen.Benchmarks.ControlFlow;

/// <summary>
/// A damped pendulum stepped by a <c>while</c> loop until a time is reached (40 steps of 0.02 to 0.8, the counter
/// bounding the trips at 48).
/// </summary>
public partial class WhileIntegrator
{
    public const int MaxSteps = 48;
    public const double Dt = 0.02;
    public const double TEnd = 0.795;

    [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double h = x[0];
        double v = x[1];
        double t = 0;
        int k = 0;
        while (t < TEnd && k < MaxSteps)
        {
            v -= Dt * (9.81 * Math.Sin(h) + w[0] * v);
            h += Dt * v;
            t += Dt;
            k++;
        }

        y[0] = h * w[1];
        y[1] = v;
    }
}

/// <summary>Newton's iteration for √a to a tolerance, at most 12 iterations (it converges in about 5 here).</summary>
public partial class NewtonRoot
{
    public const int MaxIterations = 12;

    [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double a = w[0] * w[0] + x[0] * x[0] + 0.5;
        double z = a;
        int k = 0;
        while (Math.Abs(z * z - a) > 1e-12 && k < MaxIterations)
        {
            z = 0.5 * (z + a / z);
            k++;
        }

        y[0] = z * w[1];
    }
}
