using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// The corpus compiled in one compilation through the generator, emitted and loaded into a collectible
/// AssemblyLoadContext; layers are created by name and driven through <see cref="IMoreauLayer{T}"/>.
/// </summary>
internal sealed class CorpusAssembly : IDisposable
{
    private static readonly Lazy<CorpusAssembly> Shared = new(() => Build(culture: null));

    private readonly AssemblyLoadContext context;
    private readonly Assembly assembly;

    private CorpusAssembly(AssemblyLoadContext context, Assembly assembly, GeneratorResult result)
    {
        this.context = context;
        this.assembly = assembly;
        Result = result;
    }

    /// <summary>The corpus built once per test run, under the invariant culture of the test host.</summary>
    public static CorpusAssembly Default => Shared.Value;

    /// <summary>The generator run (its diagnostics and the output compilation's).</summary>
    public GeneratorResult Result { get; }

    /// <summary>
    /// Runs the generator on the corpus (under <paramref name="culture"/> when given, to catch culture-dependent
    /// formatting in the generated code), emits the compilation and loads it.
    /// </summary>
    public static CorpusAssembly Build(CultureInfo? culture)
    {
        CultureInfo previous = CultureInfo.CurrentCulture;
        CultureInfo previousUi = CultureInfo.CurrentUICulture;
        CultureInfo? previousDefault = CultureInfo.DefaultThreadCurrentCulture;
        try
        {
            if (culture is not null)
            {
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = culture;
                CultureInfo.DefaultThreadCurrentCulture = culture;
            }

            GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CompileAssembly("MoreauGen.Corpus" + (culture is null ? string.Empty : ".Culture"), LayerCorpus.Source()));
            using var image = new MemoryStream();
            Microsoft.CodeAnalysis.Emit.EmitResult emitted = result.Output.Emit(image);
            if (!emitted.Success)
            {
                throw new InvalidOperationException("The corpus does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
            }

            image.Position = 0;
            var context = new AssemblyLoadContext("MoreauGen.Corpus", isCollectible: true);
            return new CorpusAssembly(context, context.LoadFromStream(image), result);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
            CultureInfo.CurrentUICulture = previousUi;
            CultureInfo.DefaultThreadCurrentCulture = previousDefault;
        }
    }

    /// <summary>A new instance of the corpus layer <paramref name="entry"/> in the namespace for <paramref name="flavour"/> (Double, Single, Reference).</summary>
    public IMoreauLayer<T> Create<T>(CorpusEntry entry, string flavour)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Type type = assembly.GetType("Corpus." + flavour + "." + entry.Name, throwOnError: true)!;
        if (type.IsGenericTypeDefinition)
        {
            type = type.MakeGenericType(typeof(int));
        }

        object instance = Activator.CreateInstance(type, entry.Arguments ?? [])!;
        return (IMoreauLayer<T>)instance;
    }

    /// <summary>A new instance of the corpus objective <paramref name="entry"/> for <paramref name="flavour"/>, prepared for a batch of <paramref name="m"/>.</summary>
    public IMoreauObjective<T> CreateObjective<T>(ObjectiveEntry entry, string flavour, int m)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Type type = assembly.GetType("Corpus." + flavour + "." + entry.Name, throwOnError: true)!;
        object instance = Activator.CreateInstance(type, ObjectiveCorpus.Arguments(entry, type))!;
        type.GetMethod("Prepare")?.Invoke(instance, [m]);
        return (IMoreauObjective<T>)instance;
    }

    /// <summary>The all-double layer whose finite differences the layers of <paramref name="entry"/> are checked against.</summary>
    public IMoreauLayer<double> Reference(CorpusEntry entry) => Create<double>(entry, entry.Mixed ? "Reference" : "Double");

    public ImmutableArray<Diagnostic> AllDiagnostics() =>
        Result.GeneratorDiagnostics.AddRange(Result.DriverDiagnostics).AddRange(Result.CompilationDiagnostics);

    public void Dispose() => context.Unload();
}
