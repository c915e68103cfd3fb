namespace MoreauGen.Generator.Model
{
    /// <summary>
    /// A scratch array of a per-sample body (<c>Span&lt;T&gt; p = stackalloc T[3];</c>, <c>var h = new T[n];</c>): its
    /// values live in <paramref name="Name"/> and, while the reverse pass runs, their adjoints in
    /// <paramref name="AdjointName"/>, both of <paramref name="Length"/> values (an int expression of constants and sizes,
    /// fixed for a call). The emitter takes both from the stack or from ArrayPool once per member, never per sample, so
    /// the generated code allocates nothing; the body's declaration clears the values (as <c>new</c> does).
    /// </summary>
    internal sealed record ScratchArray(string Name, string AdjointName, Expr Length)
    {
        /// <summary>
        /// The differentiated passes hold the array as one scalar local per element (see ScratchScalars): only the plain
        /// forward pass, which runs the body as written, takes its buffer, and it has no adjoint buffer.
        /// </summary>
        public bool Scalarized { get; init; }
    }
}
