using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MoreauGen.Benchmarks.Kernels;

namespace MoreauGen.Benchmarks.Generator;

/// <summary>
/// The generated dense layer (<see cref="Dense"/>, DESIGN.md's text, 784→500, ReLU, batch 256, float), called through
/// <see cref="IMoreauLayer{T}"/>: Forward, and the taped Forward + Pullback (both gradients), each against the time of
/// the matrix products it contains (1 forward, 3 for forward + pullback: the ratio column, goal ≤ 1.15), and beside
/// the hand-written layer of <see cref="DenseLayerBenchmarks"/> (the same calls of <see cref="Ops"/> written by hand).
/// The setup first checks that the generated and hand-written layers compute the same y, gradW and gradX.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GeneratedDenseLayerBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(KernelJobs.Measured);
    }

    private const int Batch = 256, Inputs = 784, Outputs = 500;

    private readonly IMoreauLayer<float> generated = new Dense(Inputs, Outputs);
    private readonly DenseLayerBenchmarks handWritten = new();
    private float[] w = [], x = [], y = [], tape = [], lambda = [], gradW = [], gradX = [], dz = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float bound = 1f / MathF.Sqrt(Inputs);
        w = [.. Enumerable.Range(0, Inputs * Outputs + Outputs).Select(_ => bound * (2 * random.NextSingle() - 1))];
        x = [.. Enumerable.Range(0, Batch * Inputs).Select(_ => random.NextSingle())];
        lambda = [.. Enumerable.Range(0, Batch * Outputs).Select(_ => random.NextSingle() - 0.5f)];
        y = new float[Batch * Outputs];
        tape = new float[generated.TapeLength(Batch)];
        dz = new float[Batch * Outputs];
        gradW = new float[w.Length];
        gradX = new float[x.Length];
        handWritten.Setup();
        CheckAgainstHandWritten();
    }

    private Span<float> Weights => w.AsSpan(0, Inputs * Outputs);

    /// <summary>The generated layer against the same Ops calls written by hand (DenseLayerBenchmarks' Forward and Pullback).</summary>
    private void CheckAgainstHandWritten()
    {
        GeneratedForwardAndPullback();
        float[] pre = new float[Batch * Outputs], yRef = new float[Batch * Outputs], dzRef = new float[Batch * Outputs];
        float[] gradWRef = new float[w.Length], gradXRef = new float[x.Length];
        Ops.MatMul<float>(x, Weights, pre, Batch, Inputs, Outputs);
        Ops.AddBias<float>(pre, w.AsSpan(Inputs * Outputs), Batch, Outputs);
        Ops.Relu<float>(pre, yRef);
        Ops.ReluBackward<float>(pre, lambda, dzRef);
        Ops.SumRows<float>(dzRef, gradWRef.AsSpan(Inputs * Outputs), Batch, Outputs);
        Ops.MatMul<float>(x, dzRef, gradWRef.AsSpan(0, Inputs * Outputs), Inputs, Batch, Outputs, transposeA: true);
        Ops.MatMul<float>(dzRef, Weights, gradXRef, Batch, Outputs, Inputs, transposeB: true);
        foreach ((float[] a, float[] b, string name) in new[] { (y, yRef, "y"), (gradW, gradWRef, "gradW"), (gradX, gradXRef, "gradX") })
        {
            for (int i = 0; i < a.Length; i++)
            {
                if (MathF.Abs(a[i] - b[i]) > 1e-5f * MathF.Max(1, MathF.Abs(b[i])))
                {
                    throw new InvalidOperationException($"The generated and hand-written dense layers disagree at {name}[{i}]: {a[i]} and {b[i]}.");
                }
            }
        }
    }

    private void GeneratedForwardAndPullback()
    {
        generated.Forward(w, x, y, tape);
        generated.Pullback(w, x, tape, lambda, gradW, gradX);
    }

    [BenchmarkCategory("Forward"), Benchmark(Baseline = true, Description = "its product: x·W")]
    public void ForwardProductOnly() => Ops.MatMul<float>(x, Weights, y, Batch, Inputs, Outputs);

    [BenchmarkCategory("Forward"), Benchmark(Description = "generated Forward")]
    public void GeneratedForward() => generated.Forward(w, x, y);

    [BenchmarkCategory("Forward"), Benchmark(Description = "generated Forward, taped")]
    public void GeneratedTapedForward() => generated.Forward(w, x, y, tape);

    [BenchmarkCategory("Forward"), Benchmark(Description = "hand-written Forward, taped")]
    public void HandWrittenForward() => handWritten.ForwardLayer();

    [BenchmarkCategory("Forward+Pullback"), Benchmark(Baseline = true, Description = "its 3 products")]
    public void ForwardAndPullbackProductsOnly()
    {
        Ops.MatMul<float>(x, Weights, y, Batch, Inputs, Outputs);
        Ops.MatMul<float>(x, dz, gradW.AsSpan(0, Inputs * Outputs), Inputs, Batch, Outputs, transposeA: true);
        Ops.MatMul<float>(dz, Weights, gradX, Batch, Outputs, Inputs, transposeB: true);
    }

    [BenchmarkCategory("Forward+Pullback"), Benchmark(Description = "generated Forward + Pullback")]
    public void GeneratedForwardAndPullbackBenchmark() => GeneratedForwardAndPullback();

    [BenchmarkCategory("Forward+Pullback"), Benchmark(Description = "hand-written Forward + Pullback")]
    public void HandWrittenForwardAndPullback() => handWritten.ForwardAndPullback();
}
