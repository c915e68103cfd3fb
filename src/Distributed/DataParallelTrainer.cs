using MoreauGen.Data;
using System.Numerics;

namespace MoreauGen.Distributed;

/// <summary>How the processes of a <see cref="DataParallelTrainer{T}"/> combine their rows of the global batch.</summary>
public enum DataParallelMethod
{
    /// <summary>SGD (paper Alg. 3–4): local back-propagation gradients, weighted by m_p/m and summed once per step.</summary>
    Sgd,

    /// <summary>
    /// MorSGD, exact (paper Alg. 1–2, 6): P processes take the one-process step on the global batch, up to the order of
    /// the additions. Every Φw subproblem is that of the global batch, its value and gradient summed over the processes
    /// at each inner-solver evaluation. The λ- and x-passes keep their vectors on the local rows; where a step of theirs
    /// needs the inner solver (the Φx subproblem of a layer not affine in x, e.g. ReLU or tanh, or an objective without
    /// a closed Moreau gradient), the solver sums every scalar it computes (values, inner products, norms, line-search
    /// and stopping tests) over the processes, so all take the decisions of the one-process solve
    /// (<see cref="IBatchReduction{T}"/>). Needs layers that act on each sample separately (all of the runtime's do).
    /// </summary>
    MorSgdExact,

    /// <summary>
    /// MorSGD, approximate and cheaper: each process takes the one-process Moreau directions of its own rows (its local
    /// batch mean as the objective), and the directions are averaged once per step, weighted by m_p/m. Not the step of
    /// the global batch: the Moreau gradient is not linear in the batch.
    /// </summary>
    MorSgdAveraged,
}

/// <summary>
/// Data-parallel training over an MPI job: the global mini-batch of m samples is split into contiguous blocks of rows
/// (<see cref="LocalRows"/>), every process keeps the same parameters and takes the same step.
/// </summary>
/// <remarks>
/// Start from the same parameters everywhere (<see cref="BroadcastParameters"/>). The objective passed to
/// <see cref="Step"/> holds the local rows' data and must be the batch <b>mean</b> of a per-sample loss (as the samples'
/// objectives are): the trainer weights it by m_p/m. All calls must come from the thread that initialised MPI.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class DataParallelTrainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MpiWorld _world;
    private readonly T[] _direction, _next;
    private readonly T _stepScale;
    private WeightedObjective<T>? _weighted;

    private DataParallelTrainer(MpiWorld world, ChainOracle<T> oracle, DataParallelMethod method, T stepScale, MpiBatchPartition<T> partition)
    {
        _world = world;
        Oracle = oracle;
        Method = method;
        _stepScale = stepScale;
        Partition = partition;
        _direction = new T[oracle.Chain.ParameterCount];
        _next = new T[oracle.Chain.ParameterCount];
    }

    /// <summary>The method.</summary>
    public DataParallelMethod Method { get; }

    /// <summary>The local oracle (a <see cref="MoreauBackpropagation{T}"/> for the MorSGD methods).</summary>
    public ChainOracle<T> Oracle { get; }

    /// <summary>The sums over the processes, with their counters (calls, values, seconds).</summary>
    public MpiBatchPartition<T> Partition { get; }

    /// <summary>The chain.</summary>
    public Chain<T> Chain => Oracle.Chain;

    /// <summary>SGD with step η = <paramref name="stepSize"/> and ℓ2 weight <paramref name="l2"/> (μ ≥ 0).</summary>
    public static DataParallelTrainer<T> Sgd(MpiWorld world, Chain<T> chain, T stepSize, T l2 = default)
    {
        ArgumentNullException.ThrowIfNull(world);
        if (!(stepSize > T.Zero) || !T.IsFinite(stepSize))
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "The step size must be positive and finite.");
        return new DataParallelTrainer<T>(world, new Backpropagation<T>(chain) { ParameterL2 = l2 }, DataParallelMethod.Sgd, stepSize, new MpiBatchPartition<T>(world));
    }

    /// <summary>
    /// MorSGD with <paramref name="schedule"/>, inner solver <paramref name="solver"/> (default
    /// <see cref="TwoStepSolver{T}"/>) and ℓ2 weight <paramref name="l2"/>; <paramref name="exact"/> chooses
    /// <see cref="DataParallelMethod.MorSgdExact"/> or <see cref="DataParallelMethod.MorSgdAveraged"/>.
    /// </summary>
    public static DataParallelTrainer<T> MorSgd(MpiWorld world, Chain<T> chain, MoreauSchedule<T> schedule, InnerSolver<T>? solver = null,
                                                T l2 = default, bool exact = true)
    {
        ArgumentNullException.ThrowIfNull(world);
        return MorSgd(world, new MoreauBackpropagation<T>(chain, schedule, solver) { ParameterL2 = l2, Partition = exact ? new MpiBatchPartition<T>(world) : null });
    }

    /// <summary>
    /// MorSGD with an oracle configured by the caller (schedule, inner solver, ℓ2 weight): exact
    /// (<see cref="DataParallelMethod.MorSgdExact"/>) when <paramref name="oracle"/> has a
    /// <see cref="MoreauBackpropagation{T}.Partition"/>, which must span the processes of <paramref name="world"/>;
    /// averaged (<see cref="DataParallelMethod.MorSgdAveraged"/>) when it has none.
    /// </summary>
    public static DataParallelTrainer<T> MorSgd(MpiWorld world, MoreauBackpropagation<T> oracle)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(oracle);
        var partition = oracle.Partition as MpiBatchPartition<T> ?? new MpiBatchPartition<T>(world);
        return new DataParallelTrainer<T>(world, oracle, oracle.Partition is null ? DataParallelMethod.MorSgdAveraged : DataParallelMethod.MorSgdExact, T.One, partition);
    }

    /// <summary>The rows of a global batch of <paramref name="globalBatch"/> samples that rank <paramref name="rank"/> of <paramref name="size"/> holds (contiguous, sizes differing by at most 1).</summary>
    public static Range LocalRows(int globalBatch, int rank, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, size);
        ArgumentOutOfRangeException.ThrowIfNegative(globalBatch);
        return new Range((int)((long)rank * globalBatch / size), (int)((long)(rank + 1) * globalBatch / size));
    }

    /// <summary>Copies rank 0's parameters <paramref name="w"/> (|w|) to every process.</summary>
    public void BroadcastParameters(Span<T> w)
    {
        Chain.CheckParameters(w, nameof(w));
        _world.Broadcast(w, 0);
    }

    /// <summary>
    /// One step on the global batch of <paramref name="globalBatch"/> samples, of which this process holds the rows
    /// <paramref name="x0"/> (at least one) and their data in <paramref name="objective"/> (a batch mean over them).
    /// Updates <paramref name="w"/> in place, identically on every process.
    /// </summary>
    /// <returns>h + r of the global batch at the parameters before the step, on every process.</returns>
    /// <exception cref="NonFiniteValueException">A NaN or infinity appeared; <paramref name="w"/> is unchanged.</exception>
    public T Step(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, int globalBatch)
    {
        ArgumentNullException.ThrowIfNull(objective);
        int rows = Chain.BatchSize(x0);
        if (rows < 1 || rows > globalBatch)
            throw new ArgumentException($"This process holds {rows} rows of a global batch of {globalBatch}: each process needs at least one row.", nameof(x0));
        T share = T.CreateChecked(rows) / T.CreateChecked(globalBatch);
        Span<T> direction = _direction;
        T value;
        if (Method == DataParallelMethod.MorSgdExact)
        {
            // The objective of the global batch restricted to these rows (eq. 52's e·h with h the global mean):
            // the directions come out of the oracle already summed (the Φw subproblems are global).
            if (_weighted is null || !ReferenceEquals(_weighted.Inner, objective))
                _weighted = WeightedObjective<T>.Create(objective, share);
            _weighted.Weight = share;
            T local = Oracle.Evaluate(w, x0, _weighted, direction);
            T regularization = T.IsZero(Oracle.ParameterL2) ? T.Zero : Oracle.ParameterL2 / (T.One + T.One) * Vectors.SumOfSquares<T>(w);
            value = Partition.Sum([], _world.IsRoot ? local : local - regularization);
        }
        else
        {
            // Σ_p (m_p/m)·d_p: the gradient of the global mean for SGD (r's μw has weights summing to 1); for
            // MorSGD-averaged, the weighted mean of the local Moreau directions.
            T local = Oracle.Evaluate(w, x0, objective, direction);
            Vectors.Multiply<T>(direction, share, direction);
            value = Partition.Sum(direction, share * local);
        }

        Span<T> next = _next;
        Vectors.MultiplyAdd<T>(direction, -_stepScale, w, next);
        if (!NonFinite.AllFinite<T>(next))
        {
            for (int i = 0; i < Chain.Length; i++)
                NonFinite.Check(Chain.Parameters(next, i), Chain, i, NonFiniteQuantity.UpdatedParameters);
        }

        next.CopyTo(w);
        return value;
    }

    /// <summary>
    /// On rank 0 only, saves <paramref name="w"/> to <paramref name="path"/> atomically (a temporary file renamed over the
    /// previous checkpoint, see <see cref="Checkpoint.Save{T}(string, ReadOnlySpan{T}, string, IReadOnlyDictionary{string, string}?)"/>):
    /// a job stopped at any moment leaves the previous checkpoint or the new one, never half of one.
    /// </summary>
    public void SaveCheckpoint(string path, ReadOnlySpan<T> w, string shape, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (_world.IsRoot)
            Checkpoint.Save(path, w, shape, metadata);
    }
}
