using System.Globalization;
using System.Text;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The MorSGD step as it is (its Gram-form Φw solves beside the chain of multipliers, <see cref="MoreauPairJob{T}"/>, where
/// that is taken) against the same step one layer after the other (<see cref="MoreauBackpropagation{T}.PairedGramForm"/> off)
/// and against the step as it was before both changes (one layer after the other, and the Gram form's κβ·w in a pass of its
/// own: <see cref="MoreauBackpropagation{T}.SeparateGramWeightPass"/>), in one process, step by step in turn, on both MLPs at
/// batch 256; after every round the three sides' parameters must be the same bits.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- morsgd-pair-rounds [--rounds 5] [--csv file] [--network 784-500-300-100-10]
/// </code>
/// </summary>
internal static class MorPairRounds
{
    public static int Run(string[] args)
    {
        (int rounds, string csv) = Rounds.Options(args, "morsgd-pair-rounds.csv");
        var raw = new StringBuilder("round,network,before_ms,sequential_ms,paired_ms\n");
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        var summary = new List<string>();
        foreach (string shape in MlpBatch.ShapesOf(args))
        {
            var batch = MlpBatch.Create(shape);
            (int[] sizes, Network network, float[] x, ClassificationObjective objective) = batch;
            float[] wBefore = network.InitialParameters(0), wSequential = network.InitialParameters(0), wPaired = network.InitialParameters(0);
            MoreauGradientDescent<float> Optimizer(bool paired, bool separate)
            {
                var optimizer = new MoreauGradientDescent<float>(network.Chain, MoreauSchedule<float>.Constant(1e-3f, 1f), new TwoStepSolver<float>(),
                                                                 (float)MlpSettings.PaperL2);
                optimizer.Oracle.PairedGramForm = paired;
                optimizer.Oracle.SeparateGramWeightPass = separate;
                return optimizer;
            }

            MoreauGradientDescent<float> before = Optimizer(false, true), sequential = Optimizer(false, false), paired = Optimizer(true, false);
            Action[] sides = [() => before.Step(wBefore, x, objective), () => sequential.Step(wSequential, x, objective), () => paired.Step(wPaired, x, objective)];
            bool small = batch.Small;
            batch.WarmUp(sides);
            Check(wBefore, wSequential, shape, 0);
            Check(wBefore, wPaired, shape, 0);

            var ratios = new List<double>();
            var beforeTimes = new List<double>();
            var sequentialTimes = new List<double>();
            var pairedTimes = new List<double>();
            int calls = small ? 41 : 7;
            for (int round = 1; round <= rounds; round++)
            {
                double[] medians = Rounds.InterleavedMedians(sides, calls);
                Check(wBefore, wSequential, shape, round);
                Check(wBefore, wPaired, shape, round);
                beforeTimes.Add(medians[0]);
                sequentialTimes.Add(medians[1]);
                pairedTimes.Add(medians[2]);
                ratios.Add(medians[2] / medians[0]);
                raw.Append(CultureInfo.InvariantCulture, $"{round},{shape},{medians[0]:F4},{medians[1]:F4},{medians[2]:F4}\n");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round} {shape}: MorSGD as before {medians[0]:F3} ms, one after the other with the fused sweep {medians[1]:F3} ms ({medians[1] / medians[0]:F3}), "
                    + $"as it is {medians[2]:F3} ms ({ratios[^1]:F3}); same bits; load {Rounds.LoadAverage()}"));
            }

            summary.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {shape} | {Rounds.Median(beforeTimes):F3} | {Rounds.Median(sequentialTimes):F3} | {Rounds.Median(pairedTimes):F3} | **{Rounds.Median(ratios):F3}** ({ratios.Min():F3}–{ratios.Max():F3}) |"));
        }

        Console.WriteLine("\n| network | MorSGD step as before, ms | one after the other with the fused sweep, ms | as it is, ms | as it is / as before |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        summary.ForEach(Console.WriteLine);
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        File.WriteAllText(csv, raw.ToString());
        Console.WriteLine($"raw rounds: {csv}");
        return 0;
    }

    private static void Check(float[] sequential, float[] paired, string shape, int round)
    {
        for (int i = 0; i < sequential.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(sequential[i]) != BitConverter.SingleToInt32Bits(paired[i]))
                throw new InvalidOperationException($"{shape}, round {round}: parameter {i} differs ({sequential[i]} against {paired[i]}).");
        }
    }
}
