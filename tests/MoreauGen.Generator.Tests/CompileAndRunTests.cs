using System.Globalization;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The corpus of layers (straight-line, and with loops, branches and helpers) and objectives, generated and compiled
/// in memory in one compilation, run through
/// <see cref="IMoreauLayer{T}"/> and checked against central finite differences (see <see cref="OracleChecks"/>).
/// </summary>
public sealed class CompileAndRunTests
{
    public static TheoryData<string> Composite => new(LayerCorpus.Composite.Select(e => e.Name));

    public static TheoryData<string> Structured => new(StructuredCorpus.Entries.Select(e => e.Name));

    public static TheoryData<string> MathLayers => new(MathCorpus.Entries.Select(e => e.Name));

    public static TheoryData<string> ScratchLayers => new(ScratchCorpus.Entries.Select(e => e.Name));

    [Fact]
    public void The_corpus_has_at_least_45_layers_in_float_and_double()
    {
        int layers = LayerCorpus.Composite.Length + StructuredCorpus.Entries.Length;
        Assert.True(layers >= 45, $"{layers} layers (besides one per primitive)");
        Assert.True(StructuredCorpus.Entries.Length >= 25, $"{StructuredCorpus.Entries.Length} layers with loops, branches or helpers");
        CorpusAssembly corpus = CorpusAssembly.Default;
        foreach (CorpusEntry entry in LayerCorpus.All)
        {
            Assert.NotNull(corpus.Create<double>(entry, "Double"));
            Assert.NotNull(corpus.Create<float>(entry, "Single"));
        }
    }

    [Fact]
    public void Generated_code_compiles_with_every_warning_on_and_without_diagnostics()
    {
        AssertNoDiagnostics(CorpusAssembly.Default);
        CorpusAssembly corpus = CorpusAssembly.Default;
        Assert.Equal(2 * (LayerCorpus.All.Count() + ObjectiveCorpus.Entries.Length) + LayerCorpus.All.Count(e => e.Mixed), corpus.Result.Result.GeneratedSources.Length);
    }

    [Theory]
    [MemberData(nameof(Composite))]
    public void Oracles_match_central_differences(string name) => CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));

    [Theory]
    [MemberData(nameof(Structured))]
    public void Oracles_of_layers_with_loops_branches_and_helpers_match_central_differences(string name) =>
        CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));

    [Theory]
    [MemberData(nameof(MathLayers))]
    public void Oracles_of_layers_with_the_further_math_functions_match_central_differences(string name) =>
        CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));

    [Theory]
    [MemberData(nameof(ScratchLayers))]
    public void Oracles_of_layers_with_scratch_arrays_and_views_match_central_differences(string name) =>
        CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));

    [Fact]
    public void Generated_code_is_independent_of_the_culture_with_a_unicode_minus_sign()
    {
        // A culture whose minus sign is U+2212 and whose decimal separator is a comma: a literal formatted with the
        // current culture would not compile or would change value.
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = "\u00a0";

        using CorpusAssembly corpus = CorpusAssembly.Build(culture);
        AssertNoDiagnostics(corpus);
        foreach ((string hintName, string source) in corpus.Result.Sources)
        {
            Assert.False(source.Contains('\u2212'), hintName + " contains U+2212");
        }

        foreach (CorpusEntry entry in LayerCorpus.All)
        {
            CheckEntry(corpus, entry);
        }
    }

    /// <summary>No diagnostic of any severity in the generated files, and none above hidden anywhere (the corpus has unused aliases).</summary>
    private static void AssertNoDiagnostics(CorpusAssembly corpus)
    {
        Assert.Empty(corpus.AllDiagnostics().Where(d =>
            d.Severity != DiagnosticSeverity.Hidden || d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) != false));
    }

    internal static void CheckEntry(CorpusAssembly corpus, CorpusEntry entry)
    {
        // The reference is the user's own method compiled as plain C#, never the generated code.
        Func<double[], double[], int, double[]> reference = corpus.UserMethod(entry);
        int seed = StableHash(entry.Name);
        foreach (int m in new[] { 1, 3 })
        {
            OracleChecks.Check(entry.Name, corpus.Create<double>(entry, "Double"), reference, m, seed + m, entry.Low, entry.High, OracleChecks.DoubleTolerance);
            OracleChecks.Check(entry.Name, corpus.Create<float>(entry, "Single"), reference, m, seed + m, entry.Low, entry.High, OracleChecks.FloatTolerance);
        }
    }

    private static int StableHash(string text)
    {
        int hash = 17;
        foreach (char c in text)
        {
            hash = unchecked(hash * 31 + c);
        }

        return hash & 0x7fffffff;
    }
}
