namespace MoreauGen.Benchmarks.Generator;

using MoreauGen;
using MoreauGen.Samples.Pendulum.Physics;

/// <summary>
/// The hand-written baseline of <see cref="PendulumCost"/> (its implementation before the generator produced it): the swing-up cost of the pendulum (paper App. E.1.1), h(x) = (θ − π)² + ρ·ω² with ρ = 0.1, summed over the
/// samples of a batch (state x = (θ, ω) per sample: angle in radians from the downward vertical, angular velocity
/// in rad/s), with its closed-form Moreau gradient.
/// </summary>
/// <remarks>
/// Hand-written value and gradient, what the generated ones are measured against. Stateless and safe from several threads.
/// </remarks>
public sealed class HandWrittenPendulumCost : IMoreauObjective<double>, IMoreauEnvelope<double>
{
    private const double VelocityWeight = PendulumCost.VelocityWeight;
    private const double TargetAngle = PendulumCost.TargetAngle;

    /// <inheritdoc/>
    public int InputCount => 2;

    /// <inheritdoc/>
    public double Value(ReadOnlySpan<double> x)
    {
        CheckBatch(x);
        double sum = 0;
        for (int i = 0; i < x.Length; i += 2)
        {
            double angle = x[i] - TargetAngle, velocity = x[i + 1];
            sum += angle * angle + VelocityWeight * velocity * velocity;
        }

        return sum;
    }

    /// <inheritdoc/>
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        CheckBatch(x);
        if (grad.Length != x.Length)
            throw new ArgumentException($"grad has {grad.Length} values; x has {x.Length}.", nameof(grad));
        double sum = 0;
        for (int i = 0; i < x.Length; i += 2)
        {
            double angle = x[i] - TargetAngle, velocity = x[i + 1];
            sum += angle * angle + VelocityWeight * velocity * velocity;
            grad[i] = 2 * angle;
            grad[i + 1] = 2 * VelocityWeight * velocity;
        }

        return sum;
    }

    /// <summary>
    /// Writes ∇env(γh)(x) = (2γ(θ − π)/(1 + 2γ), 2γρω/(1 + 2γρ)) per sample into <paramref name="result"/>
    /// (h is a separable quadratic, so −argmin_y γh(x + y) + ½‖y‖² is solved coordinate by coordinate).
    /// </summary>
    public void MoreauGradient(ReadOnlySpan<double> x, double gamma, Span<double> result)
    {
        CheckBatch(x);
        if (result.Length != x.Length)
            throw new ArgumentException($"result has {result.Length} values; x has {x.Length}.", nameof(result));
        double angleFactor = 2 * gamma / (1 + 2 * gamma);
        double velocityFactor = 2 * gamma * VelocityWeight / (1 + 2 * gamma * VelocityWeight);
        for (int i = 0; i < x.Length; i += 2)
        {
            result[i] = angleFactor * (x[i] - TargetAngle);
            result[i + 1] = velocityFactor * x[i + 1];
        }
    }

    private static void CheckBatch(ReadOnlySpan<double> x)
    {
        if (x.Length % 2 != 0)
            throw new ArgumentException($"x has {x.Length} values, not a whole number of pendulum states (θ, ω).", nameof(x));
    }
}
