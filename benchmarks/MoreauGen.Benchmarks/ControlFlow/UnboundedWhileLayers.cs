namespace MoreauGen.Benchmarks.ControlFlow;

/// <summary>
/// A projectile with drag stepped <c>while (!landed)</c> (no counter bounds the loop: about 25 steps of 0.02 here), the
/// landing point interpolated between the last two positions.
/// </summary>
public partial class LandingProjectile
{
    public const double Dt = 0.02;
    public const double Gravity = 9.81;

    [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double px = 0, py = 0.5, vx = 1 + 0.5 * x[0], vy = 2 + x[1];
        double lastX = px, lastY = py;
        bool landed = false;
        while (!landed)
        {
            lastX = px;
            lastY = py;
            vy -= Dt * (Gravity + w[0] * w[0] * vy);
            px += Dt * vx;
            py += Dt * vy;
            if (py < 0)
            {
                landed = true;
            }
        }

        y[0] = lastX + lastY / (lastY - py) * (px - lastX);
    }
}
