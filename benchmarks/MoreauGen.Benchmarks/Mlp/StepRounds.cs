using System.Diagnostics;
using System.Globalization;
using System.Text;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The MLP sample's training step against the matrix products it contains, interleaved call by call in one process:
/// per network, one SGD step, one MorSGD step, the SGD step's products alone and the MorSGD step's products alone
/// (same shapes, transposes and buffers sizes, through <see cref="Ops"/>), round after round. Each product is timed alone
/// and the step on its own repeat (<see cref="Rounds.WarmSum"/>), as <see cref="StepProfile"/> times them, so both report the
/// same "step / the sum of its products' times measured alone". Reports per round
/// step / its products and MorSGD / SGD, and the median over rounds; writes the raw rounds to a CSV file.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- step-rounds [--rounds 5] [--csv file] [--network 784-500-300-100-10]
/// </code>
/// </summary>
/// <remarks>
/// Products of a step at batch B with layers n₀→n₁→…→n_L (all but the last dense with ReLU, the last affine):
/// SGD: forward x·W per layer, then dW = xᵀ·dz per layer and dx = dz·Wᵀ for every layer but the first.
/// MorSGD (eq. 52): the same, plus for each dense layer one Φw evaluation (x·W′ and xᵀ·dz′) and for each dense
/// layer but the first one Φx evaluation (x′·W and dz′·Wᵀ) per inner-solver evaluation; the affine output layer's
/// subproblems have closed forms. The product set assumes one evaluation per solve, which the run checks against
/// the oracle's statistics (evaluations per step = dense layers + dense layers after the first).
/// The oracle solves Φw of a dense layer in the Gram form where that pays (<see cref="DenseGramSolve{T}.Pays"/>): its two
/// products are then x·xᵀ (B×n×B) and G·dz₀ (B×B×n), and the pullback's xᵀ·dz becomes xᵀ·E (same size). Φx of a dense
/// layer is solved on its pre-activations (<see cref="DenseInputSolve{T}"/>): one product P = g₀·W in place of x′·W and
/// dz′·Wᵀ (δ·Wᵀ over the few mask flips is not a product). "Its products as run" is that set, so the step's time beyond
/// the products it actually makes is MorSGD / that.
/// </remarks>
internal static class StepRounds
{
    private const int Batch = MlpBatch.Size;

    internal sealed record Product(int M, int K, int N, bool TransposeA, bool TransposeB, float[] A, float[] B, float[] C);

    public static int Run(string[] args)
    {
        (int rounds, string csv) = Rounds.Options(args, "step-rounds.csv");
        var raw = new StringBuilder("round,network,sgd_ms,sgd_products_ms,morsgd_ms,morsgd_products_ms,evaluations_per_step,morsgd_products_as_run_ms\n");
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        var summary = new List<string>();
        foreach (string shape in MlpBatch.ShapesOf(args))
        {
            var batch = MlpBatch.Create(shape);
            (int[] sizes, Network network, float[] x, ClassificationObjective objective) = batch;
            float[] wSgd = network.InitialParameters(0), wMor = network.InitialParameters(0);
            var sgd = new GradientDescent<float>(network.Chain, 1e-3f, (float)MlpSettings.PaperL2);
            var mor = new MoreauGradientDescent<float>(network.Chain, MoreauSchedule<float>.Constant(1e-3f, 1f),
                                                       new TwoStepSolver<float>(), (float)MlpSettings.PaperL2);
            List<Product> sgdProducts = SgdProducts(sizes), morProducts = [.. sgdProducts, .. MoreauExtraProducts(sizes)];
            List<Product> runProducts = [.. sgdProducts, .. MoreauExtraProducts(sizes, gramWherePays: true)];
            int expectedEvaluations = 2 * (sizes.Length - 2) - 1;

            // Each side is timed on a call right after an untimed call of itself, and the products each alone
            // (Rounds.WarmSum): the step finds its parameters and workspace as a training loop leaves them, and each product
            // its operands as a loop of that product alone does, whichever side ran before.
            IReadOnlyList<Action>[] sides =
            [
                [() => sgd.Step(wSgd, x, objective)],
                Parts(sgdProducts),
                [() => mor.Step(wMor, x, objective)],
                Parts(morProducts),
                Parts(runProducts),
            ];
            bool small = batch.Small;
            batch.WarmUp(sides.SelectMany(parts => parts));

            var stepRatios = new List<double>();
            var morRatios = new List<double>();
            var morProductRatios = new List<double>();
            var runProductRatios = new List<double>();
            int calls = small ? 21 : 5;
            for (int round = 1; round <= rounds; round++)
            {
                double evaluations = 0;
                double[][] times = Rounds.InterleavedTimes([.. sides.Select((parts, s) => (Func<double>)(() =>
                {
                    double time = Rounds.WarmSum(parts);
                    if (s == 2)
                        evaluations += mor.Oracle.LastStatistics.Evaluations;
                    return time;
                }))], calls);
                double[] medians = [.. times.Select(Rounds.Median)];
                stepRatios.Add(medians[0] / medians[1]);
                morRatios.Add(medians[2] / medians[0]);
                morProductRatios.Add(medians[2] / medians[3]);
                runProductRatios.Add(medians[2] / medians[4]);
                raw.Append(CultureInfo.InvariantCulture,
                    $"{round},{shape},{medians[0]:F4},{medians[1]:F4},{medians[2]:F4},{medians[3]:F4},{evaluations / calls:F2},{medians[4]:F4}\n");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round} {shape}: SGD {medians[0]:F2} ms, its {sgdProducts.Count} products {medians[1]:F2} ms ({stepRatios[^1]:F2}); "
                    + $"MorSGD {medians[2]:F2} ms ({morRatios[^1]:F2}× SGD), its {morProducts.Count} products {medians[3]:F2} ms ({morProductRatios[^1]:F2}), as run (Gram form) {medians[4]:F2} ms ({runProductRatios[^1]:F2}); "
                    + $"evaluations/step {evaluations / calls:F1} (product set assumes {expectedEvaluations}); load {Rounds.LoadAverage()}"));
            }
            summary.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {shape} | **{Rounds.Median(stepRatios):F2}** ({stepRatios.Min():F2}–{stepRatios.Max():F2}) | {Rounds.Median(morProductRatios):F2} ({morProductRatios.Min():F2}–{morProductRatios.Max():F2}) "
                + $"| {Rounds.Median(runProductRatios):F2} ({runProductRatios.Min():F2}–{runProductRatios.Max():F2}) "
                + $"| **{Rounds.Median(morRatios):F2}** ({morRatios.Min():F2}–{morRatios.Max():F2}) | {Flops(morProducts) / Flops(sgdProducts):F2} ({Flops(runProducts) / Flops(sgdProducts):F2}) |"));
        }

        Console.WriteLine("\n| network | SGD step / its products | MorSGD step / its products | MorSGD step / its products as run | MorSGD / SGD | MorSGD / SGD in product flops (as run) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        summary.ForEach(Console.WriteLine);
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        File.WriteAllText(csv, raw.ToString());
        Console.WriteLine($"raw rounds: {csv}");
        return 0;
    }

    internal static List<Product> SgdProducts(int[] sizes, int batch = Batch)
    {
        var products = new List<Product>();
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            int n = sizes[l], o = sizes[l + 1];
            products.Add(Make(batch, n, o, false, false));      // forward: x·W
            products.Add(Make(n, batch, o, true, false));       // dW = xᵀ·dz
            if (l > 0)
                products.Add(Make(batch, o, n, false, true));   // dx = dz·Wᵀ
        }
        return products;
    }

    private static List<Product> MoreauExtraProducts(int[] sizes, bool gramWherePays = false)
    {
        var products = new List<Product>();
        for (int l = 0; l + 2 < sizes.Length; l++) // the dense layers
        {
            int n = sizes[l], o = sizes[l + 1];
            if (gramWherePays && DenseGramSolve<float>.Pays(Batch, n, o))
            {
                products.Add(Make(Batch, n, Batch, false, true));   // Φw in the Gram form: G = x·xᵀ
                products.Add(Make(Batch, Batch, o, false, false));  // Φw in the Gram form: G·dz₀
            }
            else
            {
                products.Add(Make(Batch, n, o, false, false));      // Φw: x·W′
                products.Add(Make(n, Batch, o, true, false));       // Φw: xᵀ·dz′
            }
            if (l > 0 && gramWherePays)
            {
                products.Add(Make(Batch, n, o, false, false));  // Φx on the pre-activations (DenseInputSolve): P = g₀·W
            }
            else if (l > 0)
            {
                products.Add(Make(Batch, n, o, false, false));  // Φx: x′·W
                products.Add(Make(Batch, o, n, false, true));   // Φx: dz′·Wᵀ
            }
        }
        return products;
    }

    private static Product Make(int m, int k, int n, bool transA, bool transB)
    {
        var random = new Random(m * 31 + k * 7 + n);
        float[] Fill(int length) => [.. Enumerable.Range(0, length).Select(_ => random.NextSingle() - 0.5f)];
        return new Product(m, k, n, transA, transB, Fill(m * k), Fill(k * n), new float[m * n]);
    }

    /// <summary>One call per product, for <see cref="Rounds.WarmSum"/> (each product timed alone).</summary>
    internal static List<Action> Parts(List<Product> products) =>
        [.. products.Select(p => (Action)(() => Ops.MatMul<float>(p.A, p.B, p.C, p.M, p.K, p.N, p.TransposeA, p.TransposeB)))];

    /// <summary>The products one after the other, untimed between them (how this benchmark timed "its products" before 2026-12-06).</summary>
    internal static void RunAll(List<Product> products)
    {
        foreach (Product p in products)
            Ops.MatMul<float>(p.A, p.B, p.C, p.M, p.K, p.N, p.TransposeA, p.TransposeB);
    }

    private static double Flops(List<Product> products) => products.Sum(p => 2.0 * p.M * p.K * p.N);
}
