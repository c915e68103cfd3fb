using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>Hint names are {Namespace}.{Type}.{Method}.g.cs and stay unique (generic arity kept), so AddSource never fails.</summary>
public sealed class HintNameTests
{
    [Fact]
    public void Types_whose_names_differ_only_by_generic_arity_get_different_files()
    {
        GeneratorResult result = GeneratorHarness.Run("""
            using System;
            using MoreauGen;
            namespace Hints;
            public partial class A_1
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = w[0] * x[0];
            }
            public partial class A<TTag>
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = w[0] + x[0];
            }
            public partial class Outer
            {
                public partial class A_1
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = w[0] - x[0];
                }
            }
            """);
        Assert.Null(result.Result.Exception);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Equal(["Hints.A_1.Apply.g.cs", "Hints.A`1.Apply.g.cs", "Hints.Outer.A_1.Apply.g.cs"], result.Sources.Keys.Order(StringComparer.Ordinal));
    }
}
