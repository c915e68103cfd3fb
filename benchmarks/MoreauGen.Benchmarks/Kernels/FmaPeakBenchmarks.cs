using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// The machine's FMA peak: every core runs a loop of 12 independent fused multiply-adds per iteration
/// (12 accumulators hide the FMA latency), so the only limit is FMA throughput. Float and double, ymm
/// (<see cref="Fma.MultiplyAdd(Vector256{float}, Vector256{float}, Vector256{float})"/>, the AVX2 peak) and,
/// where the hardware has it, zmm (AVX-512). The GFLOP/s column is the measured peak.
/// </summary>
[Config(typeof(Config))]
public class FmaPeakBenchmarks
{
    private const long Iterations = 4_000_000;
    private const int Chains = 12;

    private readonly PeakJob _job = new();

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(KernelJobs.Measured);
            AddColumn(new GflopsColumn(FlopsPerInvocation));
            if (!Avx512F.IsSupported)
                AddFilter(new SimpleFilter(b => !b.Descriptor.WorkloadMethod.Name.EndsWith("512", StringComparison.Ordinal)));
        }
    }

    private static double FlopsPerInvocation(BenchmarkDotNet.Running.BenchmarkCase benchmarkCase)
    {
        string name = benchmarkCase.Descriptor.WorkloadMethod.Name;
        int lanes = (name.Contains("512") ? 64 : 32) / (name.StartsWith("Float", StringComparison.Ordinal) ? 4 : 8);
        return 2.0 * lanes * Chains * Iterations * WorkerPool.Shared.ThreadCount;
    }

    [Benchmark(Description = "float ymm FMA, all cores")]
    public double Float256() => RunOnAllCores(0);

    [Benchmark(Description = "double ymm FMA, all cores")]
    public double Double256() => RunOnAllCores(1);

    [Benchmark(Description = "float zmm FMA, all cores")]
    public double Float512() => RunOnAllCores(2);

    [Benchmark(Description = "double zmm FMA, all cores")]
    public double Double512() => RunOnAllCores(3);

    private double RunOnAllCores(int kind)
    {
        _job.Kind = kind;
        if (!WorkerPool.Shared.TryReserve())
            throw new InvalidOperationException("The worker pool is busy.");
        try
        {
            WorkerPool.Shared.RunReserved(_job);
        }
        finally
        {
            WorkerPool.Shared.Release();
        }
        return _job.Sink;
    }

    private sealed class PeakJob : ParallelJob
    {
        public int Kind;
        public double Sink;

        public override void Run(int thread)
        {
            double result = Kind switch
            {
                0 => Ymm<float>(Iterations),
                1 => Ymm<double>(Iterations),
                2 => Zmm<float>(Iterations),
                _ => Zmm<double>(Iterations),
            };
            if (thread == 0)
                Sink = result;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Ymm<T>(long iterations) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Vector256<T> a0 = Vector256<T>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector256<T> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        Vector256<T> m = Vector256.Create(T.CreateChecked(0.999999)), c = Vector256.Create(T.CreateChecked(1e-7));
        for (long i = 0; i < iterations; i++)
        {
            a0 = SimdMath.Fma(a0, m, c); a1 = SimdMath.Fma(a1, m, c); a2 = SimdMath.Fma(a2, m, c);
            a3 = SimdMath.Fma(a3, m, c); a4 = SimdMath.Fma(a4, m, c); a5 = SimdMath.Fma(a5, m, c);
            a6 = SimdMath.Fma(a6, m, c); a7 = SimdMath.Fma(a7, m, c); a8 = SimdMath.Fma(a8, m, c);
            a9 = SimdMath.Fma(a9, m, c); a10 = SimdMath.Fma(a10, m, c); a11 = SimdMath.Fma(a11, m, c);
        }
        Vector256<T> sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return double.CreateChecked(sum.GetElement(0));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Zmm<T>(long iterations) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Vector512<T> a0 = Vector512<T>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<T> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        Vector512<T> m = Vector512.Create(T.CreateChecked(0.999999)), c = Vector512.Create(T.CreateChecked(1e-7));
        for (long i = 0; i < iterations; i++)
        {
            a0 = SimdMath.Fma(a0, m, c); a1 = SimdMath.Fma(a1, m, c); a2 = SimdMath.Fma(a2, m, c);
            a3 = SimdMath.Fma(a3, m, c); a4 = SimdMath.Fma(a4, m, c); a5 = SimdMath.Fma(a5, m, c);
            a6 = SimdMath.Fma(a6, m, c); a7 = SimdMath.Fma(a7, m, c); a8 = SimdMath.Fma(a8, m, c);
            a9 = SimdMath.Fma(a9, m, c); a10 = SimdMath.Fma(a10, m, c); a11 = SimdMath.Fma(a11, m, c);
        }
        Vector512<T> sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return double.CreateChecked(sum.GetElement(0));
    }
}
