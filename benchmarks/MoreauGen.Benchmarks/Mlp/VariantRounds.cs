using System.Diagnostics;
using System.Globalization;
using System.Text;
using MoreauGen.Data;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// One training step of each of the paper's variants against one SGD step, interleaved call by call in one process,
/// on the MLP sample's 784-500-300-100-10 network at batch 256 in float (μ = 10⁻⁶, the first 256 Fashion-MNIST training
/// images when installed, else random rows): SGD (Alg. 3–4), MorSGD (eq. 52, for reference), AL-MSGD (Alg. 7–9) at the
/// steps of the sample's Fig. 9 and Fig. 10 runs (α = 2⁻⁸, γ = 2², β = 1, κ = 10⁻⁵) and at Table 2's for (500, 300, 100)
/// ("T2": α = 8, γ = 32, β = 0.1, κ = 10⁻⁵, which diverge on this batch, so its steps include restarts), descent along
/// target propagation (Alg. 10–11, κ = 1, η = 2⁻⁶) and ProxProp (Alg. 12–13, α = γ = κ = 1), each with the paper's
/// two-step inner solver. Per round: the median time of each step and its ratio to SGD; at the end the median ratio
/// over rounds, the batch loss before the last timed step (each side trains on the batch for the same number of steps), the matrix products of one step (counted by <see cref="CountingLayer"/>, in multiples of SGD's), the inner solver's evaluations and the bytes
/// the calling thread allocated per step. The issue's bar: each variant ≤ 3× SGD, 0 B per step.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- variant-rounds [--rounds 5] [--calls 15] [--csv file] [--first-steps 8,12,16] [--forward-ab]
/// </code>
/// TP and ProxProp start each line search at 1/c of the curvature seen in the previous step
/// (<see cref="TargetPassOracle{T}.ScaledFirstTrial"/>, their default). <c>--forward-ab</c> adds MorSGD, AL-MSGD, TP and
/// ProxProp with their forward pass on the whole batch (<c>ChainOracle.ForwardHalves</c> off) beside the same steps with it
/// on the batch's halves, their default since the twelfth round. <c>--first-steps</c> adds them with that off
/// and the two-step solver's fixed first trial 2^−e for each e listed (<c>0</c>: the unit first trial of the
/// solver's <see cref="TwoStepSolver{T}.InitialStep"/>, these variants' earlier default).
/// </summary>
/// <remarks>Each side trains on its fixed batch step after step (<see cref="MlpTrainingStepBenchmarks.Trainee"/>).</remarks>
internal static class VariantRounds
{
    private sealed record Side(string Name, Func<Chain<float>, ChainOptimizer<float>> Create);

    private static readonly Side[] Standard =
    [
        new("SGD", chain => MlpTrainingStepBenchmarks.Sgd(chain, (float)MlpSettings.DefaultSgdStep)),
        new("MorSGD", chain => MlpTrainingStepBenchmarks.MorSgd(chain, (float)MlpSettings.DefaultAlpha, (float)MlpSettings.DefaultGamma)),
        new("AL-MSGD", chain => new AugmentedLagrangianGradientDescent<float>(chain, PenaltySchedule<float>.Constant(1f / 256, 1f, 4f, 1e-5f),
                                                                              new TwoStepSolver<float>(), L2)),
        new("AL-MSGD T2", chain => new AugmentedLagrangianGradientDescent<float>(chain, PenaltySchedule<float>.Constant(8f, 0.1f, 32f, 1e-5f),
                                                                                 new TwoStepSolver<float>(), L2)),
        new("TP", chain => new TargetPassDescent<float>(new TargetPropagation<float>(chain, 1f, new TwoStepSolver<float>()) { ParameterL2 = L2 }, 1f / 64)),
        new("ProxProp", chain => new TargetPassDescent<float>(new ProximalBackpropagation<float>(chain, 1f, 1f, 1f, new TwoStepSolver<float>()) { ParameterL2 = L2 })),
    ];

    private static Side[] Sides = Standard;

    private static float L2 => (float)MlpSettings.PaperL2;

    /// <summary>TP and ProxProp with the two-step solver's fixed first trial 2^−e in every step (other iterates: an experiment).</summary>
    private static IEnumerable<Side> FirstStepSides(int e)
    {
        float s0 = MathF.Pow(2, -e);
        yield return new($"TP s0=2^-{e}", chain => new TargetPassDescent<float>(
            new TargetPropagation<float>(chain, 1f, new TwoStepSolver<float> { InitialStep = s0 }) { ParameterL2 = L2, ScaledFirstTrial = false }, 1f / 64));
        yield return new($"ProxProp s0=2^-{e}", chain => new TargetPassDescent<float>(
            new ProximalBackpropagation<float>(chain, 1f, 1f, 1f, new TwoStepSolver<float> { InitialStep = s0 }) { ParameterL2 = L2, ScaledFirstTrial = false }));
    }

    /// <summary>The side with its forward pass on the whole batch (<c>ChainOracle.ForwardHalves</c> off), as before 2026-12-07's twelfth round.</summary>
    private static Side WholeBatchForward(Side side) => new($"{side.Name} whole-batch forward", chain =>
    {
        ChainOptimizer<float> optimizer = side.Create(chain);
        optimizer.Oracle.ForwardHalves = false;
        return optimizer;
    });

    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 5), calls = Option(args, "--calls", 15);
        if (args.Contains("--forward-ab"))
            Sides = [.. Standard, .. Standard.Skip(1).Where(side => side.Name != "AL-MSGD T2").Select(WholeBatchForward)];
        int csvAt = Array.IndexOf(args, "--csv");
        string csv = csvAt >= 0 && csvAt + 1 < args.Length ? args[csvAt + 1] : "variant-rounds.csv";
        int firstAt = Array.IndexOf(args, "--first-steps");
        if (firstAt >= 0 && firstAt + 1 < args.Length)
            Sides = [.. Standard, .. args[firstAt + 1].Split(',').SelectMany(e => FirstStepSides(int.Parse(e, CultureInfo.InvariantCulture)))];
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        var network = new Network(784, [500, 300, 100], 10);
        var (x, labels) = MlpTrainingStepBenchmarks.Batch256(784, 10);
        Console.WriteLine(FashionMnist.IsInstalled() ? "batch: the first 256 Fashion-MNIST training images" : "batch: 256 random rows (Fashion-MNIST not installed)");
        float[] initial = network.InitialParameters(0);

        // The work of one step, counted on a chain of counting wrappers (untimed), from the same parameters.
        var counter = new ProductCounter(network.Chain.Length);
        var counted = new Chain<float>(Enumerable.Range(0, network.Chain.Length).Select(i => CountingLayer.Wrap(network.Chain[i], counter, i)));
        var work = new (double Products, string PerLayer, double Evaluations, double LayerShare)[Sides.Length];
        for (int s = 0; s < Sides.Length; s++)
        {
            ChainOptimizer<float> optimizer = Sides[s].Create(counted);
            var trainee = new MlpTrainingStepBenchmarks.Trainee(counted, initial, x, labels, optimizer);
            const int steps = 5;
            for (int i = 0; i < steps; i++)
                trainee.Step();
            counter.Reset();
            double evaluations = 0;
            long begin = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                if (float.IsNaN(trainee.Step()))
                    Console.WriteLine($"{Sides[s].Name}: a non-finite value in a counted step (parameters restored)");
                evaluations += Evaluations(optimizer);
            }
            work[s] = (counter.MultiplyAdds / steps, counter.PerLayer(steps), evaluations / steps, counter.InLayers / Stopwatch.GetElapsedTime(begin));
        }

        var trainees = Sides.Select(side => new MlpTrainingStepBenchmarks.Trainee(network.Chain, initial, x, labels, side.Create(network.Chain))).ToArray();
        foreach (var trainee in trainees)
        {
            for (int i = 0; i < 3; i++)
                trainee.Step();
        }

        var raw = new StringBuilder("round," + string.Join(',', Sides.Select(s => s.Name.ToLowerInvariant().Replace('-', '_') + "_ms")) + ",load\n");
        var ratios = Sides.Select(_ => new List<double>()).ToArray();
        var allocated = new long[Sides.Length];
        var lastLoss = new float[Sides.Length];
        for (int round = 1; round <= rounds; round++)
        {
            var times = Sides.Select(_ => new double[calls]).ToArray();
            for (int i = 0; i < calls; i++)
            {
                for (int j = 0; j < Sides.Length; j++)
                {
                    int s = (i + j) % Sides.Length;
                    long bytes = GC.GetAllocatedBytesForCurrentThread();
                    long start = Stopwatch.GetTimestamp();
                    lastLoss[s] = trainees[s].Step();
                    times[s][i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    allocated[s] = Math.Max(allocated[s], GC.GetAllocatedBytesForCurrentThread() - bytes);
                }
            }

            double[] medians = [.. times.Select(Rounds.Median)];
            for (int s = 0; s < Sides.Length; s++)
                ratios[s].Add(medians[s] / medians[0]);
            string load = Rounds.LoadAverage();
            raw.Append(CultureInfo.InvariantCulture, $"{round},{string.Join(',', medians.Select(m => m.ToString("F4", CultureInfo.InvariantCulture)))},{load}\n");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {string.Join("; ", Sides.Select((side, s) => $"{side.Name} {medians[s]:F2} ms ({ratios[s][^1]:F2}×)"))}; load {load}"));
        }

        Console.WriteLine($"\n| step | median ratio to SGD (range over rounds) | products / SGD's | forwards/pullbacks per step, layer 1..4 | solver evaluations per step | bytes per step (calling thread, largest) | time in layer calls (counted steps) | batch loss before step {3 + rounds * calls} |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int s = 0; s < Sides.Length; s++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Sides[s].Name} | **{Rounds.Median(ratios[s]):F2}** ({ratios[s].Min():F2}–{ratios[s].Max():F2}) | {work[s].Products / work[0].Products:F2} "
                + $"| {work[s].PerLayer} | {work[s].Evaluations:F1} | {allocated[s]} | {work[s].LayerShare:P0} | {lastLoss[s]:G5} |"));
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        File.WriteAllText(csv, raw.ToString());
        Console.WriteLine($"raw rounds: {csv}");
        return 0;
    }

    private static double Evaluations(ChainOptimizer<float> optimizer) => optimizer.Oracle switch
    {
        MoreauBackpropagation<float> moreau => moreau.LastStatistics.Evaluations,
        TargetPassOracle<float> pass => pass.LastStatistics.Evaluations,
        _ => 0,
    };

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
