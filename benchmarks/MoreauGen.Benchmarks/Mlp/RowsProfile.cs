using System.Diagnostics;
using System.Globalization;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// Where the MLP sample's SGD step with the first layer by rows (<see cref="BatchHalves{T}.FirstLayerByRows"/>) goes: a
/// replica of <c>Backpropagation</c>'s fused step on the halves, one phase after the other on w that each step updates —
/// the forward pass (the first layer by rows, then the halves), the objective, the halves' backward pass down to dz₁, and
/// the first layer's job (W₀'s gradient by rows, its update, and every other layer's update chunk by chunk with the second
/// half's gradient added) — each phase's median time against the products it contains, each alone on the pool (<see cref="Rounds.WarmSum"/>),
/// timed in the same round right before. Then the taped forward pass alone three ways, interleaved call by call: on the
/// whole batch (each product on the pool), on the halves forward only with the first layer by rows (the Moreau and
/// target-pass oracles' forward pass, <c>ChainOracle.ForwardHalves</c>), and on the halves without the rows.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- rows-profile [--rounds 3] [--network 784-500-300-100-10]
/// </code>
/// </summary>
internal static class RowsProfile
{
    public static int Run(string[] args)
    {
        (int rounds, _) = Rounds.Options(args, "");
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        foreach (string shape in MlpBatch.ShapesOf(args))
        {
            var batch = MlpBatch.Create(shape);
            (int[] sizes, Network network, float[] x, ClassificationObjective objective) = batch;
            float[] w = network.InitialParameters(0);
            ChainWorkspace<float> workspace = network.Chain.CreateWorkspace(MlpBatch.Size);
            var halves = new BatchHalves<float>(workspace);
            if (!halves.FirstLayerByRows)
                throw new InvalidOperationException($"{shape}: the first layer does not run by rows.");

            // The products of each phase: forward x·W of every layer; the halves' backward dW and dx of layers L..1; the
            // first layer's dW.
            List<StepRounds.Product> all = StepRounds.SgdProducts(sizes);
            var forward = new List<StepRounds.Product>();
            var backward = new List<StepRounds.Product>();
            StepRounds.Product? first = null;
            for (int l = 0, at = 0; l + 1 < sizes.Length; l++)
            {
                forward.Add(all[at++]);
                if (l == 0)
                    first = all[at++];
                else
                {
                    backward.Add(all[at++]);
                    backward.Add(all[at++]);
                }
            }
            IReadOnlyList<Action>[] sides = [StepRounds.Parts(forward), StepRounds.Parts(backward), StepRounds.Parts([first!]), StepRounds.Parts(all)];
            batch.WarmUp(sides.SelectMany(parts => parts));
            string[] names = ["forward: first layer by rows + halves", "objective", "backward: halves to dz₁", "first layer's job: ∇W₀, every update", "whole step"];
            ChainWorkspace<float> forwardWorkspace = network.Chain.CreateWorkspace(MlpBatch.Size);
            var forwardOnly = new BatchHalves<float>(forwardWorkspace, forwardOnly: true);
            IReadOnlyList<Action>[] forwards =
            [
                [() => network.Chain.Forward(w, x, forwardWorkspace, record: true, copyInput: true)],
                [() => Check(forwardOnly.Forward(w, x, copyInput: true, checkInput: false, byRows: true))],
                [() => Check(forwardOnly.Forward(w, x, copyInput: true, checkInput: false, byRows: false))],
            ];
            batch.WarmUp(forwards.SelectMany(parts => parts));
            int steps = batch.Small ? 101 : 21;
            for (int round = 1; round <= rounds; round++)
            {
                double[] p = Rounds.InterleavedWarmMedians([.. sides], batch.Small ? 21 : 5);
                double[] phases = StepPhases(halves, network.Chain, w, x, objective, steps);
                double[] against = [p[0], 0, p[1], p[2], p[3]];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {shape} (load {Rounds.LoadAverage()}):"));
                for (int i = 0; i < phases.Length; i++)
                {
                    string ratio = against[i] > 0 ? string.Create(CultureInfo.InvariantCulture, $"{phases[i] / against[i],6:F3} of its products ({against[i]:F3} ms)") : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {names[i],-44} {phases[i],8:F3} ms  {ratio}"));
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  beyond the products: {phases[4] - p[3]:F3} ms; forward {phases[0] - p[0]:F3}, objective {phases[1]:F3}, backward {phases[2] - p[1]:F3}, "
                    + $"first layer's job {phases[3] - p[2]:F3}"));
                double[] f = Rounds.InterleavedWarmMedians(forwards, batch.Small ? 21 : 5);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  taped forward pass: whole batch {f[0]:F3} ms, halves by rows {f[1]:F3} ms ({f[1] / f[0]:F3}), halves {f[2]:F3} ms ({f[2] / f[0]:F3})"));
            }
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static void Check(bool forward)
    {
        if (!forward)
            throw new InvalidOperationException("The forward pass on the halves failed.");
    }

    /// <summary>The median time in ms of each phase of <paramref name="steps"/> fused SGD steps by rows, and of the whole steps.</summary>
    private static double[] StepPhases(BatchHalves<float> halves, Chain<float> chain, float[] w, float[] x, ClassificationObjective objective,
                                       int steps)
    {
        ChainWorkspace<float> workspace = halves.Workspace;
        float[] scratch = new float[w.Length];
        const int count = 5;
        var times = new double[count][];
        for (int p = 0; p < count; p++)
            times[p] = new double[steps];
        float mu = (float)MlpSettings.PaperL2;
        long[] marks = new long[count];
        for (int step = -5; step < steps; step++) // five steps untimed first
        {
            marks[0] = Stopwatch.GetTimestamp();
            if (!halves.Forward(w, x, copyInput: false, checkInput: true, byRows: true))
                throw new InvalidOperationException("The forward pass by rows failed.");
            marks[1] = Stopwatch.GetTimestamp();
            objective.ValueAndGradient(workspace.Output, workspace.Multiplier(0, workspace.StateLength(chain.Length)));
            marks[2] = Stopwatch.GetTimestamp();
            if (!halves.Backward(w, x, scratch, byRows: true))
                throw new InvalidOperationException("The backward pass by rows failed.");
            marks[3] = Stopwatch.GetTimestamp();
            if (!halves.DescendFirstLayer(w, x, scratch, mu, addL2: true, -1e-3f))
                throw new InvalidOperationException("The first layer's job failed.");
            marks[4] = Stopwatch.GetTimestamp();
            if (step < 0)
                continue;
            for (int p = 0; p < count - 1; p++)
                times[p][step] = Stopwatch.GetElapsedTime(marks[p], marks[p + 1]).TotalMilliseconds;
            times[count - 1][step] = Stopwatch.GetElapsedTime(marks[0], marks[count - 1]).TotalMilliseconds;
        }
        return [.. times.Select(Rounds.Median)];
    }
}
