using System.Diagnostics;
using System.Globalization;

namespace MoreauGen.Benchmarks.Constructs;

/// <summary>
/// Issue 12's per-construct benchmark: for each construct, the generated gradient (Forward with tape + Pullback) against a
/// hand-written adjoint of the same function, and against the generated plain Forward (gradient/forward), interleaved call
/// by call in one process, round after round; the median call per side and round gives the ratios, and the median over
/// rounds is reported, with the bytes allocated per generated gradient call. Before timing, each entry's two gradients
/// are compared (they must agree to 1e-9 relative), so a wrong hand-written adjoint cannot make a ratio.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- construct-rounds [--rounds 5]
/// </code>
/// A construct is one more entry in <see cref="Entries"/>: its generated layer and a hand-written adjoint.
/// </summary>
internal static class ConstructRounds
{
    private const int Calls = 31;
    private const int Batch = 64;

    /// <summary>One construct: its generated gradient, the hand-written one, the generated plain forward, and both gradients for the check.</summary>
    private sealed record Entry(string Name, Action Generated, Action HandWritten, Action Forward, Func<(double[] Generated, double[] HandWritten)> Gradients);

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}; batch {Batch}, {Calls} calls per side and round, {rounds} rounds");
        Entry[] entries = Entries();
        foreach (Entry entry in entries)
        {
            (double[] generated, double[] hand) = entry.Gradients();
            double error = generated.Zip(hand, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(b))).Max();
            if (!(error <= 1e-9))
            {
                Console.WriteLine($"{entry.Name}: the generated and hand-written gradients differ by {error:G3}");
                return 1;
            }
        }

        Console.WriteLine($"{"construct",-34} {"gen/hand",9} {"grad/fwd",9} {"hand/fwd",9} {"gen B/call",11}");
        foreach (Entry entry in entries)
        {
            Action[] sides = [entry.Generated, entry.HandWritten, entry.Forward];
            Rounds.WarmUp(2.0, sides);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
                entry.Generated();
            double bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / 100.0;

            var genHand = new List<double>();
            var gradForward = new List<double>();
            var handForward = new List<double>();
            for (int round = 0; round <= rounds; round++)
            {
                var times = new double[sides.Length][];
                for (int s = 0; s < sides.Length; s++)
                    times[s] = new double[Calls];
                for (int i = 0; i < Calls; i++)
                {
                    for (int s = 0; s < sides.Length; s++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        for (int r = 0; r < 10; r++)
                            sides[s]();
                        times[s][i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 10;
                    }
                }

                if (round == 0)
                    continue; // warm-up
                double gen = Rounds.Median(times[0]), hand = Rounds.Median(times[1]), forward = Rounds.Median(times[2]);
                genHand.Add(gen / hand);
                gradForward.Add(gen / forward);
                handForward.Add(hand / forward);
            }

            Console.WriteLine($"{entry.Name,-34} {Rounds.Median(genHand),9:F2} {Rounds.Median(gradForward),9:F2} {Rounds.Median(handForward),9:F2} {bytes,11:F0}");
        }

        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static Entry[] Entries() =>
    [
        Rk4(),
        Polar(),
    ];

    private static Entry Rk4()
    {
        var layer = new Rk4Branch();
        var random = new Random(12);
        double[] w = [0.3, 2.0, 0.4, 1.5];
        double[] x = Filled(random, 2 * Batch, -0.5, 1.0), y = new double[2 * Batch], lambda = Filled(random, 2 * Batch, -1, 1);
        double[] tape = new double[layer.TapeLength(Batch)], handTape = new double[HandWrittenRk4Branch.TapePerSample * Batch];
        double[] gradW = new double[4], gradX = new double[2 * Batch], handW = new double[4], handX = new double[2 * Batch];
        void Generated()
        {
            layer.Forward(w, x, y, tape);
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
        }

        void Hand()
        {
            HandWrittenRk4Branch.Forward(w, x, y, handTape);
            HandWrittenRk4Branch.Pullback(w, handTape, lambda, handW, handX);
        }

        return new Entry("RK4 with a branch (16 steps)", Generated, Hand, () => layer.Forward(w, x, y), () =>
        {
            Generated();
            Hand();
            return ([.. gradW, .. gradX], [.. handW, .. handX]);
        });
    }

    private static Entry Polar()
    {
        var layer = new OwnHelpersPolar();
        var random = new Random(13);
        double[] w = [0.8, -0.3];
        double[] x = Filled(random, 2 * Batch, -1, 1), y = new double[2 * Batch], lambda = Filled(random, 2 * Batch, -1, 1);
        double[] tape = new double[layer.TapeLength(Batch)];
        double[] gradW = new double[2], gradX = new double[2 * Batch], handW = new double[2], handX = new double[2 * Batch];
        void Generated()
        {
            layer.Forward(w, x, y, tape);
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
        }

        void Hand()
        {
            HandWrittenOwnHelpersPolar.Forward(w, x, y);
            HandWrittenOwnHelpersPolar.Pullback(w, x, lambda, handW, handX);
        }

        return new Entry("own helpers, out/ref (no attribute)", Generated, Hand, () => layer.Forward(w, x, y), () =>
        {
            Generated();
            Hand();
            return ([.. gradW, .. gradX], [.. handW, .. handX]);
        });
    }

    private static double[] Filled(Random random, int n, double low, double high)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++)
            values[i] = low + (high - low) * random.NextDouble();
        return values;
    }
}
