using System.Numerics;

namespace MoreauGen.Distributed;

/// <summary>
/// The <see cref="IBatchPartition{T}"/> of an MPI job: rank 0 holds the batch-independent terms, and a sum is one
/// in-place MPI_Allreduce of the values with the scalar appended (one message per Φw evaluation). As the
/// <see cref="IBatchReduction{T}"/> of the inner solver's scalars in the λ/x-pass, a reduction is one MPI_Allreduce of
/// a few scalars (MPI_SUM, or MPI_MAX for the largest magnitude that sets the solver's scale).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class MpiBatchPartition<T> : IBatchPartition<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MpiWorld _world;
    private T[] _buffer = [];

    /// <summary>The partition over the processes of <paramref name="world"/>.</summary>
    public MpiBatchPartition(MpiWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        _world = world;
    }

    /// <summary>
    /// MPI_Allreduce calls so far: one per Φw evaluation or start, and one per reduction of an inner solver's scalars
    /// (<see cref="ScalarReductionCount"/>).
    /// </summary>
    public long SumCount { get; private set; }

    /// <summary>Of <see cref="SumCount"/>, the reductions of an inner solver's scalars (a few values each, latency-bound).</summary>
    public long ScalarReductionCount { get; private set; }

    /// <summary>Values reduced so far (each sum's length plus its scalar, and the solver's scalars).</summary>
    public long SummedValues { get; private set; }

    /// <summary>Seconds spent in sums so far (wall clock, including the wait for the slowest process).</summary>
    public double SumSeconds { get; private set; }

    /// <inheritdoc/>
    public bool HoldsSharedTerms => _world.IsRoot;

    /// <inheritdoc/>
    public T Sum(Span<T> values, T scalar)
    {
        int n = values.Length;
        if (_buffer.Length < n + 1)
            _buffer = new T[n + 1];
        Span<T> message = _buffer.AsSpan(0, n + 1);
        values.CopyTo(message);
        message[n] = scalar;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _world.AllReduceSum(message);
        SumSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        SumCount++;
        SummedValues += n + 1;
        message[..n].CopyTo(values);
        return message[n];
    }

    /// <inheritdoc/>
    public void Sum(Span<T> partials)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _world.AllReduceSum(partials);
        CountScalars(start, partials.Length);
    }

    /// <inheritdoc/>
    public T Max(T partial)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Span<T> message = [partial];
        _world.AllReduceMax(message);
        CountScalars(start, 1);
        return message[0];
    }

    /// <summary>Sets the counters back to zero.</summary>
    public void ResetCounters()
    {
        ScalarReductionCount = 0;
        SumCount = 0;
        SummedValues = 0;
        SumSeconds = 0;
    }

    private void CountScalars(long start, int count)
    {
        SumSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        SumCount++;
        ScalarReductionCount++;
        SummedValues += count;
    }
}
