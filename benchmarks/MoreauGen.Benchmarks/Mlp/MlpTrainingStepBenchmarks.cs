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
/// affine output layer and of the squared loss, w ← w − g), μ = 1e-6, on the sample's layers (generated from their
/// <c>[MoreauLayer(Batched = true)]</c> bodies). <see cref="MlpGeneratedVsHandWrittenStepBenchmarks"/> compares them
/// with the hand-written layers in the same run.
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
        float[] initial = network.InitialParameters(0);
        _sgd = new Trainee(network.Chain, initial, x, labels, Sgd(network.Chain, step));
        _morsgd = new Trainee(network.Chain, initial, x, labels, MorSgd(network.Chain, alpha, gamma));
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

    /// <summary>SGD with step <paramref name="step"/> and the paper's ℓ2 term.</summary>
    internal static ChainOptimizer<float> Sgd(Chain<float> chain, float step) =>
        new GradientDescent<float>(chain, step, (float)MlpSettings.PaperL2);

    /// <summary>MorSGD with constant α, γ, the paper's two-step inner solver and ℓ2 term.</summary>
    internal static ChainOptimizer<float> MorSgd(Chain<float> chain, float alpha, float gamma) =>
        new MoreauGradientDescent<float>(chain, MoreauSchedule<float>.Constant(alpha, gamma), new TwoStepSolver<float>(), (float)MlpSettings.PaperL2);

    /// <summary>The first 256 Fashion-MNIST training images when installed (random rows of norm about 1 otherwise).</summary>
    internal static (float[] X, int[] Labels) Batch256(int inputs, int classes)
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

    /// <summary>A chain trained step after step on one batch, from <c>initial</c> (copied).</summary>
    internal sealed class Trainee
    {
        private readonly float[] _initial, _w, _x;
        private readonly SquaredLossObjective _objective;
        private readonly ChainOptimizer<float> _optimizer;

        public Trainee(Chain<float> chain, float[] initial, float[] x, int[] labels, ChainOptimizer<float> optimizer)
        {
            _initial = (float[])initial.Clone();
            _w = (float[])initial.Clone();
            _x = x;
            _objective = new SquaredLossObjective(chain.OutputCount, Batch);
            _objective.SetLabels(labels);
            _optimizer = optimizer;
        }

        /// <summary>The current parameters.</summary>
        public ReadOnlySpan<float> Parameters => _w;

        /// <summary>One step; the loss before it (NaN, and the initial parameters restored, on a non-finite value).</summary>
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

/// <summary>
/// The MLP sample's generated layers (<see cref="Dense"/>, <see cref="Affine"/>: the generator's oracles from their
/// <c>[MoreauLayer(Batched = true)]</c> bodies) against the same network built from the hand-written layers
/// (<see cref="HandWrittenDense"/>, <see cref="HandWrittenAffine"/>), in one run: one SGD step and one MorSGD step of
/// 784-500-300-100-10 at batch 256, with the sample's default steps, on the batch and from the parameters of
/// <see cref="MlpTrainingStepBenchmarks"/>. Each step's ratio is against the hand-written layers (the baseline of its
/// category). The setup checks that both networks compute the same losses and parameters.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MlpGeneratedVsHandWrittenStepBenchmarks
{
    private static readonly int[] Sizes = [784, 500, 300, 100, 10];

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(KernelJobs.Measured);
    }

    private MlpTrainingStepBenchmarks.Trainee _sgdGenerated = null!, _sgdHandWritten = null!, _morsgdGenerated = null!, _morsgdHandWritten = null!;

    [GlobalSetup]
    public void Setup()
    {
        var network = new Network(Sizes[0], Sizes[1..^1], Sizes[^1]);
        Chain<float> generated = network.Chain;
        var layers = new IMoreauLayer<float>[Sizes.Length - 1];
        for (int l = 0; l < layers.Length; l++)
            layers[l] = l == layers.Length - 1 ? new HandWrittenAffine(Sizes[l], Sizes[l + 1]) : new HandWrittenDense(Sizes[l], Sizes[l + 1]);
        var handWritten = new Chain<float>(layers);
        var (x, labels) = MlpTrainingStepBenchmarks.Batch256(Sizes[0], Sizes[^1]);
        float[] initial = network.InitialParameters(0);
        float step = (float)MlpSettings.DefaultSgdStep, alpha = (float)MlpSettings.DefaultAlpha, gamma = (float)MlpSettings.DefaultGamma;
        _sgdGenerated = new(generated, initial, x, labels, MlpTrainingStepBenchmarks.Sgd(generated, step));
        _sgdHandWritten = new(handWritten, initial, x, labels, MlpTrainingStepBenchmarks.Sgd(handWritten, step));
        _morsgdGenerated = new(generated, initial, x, labels, MlpTrainingStepBenchmarks.MorSgd(generated, alpha, gamma));
        _morsgdHandWritten = new(handWritten, initial, x, labels, MlpTrainingStepBenchmarks.MorSgd(handWritten, alpha, gamma));
        for (int i = 0; i < 3; i++)
        {
            Agree("SGD", _sgdGenerated.Step(), _sgdHandWritten.Step(), _sgdGenerated.Parameters, _sgdHandWritten.Parameters);
            Agree("MorSGD", _morsgdGenerated.Step(), _morsgdHandWritten.Step(), _morsgdGenerated.Parameters, _morsgdHandWritten.Parameters);
        }
    }

    /// <summary>Generated and hand-written layers give the same step: the losses and parameters agree to float rounding.</summary>
    private static void Agree(string method, float generated, float handWritten, ReadOnlySpan<float> w, ReadOnlySpan<float> wHand)
    {
        if (!(MathF.Abs(generated - handWritten) <= 1e-4f * MathF.Max(1f, MathF.Abs(handWritten))))
            throw new InvalidOperationException($"{method}: generated loss {generated}, hand-written {handWritten}.");
        for (int i = 0; i < w.Length; i++)
        {
            if (!(MathF.Abs(w[i] - wHand[i]) <= 1e-4f * MathF.Max(1f, MathF.Abs(wHand[i]))))
                throw new InvalidOperationException($"{method}: parameter {i} is {w[i]} with generated layers, {wHand[i]} with hand-written ones.");
        }
    }

    /// <summary>One SGD step on the hand-written layers (the baseline of the SGD category).</summary>
    [Benchmark(Baseline = true, Description = "SGD step, hand-written layers")]
    [BenchmarkCategory("SGD")]
    public float SgdHandWritten() => _sgdHandWritten.Step();

    /// <summary>One SGD step on the generated layers.</summary>
    [Benchmark(Description = "SGD step, generated layers")]
    [BenchmarkCategory("SGD")]
    public float SgdGenerated() => _sgdGenerated.Step();

    /// <summary>One MorSGD step on the hand-written layers (the baseline of the MorSGD category).</summary>
    [Benchmark(Baseline = true, Description = "MorSGD step, hand-written layers")]
    [BenchmarkCategory("MorSGD")]
    public float MorSgdHandWritten() => _morsgdHandWritten.Step();

    /// <summary>One MorSGD step on the generated layers.</summary>
    [Benchmark(Description = "MorSGD step, generated layers")]
    [BenchmarkCategory("MorSGD")]
    public float MorSgdGenerated() => _morsgdGenerated.Step();
}
