using BenchmarkDotNet.Attributes;
using MoreauGen.Samples.Pendulum.Physics;

namespace MoreauGen.Benchmarks.Generator;

/// <summary>
/// The pendulum step of paper App. E.1.1 swept over τ = 100 steps (batch 1): a taped forward pass through the chain,
/// then the pullbacks back from λ_τ = (1, 1), through the generated <see cref="PendulumDynamics"/> and through its
/// hand-written baseline, both called through <see cref="IMoreauLayer{T}"/>.
/// </summary>
[MemoryDiagnoser]
public class PendulumSweepBenchmark
{
    private const int Steps = 100;

    private readonly IMoreauLayer<double> generated = new PendulumDynamics();
    private readonly IMoreauLayer<double> handWritten = new HandWrittenPendulumDynamics();
    private readonly double[] torques = new double[Steps];
    private readonly double[] states = new double[2 * (Steps + 1)];
    private readonly double[] tape = new double[Steps];
    private readonly double[] gradient = new double[Steps];
    private readonly double[] lambda = new double[2];
    private readonly double[] previous = new double[2];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (int t = 0; t < Steps; t++)
        {
            torques[t] = random.NextDouble() - 0.5;
        }

        if (generated.TapeLength(1) != 1 || handWritten.TapeLength(1) != 1)
        {
            throw new InvalidOperationException("Both pendulums record cos θ, one value per step.");
        }

        // Both do the same work: the same states and gradients, to round-off.
        double a = Sweep(generated);
        double[] gradientGenerated = (double[])gradient.Clone();
        double b = Sweep(handWritten);
        if (Math.Abs(a - b) > 1e-9 * Math.Max(1, Math.Abs(b)) || gradient.Zip(gradientGenerated).Any(p => Math.Abs(p.First - p.Second) > 1e-9 * Math.Max(1, Math.Abs(p.First))))
        {
            throw new InvalidOperationException("The generated and hand-written pendulums disagree.");
        }
    }

    [Benchmark(Baseline = true)]
    public double HandWritten() => Sweep(handWritten);

    [Benchmark]
    public double Generated() => Sweep(generated);

    private double Sweep(IMoreauLayer<double> layer)
    {
        Span<double> x = states;
        for (int t = 0; t < Steps; t++)
        {
            layer.Forward(torques.AsSpan(t, 1), x.Slice(2 * t, 2), x.Slice(2 * t + 2, 2), tape.AsSpan(t, 1));
        }

        lambda[0] = 1;
        lambda[1] = 1;
        for (int t = Steps - 1; t >= 0; t--)
        {
            layer.Pullback(torques.AsSpan(t, 1), x.Slice(2 * t, 2), tape.AsSpan(t, 1), lambda, gradient.AsSpan(t, 1), previous);
            previous.CopyTo(lambda, 0);
        }

        return gradient[0] + lambda[0];
    }
}

/// <summary>
/// A dense tanh layer written as loops (784 → 100, batch 1): taped Forward then Pullback (both gradients), generated
/// (<see cref="LoopDenseTanh"/>) against hand-written scalar loops (<see cref="HandWrittenDenseTanh"/>).
/// </summary>
[MemoryDiagnoser]
public class DenseTanhLoopsBenchmark
{
    private readonly IMoreauLayer<double> generated = new LoopDenseTanh();
    private readonly IMoreauLayer<double> handWritten = new HandWrittenDenseTanh();
    private double[] w = [];
    private double[] x = [];
    private readonly double[] y = new double[LoopDenseTanh.OutputSize];
    private readonly double[] tape = new double[LoopDenseTanh.OutputSize];
    private readonly double[] lambda = new double[LoopDenseTanh.OutputSize];
    private double[] gradW = [];
    private double[] gradX = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        w = Enumerable.Range(0, generated.ParameterCount).Select(_ => 0.05 * (random.NextDouble() - 0.5)).ToArray();
        x = Enumerable.Range(0, generated.InputCount).Select(_ => random.NextDouble()).ToArray();
        for (int j = 0; j < lambda.Length; j++)
        {
            lambda[j] = random.NextDouble() - 0.5;
        }

        gradW = new double[w.Length];
        gradX = new double[x.Length];
        if (generated.TapeLength(1) != handWritten.TapeLength(1))
        {
            throw new InvalidOperationException("Both layers record the tanh outputs, one value per unit.");
        }

        // Both do the same work: the same outputs and gradients, to round-off.
        ForwardPullback(generated);
        double[] yGenerated = (double[])y.Clone(), gradWGenerated = (double[])gradW.Clone(), gradXGenerated = (double[])gradX.Clone();
        ForwardPullback(handWritten);
        static bool Same(double[] a, double[] b) => a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1e-12 * Math.Max(1, Math.Abs(p.Second)));
        if (!Same(yGenerated, y) || !Same(gradWGenerated, gradW) || !Same(gradXGenerated, gradX))
        {
            throw new InvalidOperationException("The generated and hand-written dense layers disagree.");
        }
    }

    [Benchmark(Baseline = true)]
    public double HandWritten() => ForwardPullback(handWritten);

    [Benchmark]
    public double Generated() => ForwardPullback(generated);

    private double ForwardPullback(IMoreauLayer<double> layer)
    {
        layer.Forward(w, x, y, tape);
        layer.Pullback(w, x, tape, lambda, gradW, gradX);
        return gradW[0] + gradX[0];
    }
}
