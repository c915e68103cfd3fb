using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Infrastructure;
using Xunit;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// README.md's "One layer, five backward algorithms" compiles through the generator with no diagnostic, and what it
/// claims happens: each of the five algorithms trains the same generated layer.
/// </summary>
public sealed class ReadmeVariantsExampleTests
{
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Linq;
        """;

    [Fact]
    public void The_five_algorithm_example_compiles_without_diagnostics_and_each_algorithm_lowers_the_cost()
    {
        string example = ReadmeExampleTests.ReadmeExample("class FiveAlgorithms");
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CompileAssembly("MoreauGen.ReadmeVariants", example, ImplicitUsings));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));

        var context = new AssemblyLoadContext("readme-variants", isCollectible: true);
        try
        {
            using var image = new MemoryStream();
            Assert.True(result.Output.Emit(image).Success);
            image.Position = 0;
            Assembly assembly = context.LoadFromStream(image);
            MethodInfo compare = assembly.GetType("FiveAlgorithms")?.GetMethod("Compare") ?? throw new InvalidOperationException("The README example has no FiveAlgorithms.Compare.");
            var results = (List<(string Name, double Before, double After)>)compare.Invoke(null, null)!;
            Assert.Equal(5, results.Count);
            foreach ((string name, double before, double after) in results)
            {
                Assert.True(double.IsFinite(before) && before > 0.05, $"{name}: cost before training {before}");
                Assert.True(after < 0.5 * before, $"{name} took the cost from {before} only to {after}.");
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
