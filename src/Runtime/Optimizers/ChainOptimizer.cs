using System.Numerics;

namespace MoreauGen;

/// <summary>
/// A descent method on a chain: each step asks an <see cref="ChainOracle{T}"/> for a direction d at w and moves
/// w ← w − η·d. Full-batch runs record the objective and its best-so-far value per iteration
/// (<see cref="Run(Span{T}, ReadOnlySpan{T}, IMoreauObjective{T}, int)"/>); mini-batch epochs
/// (<see cref="Epoch"/>) make the same methods stochastic (SGD, MorSGD, paper §4).
/// </summary>
/// <remarks>
/// A step allocates nothing and either completes or leaves w untouched: the new parameters are formed aside,
/// checked for NaN and infinities, then copied. Not safe to use from two threads at once (the oracle holds workspaces).
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public abstract class ChainOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _next;

    private protected ChainOptimizer(ChainOracle<T> oracle, T stepScale)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        Oracle = oracle;
        StepScale = stepScale;
        _next = new T[oracle.Chain.ParameterCount];
    }

    /// <summary>
    /// The fewest parameters for which the update is fused into the backward pass (<see cref="ChainOracle{T}.TryDescend"/>):
    /// two chunks of the parameter sweeps. It saves passes over large parameter vectors (a network's); on a control problem's
    /// one-parameter time steps its per-layer bookkeeping cost more than the one update pass it saves.
    /// </summary>
    internal const int FusedDescentMinimum = 2 * ParameterUpdate.Chunk;

    /// <summary>The oracle that supplies directions.</summary>
    public ChainOracle<T> Oracle { get; }

    /// <summary>The chain being optimised.</summary>
    public Chain<T> Chain => Oracle.Chain;

    /// <summary>η in w ← w − η·d.</summary>
    private protected T StepScale { get; }

    /// <summary>
    /// One iteration at parameters <paramref name="w"/> (updated in place) on the batch <paramref name="x0"/>
    /// with <paramref name="objective"/> (whose per-batch data, e.g. targets, the caller has set).
    /// </summary>
    /// <returns>h(f(w, x₀)) + r(w) at the parameters before the step.</returns>
    /// <exception cref="NonFiniteValueException">A NaN or infinity appeared (names the layer); <paramref name="w"/> is unchanged.</exception>
    public T Step(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective)
    {
        Span<T> next = _next;
        if (w.Overlaps(next))
            throw new ArgumentException("w overlaps the optimiser's own buffer.", nameof(w));
        if (w.Length >= FusedDescentMinimum && Oracle.TryDescend(w, x0, objective, next, StepScale, out T fused))
            return fused; // the update written during the backward pass (same values as below)

        T value = Oracle.Evaluate(w, x0, objective, next);
        if (Oracle.LastSweep is { } sweep && ParameterUpdate.UpdateStaysFinite(sweep.MaxParameter, sweep.MaxDirection, StepScale))
        {
            // w − η·d is provably finite: write it straight into w (no check pass, no copy; same values).
            ParameterUpdate.Descend<T>(next, -StepScale, w);
            return value;
        }

        Vectors.MultiplyAdd(next, -StepScale, w, next); // next = w − η·d
        if (!NonFinite.AllFinite<T>(next))
        {
            Chain<T> chain = Chain;
            for (int i = 0; i < chain.Length; i++)
                NonFinite.Check(chain.Parameters(next, i), chain, i, NonFiniteQuantity.UpdatedParameters);
        }

        next.CopyTo(w);
        return value;
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> full-batch iterations from <paramref name="w"/> (updated in place) and
    /// records h(w⁽ᵏ⁾) + r(w⁽ᵏ⁾) and its best-so-far value for k = 0..K.
    /// </summary>
    /// <exception cref="NonFiniteValueException">A NaN or infinity appeared: names the iteration and the layer; <paramref name="w"/> holds the parameters before that iteration.</exception>
    public OptimizationTrace<T> Run(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        var values = new T[iterations + 1];
        var best = new T[iterations + 1];
        Run(w, x0, objective, values, best);
        return new OptimizationTrace<T>(values, best);
    }

    /// <summary>
    /// As <see cref="Run(Span{T}, ReadOnlySpan{T}, IMoreauObjective{T}, int)"/> with K = <paramref name="values"/>.Length − 1
    /// iterations, writing the record into caller-owned spans (nothing is allocated).
    /// </summary>
    public void Run(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, Span<T> values, Span<T> bestValues)
    {
        if (values.IsEmpty)
            throw new ArgumentException("values is empty; it holds one value per iteration plus the final one.", nameof(values));
        if (bestValues.Length != values.Length)
            throw new ArgumentException($"bestValues has {bestValues.Length} values; values has {values.Length}.", nameof(bestValues));
        int iterations = values.Length - 1;
        T best = T.PositiveInfinity;
        for (int k = 0; k <= iterations; k++)
        {
            T value;
            try
            {
                value = k < iterations ? Step(w, x0, objective) : Oracle.Value(w, x0, objective);
            }
            catch (NonFiniteValueException e) when (e.Iteration < 0)
            {
                throw e.AtIteration(k);
            }

            best = T.Min(best, value);
            values[k] = value;
            bestValues[k] = best;
        }
    }

    /// <summary>
    /// One pass over the mini-batches of <paramref name="batches"/>, one step per batch (SGD or MorSGD).
    /// </summary>
    /// <returns>The mean over the batches of the objective at the parameters before each step.</returns>
    /// <exception cref="NonFiniteValueException">A NaN or infinity appeared: <see cref="NonFiniteValueException.Iteration"/> is the batch index; <paramref name="w"/> holds the parameters before that batch.</exception>
    public T Epoch(Span<T> w, IMiniBatchSource<T> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        int count = batches.BatchCount;
        T sum = T.Zero;
        for (int b = 0; b < count; b++)
        {
            try
            {
                ReadOnlySpan<T> x0 = batches.Batch(b, out IMoreauObjective<T> objective);
                sum += Step(w, x0, objective);
            }
            catch (NonFiniteValueException e) when (e.Iteration < 0)
            {
                throw e.AtIteration(b);
            }
        }

        return count == 0 ? T.Zero : sum / T.CreateChecked(count);
    }
}

/// <summary>
/// Gradient descent on a chain (GD; SGD over mini-batches with <see cref="ChainOptimizer{T}.Epoch"/>):
/// w ← w − η·(∇(h∘f)(w) + μw), the gradient by back-propagation (paper Alg. 3–4).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GradientDescent<T> : ChainOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates GD on <paramref name="chain"/> with step <paramref name="stepSize"/> and ℓ2 weight <paramref name="l2"/> (μ ≥ 0, default 0).</summary>
    public GradientDescent(Chain<T> chain, T stepSize, T l2 = default)
        : base(new Backpropagation<T>(chain) { ParameterL2 = l2 }, CheckStep(stepSize))
    {
    }

    /// <summary>η, the step size.</summary>
    public T StepSize => StepScale;

    private static T CheckStep(T stepSize)
    {
        if (!(stepSize > T.Zero) || !T.IsFinite(stepSize))
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "The step size must be positive and finite.");
        return stepSize;
    }
}

/// <summary>
/// Gradient descent with approximate Moreau gradients (MorGD, paper Alg. 6; MorSGD over mini-batches with
/// <see cref="ChainOptimizer{T}.Epoch"/>): w_t ← w_t − g_t with g_t from <see cref="MoreauBackpropagation{T}"/>.
/// The step sizes live in the <see cref="MoreauSchedule{T}"/>; see there for the α convention.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class MoreauGradientDescent<T> : ChainOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Creates MorGD on <paramref name="chain"/> with <paramref name="schedule"/> (e.g.
    /// <see cref="MoreauSchedule{T}.Constant"/>(α, γ) for eq. 52), inner solver <paramref name="solver"/> (default
    /// <see cref="TwoStepSolver{T}"/>) and ℓ2 weight <paramref name="l2"/> (μ ≥ 0, default 0; App. D.6).
    /// </summary>
    public MoreauGradientDescent(Chain<T> chain, MoreauSchedule<T> schedule, InnerSolver<T>? solver = null, T l2 = default)
        : base(new MoreauBackpropagation<T>(chain, schedule, solver) { ParameterL2 = l2 }, T.One)
    {
    }

    /// <summary>The Moreau oracle (its <see cref="MoreauBackpropagation{T}.LastStatistics"/> describe the last step's inner solves).</summary>
    public new MoreauBackpropagation<T> Oracle => (MoreauBackpropagation<T>)base.Oracle;
}

/// <summary>The record of a full-batch run: the objective h(w⁽ᵏ⁾) + r(w⁽ᵏ⁾) and its best-so-far value, k = 0..K.</summary>
/// <typeparam name="T">float or double.</typeparam>
/// <param name="Values">The objective at the parameters of iteration k (K + 1 values; the last after the final step).</param>
/// <param name="BestValues">min over i ≤ k of <paramref name="Values"/>[i].</param>
public sealed record OptimizationTrace<T>(T[] Values, T[] BestValues) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>K, the number of iterations run.</summary>
    public int Iterations => Values.Length - 1;
}

/// <summary>
/// The mini-batches of one epoch, for <see cref="ChainOptimizer{T}.Epoch"/>: the inputs of each batch and the
/// objective with that batch's data (targets, labels) set. Shuffling and the last partial batch are the source's
/// business; a batch of a new size makes the oracle allocate one workspace for that size, once.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public interface IMiniBatchSource<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of batches in the epoch.</summary>
    int BatchCount { get; }

    /// <summary>
    /// Prepares batch <paramref name="index"/>: returns its inputs x₀ (m samples back to back) and the objective
    /// holding its data. The span must stay valid until the next call.
    /// </summary>
    ReadOnlySpan<T> Batch(int index, out IMoreauObjective<T> objective);
}
