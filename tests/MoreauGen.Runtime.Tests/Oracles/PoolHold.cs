using MoreauGen.Kernels;

namespace MoreauGen.Tests.Oracles;

/// <summary>Runs a test's pass with the kernels' pool held by the test thread, as another caller would hold it.</summary>
internal static class PoolHold
{
    /// <summary>
    /// Runs <paramref name="action"/> with the pool held when <paramref name="hold"/> (a pair job's parts then run one after
    /// the other on the calling thread), else as it is.
    /// </summary>
    public static TResult Held<TResult>(bool hold, Func<TResult> action)
    {
        if (!hold)
            return action();
        WorkerPool pool = WorkerPool.Shared;
        SpinWait.SpinUntil(pool.TryReserve); // wait for a concurrent test to let go of it
        try
        {
            return action();
        }
        finally
        {
            pool.Release();
        }
    }
}
