using System.Diagnostics;
using System.Globalization;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// Where one SGD step of the ConvNet sample's network goes (batch 256, float): each <see cref="Ops"/> call the generated
/// layers make in a step (samples/ConvNet/ConvPool.cs; three conv+bias+ReLU+2×2 max-pool layers, 1→16 on 32×32,
/// 16→20 on 16×16, 20→20 on 8×8, then the affine 320→10), timed one by one in one process on the step's shapes, and
/// summed by kind: conv forward, conv input gradient (col2im; layers 2 and 3, the first layer's input needs none),
/// conv weight gradient, pooling (forward and backward), bias and ReLU (forward and backward), and the FC part (its
/// forward and backward products). Rounds interleave the calls; each figure is the median over rounds of a call's
/// median. Usage:
/// <code>dotnet benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll conv-profile [--rounds 5] [--calls 5]</code>
/// </summary>
internal static class ConvProfile
{
    private const int Batch = 256;

    public static int Run(string[] args)
    {
        int rounds = ConvRounds.Option(args, "--rounds", 5), calls = ConvRounds.Option(args, "--calls", 5);
        Console.WriteLine($"conv-profile: batch {Batch}, {rounds} rounds of {calls} calls; worker threads {WorkerPool.Shared.ThreadCount}; load average at start: {Rounds.LoadAverage()}");
        var parts = new List<(string Kind, string Name, Action Call)>();
        var random = new Random(1);
        foreach ((int cin, int size, int cout) in new[] { (1, 32, 16), (16, 16, 20), (20, 8, 20) })
            AddLayer(parts, random, cin, size, cout);
        AddOutput(parts, random);

        foreach (var part in parts)
            part.Call(); // JIT, buffers, threads
        var medians = parts.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int p = 0; p < parts.Count; p++)
            {
                var times = new double[calls];
                for (int c = 0; c < calls; c++)
                {
                    long start = Stopwatch.GetTimestamp();
                    parts[p].Call();
                    times[c] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                medians[p].Add(Rounds.Median(times));
            }
        }

        double[] ms = medians.Select(Rounds.Median).ToArray();
        double total = ms.Sum();
        Console.WriteLine("| call | ms |");
        Console.WriteLine("|---|---:|");
        for (int p = 0; p < parts.Count; p++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {parts[p].Name} | {ms[p]:0.00} |"));
        Console.WriteLine();
        Console.WriteLine("| kind | ms | share of the sum |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var kind in parts.Select((part, p) => (part.Kind, Ms: ms[p])).GroupBy(e => e.Kind))
        {
            double sum = kind.Sum(e => e.Ms);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind.Key} | {sum:0.00} | {100 * sum / total:0.0} % |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sum | {total:0.00} | 100 % |"));
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static void AddLayer(List<(string, string, Action)> parts, Random random, int cin, int size, int cout)
    {
        int planes = size * size, half = size / 2;
        float[] x = ConvRounds.Fill(random, Batch * cin * planes), w = ConvRounds.Fill(random, cout * cin * 25), b = ConvRounds.Fill(random, cout);
        float[] z = ConvRounds.Fill(random, Batch * cout * planes), y = new float[Batch * cout * half * half];
        float[] dy = ConvRounds.Fill(random, y.Length), dz = new float[z.Length], dx = new float[x.Length], dw = new float[w.Length], db = new float[cout];
        string layer = $"{cin}→{cout}, {size}×{size}";
        parts.Add(("conv forward", $"Conv2d {layer}", () => Ops.Conv2d<float>(x, w, z, Batch, cin, size, size, cout, 5, 5, 1, 2)));
        parts.Add(("bias + ReLU", $"AddChannelBias + Relu {layer}", () =>
        {
            Ops.AddChannelBias<float>(z, b, Batch, cout, planes);
            Ops.Relu<float>(z, z);
        }));
        parts.Add(("pooling", $"MaxPool2d {layer}", () => Ops.MaxPool2d<float>(z, y, Batch, cout, size, size, 2, 2)));
        parts.Add(("pooling", $"MaxPool2dBackward {layer}", () => Ops.MaxPool2dBackward<float>(z, dy, dz, Batch, cout, size, size, 2, 2)));
        parts.Add(("bias + ReLU", $"ReluBackward + SumChannels {layer}", () =>
        {
            Ops.ReluBackward<float>(z, dz, dz);
            Ops.SumChannels<float>(dz, db, Batch, cout, planes);
        }));
        parts.Add(("conv weight gradient", $"Conv2dBackwardWeights {layer}", () => Ops.Conv2dBackwardWeights<float>(x, dz, dw, Batch, cin, size, size, cout, 5, 5, 1, 2)));
        if (cin > 1)
            parts.Add(("conv input gradient", $"Conv2dBackwardInput {layer}", () => Ops.Conv2dBackwardInput<float>(w, dz, dx, Batch, cin, size, size, cout, 5, 5, 1, 2)));
    }

    private static void AddOutput(List<(string, string, Action)> parts, Random random)
    {
        const int inputs = 320, classes = 10;
        float[] x = ConvRounds.Fill(random, Batch * inputs), w = ConvRounds.Fill(random, classes * inputs), y = new float[Batch * classes];
        float[] dy = ConvRounds.Fill(random, y.Length), dx = new float[x.Length], dw = new float[w.Length];
        parts.Add(("FC", "MatMul 256×320 · (10×320)ᵀ", () => Ops.MatMul<float>(x, w, y, Batch, inputs, classes, transposeB: true)));
        parts.Add(("FC", "MatMulBackward (dx, dW)", () => Ops.MatMulBackward<float>(x, w, dy, dx, dw, Batch, inputs, classes, transposeB: true)));
    }
}
