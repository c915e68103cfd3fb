using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Helpers of the layer's own type without an attribute: followed by the generator (their bodies read in place of the
/// call), with out/ref parameters, instance data and helpers calling helpers; checked against central differences of the
/// user's own method (float and double, m = 1 and 3); what cannot be followed is a message at the call.
/// </summary>
public sealed class HelperInliningTests
{
    private const string Sig = "(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)";

    public static TheoryData<string> Entries => new(HelperCorpus.Entries.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Entries))]
    public void Oracles_of_layers_calling_their_own_helpers_match_central_differences(string name) =>
        CompileAndRunTests.CheckEntry(CorpusAssembly.Default, LayerCorpus.Find(name));

    [Fact]
    public void A_helper_that_is_not_differentiable_looking_does_not_matter_when_it_is_not_called()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + $$"""
            public partial class L
            {
                private static int Describe(string text, object tag) => text.Length + tag.GetHashCode();
                private static double Square(double a) => a * a;
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}} { y[0] = Square(x[0]) * w[0]; }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Single(result.Sources);
    }

    [Fact]
    public void Calling_a_helper_with_a_parameter_of_another_type_says_what_a_followed_helper_takes()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + $$"""
            public partial class L
            {
                private static double Scaled(double a, string unit) => a * unit.Length;
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}} { y[0] = Scaled(x[0], "m") * w[0]; }
            }
            """);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("MG0010", diagnostic.Id);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'unit'", message);
        Assert.Contains("[Differentiable]", message);
    }

    [Fact]
    public void A_helper_called_in_an_arm_of_a_conditional_expression_is_asked_to_be_a_statement_of_its_own()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + $$"""
            public partial class L
            {
                private static double Root(double a) => Math.Sqrt(a);
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}} { y[0] = x[0] > 0 ? Root(x[0]) * w[0] : w[0]; }
            }
            """);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("MG0010", diagnostic.Id);
        Assert.Contains("statement of its own", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_readme_example_of_own_helpers_compiles_without_diagnostics()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + ReadmeExampleTests.ReadmeExample("class Polar"));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Single(result.Sources);
    }

    [Fact]
    public void A_custom_pullback_on_an_own_helper_is_still_what_the_reverse_pass_calls()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + $$"""
            public partial class L
            {
                [CustomPullback(nameof(SquarePullback))]
                private static double Square(double a) => a * a;
                private static void SquarePullback(double a, double adjoint, out double da) => da = 2 * a * adjoint;
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}} { y[0] = Square(x[0]) * w[0]; }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains(result.Sources, s => s.Value.Contains("SquarePullback(", StringComparison.Ordinal));
    }
}
