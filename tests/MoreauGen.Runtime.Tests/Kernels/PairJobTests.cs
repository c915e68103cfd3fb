using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary><see cref="PairJob"/> runs each of its two parts exactly once, with the pool free or held by another caller.</summary>
public sealed class PairJobTests
{
    private sealed class Counting : PairJob
    {
        public readonly int[] Runs = new int[2];
        public readonly int[] Threads = new int[2];

        protected override void RunPart(int part)
        {
            Interlocked.Increment(ref Runs[part]);
            Threads[part] = Environment.CurrentManagedThreadId;
            // Long enough that a worker awake in its spin claims the other part while this one runs.
            Thread.SpinWait(20_000);
        }
    }

    [Fact]
    public void Each_part_runs_once_per_call_with_the_pool_free()
    {
        var job = new Counting();
        for (int call = 1; call <= 200; call++)
        {
            job.Run();
            Assert.Equal([call, call], job.Runs);
        }
    }

    [Fact]
    public void Both_parts_run_on_the_calling_thread_when_the_pool_is_held()
    {
        var job = new Counting();
        WorkerPool pool = WorkerPool.Shared;
        // Hold the pool as another caller would; wait for a concurrent test to let go of it first.
        SpinWait.SpinUntil(pool.TryReserve);
        try
        {
            job.Run();
        }
        finally
        {
            pool.Release();
        }
        Assert.Equal([1, 1], job.Runs);
        Assert.Equal([Environment.CurrentManagedThreadId, Environment.CurrentManagedThreadId], job.Threads);
    }

    [Fact]
    public void A_product_inside_a_part_runs_on_its_own_thread_with_the_same_bits()
    {
        const int m = 96, k = 300, n = 200; // 5.8 M multiply-adds: above the parallel threshold, so alone it takes the pool
        var random = new Random(5);
        float[] a = [.. Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] b = [.. Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5))];
        var alone = new float[m * n];
        Ops.MatMul<float>(a, b, alone, m, k, n);
        var job = new Products(a, b, m, k, n);
        job.Run();
        Assert.Equal(alone, job.C[0]);
        Assert.Equal(alone, job.C[1]);
    }

    private sealed class Products(float[] a, float[] b, int m, int k, int n) : PairJob
    {
        public readonly float[][] C = [new float[m * n], new float[m * n]];

        protected override void RunPart(int part) => Ops.MatMul<float>(a, b, C[part], m, k, n);
    }
}
