using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MoreauGen.Benchmarks.Kernels;
using MoreauGen.Data;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// One training step of the MLP sample (samples/Mlp) at batch 256 in float, as the sample runs it: SGD (forward with
/// tape, squared loss, back-propagation, w ← w − η·(∇ + μw)) against MorSGD (forward with tape, the Moreau backward
/// pass of eq. 52 with the paper's two-step inner solver for the hidden layers' Φx and Φw, the closed forms of the
/// affine output layer and of the squared loss, w ← w − g), μ = 1e-6, on the sample's hand-written layers.
/// </summary>
/// <remarks>
/// Both train on one fixed batch, step after step: the first 256 Fashion-MNIST training images when the data set is
/// installed (random rows of norm about 1 otherwise). Steps: the sample's defaults on 784-500-300-100-10; 2⁻⁴ for
/// SGD's η and MorSGD's α (γ = 1) on 784-4000-1000-4000-10, where the defaults diverge. A step that meets a NaN
/// restores the initial parameters (none did in the recorded runs). The comparison with PyTorch is
/// benchmarks/pytorch/side_by_side.py (a separate process cannot be BenchmarkDotNet's baseline).
/// </remarks>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class MlpTrainingStepBenchmarks
{
    private const int Batch = 256;

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(KernelJobs.Measured);
    }

    [Params("784-500-300-100-10", "784-4000-1000-4000-10")]
    public string Network { get; set; } = "784-500-300-100-10";

    private Trainee _sgd = null!, _morsgd = null!;

    [GlobalSetup]
    public void Setup()
    {
        int[] sizes = [.. Network.Split('-').Select(int.Parse)];
        var network = new Network(sizes[0], sizes[1..^1], sizes[^1]);
        bool large = sizes.Max() > 1000;
        float step = large ? 1f / 16 : (float)MlpSettings.DefaultSgdStep;
        float alpha = large ? 1f / 16 : (float)MlpSettings.DefaultAlpha;
        float gamma = large ? 1f : (float)MlpSettings.DefaultGamma;
        var (x, labels) = Batch256(network.Chain.InputCount, network.Chain.OutputCount);
        _sgd = new Trainee(network, x, labels, new GradientDescent<float>(network.Chain, step, (float)MlpSettings.PaperL2));
        _morsgd = new Trainee(network, x, labels, new MoreauGradientDescent<float>(
            network.Chain, MoreauSchedule<float>.Constant(alpha, gamma), new TwoStepSolver<float>(), (float)MlpSettings.PaperL2));
        for (int i = 0; i < 3; i++)
        {
            SgdStep();
            MorSgdStep();
        }
    }

    /// <summary>One SGD step: forward with tape, loss, back-propagation (Alg. 3–4), update.</summary>
    [Benchmark(Baseline = true, Description = "SGD step")]
    public float SgdStep() => _sgd.Step();

    /// <summary>One MorSGD step: forward with tape, loss, Moreau backward pass (Alg. 1–2, eq. 52, two-step solver), update.</summary>
    [Benchmark(Description = "MorSGD step")]
    public float MorSgdStep() => _morsgd.Step();

    private static (float[] X, int[] Labels) Batch256(int inputs, int classes)
    {
        var x = new float[Batch * inputs];
        var labels = new int[Batch];
        if (FashionMnist.IsInstalled() && inputs == 784)
        {
            var data = FashionMnist.Load<float>(trainLimit: Batch);
            data.Train.Features.AsSpan(0, x.Length).CopyTo(x);
            data.Train.Labels.AsSpan(0, Batch).CopyTo(labels);
            return (x, labels);
        }

        var random = new Random(1);
        float scale = 2f / MathF.Sqrt(inputs);
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * scale;
        for (int i = 0; i < labels.Length; i++)
            labels[i] = random.Next(classes);
        return (x, labels);
    }

    /// <summary>A network trained step after step on one batch.</summary>
    private sealed class Trainee
    {
        private readonly float[] _initial, _w, _x;
        private readonly SquaredLossObjective _objective;
        private readonly ChainOptimizer<float> _optimizer;

        public Trainee(Network network, float[] x, int[] labels, ChainOptimizer<float> optimizer)
        {
            _initial = network.InitialParameters(0);
            _w = (float[])_initial.Clone();
            _x = x;
            _objective = new SquaredLossObjective(network.Chain.OutputCount, Batch);
            _objective.SetLabels(labels);
            _optimizer = optimizer;
        }

        public float Step()
        {
            try
            {
                return _optimizer.Step(_w, _x, _objective);
            }
            catch (NonFiniteValueException)
            {
                _initial.CopyTo(_w, 0);
                return float.NaN;
            }
        }
    }
}
