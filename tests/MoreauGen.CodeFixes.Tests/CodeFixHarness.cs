using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator;

namespace MoreauGen.CodeFixes.Tests;

/// <summary>
/// Puts sources in an AdhocWorkspace project (the .NET 10 reference assemblies, MoreauGen's attributes and runtime),
/// runs the generator on its compilation to get MoreauGen's diagnostics, and applies a code fix to one of them.
/// </summary>
internal static class CodeFixHarness
{
    /// <summary>What an SDK project's implicit usings provide, plus MoreauGen.</summary>
    public const string Usings = "using System;\nusing MoreauGen;\n\n";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(IMoreauLayer<>).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
            .ToImmutableArray();

    /// <summary>A one-project solution holding <paramref name="sources"/> as File0.cs, File1.cs, ….</summary>
    public static Project CreateProject(params string[] sources)
    {
        var workspace = new AdhocWorkspace();
        ProjectId id = ProjectId.CreateNewId();
        Solution solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(id, VersionStamp.Default, "Fixes", "Fixes", LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
                    .WithSpecificDiagnosticOptions([new KeyValuePair<string, ReportDiagnostic>("CS0618", ReportDiagnostic.Suppress)]) // the generator's suppressor does this in a build
                    .WithNullableContextOptions(NullableContextOptions.Enable),
                parseOptions: ParseOptions,
                metadataReferences: References));
        for (int i = 0; i < sources.Length; i++)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(id), $"File{i}.cs", SourceText.From(sources[i]), filePath: $"File{i}.cs");
        }

        return solution.GetProject(id)!;
    }

    /// <summary>MoreauGen's diagnostics and the compiler's errors of the project with the generator's output added.</summary>
    public static async Task<(ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Errors)> DiagnoseAsync(Project project)
    {
        Compilation compilation = (await project.GetCompilationAsync())!;
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new MoreauGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> driverDiagnostics);
        ImmutableArray<Diagnostic> generator = driver.GetRunResult().Diagnostics.AddRange(driverDiagnostics)
            .Where(d => d.Id.StartsWith("MG", StringComparison.Ordinal)).ToImmutableArray();
        ImmutableArray<Diagnostic> errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return (generator, errors);
    }

    /// <summary>
    /// Runs the generator, checks that it reports <paramref name="id"/>, asks <paramref name="fix"/> for its actions on
    /// that diagnostic and applies the one whose title starts with <paramref name="title"/> (the first when null).
    /// Returns the project after the fix.
    /// </summary>
    public static async Task<Project> ApplyAsync(Project project, CodeFixProvider fix, string id, string? title = null)
    {
        (ImmutableArray<Diagnostic> diagnostics, _) = await DiagnoseAsync(project);
        Diagnostic diagnostic = diagnostics.FirstOrDefault(d => d.Id == id)
            ?? throw new Xunit.Sdk.XunitException($"The generator did not report {id}; it reported: {string.Join("; ", diagnostics)}");
        Assert.Contains(id, fix.FixableDiagnosticIds);

        Document document = DocumentOf(project, diagnostic);
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await fix.RegisterCodeFixesAsync(context);
        CodeAction chosen = actions.FirstOrDefault(a => title is null || a.Title.StartsWith(title, StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"No fix titled '{title}' for {id}; offered: {string.Join("; ", actions.Select(a => a.Title))}");

        ImmutableArray<CodeActionOperation> operations = await chosen.GetOperationsAsync(CancellationToken.None);
        Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        return changed.GetProject(project.Id)!;
    }

    /// <summary>The fix titles offered for the first <paramref name="id"/> diagnostic.</summary>
    public static async Task<IReadOnlyList<string>> TitlesAsync(Project project, CodeFixProvider fix, string id)
    {
        (ImmutableArray<Diagnostic> diagnostics, _) = await DiagnoseAsync(project);
        Diagnostic diagnostic = diagnostics.First(d => d.Id == id);
        Document document = DocumentOf(project, diagnostic);
        var titles = new List<string>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => titles.Add(action.Title), CancellationToken.None));
        return titles;
    }

    /// <summary>
    /// The document a diagnostic is in. The generator reports at a file path and span (as the compiler passes them
    /// on to the IDE), so the document is found by its path.
    /// </summary>
    private static Document DocumentOf(Project project, Diagnostic diagnostic)
    {
        string path = diagnostic.Location.GetLineSpan().Path;
        return project.Documents.SingleOrDefault(d => d.FilePath == path)
            ?? throw new Xunit.Sdk.XunitException($"The diagnostic {diagnostic} is not in a document of the project.");
    }

    /// <summary>The text of the project's document File<paramref name="index"/>.cs, line ends normalised.</summary>
    public static async Task<string> TextAsync(Project project, int index = 0)
    {
        Document document = project.Documents.Single(d => d.Name == $"File{index}.cs");
        return (await document.GetTextAsync()).ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Asserts that the project now compiles through the generator with no MoreauGen diagnostic and no error.</summary>
    public static async Task AssertCleanAsync(Project project)
    {
        (ImmutableArray<Diagnostic> generator, ImmutableArray<Diagnostic> errors) = await DiagnoseAsync(project);
        Assert.True(generator.IsEmpty, "MoreauGen diagnostics after the fix: " + string.Join("; ", generator));
        Assert.True(errors.IsEmpty, "Compiler errors after the fix: " + string.Join("; ", errors));
    }
}
