using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Layers with <c>while</c> and <c>do</c> loops (zero trips, trips fixed by data, trips that differ per sample) and int
/// counters used as indices: every oracle (Forward, Pullback, SubproblemW/X) against central differences of the user's
/// own method compiled as plain C#, in float and double, at m = 1 and 3.
/// </summary>
public sealed class WhileLoopTests
{
    public static TheoryData<string> Layers => new(LoopCorpus.Layers.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Layers))]
    public void Oracles_of_layers_with_while_and_do_loops_match_central_differences(string name) =>
        CompileAndRunTests.CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));
}
