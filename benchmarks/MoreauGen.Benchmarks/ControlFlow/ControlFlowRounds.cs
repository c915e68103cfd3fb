using System.Diagnostics;
using System.Globalization;

namespace MoreauGen.Benchmarks.ControlFlow;

/// <summary>
/// Generated Forward (with tape) + Pullback against a hand-written adjoint of the same function, interleaved call by
/// call in one process, for the control-flow constructs: a bounded integrator loop with <c>break</c>
/// (<see cref="BreakingIntegrator"/>), a sum with an early <c>return</c> (<see cref="EarlyReturnSum"/>) and two <c>while</c>
/// loops (<see cref="WhileIntegrator"/>, <see cref="NewtonRoot"/>) and one that no counter bounds (<see cref="LandingProjectile"/>), at a batch of
/// 64 samples. Prints the median time per call of each side over rounds, their ratio, the bytes allocated per call and
/// the load average.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- control-flow-rounds [--rounds 5]
/// </code>
/// </summary>
internal static class ControlFlowRounds
{
    private const int Batch = 64;
    private const int Calls = 41;
    private const int Repetitions = 50;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");
        Compare("integrator with break (40 steps)", new BreakingIntegrator(), HandWrittenControlFlow.Integrator, rounds);
        Compare("sum with early return (8 terms)", new EarlyReturnSum(), HandWrittenControlFlow.Sum, rounds);
        Compare("while loop integrator to a time (40 of at most 48 steps)", new WhileIntegrator(), HandWrittenWhile.Integrator, rounds);
        Compare("while loop Newton iteration to a tolerance (at most 12)", new NewtonRoot(), HandWrittenWhile.Newton, rounds);
        Compare("while (!landed) projectile, no counter (about 25 steps)", new LandingProjectile(), HandWrittenUnbounded.Projectile, rounds);
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private delegate void Adjoint(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX);

    private static void Compare(string name, IMoreauLayer<double> layer, Adjoint handWritten, int rounds)
    {
        var random = new Random(5);
        double[] w = Fill(layer.ParameterCount, random, 0.3, 1.2);
        double[] x = Fill(Batch * layer.InputCount, random, -0.8, 0.8);
        double[] lambda = Fill(Batch * layer.OutputCount, random, -1, 1);
        double[] y = new double[Batch * layer.OutputCount], tape = new double[layer.TapeLength(Batch)];
        double[] gradW = new double[w.Length], gradX = new double[x.Length];
        double[] y2 = new double[y.Length], gradW2 = new double[w.Length], gradX2 = new double[x.Length];

        void Generated()
        {
            layer.Forward(w, x, y, tape);
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
        }

        void Hand() => handWritten(w, x, y2, lambda, gradW2, gradX2);

        Generated();
        Hand();
        double difference = Math.Max(MaxDifference(gradW, gradW2), MaxDifference(gradX, gradX2));
        Rounds.WarmUp(2.0, Generated, Hand); // 2,000 calls of a 10 µs body ended before tiered JIT had replaced it

        long before = GC.GetAllocatedBytesForCurrentThread();
        Generated();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var ratios = new List<double>();
        var generatedTimes = new List<double>();
        var handTimes = new List<double>();
        for (int round = 0; round <= rounds; round++)
        {
            var g = new double[Calls];
            var h = new double[Calls];
            for (int c = 0; c < Calls; c++)
            {
                g[c] = Time(Generated);
                h[c] = Time(Hand);
            }

            if (round == 0)
            {
                continue; // warm-up
            }

            double gm = Rounds.Median(g), hm = Rounds.Median(h);
            generatedTimes.Add(gm);
            handTimes.Add(hm);
            ratios.Add(gm / hm);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: generated Forward+Pullback {Rounds.Median(generatedTimes):F2} µs, hand-written adjoint {Rounds.Median(handTimes):F2} µs, " +
            $"ratio {Rounds.Median(ratios):F2} (rounds {string.Join(' ', ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}), " +
            $"{allocated} B allocated per call, gradients agree to {difference:E1}"));
    }

    private static double Time(Action call)
    {
        long start = Stopwatch.GetTimestamp();
        for (int r = 0; r < Repetitions; r++)
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / Repetitions;
    }

    private static double[] Fill(int n, Random random, double low, double high)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = low + (high - low) * random.NextDouble();
        }

        return values;
    }

    private static double MaxDifference(double[] a, double[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
