using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Infrastructure;
using Xunit;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The C# example of README.md ("Writing a layer") compiles through the generator with no diagnostic, and what it
/// claims happens: MorGD fits the chain.
/// </summary>
public sealed class ReadmeExampleTests
{
    // What an SDK project's implicit usings provide; the example is written for such a project.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Linq;
        """;

    [Fact]
    public void The_readme_example_compiles_without_diagnostics_and_fits_its_target()
    {
        var (before, after) = ((float, float))CompileAndInvoke("class Example", "Example", "Fit")!;
        Assert.True(float.IsFinite(before) && before > 0.1f, $"cost before fitting: {before}");
        Assert.True(after < 0.1f * before, $"MorGD took the cost from {before} only to {after}.");
    }

    /// <summary>
    /// Compiles README's block that declares <paramref name="declaration"/> through the generator, requires no generator
    /// diagnostic and no compiler warning, and returns what <paramref name="type"/>.<paramref name="method"/>() returns
    /// (a value of a core library type: the example's assembly is unloaded afterwards).
    /// </summary>
    internal static object? CompileAndInvoke(string declaration, string type, string method)
    {
        string example = ReadmeExample(declaration);
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CompileAssembly("MoreauGen.Readme." + type, example, ImplicitUsings));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));

        var context = new AssemblyLoadContext("readme-" + type, isCollectible: true);
        try
        {
            using var image = new MemoryStream();
            Assert.True(result.Output.Emit(image).Success);
            image.Position = 0;
            Assembly assembly = context.LoadFromStream(image);
            MethodInfo entry = assembly.GetType(type)?.GetMethod(method) ?? throw new InvalidOperationException($"The README example has no {type}.{method}.");
            return entry.Invoke(null, null);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The ```csharp block of README.md that declares <paramref name="type"/>.</summary>
    internal static string ReadmeExample(string type = "class Example")
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        MatchCollection blocks = Regex.Matches(readme, @"```csharp\n(.*?)```", RegexOptions.Singleline);
        Match block = Assert.Single(blocks, b => b.Groups[1].Value.Contains(type, StringComparison.Ordinal));
        return block.Groups[1].Value;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MoreauGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("No MoreauGen.sln above " + AppContext.BaseDirectory);
    }
}
