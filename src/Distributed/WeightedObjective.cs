using System.Numerics;

namespace MoreauGen.Distributed;

/// <summary>
/// ω·h for an objective h and a weight ω, e.g. the share m_p/m of a process's rows in the global batch: a batch-mean
/// objective over the local rows, weighted so, is the global batch mean restricted to those rows. When h has a closed
/// Moreau gradient, so has ω·h: ∇env(γ·ωh) = ∇env((γω)·h) (<see cref="WeightedEnvelopeObjective{T}"/>).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public class WeightedObjective<T> : IMoreauObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private protected WeightedObjective(IMoreauObjective<T> inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>h.</summary>
    public IMoreauObjective<T> Inner { get; }

    /// <summary>ω ≥ 0 (default 1).</summary>
    public T Weight { get; set; } = T.One;

    /// <inheritdoc/>
    public int InputCount => Inner.InputCount;

    /// <summary>ω·h over <paramref name="inner"/>: a <see cref="WeightedEnvelopeObjective{T}"/> when h has a closed Moreau gradient.</summary>
    public static WeightedObjective<T> Create(IMoreauObjective<T> inner, T weight) =>
        inner is IMoreauEnvelope<T> ? new WeightedEnvelopeObjective<T>(inner) { Weight = weight } : new WeightedObjective<T>(inner) { Weight = weight };

    /// <inheritdoc/>
    public T Value(ReadOnlySpan<T> x) => Weight * Inner.Value(x);

    /// <inheritdoc/>
    public T ValueAndGradient(ReadOnlySpan<T> x, Span<T> grad)
    {
        T value = Inner.ValueAndGradient(x, grad);
        if (Weight != T.One)
            Vectors.Multiply(grad, Weight, grad);
        return Weight * value;
    }
}

/// <summary>ω·h for an objective h with a closed Moreau gradient: ∇env(γ·ωh)(x) = ∇env((γω)·h)(x).</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class WeightedEnvelopeObjective<T> : WeightedObjective<T>, IMoreauEnvelope<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal WeightedEnvelopeObjective(IMoreauObjective<T> inner)
        : base(inner)
    {
        if (inner is not IMoreauEnvelope<T>)
            throw new ArgumentException($"{inner.GetType().Name} has no closed Moreau gradient (IMoreauEnvelope).", nameof(inner));
    }

    /// <inheritdoc/>
    public void MoreauGradient(ReadOnlySpan<T> x, T gamma, Span<T> result) => ((IMoreauEnvelope<T>)Inner).MoreauGradient(x, gamma * Weight, result);
}
