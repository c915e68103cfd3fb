using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Helpers in another assembly: the generator cannot see their bodies, so a [CustomPullback] is the only way to call
/// them (a [Differentiable] one is reported, MG0030), and the custom pullback is what the reverse pass calls.
/// </summary>
public sealed class HelperTests
{
    private const string Library = """
        using System;
        using MoreauGen;
        namespace External;
        public static class Functions
        {
            [CustomPullback(nameof(SoftSquarePullback))]
            public static double SoftSquare(double a) => Math.Sqrt(1 + a * a);

            public static void SoftSquarePullback(double a, double result, double adjoint, out double da) => da = adjoint * a / result;

            [Differentiable]
            public static double Cube(double a) => a * a * a;
        }
        """;

    private const string Layers = """
        using System;
        using MoreauGen;
        namespace Callers;
        public partial class UsesCustom
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = External.Functions.SoftSquare(w[0] * x[0]) + w[0];
        }
        """;

    [Fact]
    public void A_helper_in_another_assembly_is_called_through_its_custom_pullback()
    {
        byte[] library = Emit(GeneratorHarness.CompileAssembly("External", Library));
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CompileAssembly("Callers", Layers).AddReferences(MetadataReference.CreateFromImage(library)));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains("global::External.Functions.SoftSquarePullback(", Assert.Single(result.Sources).Value);

        var context = new LibraryContext(library);
        try
        {
            Assembly callers = context.LoadFromStream(new MemoryStream(Emit(result.Output)));
            var layer = (IMoreauLayer<double>)Activator.CreateInstance(callers.GetType("Callers.UsesCustom")!)!;
            foreach (int m in new[] { 1, 3 })
            {
                OracleChecks.Check("UsesCustom", layer, layer, m, 5 + m, -1, 1, OracleChecks.DoubleTolerance);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void A_differentiable_helper_whose_body_is_in_another_assembly_is_reported_at_the_call()
    {
        byte[] library = Emit(GeneratorHarness.CompileAssembly("External", Library));
        MarkedSource source = MarkedSource.Parse(DiagnosticTests.Header + """
            public partial class UsesCube
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = [|External.Functions.Cube(w[0])|] * x[0];
            }
            """);
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compile(source.Text).AddReferences(MetadataReference.CreateFromImage(library)));
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("MG0030", diagnostic.Id);
        Assert.Equal(source.Span, diagnostic.Location.SourceSpan);
        Assert.Contains("CustomPullback", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.Sources);
    }

    private static byte[] Emit(Compilation compilation)
    {
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return image.ToArray();
    }

    /// <summary>Loads the caller assembly next to the helper library (resolved from memory).</summary>
    private sealed class LibraryContext(byte[] library) : AssemblyLoadContext("MoreauGen.Helpers", isCollectible: true)
    {
        private Assembly? loaded;

        protected override Assembly? Load(AssemblyName name) =>
            name.Name == "External" ? loaded ??= LoadFromStream(new MemoryStream(library)) : null;
    }
}
