namespace MoreauGen.Kernels;

/// <summary>
/// Two independent pieces of work run side by side, one per thread: the calling thread and a pool worker each claim a
/// part, and the caller runs whatever part no worker has claimed, so a worker that is asleep or preempted costs nothing
/// but the overlap. Each thread claims its own part first (part 0 the calling thread's, part 1 a worker's), so that in
/// consecutive pairs the same part runs on the same thread whenever both join (and so, unless the system moves the thread,
/// on the same core): what a part writes in one pair is then in its core's cache for the next (<see cref="MoreauGen.BatchHalves{T}"/>'s first layer by rows). A product started inside a part finds the pool held and runs on its own thread
/// (<see cref="WorkerPool.TryReserve"/>), so two products of a pair are each multiplied by one core.
/// </summary>
/// <remarks>
/// Which thread runs a part never changes what it computes, so the results are the same bits whether the pair ran side
/// by side or one after the other. A part must not throw (<see cref="ParallelJob"/>): record a failure and report it
/// after <see cref="Run()"/> returns.
/// </remarks>
internal abstract class PairJob : ParallelJob
{
    private int _claimed0, _claimed1;

    /// <inheritdoc/>
    public sealed override bool WorkersOptional => true;

    /// <summary>Runs part 0 or part 1.</summary>
    protected abstract void RunPart(int part);

    /// <inheritdoc/>
    public sealed override void Run(int thread)
    {
        int own = thread == 0 ? 0 : 1;
        if (Claim(own))
            RunPart(own);
        if (Claim(1 - own))
            RunPart(1 - own);
    }

    private bool Claim(int part) => Interlocked.Exchange(ref part == 0 ? ref _claimed0 : ref _claimed1, 1) == 0;

    /// <summary>
    /// Runs both parts, side by side when the pool is free and has a second thread, else one after the other on the
    /// calling thread, and returns when both are done.
    /// </summary>
    public void Run()
    {
        Volatile.Write(ref _claimed0, 0);
        Volatile.Write(ref _claimed1, 0);
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
