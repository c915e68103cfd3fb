namespace MoreauGen.Samples.Pendulum.Physics;

/// <summary>
/// One time step of the damped pendulum of paper App. E.1.1, explicit Euler with step δ:
/// θ' = θ + δ·ω,  ω' = ω + δ·(−(g/l)·sin θ − μ/(m·l²)·ω + w/(m·l²)),
/// with m = 1 kg, l = 1 m, μ = 0.01, g = 9.81 m/s², δ = 0.1 s. State x = (θ, ω) per sample (rad, rad/s); one
/// parameter, the torque w (N·m) applied during the step, shared by the samples of a batch.
/// </summary>
/// <remarks>
/// <para>
/// The oracles of <see cref="IMoreauLayer{T}"/> (forward with a tape of cos θ per sample, pullback, Φw and Φx
/// subproblems) are generated at compile time from <see cref="Step"/>, allocation-free.
/// </para>
/// <para>
/// φ is affine in w (<see cref="IAffineInParameters"/>, checked by the generator): Φw is the gradient step. Stateless,
/// safe from several threads.
/// </para>
/// </remarks>
public sealed partial class PendulumDynamics : IAffineInParameters
{
    /// <summary>m, the mass of the bob (kg).</summary>
    public const double Mass = 1.0;

    /// <summary>l, the length of the rod (m).</summary>
    public const double RodLength = 1.0;

    /// <summary>μ, the friction coefficient (N·m·s).</summary>
    public const double Friction = 0.01;

    /// <summary>g, the gravitational acceleration (m/s²).</summary>
    public const double Gravity = 9.81;

    /// <summary>δ, the time step (s).</summary>
    public const double TimeStep = 0.1;

    private const double Inertia = Mass * RodLength * RodLength;
    private const double GravityTerm = TimeStep * Gravity / RodLength;   // δ·g/l
    private const double VelocityKeep = 1 - TimeStep * Friction / Inertia; // 1 − δ·μ/(m·l²)
    private const double TorqueGain = TimeStep / Inertia;                 // δ/(m·l²)

    /// <summary>φ for one sample: the state x = (θ, ω) after one step under the torque w[0], into y.</summary>
    [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2)]
    private void Step(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double angle = x[0], velocity = x[1];
        y[0] = angle + TimeStep * velocity;
        y[1] = VelocityKeep * velocity - GravityTerm * Math.Sin(angle) + TorqueGain * w[0];
    }
}
