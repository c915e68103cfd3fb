using System.Globalization;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The MLP sample's SGD step with its dense layers' reverse pass taken by the oracle (<see cref="DenseBackward"/>: dz
/// written and λ checked by the product that writes λ) against the same step through the layers' own pullbacks (the
/// layers wrapped so that they declare no dense structure), and the step's plain products, interleaved call by call in
/// one process, so that the comparison holds on a loaded machine. Both steps give the same iterates.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- step-dense [--rounds 5]
/// </code>
/// </summary>
internal static class DenseStepRounds
{
    private const int Batch = 256;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        foreach (string shape in new[] { "784-500-300-100-10", "784-4000-1000-4000-10" })
        {
            int[] sizes = [.. shape.Split('-').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            var network = new Network(sizes[0], sizes[1..^1], sizes[^1]);
            var pullbacks = new Chain<float>(Enumerable.Range(0, network.Chain.Length).Select(i => (IMoreauLayer<float>)new Undeclared(network.Chain[i])));
            var random = new Random(3);
            float scale = 2f / MathF.Sqrt(sizes[0]);
            float[] x = [.. Enumerable.Range(0, Batch * sizes[0]).Select(_ => (random.NextSingle() - 0.5f) * scale)];
            var objective = ClassificationObjective.Create(LossKind.Squared, sizes[^1], Batch);
            objective.SetLabels([.. Enumerable.Range(0, Batch).Select(_ => random.Next(sizes[^1]))]);
            float[] wDense = network.InitialParameters(0), wPullbacks = network.InitialParameters(0);
            var dense = new GradientDescent<float>(network.Chain, 1e-3f, (float)MlpSettings.PaperL2);
            var throughPullbacks = new GradientDescent<float>(pullbacks, 1e-3f, (float)MlpSettings.PaperL2);
            List<StepRounds.Product> products = StepRounds.SgdProducts(sizes);
            Action[] sides = [() => dense.Step(wDense, x, objective), () => throughPullbacks.Step(wPullbacks, x, objective), () => StepRounds.RunAll(products)];
            bool small = shape.StartsWith("784-500", StringComparison.Ordinal);
            Rounds.WarmUp(small ? 1 : 3, sides);
            var ratios = new List<double>();
            for (int round = 1; round <= rounds; round++)
            {
                double[] m = Rounds.InterleavedMedians(sides, small ? 21 : 5);
                ratios.Add(m[0] / m[1]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round} {shape} (load {Rounds.LoadAverage()}): step {m[0]:F3} ms ({m[0] / m[2]:F3} of its products), through the pullbacks {m[1]:F3} ms ({m[1] / m[2]:F3}), products {m[2]:F3} ms; step / through the pullbacks {m[0] / m[1]:F3}"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shape}: step / through the pullbacks, median of rounds {Rounds.Median(ratios):F3}"));
            if (!wDense.AsSpan().SequenceEqual(wPullbacks))
                throw new InvalidOperationException("The two steps' iterates differ.");
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    /// <summary>A layer that declares no dense structure, so the oracle calls its pullback.</summary>
    private sealed class Undeclared(IMoreauLayer<float> inner) : IMoreauLayer<float>
    {
        public int ParameterCount => inner.ParameterCount;
        public int InputCount => inner.InputCount;
        public int OutputCount => inner.OutputCount;
        public int TapeLength(int batch) => inner.TapeLength(batch);
        public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y) => inner.Forward(w, x, y);
        public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, Span<float> tape) => inner.Forward(w, x, y, tape);

        public void Pullback(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> tape, ReadOnlySpan<float> lambda, Span<float> gradW, Span<float> gradX) =>
            inner.Pullback(w, x, tape, lambda, gradW, gradX);

        public float SubproblemW(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, ReadOnlySpan<float> v, Span<float> grad) =>
            inner.SubproblemW(w, x, lambda, v, grad);

        public float SubproblemX(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, ReadOnlySpan<float> u, Span<float> grad) =>
            inner.SubproblemX(w, x, lambda, u, grad);
    }
}
