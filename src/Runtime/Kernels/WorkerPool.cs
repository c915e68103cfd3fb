using System.Diagnostics;

namespace MoreauGen.Kernels;

/// <summary>A unit of parallel work: <see cref="Run"/> is called once on each participating thread.</summary>
/// <remarks>Implementations must not throw: a thread that fails would leave the others waiting at a barrier.</remarks>
internal abstract class ParallelJob
{
    /// <summary>Runs the share of thread <paramref name="thread"/> (0 is the calling thread).</summary>
    public abstract void Run(int thread);

    /// <summary>
    /// Whether the calling thread's <see cref="Run"/> alone completes the job (all work claimed dynamically, no barrier):
    /// then a pool thread that has not started by the time the caller is done is not waited for.
    /// </summary>
    public virtual bool WorkersOptional => false;
}

/// <summary>
/// A small persistent pool for the matrix kernels: ProcessorCount − 1 background threads that spin
/// for up to 2 ms after each job (so back-to-back products of a training step find them awake) and then sleep.
/// Posting a job allocates nothing, unlike <c>Parallel.For</c>. One job at a time: a caller that finds the
/// pool busy (another thread is multiplying) runs its product on its own thread instead.
/// </summary>
internal sealed class WorkerPool
{
    /// <summary>The largest pool we start (the kernels' parallel split is tuned for a few cores).</summary>
    private const int MaxThreads = 16;

    /// <summary>The process-wide pool, sized to the machine.</summary>
    public static readonly WorkerPool Shared = new(Math.Clamp(Environment.ProcessorCount, 1, MaxThreads));

    /// <summary>
    /// How long an idle worker spins (yielding between polls) before it sleeps: 2 ms. A sleeping worker takes tens of µs
    /// to wake on a VM, a tenth of a 0.3 ms batch-256 product; 200 µs let it fall asleep between two products separated
    /// by a loss or an update pass, or by another library's product (OpenBLAS's own workers spin 2^28 cycles, ~80 ms).
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 500;

    private readonly int _threadCount;
    private readonly object _sleepLock = new();
    private Thread[]? _workers;
    private int _busy;
    private ParallelJob? _job;
    private int _generation;
    private int _open;    // the generation whose job workers may still join; 0 once the caller has closed it
    private int _active;  // workers between joining a job and leaving it (run or skipped)
    private int _done;    // workers that have run the current job
    private int _sleepers;

    private WorkerPool(int threadCount) => _threadCount = threadCount;

    /// <summary>Threads a job can use, the caller included.</summary>
    public int ThreadCount => _threadCount;

    /// <summary>
    /// Takes the pool for one job. Returns false when the pool has a single thread or another thread holds
    /// it; the caller then does its work alone. A successful call must be paired with <see cref="Release"/>.
    /// </summary>
    public bool TryReserve() =>
        _threadCount > 1 && Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>Gives the pool back after <see cref="TryReserve"/>.</summary>
    public void Release() => Volatile.Write(ref _busy, 0);

    /// <summary>
    /// Runs <paramref name="job"/> on every pool thread and on the caller (thread 0) and returns when all
    /// have finished. The caller must hold the pool (<see cref="TryReserve"/>).
    /// </summary>
    public void RunReserved(ParallelJob job)
    {
        _workers ??= StartWorkers();
        _job = job;
        Volatile.Write(ref _done, 0);
        int generation = _generation + 1; // only the holder of the pool posts jobs
        Volatile.Write(ref _open, generation);
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_sleepLock)
                Monitor.PulseAll(_sleepLock);
        }

        job.Run(0);

        var spin = new SpinWait();
        if (job.WorkersOptional)
        {
            // A worker still waking up (tens of µs on a VM) would only find every unit claimed: close the job, so that
            // it skips it, and wait only for the workers that joined it.
            Interlocked.Exchange(ref _open, 0);
            while (Volatile.Read(ref _active) != 0)
                spin.SpinOnce(sleep1Threshold: -1);
        }
        else
        {
            while (Volatile.Read(ref _done) != _threadCount - 1)
                spin.SpinOnce(sleep1Threshold: -1);
        }
        _job = null;
    }

    private Thread[] StartWorkers()
    {
        var workers = new Thread[_threadCount - 1];
        for (int i = 0; i < workers.Length; i++)
        {
            // A worker may run a layer's own code and an inner solver (a PairJob part), as the calling thread does: give it
            // the stack a process's main thread has on Linux, not a kernel's few frames.
            workers[i] = new Thread(WorkerLoop, maxStackSize: 8 * 1024 * 1024)
            {
                IsBackground = true,
                Name = $"MoreauGen kernel worker {i + 1}",
            };
            workers[i].Start(i + 1);
        }
        return workers;
    }

    private void WorkerLoop(object? state)
    {
        int index = (int)state!;
        int seen = 0;
        while (true)
        {
            WaitForJob(seen);
            seen = Volatile.Read(ref _generation);
            // Join, then check the job is still open (the caller closes it, then waits for joined workers: Dekker's
            // pattern, both sides fenced by their interlocked operations).
            Interlocked.Increment(ref _active);
            if (Volatile.Read(ref _open) == seen)
            {
                _job!.Run(index);
                Interlocked.Increment(ref _done);
            }
            Interlocked.Decrement(ref _active);
        }
    }

    private void WaitForJob(int seen)
    {
        long start = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (Volatile.Read(ref _generation) == seen)
        {
            if (Stopwatch.GetTimestamp() - start > SpinTicks)
            {
                Interlocked.Increment(ref _sleepers);
                lock (_sleepLock)
                {
                    while (Volatile.Read(ref _generation) == seen)
                        Monitor.Wait(_sleepLock);
                }
                Interlocked.Decrement(ref _sleepers);
                return;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }
}

/// <summary>A sense-reversing spin barrier for the threads of one <see cref="ParallelJob"/>.</summary>
internal sealed class SpinBarrier
{
    private int _participants;
    private int _remaining;
    private int _sense;

    /// <summary>Sets the number of threads that must arrive; call before the job starts.</summary>
    public void Reset(int participants)
    {
        _participants = participants;
        Volatile.Write(ref _remaining, participants);
    }

    /// <summary>Waits until all participants have arrived.</summary>
    public void SignalAndWait()
    {
        int sense = Volatile.Read(ref _sense);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            Volatile.Write(ref _remaining, _participants);
            Volatile.Write(ref _sense, sense + 1);
            return;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _sense) == sense)
            spin.SpinOnce(sleep1Threshold: -1);
    }
}
