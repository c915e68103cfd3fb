using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>How the layer bodies are bound (the <c>--binding</c> option's columns).</summary>
internal enum Binding
{
    /// <summary>The ordinary semantic model: GetOperation runs nullable analysis of the method.</summary>
    Analysed,

    /// <summary>SemanticModelOptions.DisableNullableAnalysis (experimental, RSEXPERIMENTAL001): the parser's call.</summary>
    Option,

    /// <summary>A clone of the compilation with NullableContextOptions.Disable, and its semantic model (supported API).</summary>
    Clone,
}

/// <summary>
/// Roslyn's binding of every layer body in a compilation, three ways (<see cref="Binding"/>): cold (a fresh compilation)
/// and after an unrelated edit (the compilation after it, every body bound again: what every layer's parse would cost on a
/// keystroke if the parse step could not reuse its results). The layer methods are declared first, untimed, as
/// ForAttributeWithMetadataName declares them before the parse step; the clone's own declarations are timed, since the
/// generator would pay for them.
/// </summary>
internal static class BindingVariants
{
    public static Cost Cold(GeneratorRun run, Binding binding) => BindAll(run.Compilation(), binding);

    public static Cost UnrelatedEdit(GeneratorRun run, Binding binding)
    {
        CSharpCompilation cold = run.Compilation();
        BindAll(cold, binding);
        return BindAll(run.WithUnrelatedEdit(cold), binding);
    }

    private static Cost BindAll(CSharpCompilation compilation, Binding binding)
    {
        var methods = new List<MethodDeclarationSyntax>();
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            SemanticModel declared = compilation.GetSemanticModel(tree);
            foreach (MethodDeclarationSyntax method in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                if (method.AttributeLists.Count > 0 && declared.GetDeclaredSymbol(method) is not null)
                {
                    methods.Add(method);
                }
            }
        }

        int bound = 0;
        Cost cost = GeneratorRun.Measured(() =>
        {
            Compilation target = binding == Binding.Clone
                ? compilation.WithOptions(compilation.Options.WithNullableContextOptions(NullableContextOptions.Disable))
                : compilation;
            foreach (MethodDeclarationSyntax method in methods)
            {
#pragma warning disable RSEXPERIMENTAL001 // The option the parser binds with (BodyParser.WithoutNullableAnalysis).
                SemanticModel model = binding == Binding.Option
                    ? target.GetSemanticModel(method.SyntaxTree, SemanticModelOptions.DisableNullableAnalysis)
                    : target.GetSemanticModel(method.SyntaxTree);
#pragma warning restore RSEXPERIMENTAL001
                bound += model.GetOperation(method) is null ? 0 : 1;
            }
        }, 0);
        return bound == methods.Count ? cost : throw new InvalidOperationException("A layer body did not bind.");
    }
}
