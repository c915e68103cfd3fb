using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen;

/// <summary>
/// The squared distance to targets, h(x) = c·Σᵢ ‖xᵢ − yᵢ‖² over the m samples of a batch, with
/// c = <see cref="Weight"/> (or <see cref="Weight"/>/m when <see cref="MeanOverBatch"/>), and its closed-form Moreau
/// gradient ∇env(γh)(x) = 2γc/(1 + 2γc)·(x − y).
/// </summary>
/// <remarks>
/// The targets y are per-batch data, read as constants: set <see cref="Targets"/> (m·<see cref="InputCount"/> values)
/// before each batch. Holds no other state; not safe to change the targets while another thread evaluates.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class SquaredDistance<T> : IMoreauObjective<T>, IMoreauEnvelope<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates h for samples of <paramref name="inputCount"/> values, with weight 1 and no targets yet.</summary>
    public SquaredDistance(int inputCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputCount);
        InputCount = inputCount;
    }

    /// <summary>Creates h for samples of <paramref name="inputCount"/> values with the given targets (m·<paramref name="inputCount"/> values).</summary>
    public SquaredDistance(int inputCount, ReadOnlyMemory<T> targets)
        : this(inputCount)
    {
        Targets = targets;
    }

    /// <inheritdoc/>
    public int InputCount { get; }

    /// <summary>The targets y of the current batch, sample after sample (m·<see cref="InputCount"/> values).</summary>
    public ReadOnlyMemory<T> Targets { get; set; }

    /// <summary>The weight c (default 1; ½ gives ½‖x − y‖²).</summary>
    public T Weight { get; set; } = T.One;

    /// <summary>Whether c is <see cref="Weight"/> divided by the batch size m (the batch mean, as in paper §4).</summary>
    public bool MeanOverBatch { get; set; }

    /// <inheritdoc/>
    public T Value(ReadOnlySpan<T> x)
    {
        ReadOnlySpan<T> targets = CheckedTargets(x);
        T distance = TensorPrimitives.Distance(x, targets);
        return Coefficient(x.Length) * distance * distance;
    }

    /// <inheritdoc/>
    public T ValueAndGradient(ReadOnlySpan<T> x, Span<T> grad)
    {
        ReadOnlySpan<T> targets = CheckedTargets(x);
        if (grad.Length != x.Length)
            throw new ArgumentException($"grad has {grad.Length} values; x has {x.Length}.", nameof(grad));
        T c = Coefficient(x.Length);
        TensorPrimitives.Subtract(x, targets, grad);
        T value = c * TensorPrimitives.SumOfSquares<T>(grad);
        TensorPrimitives.Multiply(grad, c + c, grad);
        return value;
    }

    /// <summary>Writes ∇env(γh)(x) = 2γc/(1 + 2γc)·(x − y) into <paramref name="result"/>.</summary>
    public void MoreauGradient(ReadOnlySpan<T> x, T gamma, Span<T> result)
    {
        ReadOnlySpan<T> targets = CheckedTargets(x);
        if (result.Length != x.Length)
            throw new ArgumentException($"result has {result.Length} values; x has {x.Length}.", nameof(result));
        T twoGammaC = (gamma + gamma) * Coefficient(x.Length);
        TensorPrimitives.Subtract(x, targets, result);
        TensorPrimitives.Multiply(result, twoGammaC / (T.One + twoGammaC), result);
    }

    private T Coefficient(int length)
    {
        if (!MeanOverBatch || InputCount == 0)
            return Weight;
        return Weight / T.CreateChecked(length / InputCount);
    }

    private ReadOnlySpan<T> CheckedTargets(ReadOnlySpan<T> x)
    {
        if (InputCount > 0 && x.Length % InputCount != 0)
            throw new ArgumentException($"x has {x.Length} values, not a whole number of samples of {InputCount}.", nameof(x));
        ReadOnlySpan<T> targets = Targets.Span;
        if (targets.Length != x.Length)
            throw new InvalidOperationException($"The targets hold {targets.Length} values but x has {x.Length}: set Targets for this batch.");
        return targets;
    }
}
