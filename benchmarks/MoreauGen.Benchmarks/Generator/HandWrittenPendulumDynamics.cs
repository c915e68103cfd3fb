namespace MoreauGen.Benchmarks.Generator;

using MoreauGen;
using MoreauGen.Samples.Pendulum.Physics;

/// <summary>
/// The hand-written baseline of <see cref="PendulumDynamics"/> (its implementation before the generator produced it):
/// one time step of the damped pendulum of paper App. E.1.1, explicit Euler with step δ:
/// θ' = θ + δ·ω,  ω' = ω + δ·(−(g/l)·sin θ − μ/(m·l²)·ω + w/(m·l²)),
/// with m = 1 kg, l = 1 m, μ = 0.01, g = 9.81 m/s², δ = 0.1 s. State x = (θ, ω) per sample (rad, rad/s); one
/// parameter, the torque w (N·m) applied during the step, shared by the samples of a batch.
/// </summary>
/// <remarks>
/// <para>
/// Hand-written oracles (forward with a tape of cos θ per sample, pullback, Φw and Φx subproblems), allocation-free:
/// what the generated code is measured against.
/// </para>
/// <para>
/// φ is affine in w (<see cref="IAffineInParameters"/>): Φw is the gradient step. Stateless, safe from several threads.
/// </para>
/// </remarks>
public sealed class HandWrittenPendulumDynamics : IMoreauLayer<double>, IAffineInParameters
{
    private const double Mass = PendulumDynamics.Mass;
    private const double RodLength = PendulumDynamics.RodLength;
    private const double Friction = PendulumDynamics.Friction;
    private const double Gravity = PendulumDynamics.Gravity;
    private const double TimeStep = PendulumDynamics.TimeStep;
    private const double Inertia = Mass * RodLength * RodLength;
    private const double GravityTerm = TimeStep * Gravity / RodLength;   // δ·g/l
    private const double VelocityKeep = 1 - TimeStep * Friction / Inertia; // 1 − δ·μ/(m·l²)
    private const double TorqueGain = TimeStep / Inertia;                 // δ/(m·l²)

    /// <inheritdoc/>
    public int ParameterCount => 1;

    /// <inheritdoc/>
    public int InputCount => 2;

    /// <inheritdoc/>
    public int OutputCount => 2;

    /// <summary>One value per sample: cos θ.</summary>
    public int TapeLength(int batch) => batch;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int m = CheckBatch(w, x, y.Length, nameof(y));
        double torque = TorqueGain * w[0];
        for (int s = 0, i = 0; s < m; s++, i += 2)
        {
            double angle = x[i], velocity = x[i + 1];
            y[i] = angle + TimeStep * velocity;
            y[i + 1] = VelocityKeep * velocity - GravityTerm * Math.Sin(angle) + torque;
        }
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape)
    {
        int m = CheckBatch(w, x, y.Length, nameof(y));
        CheckLength(tape.Length, m, nameof(tape));
        double torque = TorqueGain * w[0];
        for (int s = 0, i = 0; s < m; s++, i += 2)
        {
            double angle = x[i], velocity = x[i + 1];
            (double sin, double cos) = Math.SinCos(angle);
            y[i] = angle + TimeStep * velocity;
            y[i + 1] = VelocityKeep * velocity - GravityTerm * sin + torque;
            tape[s] = cos;
        }
    }

    /// <inheritdoc/>
    public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape,
                         ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        int m = CheckBatch(w, x, lambda.Length, nameof(lambda));
        CheckLength(tape.Length, m, nameof(tape));
        CheckOptional(gradW.Length, 1, nameof(gradW));
        CheckOptional(gradX.Length, x.Length, nameof(gradX));
        double torqueSum = 0;
        for (int s = 0, i = 0; s < m; s++, i += 2)
        {
            double lambdaAngle = lambda[i], lambdaVelocity = lambda[i + 1];
            torqueSum += lambdaVelocity;
            if (!gradX.IsEmpty)
            {
                gradX[i] = lambdaAngle - lambdaVelocity * GravityTerm * tape[s];
                gradX[i + 1] = lambdaAngle * TimeStep + lambdaVelocity * VelocityKeep;
            }
        }

        if (!gradW.IsEmpty)
            gradW[0] = TorqueGain * torqueSum;
    }

    /// <inheritdoc/>
    public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda,
                              ReadOnlySpan<double> v, Span<double> grad)
    {
        int m = CheckBatch(w, x, lambda.Length, nameof(lambda));
        CheckLength(v.Length, 1, nameof(v));
        CheckOptional(grad.Length, 1, nameof(grad));
        double torque = TorqueGain * (w[0] + v[0]);
        double value = 0, torqueSum = 0;
        for (int s = 0, i = 0; s < m; s++, i += 2)
        {
            double angle = x[i], velocity = x[i + 1];
            double nextAngle = angle + TimeStep * velocity;
            double nextVelocity = VelocityKeep * velocity - GravityTerm * Math.Sin(angle) + torque;
            value += lambda[i] * nextAngle + lambda[i + 1] * nextVelocity;
            torqueSum += lambda[i + 1];
        }

        if (!grad.IsEmpty)
            grad[0] = TorqueGain * torqueSum + v[0];
        return value + 0.5 * v[0] * v[0];
    }

    /// <inheritdoc/>
    public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda,
                              ReadOnlySpan<double> u, Span<double> grad)
    {
        int m = CheckBatch(w, x, lambda.Length, nameof(lambda));
        CheckLength(u.Length, x.Length, nameof(u));
        CheckOptional(grad.Length, x.Length, nameof(grad));
        double torque = TorqueGain * w[0];
        double value = 0;
        for (int s = 0, i = 0; s < m; s++, i += 2)
        {
            double du = u[i], dv = u[i + 1];
            double angle = x[i] + du, velocity = x[i + 1] + dv;
            (double sin, double cos) = Math.SinCos(angle);
            double lambdaAngle = lambda[i], lambdaVelocity = lambda[i + 1];
            double nextAngle = angle + TimeStep * velocity;
            double nextVelocity = VelocityKeep * velocity - GravityTerm * sin + torque;
            value += lambdaAngle * nextAngle + lambdaVelocity * nextVelocity + 0.5 * (du * du + dv * dv);
            if (!grad.IsEmpty)
            {
                grad[i] = lambdaAngle - lambdaVelocity * GravityTerm * cos + du;
                grad[i + 1] = lambdaAngle * TimeStep + lambdaVelocity * VelocityKeep + dv;
            }
        }

        return value;
    }

    private static int CheckBatch(ReadOnlySpan<double> w, ReadOnlySpan<double> x, int outputLength, string outputName)
    {
        CheckLength(w.Length, 1, nameof(w));
        if (x.Length % 2 != 0)
            throw new ArgumentException($"x has {x.Length} values, not a whole number of pendulum states (θ, ω).", nameof(x));
        CheckLength(outputLength, x.Length, outputName);
        return x.Length / 2;
    }

    private static void CheckLength(int length, int expected, string name)
    {
        if (length != expected)
            throw new ArgumentException($"{name} has {length} values; expected {expected}.", name);
    }

    private static void CheckOptional(int length, int expected, string name)
    {
        if (length != 0 && length != expected)
            throw new ArgumentException($"{name} has {length} values; expected {expected} (or none, to skip it).", name);
    }
}
