using System.Globalization;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// Where the MLP sample's SGD step goes beyond its products: the step, its products each timed alone (as in
/// <see cref="StepRounds"/>: every side on a call right after an untimed call of itself, <see cref="Rounds.WarmSum"/>), the same products with the work the generated layers fuse into them (bias, ReLU and tape
/// copy in the forward epilogues; the ReLU mask in the backward packing; the bias gradient from the packed dz), and each
/// pass the step still makes over its activations and parameters, measured alone at the step's sizes, interleaved call
/// by call. What is left of the step after the fused products and the passes is call and check overhead. The passes that
/// these replaced (a separate copy of x₀, then its copy and check in one pass, where the first layer now reads x₀ in place;
/// one check of all states at the end; the parameter sweep and then the update over all parameters) are timed beside them,
/// marked "was:", and not counted.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- step-profile [--rounds 3]
/// </code>
/// </summary>
internal static class StepProfile
{
    private const int Batch = 256;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        foreach (string shape in new[] { "784-500-300-100-10", "784-4000-1000-4000-10" })
        {
            int[] sizes = [.. shape.Split('-').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            var network = new Network(sizes[0], sizes[1..^1], sizes[^1]);
            var random = new Random(3);
            float[] x = [.. Enumerable.Range(0, Batch * sizes[0]).Select(_ => random.NextSingle() - 0.5f)];
            var objective = ClassificationObjective.Create(LossKind.Squared, sizes[^1], Batch);
            objective.SetLabels([.. Enumerable.Range(0, Batch).Select(_ => random.Next(sizes[^1]))]);
            float[] w = network.InitialParameters(0);
            var sgd = new GradientDescent<float>(network.Chain, 1e-3f, (float)MlpSettings.PaperL2);
            List<StepRounds.Product> products = StepRounds.SgdProducts(sizes);
            (string Name, Action Run)[] passes = Passes(sizes, x, w), replaced = ReplacedPasses(sizes, x, w);
            List<Action> plain = StepRounds.Parts(products), fused = FusedProducts(sizes, w);
            // Every side is timed on a call right after an untimed call of itself, the products each alone (Rounds.WarmSum);
            // the last row times the products in one sequence after whatever side ran before, as this profile did first.
            (string Name, Func<double> Time)[] sides =
            [
                ("SGD step", Warm(() => sgd.Step(w, x, objective))), ("its products, each alone", () => Rounds.WarmSum(plain)),
                ("fused products, each alone", () => Rounds.WarmSum(fused)),
                .. passes.Select(p => (p.Name, Warm(p.Run))), .. replaced.Select(p => (p.Name, Warm(p.Run))),
                ("was: its products in sequence, after another side", Rounds.Timed(() => StepRounds.RunAll(products))),
            ];
            bool small = shape.StartsWith("784-500", StringComparison.Ordinal);
            int calls = small ? 21 : 5;
            Rounds.WarmUp(small ? 2 : 4, [() => sgd.Step(w, x, objective), .. plain, .. fused,
                                          .. passes.Select(p => p.Run), .. replaced.Select(p => p.Run)]);
            for (int round = 1; round <= rounds; round++)
            {
                double[] medians = Rounds.InterleavedMedians([.. sides.Select(s => s.Time)], calls);
                double passTotal = medians[3..(3 + passes.Length)].Sum();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {shape} (load {Rounds.LoadAverage()}):"));
                for (int s = 0; s < 3 + passes.Length; s++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {sides[s].Name,-44} {medians[s],8:F3} ms  {medians[s] / medians[1],6:F3} of the products"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {"rest (step − fused products − passes)",-44} {medians[0] - medians[2] - passTotal,8:F3} ms  {(medians[0] - medians[2] - passTotal) / medians[1],6:F3} of the products"));
                for (int s = 3 + passes.Length; s < sides.Length; s++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {sides[s].Name,-44} {medians[s],8:F3} ms  {medians[s] / medians[1],6:F3} of the products"));
            }
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static Func<double> Warm(Action run) => () => Rounds.WarmSum([run]);

    /// <summary>The step's products as the generated layers call them, one call each: with their fused epilogues and masked operands.</summary>
    private static List<Action> FusedProducts(int[] sizes, float[] w)
    {
        var calls = new List<Action>();
        int offset = 0;
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            int n = sizes[l], o = sizes[l + 1];
            bool dense = l + 2 < sizes.Length;
            int at = offset;
            offset += n * o + o;
            float[] x = Fill(Batch * n, l), y = new float[Batch * o], tape = new float[Batch * o], lambda = Fill(Batch * o, l + 7);
            float[] gradW = new float[n * o + o], gradX = new float[Batch * n];
            if (dense)
            {
                calls.Add(() => Ops.MatMulBiasReluAndCopy<float>(x, w.AsSpan(at, n * o), w.AsSpan(at + n * o, o), y, tape, Batch, n, o));
                calls.Add(() => Ops.MatMulSumRowsReluMask<float>(x, lambda, tape, gradW.AsSpan(0, n * o), gradW.AsSpan(n * o), n, Batch, o, transposeA: true));
                if (at > 0)
                    calls.Add(() => Ops.MatMulReluMask<float>(lambda, tape, w.AsSpan(at, n * o), gradX, Batch, o, n, transposeA: false, transposeB: true));
            }
            else
            {
                calls.Add(() => Ops.MatMulBias<float>(x, w.AsSpan(at, n * o), w.AsSpan(at + n * o, o), y, Batch, n, o));
                calls.Add(() => Ops.MatMulSumRows<float>(x, lambda, gradW.AsSpan(0, n * o), gradW.AsSpan(n * o), n, Batch, o, transposeA: true));
                calls.Add(() => Ops.MatMul<float>(lambda, w.AsSpan(at, n * o), gradX, Batch, o, n, transposeA: false, transposeB: true));
            }
        }
        return calls;
    }

    /// <summary>The passes a step makes besides its products, each alone at the step's sizes.</summary>
    private static (string, Action)[] Passes(int[] sizes, float[] x0, float[] w)
    {
        int[] stateLengths = [.. sizes.Select(n => Batch * n)], multiplierLengths = stateLengths[1..^1];
        float[] stateBuffer = new float[stateLengths.Sum()], states = Fill(stateBuffer.Length, 4), multiplierBuffer = Fill(multiplierLengths.Sum(), 1);
        float[] scratch = Fill(w.Length, 2), target = (float[])w.Clone();
        int[] layerSizes = [.. Enumerable.Range(0, sizes.Length - 1).Select(l => sizes[l] * sizes[l + 1] + sizes[l + 1])];
        float[] output = Fill(Batch * sizes[^1], 3), outputGradient = new float[Batch * sizes[^1]];
        var objective = ClassificationObjective.Create(LossKind.Squared, sizes[^1], Batch);
        objective.SetLabels([.. Enumerable.Range(0, Batch).Select(i => i % sizes[^1])]);
        return
        [
            ("pass: check x0 (read where it is)", () => NonFinite.AllFinite<float>(x0)),
            ("pass: each state finite, after its layer", () => EachFinite(states, stateLengths[1..])),
            ("pass: loss value and gradient", () => objective.ValueAndGradient(output, outputGradient)),
            ("pass: each multiplier finite", () => EachFinite(multiplierBuffer, multiplierLengths)),
            ("pass: per layer w ← w − η(∇ + μw), old w kept", () =>
            {
                // The sweep leaves the old w where the gradient was; the next call reads it as its gradient (finite values
                // either way: the traffic is the step's).
                for (int l = 0, at = 0; l < layerSizes.Length; at += layerSizes[l], l++)
                    FusedDescent.Run<float>(target.AsSpan(at, layerSizes[l]), 1e-4f, scratch.AsSpan(at, layerSizes[l]), addL2: true, -1e-12f);
            }),
        ];
    }

    /// <summary>
    /// The passes the ones above replaced, timed beside them (not part of the step any more): the copy of x₀ and the
    /// check of all states at the end, and the separate parameter sweep and update.
    /// </summary>
    private static (string, Action)[] ReplacedPasses(int[] sizes, float[] x0, float[] w)
    {
        int states = Batch * sizes.Sum();
        float[] stateBuffer = new float[states], direction = Fill(w.Length, 2), target = (float[])w.Clone();
        return
        [
            ("was: copy x0 into the workspace", () => x0.AsSpan().CopyTo(stateBuffer)),
            ("was: copy x0 and check it (one pass)", () => NonFinite.CopyAllFinite<float>(x0, stateBuffer)),
            ("was: states finite (one pass over all)", () => NonFinite.AllFinite<float>(stateBuffer)),
            ("was: d = ∇ + μw and bounds (all at once)", () => ParameterUpdate.AddL2<float>(w, 1e-4f, direction, addL2: true)),
            ("was: w ← w − η·d", () => ParameterUpdate.Descend<float>(direction, -1e-12f, target)),
        ];
    }

    private static bool EachFinite(float[] buffer, int[] lengths)
    {
        bool finite = true;
        for (int i = 0, at = 0; i < lengths.Length; at += lengths[i], i++)
            finite &= NonFinite.AllFinite<float>(buffer.AsSpan(at, lengths[i]));
        return finite;
    }

    private static float[] Fill(int length, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => random.NextSingle() - 0.5f)];
    }
}
