using System.Globalization;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// What each fused product of the MLP's SGD step costs over the plain product it replaces, summed over the layers of a
/// network and interleaved call by call: the taped forward x·W with bias, ReLU and the pre-activation copy in its
/// epilogue; the weight gradient xᵀ·dz with the bias gradient summed while dz is packed, and with the ReLU mask applied
/// while λ is packed as well; the input gradient dz·Wᵀ with the mask applied while λ is packed; and, for comparison, the
/// ReLU's reverse pass written out once (dz = λ ⊙ 1[z &gt; 0]), which the masked packing replaced; and the forward with bias
/// and ReLU but no copy of z (what the untaped forward runs), which bounds what not recording z would save.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- step-fusion [--rounds 3]
/// </code>
/// </summary>
internal static class FusionProfile
{
    private const int Batch = 256;

    private static readonly string[] Names =
    [
        "forward x·W, plain",
        "forward + bias, ReLU, z copy",
        "∇W = xᵀ·dz, plain",
        "∇W + db from the packed dz",
        "∇W + db, λ masked in packing",
        "dx = dz·Wᵀ, plain (no first layer)",
        "dx, λ masked in packing",
        "dz = λ ⊙ 1[z > 0] written once",
        "forward + bias, ReLU, no z copy",
    ];

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        foreach (string shape in new[] { "784-500-300-100-10", "784-4000-1000-4000-10" })
        {
            int[] sizes = [.. shape.Split('-').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            var sides = Names.Select(_ => new List<Action>()).ToArray();
            for (int l = 0; l + 2 < sizes.Length; l++) // the dense ReLU layers; the affine output layer has no mask
                Layer(sizes[l], sizes[l + 1], first: l == 0, sides);
            Action[] runs = [.. sides.Select(list => (Action)(() => list.ForEach(a => a())))];
            bool small = shape.StartsWith("784-500", StringComparison.Ordinal);
            Rounds.WarmUp(small ? 1 : 3, runs);
            for (int round = 1; round <= rounds; round++)
            {
                double[] m = Rounds.InterleavedMedians(runs, small ? 41 : 9);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {shape}, dense layers (load {Rounds.LoadAverage()}):"));
                for (int s = 0; s < Names.Length; s++)
                {
                    double plain = s switch { 1 or 8 => m[0], 3 or 4 => m[2], 6 => m[5], _ => double.NaN };
                    string over = double.IsNaN(plain) ? "" : string.Create(CultureInfo.InvariantCulture, $"  {m[s] / plain:F3} of plain (+{m[s] - plain:F3} ms)");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Names[s],-36} {m[s],8:F3} ms{over}"));
                }
            }
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static void Layer(int n, int o, bool first, List<Action>[] sides)
    {
        var random = new Random(n * 31 + o);
        float[] Fill(int length) => [.. Enumerable.Range(0, length).Select(_ => random.NextSingle() - 0.5f)];
        float[] x = Fill(Batch * n), weights = Fill(n * o), bias = Fill(o), lambda = Fill(Batch * o), z = Fill(Batch * o);
        float[] y = new float[Batch * o], tape = new float[Batch * o], dz = new float[Batch * o];
        float[] gradW = new float[n * o], gradB = new float[o], gradX = new float[Batch * n];
        sides[0].Add(() => Ops.MatMul<float>(x, weights, y, Batch, n, o));
        sides[1].Add(() => Ops.MatMulBiasReluAndCopyPreActivation<float>(x, weights, bias, y, tape, Batch, n, o));
        sides[2].Add(() => Ops.MatMul<float>(x, lambda, gradW, n, Batch, o, transposeA: true));
        sides[3].Add(() => Ops.MatMulSumRows<float>(x, lambda, gradW, gradB, n, Batch, o, transposeA: true));
        sides[4].Add(() => Ops.MatMulSumRowsReluMask<float>(x, lambda, z, gradW, gradB, n, Batch, o, transposeA: true));
        if (!first)
        {
            sides[5].Add(() => Ops.MatMul<float>(lambda, weights, gradX, Batch, o, n, transposeA: false, transposeB: true));
            sides[6].Add(() => Ops.MatMulReluMask<float>(lambda, z, weights, gradX, Batch, o, n, transposeA: false, transposeB: true));
        }
        sides[7].Add(() => Ops.ReluBackward<float>(z, lambda, dz));
        sides[8].Add(() => Ops.MatMulBiasRelu<float>(x, weights, bias, y, Batch, n, o));
    }
}
