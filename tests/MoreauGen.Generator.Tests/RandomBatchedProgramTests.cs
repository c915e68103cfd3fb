using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.RandomPrograms;
using Xunit.Abstractions;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Random batched bodies of <c>Ops</c> calls (<see cref="RandomBatchedProgram"/>), generated in double and float in one
/// compilation and checked like the corpus: every oracle at m = 1 and m = 3 against central differences of the user's own
/// method compiled as plain C#, the subproblems at random v and u.
/// </summary>
public sealed class RandomBatchedProgramTests(ITestOutputHelper output)
{
    private const int Programs = 40;
    private const int FirstSeed = 40_000;

    [Fact]
    public void Random_batched_bodies_match_central_differences_in_double_and_float()
    {
        CorpusEntry[] entries = Enumerable.Range(FirstSeed, Programs).Select(RandomBatchedProgram.Create).ToArray();
        using CorpusAssembly corpus = CorpusAssembly.Build(entries, new MoreauGenerator(), "RandomBatched", single: true);
        var failures = new List<string>();
        foreach (CorpusEntry entry in entries)
        {
            try
            {
                CompileAndRunTests.CheckEntry(corpus, entry);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                failures.Add(entry.Name + ": " + exception.Message + "\n" + entry.Template);
            }
        }

        int calls = entries.Sum(e => e.Template.Split("Ops.").Length - 1);
        output.WriteLine($"{entries.Length - failures.Count} of {entries.Length} random batched bodies ({calls} Ops calls) match central differences.");
        Assert.True(failures.Count == 0, $"{failures.Count} random batched bodies fail; the first:\n" + string.Join("\n\n", failures.Take(2)));
        foreach (string method in RandomBatchedProgram.Methods)
        {
            Assert.True(entries.Count(e => e.Template.Contains("Ops." + method + "(", StringComparison.Ordinal)) >= 5, $"too few bodies call Ops.{method}");
        }
    }
}
