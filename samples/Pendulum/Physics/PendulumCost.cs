namespace MoreauGen.Samples.Pendulum.Physics;

/// <summary>
/// The swing-up cost of the pendulum (paper App. E.1.1), h(x) = (θ − π)² + ρ·ω² with ρ = 0.1, summed over the
/// samples of a batch (state x = (θ, ω) per sample: angle in radians from the downward vertical, angular velocity
/// in rad/s), with its closed-form Moreau gradient.
/// </summary>
/// <remarks>
/// Value and gradient (<see cref="IMoreauObjective{T}"/>) are generated at compile time from <see cref="Cost"/>; the
/// Moreau gradient is the closed form below. Stateless and safe from several threads.
/// </remarks>
public sealed partial class PendulumCost : IMoreauEnvelope<double>
{
    /// <summary>ρ, the weight of the squared angular velocity.</summary>
    public const double VelocityWeight = 0.1;

    /// <summary>The target angle π (upright).</summary>
    public const double TargetAngle = Math.PI;

    /// <summary>h over the batch x = (θ₀, ω₀, θ₁, ω₁, …).</summary>
    [MoreauObjective(Inputs = 2)]
    private double Cost(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i += 2)
        {
            double angle = x[i] - TargetAngle, velocity = x[i + 1];
            sum += angle * angle + VelocityWeight * velocity * velocity;
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
