using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// The dense layer of DESIGN.md (784→500, ReLU, batch 256) written by hand with <see cref="Ops"/>, as the
/// generator is meant to emit it: Forward = 1 product + bias + ReLU (the pre-activation kept as the tape);
/// Pullback = ReLU's reverse, the bias gradient and 2 products. Each is compared with the time of the matrix
/// products it contains (the ratio column; goal ≤ 1.15), and must allocate nothing.
/// <see cref="Generator.GeneratedDenseLayerBenchmarks"/> runs the layer the generator emits from DESIGN.md's text
/// beside this hand-written one.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class DenseLayerBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(KernelJobs.Measured);
    }

    private const int Batch = 256, Inputs = 784, Outputs = 500;

    private float[] _w = [], _x = [], _y = [], _tape = [], _lambda = [], _gradW = [], _gradX = [], _dz = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float bound = 1f / MathF.Sqrt(Inputs);
        _w = [.. Enumerable.Range(0, Inputs * Outputs + Outputs).Select(_ => bound * (2 * random.NextSingle() - 1))];
        _x = [.. Enumerable.Range(0, Batch * Inputs).Select(_ => random.NextSingle())];
        _lambda = [.. Enumerable.Range(0, Batch * Outputs).Select(_ => random.NextSingle() - 0.5f)];
        _y = new float[Batch * Outputs];
        _tape = new float[Batch * Outputs];
        _dz = new float[Batch * Outputs];
        _gradW = new float[_w.Length];
        _gradX = new float[_x.Length];
    }

    private Span<float> Weights => _w.AsSpan(0, Inputs * Outputs);
    private Span<float> Bias => _w.AsSpan(Inputs * Outputs);

    /// <summary>y = relu(x·W + b), recording the pre-activation in the tape.</summary>
    private void Forward()
    {
        Ops.MatMul<float>(_x, Weights, _tape, Batch, Inputs, Outputs);
        Ops.AddBias<float>(_tape, Bias, Batch, Outputs);
        Ops.Relu<float>(_tape, _y);
    }

    /// <summary>gradW = [xᵀ·dz ; Σ rows dz], gradX = dz·Wᵀ with dz = relu'(tape) ⊙ λ.</summary>
    private void Pullback()
    {
        Ops.ReluBackward<float>(_tape, _lambda, _dz);
        Ops.SumRows<float>(_dz, _gradW.AsSpan(Inputs * Outputs), Batch, Outputs);
        Ops.MatMul<float>(_x, _dz, _gradW.AsSpan(0, Inputs * Outputs), Inputs, Batch, Outputs, transposeA: true);
        Ops.MatMul<float>(_dz, Weights, _gradX, Batch, Outputs, Inputs, transposeB: true);
    }

    [BenchmarkCategory("Forward"), Benchmark(Baseline = true, Description = "its product: x·W")]
    public void ForwardProductOnly() => Ops.MatMul<float>(_x, Weights, _tape, Batch, Inputs, Outputs);

    [BenchmarkCategory("Forward"), Benchmark(Description = "Forward (product, bias, ReLU)")]
    public void ForwardLayer() => Forward();

    [BenchmarkCategory("Forward+Pullback"), Benchmark(Baseline = true, Description = "its 3 products")]
    public void ForwardAndPullbackProductsOnly()
    {
        Ops.MatMul<float>(_x, Weights, _tape, Batch, Inputs, Outputs);
        Ops.MatMul<float>(_x, _dz, _gradW.AsSpan(0, Inputs * Outputs), Inputs, Batch, Outputs, transposeA: true);
        Ops.MatMul<float>(_dz, Weights, _gradX, Batch, Outputs, Inputs, transposeB: true);
    }

    [BenchmarkCategory("Forward+Pullback"), Benchmark(Description = "Forward + Pullback")]
    public void ForwardAndPullback()
    {
        Forward();
        Pullback();
    }
}
