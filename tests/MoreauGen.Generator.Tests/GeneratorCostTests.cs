using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator.Tests.Infrastructure;
using MoreauGen.GeneratorBenchmarks;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Gates on what the generator allocates (exact and repeatable, unlike time) on the synthetic layers of
/// benchmarks/MoreauGen.GeneratorBenchmarks: linear cost in the length of a body, a cheap run after an edit outside the
/// layers, only the edited layer regenerated after an edit inside one, and batched tape offsets that do not grow.
/// </summary>
public sealed class GeneratorCostTests
{
    private const double KiB = 1024;

    [Fact]
    public void An_overwriting_body_allocates_at_most_20_KiB_per_statement_and_grows_linearly()
    {
        // 17.1 KiB per statement measured since the differentiator's passes stopped allocating a closure, an enumerator or a
        // name list per node and a set of every name read (23 before, the gate was 28; 31 before the emitter's role
        // queries and the differentiator's hot maps stopped walking and copying, 47 before the IR walks and the members'
        // name tables stopped copying; the first gate was 40).
        (long large, double exponent) = Growth(Shape.Overwrite, 1000, 5000);
        Assert.True(large / 5000.0 <= 20 * KiB, $"{large / 5000.0 / KiB:F1} KiB per statement at 5,000 statements");

        // At most 1.15 (1.6 when names and nullable analysis were quadratic).
        Assert.True(exponent <= 1.15, $"allocation exponent {exponent:F2} from 1,000 to 5,000 statements");
    }

    [Fact]
    public void Sibling_loops_reusing_an_index_name_allocate_at_most_15_KiB_per_statement_and_grow_linearly()
    {
        // The goal, 40 MiB per 1,000 statements (57 KiB per statement measured before the differentiator's passes stopped
        // walking statements into arrays and node lists and copying loop bodies; 96 before the IR walks stopped
        // allocating per expression).
        (long large, double exponent) = Growth(Shape.Loop, 500, 2500);
        // 14.2 KiB per statement measured since the scratch-array check walks no node lists, the sin/cos fusion copies no
        // list it leaves unchanged and span references and cursor steps are shared (15.3 before, when the gate was 24;
        // 20.8 when the differentiator's passes stopped allocating a closure, an enumerator or a name list per node and a
        // set of every name read; 27.5 before that, when the gate was 32; it was 40 before the emitter's role queries and
        // the reverse variants' restore check stopped walking whole passes).
        Assert.True(large / 2500.0 <= 15 * KiB, $"{large / 2500.0 / KiB:F1} KiB per statement at 2,500 statements");
        Assert.True(exponent <= 1.15, $"allocation exponent {exponent:F2} from 500 to 2,500 statements");
    }

    /// <summary>The cold run's allocations at <paramref name="large"/> statements, and their growth exponent from <paramref name="small"/>.</summary>
    private static (long Large, double Exponent) Growth(Shape shape, int small, int large)
    {
        Warm();
        long few = ColdAllocations(SyntheticLayers.Layer("Big", shape, small, 0));
        long many = ColdAllocations(SyntheticLayers.Layer("Big", shape, large, 0));
        return (many, Math.Log((double)many / few) / Math.Log((double)large / small));
    }

    [Fact]
    public void Batched_tape_offsets_are_named_once_so_the_output_grows_linearly()
    {
        Warm();
        string small = Generate(SyntheticLayers.Layer("Big", Shape.Batched, 200, 0));
        string large = Generate(SyntheticLayers.Layer("Big", Shape.Batched, 800, 0));
        double exponent = Math.Log((double)large.Length / small.Length) / Math.Log(4);
        Assert.True(exponent <= 1.05, $"output exponent {exponent:F2} from 200 to 800 calls");

        // Every slice of the tape has an offset of at most two terms (a named offset plus a length).
        MatchCollection slices = Regex.Matches(large, @"tape\.Slice\(([^,]*),");
        Assert.True(slices.Count > 300, $"{slices.Count} slices of the tape");
        Assert.All(slices, slice => Assert.True(slice.Groups[1].Value.Count(c => c == '+') <= 1, slice.Value));
        int at = large.IndexOf("tapeOffset", StringComparison.Ordinal);
        Assert.True(at >= 0 && large.Contains("int tapeOffset_2 = tapeOffset + ", StringComparison.Ordinal), large.Substring(Math.Max(at - 300, 0), 1200));
    }

    [Fact]
    public void An_edit_outside_the_layers_allocates_little_and_regenerates_nothing()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = SmallLayers(100);
        SyntaxTree unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == "Unrelated.cs");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(unrelated, unrelated.WithChangedText(SourceText.From(SyntheticLayers.Unrelated(1))));

        long before = GC.GetAllocatedBytesForCurrentThread();
        driver = driver.RunGenerators(edited);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // About 1.1 MiB is Roslyn's own (a generator that only finds the layers); binding 100 bodies again was 5.6 MiB.
        Assert.True(allocated <= 2.5 * KiB * KiB, $"{allocated / KiB / KiB:F2} MiB after an unrelated edit at 100 layers");
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Equal(100, Reasons(result, TrackingNames.Programs).Length);
        Assert.All(Reasons(result, TrackingNames.Parsed).Concat(Reasons(result, TrackingNames.Programs)),
            r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void An_edit_inside_one_of_100_layers_regenerates_that_layer_only()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = SmallLayers(100);
        SyntaxTree layer = compilation.SyntaxTrees.Single(t => t.FilePath == "Layer42.cs");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(layer, layer.WithChangedText(SourceText.From(SyntheticLayers.Layer("Small42", Shape.Fresh, 6, 1))));

        long before = GC.GetAllocatedBytesForCurrentThread();
        driver = driver.RunGenerators(edited);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated <= 3 * KiB * KiB, $"{allocated / KiB / KiB:F2} MiB after an edit in one of 100 layers");
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        IncrementalStepRunReason[] programs = Reasons(result, TrackingNames.Programs);
        Assert.Equal(100, programs.Length);
        Assert.Equal(1, programs.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(99, programs.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("2.5", result.GeneratedSources.Single(s => s.HintName.Contains("Small42.")).SourceText.ToString());
    }

    /// <summary>Runs the generator once on a small layer, so that first-call allocations (statics, caches) are not counted.</summary>
    private static void Warm() => ColdAllocations(SyntheticLayers.Layer("Warm", Shape.Overwrite, 20, 0));

    private static long ColdAllocations(string source)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        GeneratorDriver driver = Untracked();
        long before = GC.GetAllocatedBytesForCurrentThread();
        driver = driver.RunGenerators(compilation);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Single(result.GeneratedSources);
        return allocated;
    }

    private static string Generate(string source)
    {
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.DoesNotContain(result.CompilationDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        return result.Sources.Values.Single();
    }

    /// <summary>K small layers, one file each, and an unrelated file; the driver after its first run (steps tracked).</summary>
    private static (GeneratorDriver Driver, CSharpCompilation Compilation) SmallLayers(int k)
    {
        IEnumerable<SyntaxTree> trees = Enumerable.Range(0, k)
            .Select(i => CSharpSyntaxTree.ParseText(SyntheticLayers.Layer("Small" + i, Shape.Fresh, 6, 0), GeneratorHarness.ParseOptions, path: $"Layer{i}.cs"))
            .Append(CSharpSyntaxTree.ParseText(SyntheticLayers.Unrelated(0), GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        CSharpCompilation compilation = GeneratorHarness.Compile().AddSyntaxTrees(trees);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Null(first.Exception);
        Assert.Equal(k, first.GeneratedSources.Length);

        // A second unrelated edit first, so that the measured run is not the first of its kind (statics, caches).
        SyntaxTree unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == "Unrelated.cs");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(unrelated, unrelated.WithChangedText(SourceText.From(SyntheticLayers.Unrelated(2)))));
        return (driver, compilation);
    }

    private static GeneratorDriver Untracked() =>
        CSharpGeneratorDriver.Create(
            new[] { new MoreauGenerator().AsSourceGenerator() },
            parseOptions: GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
}
