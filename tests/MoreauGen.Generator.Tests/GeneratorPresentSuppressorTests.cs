using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using MoreauGen.Generator.Suppressors;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The attributes warn (CS0618, their Obsolete message) that the generator is missing; the suppressor shipped in the
/// generator's assembly removes exactly that warning. (That it runs in command-line builds is shown by this project's
/// own build, warnings as errors, whose corpus uses [MoreauLayer] with the generator as an analyzer, and by the package
/// and project-reference builds of tests/MoreauGen.Package.Tests.)
/// </summary>
public sealed class GeneratorPresentSuppressorTests
{
    private const string Source = """
        using System;
        using MoreauGen;

        public partial class Scale
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = w[0] * x[0];
        }

        public partial class Loss
        {
            [MoreauObjective(Inputs = 1)]
            public double Value(ReadOnlySpan<double> x) => x[0] * x[0];
        }

        [Obsolete("an unrelated obsolete type")]
        public sealed class Old
        {
        }

        public static class User
        {
            public static object Make() => new Old();
        }
        """;

    [Fact]
    public async Task Without_the_generator_the_attributes_say_so_and_with_it_only_that_warning_is_suppressed()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Source).WithOptions(GeneratorHarness.Options.WithSpecificDiagnosticOptions(ImmutableDictionary<string, ReportDiagnostic>.Empty));
        Diagnostic[] obsolete = compilation.GetDiagnostics().Where(d => d.Id == "CS0618").ToArray();
        Assert.Equal(2, obsolete.Count(d => d.GetMessage().Contains(GeneratorPresentSuppressor.Marker, StringComparison.Ordinal)));
        Assert.Contains(obsolete, d => d.GetMessage().Contains("an unrelated obsolete type", StringComparison.Ordinal));
        Assert.All(obsolete, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));

        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true);
        ImmutableArray<Diagnostic> analyzed = await compilation.WithAnalyzers([new GeneratorPresentSuppressor()], options).GetAllDiagnosticsAsync();
        Diagnostic[] ours = analyzed.Where(d => d.Id == "CS0618" && d.GetMessage().Contains(GeneratorPresentSuppressor.Marker, StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, ours.Length);
        Assert.All(ours, d => Assert.True(d.IsSuppressed));
        Assert.Contains(analyzed, d => d.Id == "CS0618" && !d.IsSuppressed && d.GetMessage().Contains("an unrelated obsolete type", StringComparison.Ordinal));
    }
}
