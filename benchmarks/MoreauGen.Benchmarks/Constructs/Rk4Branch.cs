namespace MoreauGen.Benchmarks.Constructs;

using MoreauGen;

/// <summary>
/// RK4 integration of a damped driven pendulum (16 steps of Dt) whose drive switches inside the loop: the torque w₂ is
/// assigned before the branch and overwritten in one arm once θ passes 0.25 (a restoring term w₃·(θ − 0.25)). w = (damping,
/// stiffness, drive, restoring gain); x = (θ, ω) per sample; y = (θ, ω) after the steps. Issue 12's speed case.
/// </summary>
public partial class Rk4Branch
{
    /// <summary>The time step (s).</summary>
    public const double Dt = 0.05;

    /// <summary>The number of RK4 steps per call.</summary>
    public const int Steps = 16;

    [MoreauLayer(Parameters = 4, Inputs = 2, Outputs = 2)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double theta = x[0];
        double omega = x[1];
        for (int k = 0; k < Steps; k++)
        {
            double torque = w[2];
            if (theta > 0.25)
            {
                torque = w[2] - w[3] * (theta - 0.25);
            }

            double a1 = torque - w[0] * omega - w[1] * Math.Sin(theta);
            double t2 = theta + 0.5 * Dt * omega;
            double o2 = omega + 0.5 * Dt * a1;
            double a2 = torque - w[0] * o2 - w[1] * Math.Sin(t2);
            double t3 = theta + 0.5 * Dt * o2;
            double o3 = omega + 0.5 * Dt * a2;
            double a3 = torque - w[0] * o3 - w[1] * Math.Sin(t3);
            double t4 = theta + Dt * o3;
            double o4 = omega + Dt * a3;
            double a4 = torque - w[0] * o4 - w[1] * Math.Sin(t4);
            theta += Dt / 6 * (omega + 2 * o2 + 2 * o3 + o4);
            omega += Dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
        }

        y[0] = theta;
        y[1] = omega;
    }
}
