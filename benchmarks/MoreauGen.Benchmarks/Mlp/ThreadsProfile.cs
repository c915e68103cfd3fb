using System.Globalization;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// Each plain product of the MLP's SGD step (<see cref="StepRounds.SgdProducts"/>) timed alone on the shared pool's
/// threads (the default <see cref="GemmOptions"/>: products of at least <see cref="GemmOptions.ParallelWorkAtLeast"/>
/// multiply-adds are handed to the workers) and on the calling thread alone, interleaved call by call, each timed on a
/// call right after an untimed call of itself (<see cref="Rounds.WarmSum"/>): which of the small products would run
/// faster without the hand-off.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- step-threads [--rounds 3]
/// </code>
/// </summary>
internal static class ThreadsProfile
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}; pool threads {WorkerPool.Shared.ThreadCount}, "
                          + $"parallel from {new GemmOptions().ParallelWorkAtLeast} multiply-adds");
        int[] sizes = [784, 500, 300, 100, 10];
        List<StepRounds.Product> products = StepRounds.SgdProducts(sizes);
        var pool = new GemmOptions();
        var alone = new GemmOptions { MaxThreads = 1 };
        var sides = new List<IReadOnlyList<Action>>();
        foreach (StepRounds.Product p in products)
        {
            sides.Add([() => Gemm.Multiply<float>(p.A, p.B, p.C, p.M, p.K, p.N, p.TransposeA, p.TransposeB, accumulate: false, pool)]);
            sides.Add([() => Gemm.Multiply<float>(p.A, p.B, p.C, p.M, p.K, p.N, p.TransposeA, p.TransposeB, accumulate: false, alone)]);
        }
        Rounds.WarmUp(2, [.. sides.SelectMany(parts => parts)]);
        for (int round = 1; round <= rounds; round++)
        {
            double[] m = Rounds.InterleavedWarmMedians([.. sides], 41);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} 784-500-300-100-10 (load {Rounds.LoadAverage()}):"));
            for (int i = 0; i < products.Count; i++)
            {
                StepRounds.Product p = products[i];
                string shape = $"{p.M}×{p.K}×{p.N}{(p.TransposeA ? " Aᵀ" : "")}{(p.TransposeB ? " Bᵀ" : "")}";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {shape,-18} work {(long)p.M * p.K * p.N,10}  pool {m[2 * i],7:F4} ms  calling thread {m[2 * i + 1],7:F4} ms  ({m[2 * i + 1] / m[2 * i]:F2})"));
            }
        }
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }
}
