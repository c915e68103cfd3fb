using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Layers with <c>break</c>, <c>continue</c> and early <c>return</c>: every oracle (Forward, Pullback, SubproblemW/X)
/// against central differences of the user's own method compiled as plain C#, in float and double, at m = 1 and 3.
/// </summary>
public sealed class ControlFlowTests
{
    public static TheoryData<string> Layers => new(ControlFlowCorpus.Layers.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Layers))]
    public void Oracles_of_layers_with_jumps_match_central_differences(string name) =>
        CompileAndRunTests.CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));
}
