using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The parse step reuses a layer's result across compilations that differ only inside method bodies (ParseCache): after
/// every kind of edit, the run on the previous driver reports exactly what a cold run on freshly parsed sources reports.
/// </summary>
public sealed class ParseCacheTests
{
    private const string Layer = """
        using System;
        using MoreauGen;
        namespace Keys;
        public partial class Declared
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = Math.Sin(w[0]) * x[0];
        }

        public partial class Plain
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = Math.Exp(w[0]) * x[0];
        }

        public partial class Helped
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = Bump(w[0]) * x[0];
        }
        """;

    /// <summary>Another file: an unrelated method above the part of Declared that claims a marker its body does not earn.</summary>
    private const string Other = """
        using System;
        using MoreauGen;
        namespace Keys;
        public static class Other
        {
            public static int Answer()
            {
                return 1;
            }
        }

        public partial class Declared : IAffineInParameters
        {
        }

        public partial class Helped
        {
            private static double Bump(double a)
            {
                return a * a;
            }
        }
        """;

    [Fact]
    public void A_body_edit_in_another_file_reports_what_a_cold_run_reports()
    {
        (Outcome before, Outcome after, Outcome cold) = Edit(Other, "return 1;", "return 2;");
        Assert.Equal(cold, after);
        Assert.Equal(before, after);
        Assert.StartsWith("MG", after.Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_edit_above_a_diagnostic_moves_the_diagnostic_as_a_cold_run_does()
    {
        (Outcome before, Outcome after, Outcome cold) = Edit(Other, "return 1;", "int a = 1;\n\n        return a;");
        Assert.Equal(cold, after);
        Assert.NotEqual(before.Diagnostics, after.Diagnostics);
    }

    [Fact]
    public void A_declaration_that_shadows_a_name_the_layers_use_reports_what_a_cold_run_reports()
    {
        (Outcome before, Outcome after, Outcome cold) = Edit(Other, "public static class Other", "public static class Math { public static double Exp(double a) => a; }\npublic static class Other");
        Assert.Equal(cold, after);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void A_body_edit_of_a_helper_the_layer_reads_in_place_in_another_file_generates_what_a_cold_run_generates()
    {
        (Outcome before, Outcome after, Outcome cold) = Edit(Other, "return a * a;", "return a * a * a;");
        Assert.Equal(cold, after);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void An_edit_inside_a_layer_body_reports_what_a_cold_run_reports()
    {
        (Outcome before, Outcome after, Outcome cold) = Edit(Layer, "Math.Exp(w[0])", "Math.Cos(w[0])");
        Assert.Equal(cold, after);
        Assert.NotEqual(before, after);
    }

    /// <summary>What a run produced: the generated sources and the diagnostics (id, file, line span, message).</summary>
    private sealed record Outcome(string Sources, string Diagnostics)
    {
        public static Outcome Of(GeneratorDriver driver)
        {
            GeneratorRunResult result = driver.GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            return new Outcome(
                string.Join("\n", result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.HintName + "\n" + s.SourceText)),
                string.Join("\n", result.Diagnostics.Select(d => d.Id + " " + d.Location.GetLineSpan() + " " + d.GetMessage()).Order(StringComparer.Ordinal)));
        }
    }

    /// <summary>Runs on both files, replaces <paramref name="from"/> by <paramref name="to"/> in <paramref name="source"/> and runs the same driver again; and a cold run on the edited sources parsed anew.</summary>
    private static (Outcome Before, Outcome After, Outcome Cold) Edit(string source, string from, string to)
    {
        Assert.Contains(from, source);
        CSharpCompilation compilation = GeneratorHarness.Compile(Layer, Other);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Outcome before = Outcome.Of(driver);

        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.ToString() == source);
        string edited = source.Replace(from, to);
        CSharpCompilation next = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(edited)));
        Outcome after = Outcome.Of(driver.RunGenerators(next));

        string[] texts = next.SyntaxTrees.Select(t => t.ToString()).ToArray();
        Outcome cold = Outcome.Of(GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile(texts)));
        return (before, after, cold);
    }
}
