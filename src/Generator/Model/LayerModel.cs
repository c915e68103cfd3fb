namespace MoreauGen.Generator.Model
{
    /// <summary>What kind of method a model describes.</summary>
    internal enum ModelKind
    {
        /// <summary>A <c>[MoreauLayer]</c> method: <c>void M(ReadOnlySpan&lt;T&gt; w, ReadOnlySpan&lt;T&gt; x, Span&lt;T&gt; y)</c>, one sample.</summary>
        Layer,

        /// <summary>A <c>[MoreauObjective]</c> method: <c>T H(ReadOnlySpan&lt;T&gt; x)</c> over the whole batch.</summary>
        Objective,
    }

    /// <summary>
    /// What the parser reads from one <c>[MoreauLayer]</c> or <c>[MoreauObjective]</c> method: where the type is, its
    /// sizes and the body as IR statements in the user's names. Plain equatable data (the pipeline caches on it).
    /// </summary>
    /// <param name="Namespace">The namespace of the type, or null for the global namespace.</param>
    /// <param name="Types">The type and the types it is nested in, outermost first.</param>
    /// <param name="MethodName">The name of the attributed method.</param>
    /// <param name="Element">T: float or double.</param>
    /// <param name="Sizes">Sizes fixed by the attribute; null where the type declares the property itself (objectives use Inputs only).</param>
    /// <param name="Constants">The method's local constants of type float or double, referenced by name.</param>
    /// <param name="Body">
    /// The method body: for a layer, one sample (spans appear as the roles W, X and Y); for an objective, the whole
    /// batch x (role X), ending with a <see cref="Return"/>.
    /// </param>
    /// <param name="ReservedNames">Names the generated code must not declare (the user's locals, primary-constructor parameters).</param>
    /// <param name="HintName">The generated file's hint name.</param>
    /// <param name="Kind">Layer or objective.</param>
    /// <param name="Helpers">The helpers the body calls, directly or through other helpers.</param>
    /// <param name="Affine">What the degree analysis found and what the type declares.</param>
    /// <param name="Batched">
    /// <c>[MoreauLayer(Batched = true)]</c>: the body handles the whole batch with <c>Ops</c> calls on spans (size arithmetic,
    /// span views, temporaries and <see cref="TensorCall"/>s only); the generated members run it once per call.
    /// </param>
    /// <param name="SpanNames">The names of the method's span parameters (w, x, y) in the user's code, for comments.</param>
    internal sealed record LayerModel(
        string? Namespace,
        EquatableArray<TypeDeclaration> Types,
        string MethodName,
        ScalarKind Element,
        LayerSizes Sizes,
        EquatableArray<ConstantDeclaration> Constants,
        EquatableArray<Stmt> Body,
        EquatableArray<string> ReservedNames,
        string HintName,
        ModelKind Kind,
        EquatableArray<HelperModel> Helpers,
        AffineTraits Affine,
        bool Batched = false,
        EquatableArray<string> SpanNames = default)
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

    /// <summary>
    /// Whether the layer is affine in w and in x (a degree analysis of the body), and whether the type itself
    /// declares the runtime's markers <c>IAffineInParameters</c> / <c>IAffineInInputs</c>. The generated part declares
    /// a marker the body earns and the type does not declare.
    /// </summary>
    internal sealed record AffineTraits(bool InParameters, bool InInputs, bool DeclaresInParameters, bool DeclaresInInputs)
    {
        public static AffineTraits None { get; } = new(false, false, false, false);
    }

    /// <summary>
    /// A static helper <c>static T F(T a, …)</c> a body calls: <c>[Differentiable]</c> (its body is differentiated
    /// into a pullback method emitted next to the caller) or with <c>[CustomPullback]</c> (the user's pullback is called).
    /// </summary>
    /// <param name="Method">The helper as the generated code calls it: <c>global::N.T.F</c>.</param>
    /// <param name="Name">The helper's simple name.</param>
    /// <param name="Element">T of the helper.</param>
    /// <param name="Parameters">Parameter names, as the body reads them (<see cref="Local"/>s of type T).</param>
    /// <param name="Body">The body, ending with a <see cref="Return"/>; empty for a custom pullback.</param>
    /// <param name="Constants">The helper's local float/double constants.</param>
    /// <param name="ReservedNames">The helper's parameter and local names.</param>
    /// <param name="Pullback">
    /// The method the reverse pass calls: the user's pullback (qualified) for a custom one, else the name of the
    /// generated private static method on the caller's type.
    /// </param>
    /// <param name="IsCustom">The user supplied the pullback.</param>
    /// <param name="PullbackTakesResult">The custom pullback takes the helper's result before the adjoint.</param>
    internal sealed record HelperModel(
        string Method,
        string Name,
        ScalarKind Element,
        EquatableArray<string> Parameters,
        EquatableArray<Stmt> Body,
        EquatableArray<ConstantDeclaration> Constants,
        EquatableArray<string> ReservedNames,
        string Pullback,
        bool IsCustom,
        bool PullbackTakesResult)
    {
        public IrType ElementType => IrType.ScalarOf(Element);
    }
}
