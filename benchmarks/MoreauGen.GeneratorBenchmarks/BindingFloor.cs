using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>
/// Roslyn's binding of the layer body alone, the floor under the parse phase (the <c>--phases</c> table's binding
/// columns): on a fresh compilation, the method's symbol is declared first (ForAttributeWithMetadataName does that
/// before the parse step, outside its time), then <c>GetOperation</c> of the method is timed on a semantic model without
/// nullable analysis, which is the call the parser makes. The parse phase minus this is the parser's own walking.
/// </summary>
internal static class BindingFloor
{
    public static Cost Measure(GeneratorRun run)
    {
        Compilation compilation = run.Compilation();
        SyntaxTree tree = compilation.SyntaxTrees.First();
        MethodDeclarationSyntax method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().First();
        if (compilation.GetSemanticModel(tree).GetDeclaredSymbol(method) is null)
        {
            throw new InvalidOperationException("The layer method has no symbol.");
        }

        IOperation? operation = null;
#pragma warning disable RSEXPERIMENTAL001 // The same experimental option the parser binds with (BodyParser.WithoutNullableAnalysis).
        Cost cost = GeneratorRun.Measured(() => operation = compilation.GetSemanticModel(tree, SemanticModelOptions.DisableNullableAnalysis).GetOperation(method), 0);
#pragma warning restore RSEXPERIMENTAL001
        return operation is null ? throw new InvalidOperationException("The layer body did not bind.") : cost;
    }
}
