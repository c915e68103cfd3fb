using MoreauGen.Kernels;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>Runs alone, so no other test holds the kernels' worker pool while allocations are counted.</summary>
[CollectionDefinition(nameof(StepAllocationCollection), DisableParallelization = true)]
public sealed class StepAllocationCollection;

/// <summary>
/// A warm training step of the sample's networks at batch 256 allocates nothing on any thread it runs on: the
/// calling thread and every worker thread of the GEMM's <see cref="WorkerPool"/> (the only threads a step uses),
/// each read with <see cref="GC.GetAllocatedBytesForCurrentThread"/> on that thread, which is exact. (The test
/// host's own threads allocate now and then, so a process-wide count would test the host; the process-wide count
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> is the benchmark <c>step-allocations</c>, run alone.)
/// </summary>
[Collection(nameof(StepAllocationCollection))]
public sealed class StepAllocationTests
{
    private const int Batch = 256;

    [Theory]
    [InlineData("784-500-300-100-10", TrainingMethod.Sgd, 5)]
    [InlineData("784-500-300-100-10", TrainingMethod.MorSgd, 5)]
    [InlineData("784-500-300-100-10", TrainingMethod.AlMsgd, 3)]
    [InlineData("784-500-300-100-10", TrainingMethod.TargetProp, 3)]
    [InlineData("784-500-300-100-10", TrainingMethod.ProxProp, 3)]
    [InlineData("784-4000-1000-4000-10", TrainingMethod.Sgd, 2)]
    [InlineData("784-4000-1000-4000-10", TrainingMethod.MorSgd, 2)]
    public void A_warm_step_allocates_nothing_on_any_thread(string shape, TrainingMethod method, int steps)
    {
        int[] sizes = [.. shape.Split('-').Select(int.Parse)];
        var network = new Network(sizes[0], sizes[1..^1], sizes[^1]);
        float[] w = network.InitialParameters(0);
        var random = new Random(3);
        float scale = 2f / MathF.Sqrt(sizes[0]);
        float[] x = [.. Enumerable.Range(0, Batch * sizes[0]).Select(_ => (random.NextSingle() - 0.5f) * scale)];
        int[] labels = [.. Enumerable.Range(0, Batch).Select(_ => random.Next(sizes[^1]))];
        var objective = ClassificationObjective.Create(LossKind.Squared, sizes[^1], Batch);
        objective.SetLabels(labels);
        float l2 = (float)MlpSettings.PaperL2;
        ChainOptimizer<float> optimizer = method switch
        {
            TrainingMethod.Sgd => new GradientDescent<float>(network.Chain, 1e-3f, l2),
            TrainingMethod.MorSgd => new MoreauGradientDescent<float>(network.Chain, MoreauSchedule<float>.Constant(1e-3f, 1f), new TwoStepSolver<float>(), l2),
            // The variants solve layers τ..2 in two parts, one of them on a pool worker (TargetPassOracle.SideBySide).
            TrainingMethod.AlMsgd => new AugmentedLagrangianGradientDescent<float>(network.Chain, PenaltySchedule<float>.Constant(1f / 256, 1f, 4f, 1e-5f),
                                                                                   new TwoStepSolver<float>(), l2),
            TrainingMethod.TargetProp => new TargetPassDescent<float>(new TargetPropagation<float>(network.Chain, 1f) { ParameterL2 = l2 }, 1f / 64),
            _ => new TargetPassDescent<float>(new ProximalBackpropagation<float>(network.Chain, 1f, 1f, 1f) { ParameterL2 = l2 }),
        };

        for (int i = 0; i < 3; i++)
            optimizer.Step(w, x, objective); // warm-up: pack buffers, workspaces, worker threads, JIT
        var before = new StepThreadCounts();
        var after = new StepThreadCounts(); // both made before counting starts: they are all this test allocates
        var allocated = new long[before.Bytes.Length];
        Assert.True(before.Bytes.Length >= 2, "the worker pool has no worker thread on this machine, so the GEMM runs on the caller alone");

        // A pass split in two parts (PairJob) runs a part on whichever thread claims it: a worker that was asleep through
        // the warm-up makes its per-thread buffers on its first part. So up to 4 rounds of `steps` steps: a round with
        // nothing allocated passes; an allocation made by every step shows in every round and fails.
        for (int round = 0; round < 4; round++)
        {
            before.Read();
            for (int i = 0; i < steps; i++)
                optimizer.Step(w, x, objective);
            after.Read();
            for (int t = 0; t < allocated.Length; t++)
                allocated[t] = after.Bytes[t] - before.Bytes[t];
            if (allocated.All(b => b == 0))
                break;
        }
        Assert.Equal(new long[allocated.Length], allocated);
        Assert.All(w, v => Assert.True(float.IsFinite(v)));

        // On two cores the small network's variants run their forward pass on the batch's halves (ChainOracle.ForwardHalves).
        if (method != TrainingMethod.Sgd && BatchHalves<float>.Pays(network.Chain, Batch))
            Assert.True(optimizer.Oracle.LastForwardHalves);
    }
}

/// <summary>Bytes allocated so far by the calling thread (index 0) and by each worker thread of the kernels' pool.</summary>
internal sealed class StepThreadCounts : ParallelJob
{
    /// <summary>The counts at the last <see cref="Read"/>, one per thread of the pool.</summary>
    public long[] Bytes { get; } = new long[WorkerPool.Shared.ThreadCount];

    /// <summary>Reads every thread's count, each on its own thread; allocates nothing.</summary>
    public void Read()
    {
        if (!WorkerPool.Shared.TryReserve())
            throw new InvalidOperationException("The worker pool is busy.");
        try
        {
            WorkerPool.Shared.RunReserved(this);
        }
        finally
        {
            WorkerPool.Shared.Release();
        }
    }

    public override void Run(int thread) => Bytes[thread] = GC.GetAllocatedBytesForCurrentThread();
}
