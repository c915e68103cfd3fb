using System.Diagnostics;
using MoreauGen.Generator.Tests.RandomPrograms;
using Xunit.Abstractions;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Random valid layer bodies (straight-line code, nested and triangular loops, overwritten locals, branches, ?:, Math
/// calls, helpers), compiled through the generator many per compilation and checked against central differences of
/// an instrumented reference. The mutation tests (<see cref="Mutation.MutationTests"/>) run them against wrong generators.
/// </summary>
/// <remarks>
/// Every program runs at a batch of 3 samples, and the subproblems are checked at random v and u. CI checks 520
/// double programs from seed 20000 and 130 float ones from seed 70000. For a longer local run set MOREAUGEN_RANDOM_PROGRAMS (how many) and
/// MOREAUGEN_RANDOM_SEED (the first seed); the report in the test output names the seeds of failing programs.
/// </remarks>
public sealed class RandomProgramTests(ITestOutputHelper output)
{
    private const int PerCompilation = 130;
    private static readonly int Programs = Setting("MOREAUGEN_RANDOM_PROGRAMS", 520);
    private static readonly int FirstSeed = Setting("MOREAUGEN_RANDOM_SEED", 20_000);
    private static readonly int FloatPrograms = Math.Max(1, Programs / 4);

    private static int Setting(string name, int otherwise) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : otherwise;

    [Fact]
    public void Random_programs_match_central_differences()
    {
        RandomProgramCheck.Result[] checkedPrograms = CheckAndReport(Programs, FirstSeed, "RandomPrograms", single: false);
        Assert.True(checkedPrograms.Length >= Math.Min(500, Programs), $"only {checkedPrograms.Length} programs checked");
        foreach (Construct construct in Enum.GetValues<Construct>().Where(c => c != Construct.None))
        {
            int count = checkedPrograms.Count(r => r.Program.Constructs.HasFlag(construct));
            Assert.True(count >= 10, $"only {count} programs contain {construct}");
        }

        Assert.True(checkedPrograms.Count(r => (r.Program.Constructs & (Construct.Loop | Construct.Branch | Construct.ConditionalExpression)) == 0) >= 10,
            "too few straight-line programs");
    }

    [Fact]
    public void Random_programs_as_float_layers_match_central_differences_at_float_tolerance()
    {
        RandomProgramCheck.Result[] checkedPrograms = CheckAndReport(FloatPrograms, FirstSeed + 50_000, "FloatRandomPrograms", single: true);
        Assert.True(checkedPrograms.Length >= FloatPrograms * 9 / 10, $"only {checkedPrograms.Length} float programs checked");
    }

    /// <summary>Checks <paramref name="wanted"/> programs, reports them, fails on any mismatch and returns the programs checked.</summary>
    private RandomProgramCheck.Result[] CheckAndReport(int wanted, int seed, string name, bool single)
    {
        var watch = Stopwatch.StartNew();
        List<RandomProgramCheck.Result> results = CheckUntil(wanted, seed, name, single);
        RandomProgramCheck.Result[] checkedPrograms = results.Where(r => r.Outcome is Outcome.Passed or Outcome.Failed).ToArray();
        Report(results, watch.Elapsed);

        RandomProgramCheck.Result[] failures = results.Where(r => r.Outcome == Outcome.Failed).ToArray();
        if (failures.Length > 0)
        {
            Assert.Fail($"{failures.Length} of {checkedPrograms.Length} {(single ? "float" : "double")} random programs do not match central differences " +
                        $"(programs {string.Join(", ", failures.Take(20).Select(f => f.Program.Name))}); the first:\n" +
                        string.Join("\n\n", failures.Take(2).Select(f => f.Message + "\n" + (single ? RandomProgram.ToFloat(f.Program.LayerSource) : f.Program.Source))));
        }

        return checkedPrograms;
    }

    /// <summary>Checks fresh programs until <paramref name="wanted"/> were checked (degenerate or overflowing ones are replaced).</summary>
    private static List<RandomProgramCheck.Result> CheckUntil(int wanted, int seed, string name, bool single)
    {
        var results = new List<RandomProgramCheck.Result>();
        for (int batch = 0; batch < 12 + wanted / PerCompilation; batch++)
        {
            int done = results.Count(r => r.Outcome is Outcome.Passed or Outcome.Failed);
            if (done >= wanted)
            {
                break;
            }

            int count = Math.Min(PerCompilation, wanted - done + (batch == 0 ? wanted / 20 : 5));
            var programs = Enumerable.Range(seed, count).Select(k => RandomProgram.Create(k, "P" + k)).ToList();
            seed += count;
            results.AddRange(RandomProgramCheck.Run(programs, name + batch, generator: null, single));
        }

        return results;
    }

    private void Report(List<RandomProgramCheck.Result> results, TimeSpan elapsed)
    {
        RandomProgramCheck.Result[] checkedPrograms = results.Where(r => r.Outcome is Outcome.Passed or Outcome.Failed).ToArray();
        output.WriteLine($"{checkedPrograms.Length} random programs checked against central differences in {elapsed.TotalSeconds:F0} s " +
                         $"({results.Count(r => r.Outcome == Outcome.Degenerate)} replaced: every point near a switch; " +
                         $"{results.Count(r => r.Outcome == Outcome.Overflow)} replaced: overflow; " +
                         $"{checkedPrograms.Sum(r => r.Resamples)} points resampled near a branch switch or kink).");
        output.WriteLine("Programs containing each construct:");
        foreach (Construct construct in Enum.GetValues<Construct>().Where(c => c != Construct.None))
        {
            output.WriteLine($"  {construct,-24} {checkedPrograms.Count(r => r.Program.Constructs.HasFlag(construct)),4}");
        }

        output.WriteLine($"  {"StraightLine",-24} {checkedPrograms.Count(r => (r.Program.Constructs & (Construct.Loop | Construct.Branch | Construct.ConditionalExpression)) == 0),4}");
    }
}
