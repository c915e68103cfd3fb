using System.Globalization;
using System.Text;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The MLP sample's SGD step with its backward pass as two streams (<see cref="BackwardStreams{T}"/>: the multiplier
/// chain on one thread, the parameter gradients and updates on the other) against the same step pulling back layer by
/// layer, interleaved call by call in one process, each side timed on a call right after an untimed call of itself
/// (<see cref="Rounds.WarmSum"/>), with the sum of the step's products each alone beside them. Reports per round the two
/// steps, their ratio, each against the products, and how many of the two-stream steps ran their streams on two threads.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- step-streams [--rounds 5] [--csv file] [--network 784-500-300-100-10]
/// </code>
/// With <c>step-halves</c> the same for the step on the batch's two halves side by side (<see cref="BatchHalves{T}"/>)
/// against the step on the whole batch (two streams where they pay, as without the halves); with <c>step-rows</c> the
/// step on the halves with the first layer by rows of its weights (<see cref="BatchHalves{T}.FirstLayerByRows"/>) against
/// the step on the halves with all of the first layer's weights multiplied by each half's samples.
/// </summary>
internal static class StreamsRounds
{
    public static int Run(string[] args) => Run(args, halves: false);

    public static int Run(string[] args, bool halves, bool rows = false)
    {
        (string a, string b) = rows ? ("first layer by rows", "halves") : halves ? ("halves", "whole batch") : ("two streams", "layer by layer");
        (int rounds, string csv) = Rounds.Options(args, rows ? "step-rows.csv" : halves ? "step-halves.csv" : "step-streams.csv");
        var raw = new StringBuilder(rows ? "round,network,rows_ms,halves_ms,products_ms,side_by_side\n"
                                    : halves ? "round,network,halves_ms,whole_batch_ms,products_ms,side_by_side\n"
                                    : "round,network,two_streams_ms,layer_by_layer_ms,products_ms,side_by_side\n");
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        foreach (string shape in MlpBatch.ShapesOf(args))
        {
            var batch = MlpBatch.Create(shape);
            (int[] sizes, Network network, float[] x, ClassificationObjective objective) = batch;
            float[] wSplit = network.InitialParameters(0), wPlain = network.InitialParameters(0);
            var split = new GradientDescent<float>(network.Chain, 1e-3f, (float)MlpSettings.PaperL2);
            var plain = new GradientDescent<float>(network.Chain, 1e-3f, (float)MlpSettings.PaperL2);
            var splitOracle = (Backpropagation<float>)split.Oracle;
            if (halves)
            {
                splitOracle.Halves = true;
                splitOracle.FirstLayerByRows = true;
                ((Backpropagation<float>)plain.Oracle).Halves = rows;
                ((Backpropagation<float>)plain.Oracle).FirstLayerByRows = false;
            }
            else
            {
                splitOracle.TwoStreams = true;
                ((Backpropagation<float>)plain.Oracle).TwoStreams = false;
            }
            List<StepRounds.Product> products = StepRounds.SgdProducts(sizes);
            int sideBySide = 0, splitCalls = 0;
            IReadOnlyList<Action>[] sides =
            [
                [() => { split.Step(wSplit, x, objective); splitCalls++; sideBySide += (halves ? splitOracle.LastHalves.SideBySide : splitOracle.LastSideBySide) ? 1 : 0; }],
                [() => plain.Step(wPlain, x, objective)],
                StepRounds.Parts(products),
            ];
            bool small = batch.Small;
            batch.WarmUp(sides.SelectMany(parts => parts));

            var ratios = new List<double>();
            int calls = small ? 21 : 5;
            for (int round = 1; round <= rounds; round++)
            {
                sideBySide = splitCalls = 0;
                double[] m = [.. Rounds.InterleavedTimes([.. sides.Select(parts => (Func<double>)(() => Rounds.WarmSum(parts)))], calls).Select(Rounds.Median)];
                ratios.Add(m[0] / m[1]);
                raw.Append(CultureInfo.InvariantCulture, $"{round},{shape},{m[0]:F4},{m[1]:F4},{m[2]:F4},{(double)sideBySide / splitCalls:F2}\n");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round} {shape}: {a} {m[0]:F3} ms ({m[0] / m[2]:F3} of the products), {b} {m[1]:F3} ms ({m[1] / m[2]:F3}), "
                    + $"ratio {m[0] / m[1]:F3}; products {m[2]:F3} ms; {a} on two threads in {sideBySide} of {splitCalls} steps; load {Rounds.LoadAverage()}"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{shape}: {a} / {b} median {Rounds.Median(ratios):F3} ({ratios.Min():F3}–{ratios.Max():F3})"));
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        File.WriteAllText(csv, raw.ToString());
        Console.WriteLine($"raw rounds: {csv}");
        return 0;
    }
}
