using System.Numerics;

namespace MoreauGen.Distributed;

/// <summary>
/// The <see cref="IBatchPartition{T}"/> of an MPI job: rank 0 holds the batch-independent terms, and a sum is one
/// in-place MPI_Allreduce of the values with the scalar appended (one message per Φw evaluation).
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

    /// <summary>Sums made so far (MPI_Allreduce calls, one per Φw evaluation or start).</summary>
    public long SumCount { get; private set; }

    /// <summary>Values summed so far (each sum's length plus its scalar).</summary>
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

    /// <summary>Sets the counters back to zero.</summary>
    public void ResetCounters()
    {
        SumCount = 0;
        SummedValues = 0;
        SumSeconds = 0;
    }
}
