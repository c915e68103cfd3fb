using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>
/// The floor of a run: a generator that finds the same <c>[MoreauLayer]</c> methods with ForAttributeWithMetadataName
/// and returns their names, so what Roslyn itself spends on a new compilation (declarations, the attribute lookup)
/// can be told apart from what MoreauGen's parser, differentiator and emitter spend.
/// </summary>
internal sealed class FloorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<string> names = context.SyntaxProvider.ForAttributeWithMetadataName(
            "MoreauGen.MoreauLayerAttribute",
            static (node, _) => node is MethodDeclarationSyntax,
            static (attributeContext, _) => attributeContext.TargetSymbol.ContainingType.Name + "." + attributeContext.TargetSymbol.Name);
        context.RegisterSourceOutput(names, static (output, name) => output.AddSource(name + ".g.cs", "// " + name + "\n"));
    }
}
