using BenchmarkDotNet.Jobs;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>The job the kernel benchmarks run with: more iterations than BenchmarkDotNet's short job, fewer than its default.</summary>
internal static class KernelJobs
{
    /// <summary>One process, 5 warm-up and 20 measured iterations of about 0.25 s each.</summary>
    public static readonly Job Measured = Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(5)
        .WithIterationCount(20)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250));
}
