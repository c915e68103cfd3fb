using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Layers with <c>while</c> and <c>do</c> loops that no int counter bounds (a flag set by a hit test, a tolerance on a
/// step or a residual, a value falling by a fixed step; nested in a for loop or in each other; with break, continue, an
/// early return, scratch arrays and a helper): every oracle (Forward, Pullback, SubproblemW/X) against central
/// differences of the user's own method compiled as plain C#, in float and double, at m = 1 and 3.
/// </summary>
public sealed class UnboundedLoopTests
{
    public static TheoryData<string> Layers => new(UnboundedLoopCorpus.Layers.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Layers))]
    public void Oracles_of_layers_with_unbounded_while_and_do_loops_match_central_differences(string name) =>
        CompileAndRunTests.CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));
}
