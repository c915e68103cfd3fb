using BenchmarkDotNet.Jobs;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>The job the kernel benchmarks run with: more iterations than BenchmarkDotNet's short job, fewer than its default.</summary>
internal static class KernelJobs
{
    /// <summary>One process, 3 warm-up and 15 measured iterations of about 0.25 s each.</summary>
    public static readonly Job Measured = Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(15)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250));
}
