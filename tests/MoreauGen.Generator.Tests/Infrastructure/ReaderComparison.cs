using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Parsing;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Tests.Infrastructure;

/// <summary>
/// The shipped generator, whose syntax readers read the bodies they can, against one that binds every body
/// (<see cref="LayerParser.ReadBound"/>): the same files byte for byte and the same diagnostics.
/// </summary>
internal static class ReaderComparison
{
    /// <summary>The generator that binds every body.</summary>
    public static MoreauGenerator BoundGenerator() => new(RuleTable.Standard, DifferentiatorSteps.Standard, LayerParser.ReadBound);

    /// <summary>Runs both generators on <paramref name="compilation"/> and requires the same files and diagnostics (<paramref name="name"/> names it in failures).</summary>
    public static void AssertSame(CSharpCompilation compilation, string name)
    {
        GeneratorResult fast = GeneratorHarness.Run(compilation);
        GeneratorResult bound = GeneratorHarness.Run(compilation, BoundGenerator());
        Assert.Null(fast.Result.Exception);
        Assert.Null(bound.Result.Exception);
        Assert.True(bound.Sources.Keys.Order(StringComparer.Ordinal).SequenceEqual(fast.Sources.Keys.Order(StringComparer.Ordinal)), name + ": the same files");
        foreach ((string hint, string generated) in bound.Sources)
        {
            Assert.True(generated == fast.Sources[hint], name + ": " + hint + " differs");
        }

        Assert.Equal(Describe(bound.GeneratorDiagnostics), Describe(fast.GeneratorDiagnostics));
    }

    private static string[] Describe(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Select(d => d.Id + " " + d.Location.GetLineSpan() + " " + d.GetMessage(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal).ToArray();
}
