using System.Diagnostics;
using System.Globalization;
using System.Text;
using MoreauGen.Benchmarks.Generator;

namespace MoreauGen.Benchmarks.Pendulum;

/// <summary>
/// The pendulum's ratios of issue-level interest, interleaved call by call in one process, round after round: one MorGD
/// iteration against one GD iteration (<see cref="PendulumIterationBenchmarks"/>'s setup: τ = 100, the same mid-run
/// iterate, the paper's two-step solver), and the generated Φx evaluation against its hand-written baseline
/// (<see cref="PendulumSubproblemBenchmark"/>: 100 states). Each timed call runs a fixed number of repetitions; the median
/// call per side and round gives the ratios, and the median over rounds is reported. Writes the raw rounds to a CSV file.
/// <code>
/// dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- pendulum-rounds [--rounds 15] [--csv file]
/// </code>
/// <para>
/// Warm-up: unreported rounds of the same shape as the timed ones run until every side's median has settled — three
/// consecutive warm-up rounds each within 2 % of the one before, on every side — and at least 3 s have passed, with a
/// 1 ms sleep between calls of a warm-up round so that the JIT's background thread, which compiles the optimised
/// (tier-1) code, gets a core on a loaded machine. A fixed warm-up of 20 × the repetitions timed code of mixed tiers for
/// the first 3–4 rounds even on the idle machine (their medians fell by up to 4×), and 5-round runs were bimodal. The
/// number of warm-up rounds and their duration are printed; a warm-up that has not settled after 120 s says so.
/// </para>
/// Unlike the BenchmarkDotNet classes it needs no separate build of a benchmark process, which on a heavily shared machine
/// can take longer than BenchmarkDotNet's build timeout.
/// </summary>
internal static class PendulumRounds
{
    private const int Calls = 41;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        int csvAt = Array.IndexOf(args, "--csv");
        string csv = csvAt >= 0 && csvAt + 1 < args.Length ? args[csvAt + 1] : "pendulum-rounds.csv";
        Console.WriteLine($"load average at start: {Rounds.LoadAverage()}");

        var iteration = new PendulumIterationBenchmarks();
        iteration.Setup();
        var subproblem = new PendulumSubproblemBenchmark();
        subproblem.Setup();
        double sink = 0;
        (string Name, int Repetitions, Func<double> Call)[] sides =
        [
            ("GD iteration", 200, iteration.GradientDescentIteration),
            ("MorGD iteration", 50, iteration.MoreauGradientDescentIteration),
            ("hand-written Φx ×100", 100, subproblem.HandWritten),
            ("generated Φx ×100", 100, subproblem.Generated),
        ];
        sink += WarmUp(sides);

        InnerSolveStatistics<double> statistics = iteration.LastMoreauStatistics;
        Console.WriteLine($"per MorGD iteration: {statistics.Solves} inner solves, {statistics.Evaluations} evaluations, {statistics.Failures} failures");

        var raw = new StringBuilder("round,gd_us,morgd_us,handwritten_phix_us,generated_phix_us\n");
        var morRatios = new List<double>();
        var phiRatios = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            double[] medians = Round(sides, pause: false, ref sink);
            morRatios.Add(medians[1] / medians[0]);
            phiRatios.Add(medians[3] / medians[2]);
            raw.Append(CultureInfo.InvariantCulture, $"{round},{medians[0]:F4},{medians[1]:F4},{medians[2]:F4},{medians[3]:F4}\n");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: GD {medians[0]:F3} µs, MorGD {medians[1]:F3} µs ({morRatios[^1]:F2}× GD); "
                + $"Φx×100 hand-written {medians[2]:F3} µs, generated {medians[3]:F3} µs ({phiRatios[^1]:F2}); load {Rounds.LoadAverage()}"));
        }

        Console.WriteLine("\n| MorGD / GD | generated / hand-written Φx |");
        Console.WriteLine("|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| **{Rounds.Median(morRatios):F2}** ({morRatios.Min():F2}–{morRatios.Max():F2}) | **{Rounds.Median(phiRatios):F2}** ({phiRatios.Min():F2}–{phiRatios.Max():F2}) |"));
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        File.WriteAllText(csv, raw.ToString());
        Console.WriteLine($"raw rounds: {csv} (checksum {sink.ToString("G3", CultureInfo.InvariantCulture)})");
        return 0;
    }

    /// <summary>One round: <see cref="Calls"/> timed calls per side, the sides interleaved in rotating order; the median per side (µs per repetition).</summary>
    private static double[] Round((string Name, int Repetitions, Func<double> Call)[] sides, bool pause, ref double sink)
    {
        var times = new double[sides.Length][];
        for (int s = 0; s < sides.Length; s++)
            times[s] = new double[Calls];
        for (int i = 0; i < Calls; i++)
        {
            for (int j = 0; j < sides.Length; j++)
            {
                int s = (i + j) % sides.Length;
                var side = sides[s];
                long start = Stopwatch.GetTimestamp();
                for (int r = 0; r < side.Repetitions; r++)
                    sink += side.Call();
                times[s][i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / side.Repetitions;
                if (pause)
                    Thread.Sleep(1);
            }
        }

        return [.. times.Select(Rounds.Median)];
    }

    /// <summary>
    /// Unreported rounds until every side's median has settled (see the class remarks); prints how long that took.
    /// Returns the calls' checksum.
    /// </summary>
    private static double WarmUp((string Name, int Repetitions, Func<double> Call)[] sides)
    {
        const double MinSeconds = 3, MaxSeconds = 120, Tolerance = 0.02;
        const int SettledRounds = 3;
        double sink = 0;
        var watch = Stopwatch.StartNew();
        double[]? previous = null;
        int settled = 0, warmUpRounds = 0;
        while (watch.Elapsed.TotalSeconds < MaxSeconds)
        {
            double[] medians = Round(sides, pause: true, ref sink);
            warmUpRounds++;
            bool steady = previous is not null && medians.Zip(previous).All(p => Math.Abs(p.First - p.Second) <= Tolerance * p.Second);
            settled = steady ? settled + 1 : 0;
            previous = medians;
            if (settled >= SettledRounds && watch.Elapsed.TotalSeconds >= MinSeconds)
                break;
        }

        string verdict = settled >= SettledRounds ? "settled" : $"NOT settled (only {settled} steady rounds)";
        string last = string.Join(", ", sides.Select((side, s) => string.Create(CultureInfo.InvariantCulture, $"{side.Name} {previous![s]:F3} µs")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warm-up: {warmUpRounds} rounds in {watch.Elapsed.TotalSeconds:F1} s, {verdict}: every side's median within {Tolerance:P0} of the round before for {SettledRounds} rounds; last medians {last}"));
        return sink;
    }
}
