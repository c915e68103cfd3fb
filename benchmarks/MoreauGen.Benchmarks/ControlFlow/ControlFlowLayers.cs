namespace MoreauGen.Benchmarks.ControlFlow;

/// <summary>
/// A fixed-step integrator written as the bounded loop a <c>while (t &lt; tEnd)</c> becomes, stopping early with
/// <c>break</c> when the state leaves the region: 40 steps of a damped pendulum driven by w.
/// </summary>
public partial class BreakingIntegrator
{
    public const int Steps = 40;
    public const double Dt = 0.02;

    [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double h = x[0];
        double v = x[1];
        for (int k = 0; k < Steps; k++)
        {
            v -= Dt * (9.81 * Math.Sin(h) + w[0] * v);
            h += Dt * v;
            if (h < -1.5)
            {
                break;
            }
        }

        y[0] = h * w[1];
        y[1] = v;
    }
}

/// <summary>A sum of tanh terms that returns early once it passes a threshold.</summary>
public partial class EarlyReturnSum
{
    [MoreauLayer(Parameters = 8, Inputs = 8, Outputs = 1)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double s = 0;
        for (int i = 0; i < 8; i++)
        {
            s += Math.Tanh(w[i] * x[i]);
            if (s > 2.5)
            {
                y[0] = s * s;
                return;
            }
        }

        y[0] = s;
    }
}
