using System.Globalization;
using MoreauGen.Kernels;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// Where the MLP sample's SGD step on the batch's two halves (<see cref="BatchHalves{T}"/>) goes, small network first:
/// the step; its products at the whole batch each alone on the pool (the baseline of <see cref="StepRounds"/>); one
/// half's products each alone on one core, and both halves' products side by side (one half per core, as the step runs
/// them); the halves' forward pass and backward pass alone (each one hand-off to the other thread); and the update sweeps
/// with the second half's gradient added. Interleaved call by call, each side on a call right after an untimed call of
/// itself (<see cref="Rounds.WarmSum"/>). Then the same phases timed inside steps: a replica of the fused step on the
/// halves (forward pass, objective, backward pass, update sweeps, one after the other on w that each step updates), whose
/// phases find their data where the phase before left it (the parameters and the second half's gradient in the other
/// core's cache), unlike the phases above, each repeated alone. It profiles the halves with all of the first layer's
/// weights multiplied by each half's samples (<c>Backpropagation.FirstLayerByRows</c> off), the path its phases replicate;
/// <c>step-rows</c> compares that step with the one main takes, the first layer by rows.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- halves-profile [--rounds 3] [--network 784-500-300-100-10]
/// </code>
/// </summary>
internal static class HalvesProfile
{
    public static int Run(string[] args)
    {
        (int rounds, _) = Rounds.Options(args, "");
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        foreach (string shape in MlpBatch.ShapesOf(args))
        {
            var batch = MlpBatch.Create(shape);
            (int[] sizes, Network network, float[] x, ClassificationObjective objective) = batch;
            float[] w = network.InitialParameters(0), wStep = network.InitialParameters(0);
            var sgd = new GradientDescent<float>(network.Chain, 1e-3f, (float)MlpSettings.PaperL2);
            ((Backpropagation<float>)sgd.Oracle).Halves = true;
            ((Backpropagation<float>)sgd.Oracle).FirstLayerByRows = false;
            ChainWorkspace<float> workspace = network.Chain.CreateWorkspace(MlpBatch.Size);
            var halves = new BatchHalves<float>(workspace);
            float[] gradient = new float[w.Length], scratch = new float[w.Length], target = (float[])w.Clone();
            halves.Forward(w, x, copyInput: false, checkInput: true);
            objective.ValueAndGradient(workspace.Output, workspace.Multiplier(0, workspace.StateLength(network.Chain.Length)));
            int[] layerSizes = [.. Enumerable.Range(0, sizes.Length - 1).Select(l => sizes[l] * sizes[l + 1] + sizes[l + 1])];

            List<StepRounds.Product> whole = StepRounds.SgdProducts(sizes), half = StepRounds.SgdProducts(sizes, MlpBatch.Size / 2);
            List<StepRounds.Product> otherHalf = StepRounds.SgdProducts(sizes, MlpBatch.Size / 2);
            var pair = new ProductPair(half, otherHalf);
            (string Name, IReadOnlyList<Action> Parts)[] sides =
            [
                ("SGD step on the halves", [() => sgd.Step(wStep, x, objective)]),
                ("its products at the whole batch, each alone", StepRounds.Parts(whole)),
                ("one half's products, one core", [.. StepRounds.Parts(half).Select(OneCore)]),
                ("both halves' products side by side", [pair.Run]),
                ("halves: forward pass", [() => halves.Forward(w, x, copyInput: false, checkInput: true)]),
                ("halves: backward pass", [() => halves.Backward(w, x, gradient)]),
                ("update sweeps, second gradient added", [() =>
                {
                    // The sweep leaves the old w where the first gradient was; the next call reads it as its gradient.
                    for (int l = 0, at = 0; l < layerSizes.Length; at += layerSizes[l], l++)
                    {
                        FusedDescent.Run<float>(target.AsSpan(at, layerSizes[l]), 1e-4f, scratch.AsSpan(at, layerSizes[l]), addL2: true, -1e-12f,
                                                halves.SecondGradient.Slice(at, layerSizes[l]));
                    }
                }]),
            ];
            batch.WarmUp(sides.SelectMany(s => s.Parts));
            int calls = batch.Small ? 21 : 5;
            for (int round = 1; round <= rounds; round++)
            {
                double[] m = Rounds.InterleavedWarmMedians([.. sides.Select(s => s.Parts)], calls);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {shape} (load {Rounds.LoadAverage()}):"));
                for (int s = 0; s < sides.Length; s++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {sides[s].Name,-44} {m[s],8:F3} ms  {m[s] / m[1],6:F3} of the products"));

                // The phases inside steps, against the products of the same round.
                double[] phases = StepPhases(halves, network.Chain, (float[])w.Clone(), x, objective, layerSizes, batch.Small ? 101 : 21);
                string[] names = ["in a step: forward pass", "in a step: objective", "in a step: backward pass", "in a step: update sweeps", "in a step: all four"];
                for (int p = 0; p < phases.Length; p++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {names[p],-44} {phases[p],8:F3} ms  {phases[p] / m[1],6:F3} of the products"));
            }
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// The median time in ms of each phase of <paramref name="steps"/> fused SGD steps on the halves (η = 10⁻³, the paper's ℓ2)
    /// at <paramref name="w"/>, which they update: the forward pass, the objective, the backward pass and the update sweeps
    /// of <c>Backpropagation</c>'s step on the halves, one after the other as it runs them (without its finiteness check of
    /// λ_τ); the fifth value is the median of the steps' whole times. Timed right after the round's interleaved sides.
    /// </summary>
    private static double[] StepPhases(BatchHalves<float> halves, Chain<float> chain, float[] w, float[] x, ClassificationObjective objective,
                                       int[] layerSizes, int steps)
    {
        ChainWorkspace<float> workspace = halves.Workspace;
        float[] scratch = new float[w.Length];
        var times = new double[5][];
        for (int p = 0; p < times.Length; p++)
            times[p] = new double[steps];
        float mu = (float)MlpSettings.PaperL2;
        long[] marks = new long[5];
        for (int step = -5; step < steps; step++) // five steps untimed first
        {
            marks[0] = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!halves.Forward(w, x, copyInput: false, checkInput: true))
                throw new InvalidOperationException("The forward pass on the halves failed.");
            marks[1] = System.Diagnostics.Stopwatch.GetTimestamp();
            objective.ValueAndGradient(workspace.Output, workspace.Multiplier(0, workspace.StateLength(chain.Length)));
            marks[2] = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!halves.Backward(w, x, scratch))
                throw new InvalidOperationException("The backward pass on the halves failed.");
            marks[3] = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int l = layerSizes.Length - 1, at = w.Length; l >= 0; l--)
            {
                at -= layerSizes[l];
                if (!FusedDescent.Run<float>(w.AsSpan(at, layerSizes[l]), mu, scratch.AsSpan(at, layerSizes[l]), addL2: true, -1e-3f,
                                             halves.SecondGradient.Slice(at, layerSizes[l])).Completed)
                    throw new InvalidOperationException("An update sweep failed.");
            }
            marks[4] = System.Diagnostics.Stopwatch.GetTimestamp();
            if (step < 0)
                continue;
            for (int p = 0; p < 4; p++)
                times[p][step] = System.Diagnostics.Stopwatch.GetElapsedTime(marks[p], marks[p + 1]).TotalMilliseconds;
            times[4][step] = System.Diagnostics.Stopwatch.GetElapsedTime(marks[0], marks[4]).TotalMilliseconds;
        }
        return [.. times.Select(Rounds.Median)];
    }

    /// <summary>A product on the calling thread alone: the pool held around it, as inside a half.</summary>
    private static Action OneCore(Action product) => () =>
    {
        WorkerPool pool = WorkerPool.Shared;
        bool held = pool.TryReserve();
        try
        {
            product();
        }
        finally
        {
            if (held)
                pool.Release();
        }
    };

    /// <summary>Two halves' products side by side, one list per core.</summary>
    private sealed class ProductPair(List<StepRounds.Product> first, List<StepRounds.Product> second) : PairJob
    {
        protected override void RunPart(int part) => StepRounds.RunAll(part == 0 ? first : second);
    }
}
