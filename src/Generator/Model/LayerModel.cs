namespace MoreauGen.Generator.Model
{
    /// <summary>
    /// What the parser reads from one <c>[MoreauLayer]</c> method: where the type is, its sizes and the body
    /// as IR statements in the user's names. Plain equatable data (the pipeline caches on it).
    /// </summary>
    /// <param name="Namespace">The namespace of the layer type, or null for the global namespace.</param>
    /// <param name="Types">The layer type and the types it is nested in, outermost first.</param>
    /// <param name="MethodName">The name of the <c>[MoreauLayer]</c> method.</param>
    /// <param name="Element">T: float or double.</param>
    /// <param name="Sizes">Sizes fixed by the attribute; null where the type declares the property itself.</param>
    /// <param name="Constants">The method's local constants of type float or double, referenced by name.</param>
    /// <param name="Body">The method body for one sample; spans appear as the roles W, X and Y.</param>
    /// <param name="ReservedNames">Names the generated code must not declare (the user's locals, primary-constructor parameters).</param>
    /// <param name="HintName">The generated file's hint name.</param>
    internal sealed record LayerModel(
        string? Namespace,
        EquatableArray<TypeDeclaration> Types,
        string MethodName,
        ScalarKind Element,
        LayerSizes Sizes,
        EquatableArray<ConstantDeclaration> Constants,
        EquatableArray<Stmt> Body,
        EquatableArray<string> ReservedNames,
        string HintName)
    {
        public IrType ElementType => IrType.ScalarOf(Element);
    }

    /// <summary>A type declaration to reopen as partial: <c>readonly partial record struct Name&lt;T&gt;</c>.</summary>
    /// <param name="Keyword"><c>class</c>, <c>struct</c>, <c>record</c> or <c>record struct</c>.</param>
    /// <param name="Name">The type's name, with its type parameter list if generic.</param>
    /// <param name="IsReadOnly">A readonly struct.</param>
    internal sealed record TypeDeclaration(string Keyword, string Name, bool IsReadOnly);

    /// <summary>The sizes fixed at compile time by the attribute; null means the type declares the property.</summary>
    internal sealed record LayerSizes(int? Parameters, int? Inputs, int? Outputs);

    /// <summary>A local <c>const</c> of the method, re-declared in every generated member that reads it.</summary>
    internal sealed record ConstantDeclaration(IrType Type, string Name, Literal Value);
}
