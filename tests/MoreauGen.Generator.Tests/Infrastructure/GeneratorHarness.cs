using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MoreauGen.Generator;

namespace MoreauGen.Generator.Tests.Infrastructure;

/// <summary>Runs the generator in memory on C# sources, with the .NET 10 reference assemblies and MoreauGen's runtime.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(IMoreauLayer<>).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
            .ToImmutableArray());

    /// <summary>
    /// Compilation options with every warning on (warning level 9999) and nullable enabled. CS0618 is off: the attributes'
    /// warning that the generator is missing, which the generator's suppressor removes in a real build (the suppressor
    /// is tested on its own), would otherwise stand beside every [MoreauLayer] of these in-memory compilations.
    /// </summary>
    public static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithSpecificDiagnosticOptions([new KeyValuePair<string, ReportDiagnostic>("CS0618", ReportDiagnostic.Suppress)])
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithWarningLevel(9999)
        .WithOptimizationLevel(OptimizationLevel.Release)
        .WithAllowUnsafe(false);

    public static CSharpCompilation CompileAssembly(string assemblyName, params string[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References.Value,
            Options);

    public static CSharpCompilation Compile(params string[] sources) => CompileAssembly("Test", sources);

    public static GeneratorDriver CreateDriver(MoreauGenerator? generator = null) =>
        CSharpGeneratorDriver.Create(
            new[] { (generator ?? new MoreauGenerator()).AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator (the shipped one unless <paramref name="generator"/> is given) once on <paramref name="compilation"/>.</summary>
    public static GeneratorResult Run(CSharpCompilation compilation, MoreauGenerator? generator = null)
    {
        GeneratorDriver driver = CreateDriver(generator).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> driverDiagnostics);
        return new GeneratorResult(driver, driver.GetRunResult(), output, driverDiagnostics);
    }

    public static GeneratorResult Run(params string[] sources) => Run(Compile(sources));
}

/// <summary>What one generator run produced.</summary>
internal sealed record GeneratorResult(
    GeneratorDriver Driver,
    GeneratorDriverRunResult RunResult,
    Compilation Output,
    ImmutableArray<Diagnostic> DriverDiagnostics)
{
    public GeneratorRunResult Result => RunResult.Results.Single();

    /// <summary>The diagnostics the generator reported.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    /// <summary>The generated files' text by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Compiler diagnostics of the output compilation (the user's code plus the generated code).</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics => Output.GetDiagnostics();
}
