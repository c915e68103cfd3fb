using System.Diagnostics;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;
using MoreauGen.Generator.Tests.RandomPrograms;
using Xunit.Abstractions;

namespace MoreauGen.Generator.Tests.Mutation;

/// <summary>
/// The mutation net: every mutant of <see cref="Mutants"/> (a wrong scalar or tensor derivative rule, or a wrong
/// structural step of reverse mode) is handed to the generator through its constructor, and the finite-difference
/// checks must catch it: first the corpus layers of its family (double, m = 3, every oracle against central differences),
/// then, for a mutant those miss, random programs. A survivor is a dead rule or a missing test.
/// </summary>
public sealed class MutationTests(ITestOutputHelper output)
{
    private const int RandomPrograms = 130;
    private const int RandomSeed = 120_000;

    /// <summary>How one mutant ended: killed (by what), survived, or not generated at all (with why).</summary>
    private sealed record Verdict(Mutant Mutant, bool Killed, string How);

    [Fact]
    public void Every_mutant_of_the_rules_and_of_the_reverse_mode_steps_is_killed()
    {
        var watch = Stopwatch.StartNew();
        var verdicts = new Verdict[Mutants.All.Count];
        Parallel.For(0, verdicts.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => verdicts[i] = Run(Mutants.All[i], i));

        int killed = verdicts.Count(v => v.Killed);
        foreach (Verdict verdict in verdicts)
        {
            output.WriteLine($"{(verdict.Killed ? "killed  " : "SURVIVED")} {verdict.Mutant.Name}: {verdict.How}");
        }

        output.WriteLine($"mutants killed {killed}/{verdicts.Length} in {watch.Elapsed.TotalSeconds:F0} s");
        Assert.True(verdicts.Length > 40, $"only {verdicts.Length} mutants");
        Assert.True(killed == verdicts.Length, $"mutants killed {killed}/{verdicts.Length}; survivors: " +
                                               string.Join("; ", verdicts.Where(v => !v.Killed).Select(v => v.Mutant.Name)));
    }

    [Fact]
    public void The_mutants_cover_every_rule_and_every_step()
    {
        foreach (Rules.DerivativeRule rule in Rules.RuleTable.Standard.Scalar)
        {
            Assert.Contains(Mutants.All, m => m.Name.StartsWith($"scalar rule {rule.Op} pullback", StringComparison.Ordinal));
        }

        foreach (Rules.TensorRule rule in Rules.RuleTable.Standard.Tensor)
        {
            Assert.Contains(Mutants.All, m => m.Name.StartsWith($"tensor rule Ops.{rule.Method} ", StringComparison.Ordinal));
        }

        // One mutant per overridable step of DifferentiatorSteps.
        int steps = typeof(Differentiation.DifferentiatorSteps).GetMethods().Count(m => m.IsVirtual && m.DeclaringType == typeof(Differentiation.DifferentiatorSteps));
        Assert.Equal(steps, Mutants.All.Count(m => m.Target == Target.Structure));
    }

    [Fact]
    public void The_random_programs_a_surviving_mutant_meets_contain_every_construct()
    {
        Construct[] programs = Enumerable.Range(RandomSeed, RandomPrograms).Select(k => RandomProgram.Create(k, "P" + k).Constructs).ToArray();
        foreach (Construct construct in Enum.GetValues<Construct>().Where(c => c != Construct.None))
        {
            Assert.True(programs.Any(c => c.HasFlag(construct)), $"none of the mutation net's random programs contains {construct}");
        }
    }

    /// <summary>The corpus layers a mutant of <paramref name="target"/> meets, in stages (each compiled only if the ones before missed it).</summary>
    private static IEnumerable<CorpusEntry[]> StagesFor(Target target) => target switch
    {
        Target.Scalar => [LayerCorpus.Primitives, LayerCorpus.Composite, MathCorpus.Entries],
        Target.Tensor => [TensorCorpus.Entries],
        _ => [StructuredCorpus.Entries, UnboundedLoopCorpus.Layers, ScratchCorpus.Entries, TensorCorpus.Entries],
    };

    private static Verdict Run(Mutant mutant, int index)
    {
        int stage = 0;
        foreach (CorpusEntry[] entries in StagesFor(mutant.Target))
        {
            string? killedBy = CheckCorpus(mutant, entries, $"Mutant{index}_{stage++}");
            if (killedBy is not null)
            {
                return new Verdict(mutant, true, killedBy);
            }
        }

        List<RandomProgramCheck.Result> results;
        try
        {
            var programs = Enumerable.Range(RandomSeed, RandomPrograms).Select(k => RandomProgram.Create(k, "P" + k)).ToList();
            results = RandomProgramCheck.Run(programs, "MutantPrograms" + index, mutant.Generator());
        }
        catch (InvalidOperationException exception)
        {
            return new Verdict(mutant, true, "the random programs do not build (" + FirstLine(exception.Message) + ")");
        }

        RandomProgramCheck.Result? failed = results.FirstOrDefault(r => r.Outcome == Outcome.Failed);
        return failed is null
            ? new Verdict(mutant, false, $"passed the corpus and {results.Count(r => r.Outcome == Outcome.Passed)} random programs")
            : new Verdict(mutant, true, $"{results.Count(r => r.Outcome == Outcome.Failed)} random programs, the first {failed.Program.Name}: {FirstLine(failed.Message ?? string.Empty)}");
    }

    /// <summary>How the corpus layers <paramref name="entries"/> generated by the mutant caught it, or null when they all pass.</summary>
    private static string? CheckCorpus(Mutant mutant, CorpusEntry[] entries, string assemblyName)
    {
        CorpusAssembly corpus;
        try
        {
            corpus = CorpusAssembly.Build(entries, mutant.Generator(), assemblyName);
        }
        catch (InvalidOperationException exception)
        {
            return "the generated corpus does not build (" + FirstLine(exception.Message) + ")";
        }

        using (corpus)
        {
            foreach (CorpusEntry entry in entries)
            {
                try
                {
                    OracleChecks.Check(entry.Name, corpus.Create<double>(entry, "Double"), corpus.UserMethod(entry), 3, 7 + entry.Name.Length, entry.Low, entry.High, OracleChecks.DoubleTolerance);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    return "corpus layer " + entry.Name + ": " + FirstLine(exception.Message);
                }
            }
        }

        return null;
    }

    private static string FirstLine(string text)
    {
        string line = text.Split('\n')[0];
        return line.Length > 160 ? line[..160] + "…" : line;
    }
}
