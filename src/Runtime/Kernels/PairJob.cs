namespace MoreauGen.Kernels;

/// <summary>
/// Two independent pieces of work run side by side, one per thread: the calling thread and a pool worker each claim a
/// part, and the caller runs whatever part no worker has claimed, so a worker that is asleep or preempted costs nothing
/// but the overlap. A product started inside a part finds the pool held and runs on its own thread
/// (<see cref="WorkerPool.TryReserve"/>), so two products of a pair are each multiplied by one core.
/// </summary>
/// <remarks>
/// Which thread runs a part never changes what it computes, so the results are the same bits whether the pair ran side
/// by side or one after the other. A part must not throw (<see cref="ParallelJob"/>): record a failure and report it
/// after <see cref="Run()"/> returns.
/// </remarks>
internal abstract class PairJob : ParallelJob
{
    private int _claimed;

    /// <inheritdoc/>
    public sealed override bool WorkersOptional => true;

    /// <summary>Runs part 0 or part 1.</summary>
    protected abstract void RunPart(int part);

    /// <inheritdoc/>
    public sealed override void Run(int thread)
    {
        int part;
        while ((part = Interlocked.Increment(ref _claimed) - 1) < 2)
            RunPart(part);
    }

    /// <summary>
    /// Runs both parts, side by side when the pool is free and has a second thread, else one after the other on the
    /// calling thread, and returns when both are done.
    /// </summary>
    public void Run()
    {
        Volatile.Write(ref _claimed, 0);
        WorkerPool pool = WorkerPool.Shared;
        if (pool.TryReserve())
        {
            try
            {
                pool.RunReserved(this);
            }
            finally
            {
                pool.Release();
            }
        }
        else
        {
            Run(0);
        }
    }
}
