using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MoreauGen.Benchmarks.Kernels;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// One training step of the paper's variants against one SGD step, in the same run, on the MLP sample's
/// 784-500-300-100-10 network at batch 256 in float (μ = 1e-6): AL-MSGD (Alg. 7–9, the steps of the sample's Fig. 9 and
/// Fig. 10 runs: α = 2⁻⁸, γ = 2², β = 1, κ = 10⁻⁵; Table 2's α = 8, γ = 32, β = 0.1 diverge on this batch within a few
/// steps, so a step there would time the restart), target propagation (Alg. 10–11, κ = 1, η = 2⁻⁶) and ProxProp (Alg. 12–13,
/// α = 1, γ = 1, κ = 1), each with the paper's two-step inner solver for the ReLU layers and conjugate gradients for the
/// affine output layer. The bar: each ≤ 3× the SGD step, 0 B allocated per step.
/// </summary>
/// <remarks>
/// Each trains on one fixed batch, step after step (<see cref="MlpTrainingStepBenchmarks.Trainee"/>: a step that meets a
/// NaN restores the initial parameters).
/// </remarks>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class VariantStepBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(KernelJobs.Measured);
    }

    private MlpTrainingStepBenchmarks.Trainee _sgd = null!, _al = null!, _tp = null!, _prox = null!;

    [GlobalSetup]
    public void Setup()
    {
        var network = new Network(784, [500, 300, 100], 10);
        Chain<float> chain = network.Chain;
        var (x, labels) = MlpTrainingStepBenchmarks.Batch256(chain.InputCount, chain.OutputCount);
        float[] initial = network.InitialParameters(0);
        float l2 = (float)MlpSettings.PaperL2;
        var solver = new TwoStepSolver<float>();
        _sgd = new(chain, initial, x, labels, MlpTrainingStepBenchmarks.Sgd(chain, (float)MlpSettings.DefaultSgdStep));
        _al = new(chain, initial, x, labels, new AugmentedLagrangianGradientDescent<float>(chain, PenaltySchedule<float>.Constant(1f / 256, 1f, 4f, 1e-5f), solver, l2));
        _tp = new(chain, initial, x, labels, new TargetPassDescent<float>(new TargetPropagation<float>(chain, 1f, solver) { ParameterL2 = l2 }, 1f / 64));
        _prox = new(chain, initial, x, labels, new TargetPassDescent<float>(new ProximalBackpropagation<float>(chain, 1f, 1f, 1f, solver) { ParameterL2 = l2 }));
        for (int i = 0; i < 3; i++)
        {
            SgdStep();
            AugmentedLagrangianStep();
            TargetPropagationStep();
            ProxPropStep();
        }
    }

    /// <summary>One SGD step: forward with tape, loss, back-propagation (Alg. 3–4), update.</summary>
    [Benchmark(Baseline = true, Description = "SGD step")]
    public float SgdStep() => _sgd.Step();

    /// <summary>One AL-MSGD step (Alg. 7–9).</summary>
    [Benchmark(Description = "AL-MSGD step")]
    public float AugmentedLagrangianStep() => _al.Step();

    /// <summary>One step along the target-propagation direction (Alg. 10–11).</summary>
    [Benchmark(Description = "TP step")]
    public float TargetPropagationStep() => _tp.Step();

    /// <summary>One ProxProp step (Alg. 12–13).</summary>
    [Benchmark(Description = "ProxProp step")]
    public float ProxPropStep() => _prox.Step();
}
