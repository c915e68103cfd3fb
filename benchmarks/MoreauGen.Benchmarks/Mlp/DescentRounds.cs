using System.Globalization;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The weight-gradient half of the MLP's SGD step, per layer, three ways interleaved call by call: the plain product
/// ∇W = xᵀ·dz; the generated pullback's product (dz masked as it is packed, db summed from it) followed by the fused
/// update sweep w ← w − η(∇ + μw) with the old w kept (<see cref="FusedDescent"/>); and the same product with the update
/// in its final write (<see cref="DenseDescent{T}"/>, as the step now runs it). Reports the medians and the saving.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- step-descent [--rounds 3]
/// </code>
/// </summary>
internal static class DescentRounds
{
    private const int Batch = 256;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        foreach (string shape in new[] { "784-500-300-100-10", "784-4000-1000-4000-10" })
        {
            int[] sizes = [.. shape.Split('-').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            var plain = new List<Action>();
            var separate = new List<Action>();
            var fused = new List<Action>();
            for (int l = 0; l + 1 < sizes.Length; l++)
                Layer(sizes[l], sizes[l + 1], relu: l + 2 < sizes.Length, plain, separate, fused);
            Action[] sides = [() => plain.ForEach(a => a()), () => separate.ForEach(a => a()), () => fused.ForEach(a => a())];
            bool small = shape.StartsWith("784-500", StringComparison.Ordinal);
            Rounds.WarmUp(small ? 1 : 3, sides);
            for (int round = 1; round <= rounds; round++)
            {
                double[] m = Rounds.InterleavedMedians(sides, small ? 41 : 9);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round} {shape} (load {Rounds.LoadAverage()}): plain ∇W products {m[0]:F3} ms; masked products + update sweep {m[1]:F3} ms ({m[1] / m[0]:F3}); update in the product {m[2]:F3} ms ({m[2] / m[0]:F3}); saved {m[1] - m[2]:F3} ms"));
            }
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static void Layer(int n, int o, bool relu, List<Action> plain, List<Action> separate, List<Action> fused)
    {
        var random = new Random(n * 31 + o);
        float[] Fill(int length, float scale) => [.. Enumerable.Range(0, length).Select(_ => (random.NextSingle() - 0.5f) * scale)];
        float[] x = Fill(Batch * n, 1f), lambda = Fill(Batch * o, 1f), z = Fill(Batch * o, 1f);
        float[] w = Fill(n * o + o, 0.1f), w2 = (float[])w.Clone(), gradient = new float[n * o + o], scratch = new float[n * o + o];
        var structure = new DenseStructure(n, o, 0, n * o, relu ? DenseActivation.Relu : DenseActivation.Identity, relu ? 0 : -1);
        var descent = new DenseDescent<float>();
        const float mu = 1e-4f, minusStep = -1e-12f; // finite values either way: the traffic is the step's
        plain.Add(() => Ops.MatMul<float>(x, lambda, gradient.AsSpan(0, n * o), n, Batch, o, transposeA: true));
        separate.Add(() =>
        {
            if (relu)
                Ops.MatMulSumRowsReluMask<float>(x, lambda, z, gradient.AsSpan(0, n * o), gradient.AsSpan(n * o), n, Batch, o, transposeA: true);
            else
                Ops.MatMulSumRows<float>(x, lambda, gradient.AsSpan(0, n * o), gradient.AsSpan(n * o), n, Batch, o, transposeA: true);
            FusedDescent.Run<float>(w, mu, gradient, addL2: true, minusStep);
        });
        fused.Add(() =>
        {
            if (!descent.TryStep(structure, w2, x, z, lambda, scratch, Span<float>.Empty, mu, addL2: true, minusStep, out _))
                throw new InvalidOperationException("The fused update met a non-finite value.");
        });
    }
}
