using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// The forward convolutions of the ConvNet sample at batch 256 (5×5 kernels, padding 2: conv1 1→16 on 32×32, conv2
/// 16→20 on 16×16, conv3 20→20 on 8×8) beside our GEMM on the same flop count: the one product
/// W[C_out × K] · B[K × 256·P] that the per-sample im2col products add up to. The ratio column is the convolution's time
/// over the GEMM's (the goal: throughput ≥ 60% of the GEMM's, i.e. a ratio ≤ 1.67).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class ConvolutionBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(KernelJobs.Measured);
            AddColumn(new GflopsColumn(c => 2.0 * Shape((int)c.Parameters["Layer"]).Work));
        }
    }

    private const int Batch = 256;

    private float[] _x = [], _w = [], _y = [], _b = [], _c = [];

    /// <summary>Which of the ConvNet's three convolutions.</summary>
    [Params(1, 2, 3)]
    public int Layer { get; set; }

    private static (int Cin, int Size, int Cout, long Work) Shape(int layer)
    {
        (int cin, int size, int cout) = layer switch { 1 => (1, 32, 16), 2 => (16, 16, 20), _ => (20, 8, 20) };
        return (cin, size, cout, (long)Batch * cout * cin * 25 * size * size);
    }

    [GlobalSetup]
    public void Setup()
    {
        (int cin, int size, int cout, _) = Shape(Layer);
        var random = new Random(1);
        _x = [.. Enumerable.Range(0, Batch * cin * size * size).Select(_ => random.NextSingle() - 0.5f)];
        _w = [.. Enumerable.Range(0, cout * cin * 25).Select(_ => random.NextSingle() - 0.5f)];
        _y = new float[Batch * cout * size * size];
        _b = [.. Enumerable.Range(0, cin * 25 * Batch * size * size).Select(_ => random.NextSingle() - 0.5f)];
        _c = new float[cout * Batch * size * size];
    }

    [Benchmark(Baseline = true, Description = "GEMM, same flops")]
    public void Gemm()
    {
        (int cin, int size, int cout, _) = Shape(Layer);
        Ops.MatMul<float>(_w, _b, _c, cout, cin * 25, Batch * size * size);
    }

    [Benchmark(Description = "Conv2d forward")]
    public void Conv2d()
    {
        (int cin, int size, int cout, _) = Shape(Layer);
        Ops.Conv2d<float>(_x, _w, _y, Batch, cin, size, size, cout, 5, 5, 1, 2);
    }
}
