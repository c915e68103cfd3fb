namespace MoreauGen.Generator.Model
{
    /// <summary>
    /// The differentiated layer: what the emitter prints. All statements are for one sample; the emitter wraps
    /// them in the loop over the batch and binds the span roles to each member's spans.
    /// </summary>
    /// <param name="Layer">The parsed layer (its <see cref="LayerModel.Body"/> is printed as the plain Forward).</param>
    /// <param name="Primal">
    /// The forward pass in single-assignment form, with the values the adjoint needs bound to locals; the tape
    /// stores are assignments to <see cref="SpanRole.Tape"/> elements (skipped where no tape is kept).
    /// </param>
    /// <param name="Restores">What Pullback re-creates before its reverse pass: tape loads and values recomputed from w and x.</param>
    /// <param name="AdjointBoth">Reverse statements needed for either gradient, in execution order.</param>
    /// <param name="AdjointW">Reverse statements needed only for the gradient in w (after <paramref name="AdjointBoth"/>).</param>
    /// <param name="AdjointX">Reverse statements needed only for the gradient in x (after <paramref name="AdjointBoth"/>).</param>
    /// <param name="TapeSlotsPerSample">Tape values per sample; the tape holds the samples back to back.</param>
    /// <param name="OutputsAtRunTimeIndices">
    /// y is indexed by run-time expressions somewhere: forward passes clear the sample's y first, and the reverse
    /// pass keeps the adjoint of y in a buffer (<see cref="SpanRole.OutputAdjoint"/>).
    /// </param>
    /// <param name="WritesEveryOutput">Every y[i], i &lt; OutputCount, is written (known only for fixed sizes).</param>
    /// <param name="UsedNames">Every local name the statements declare, for the emitter to avoid.</param>
    internal sealed record LayerProgram(
        LayerModel Layer,
        EquatableArray<Stmt> Primal,
        EquatableArray<Stmt> Restores,
        EquatableArray<Stmt> AdjointBoth,
        EquatableArray<Stmt> AdjointW,
        EquatableArray<Stmt> AdjointX,
        int TapeSlotsPerSample,
        bool OutputsAtRunTimeIndices,
        bool WritesEveryOutput,
        EquatableArray<string> UsedNames);
}
