namespace MoreauGen.Generator.Model
{
    /// <summary>
    /// A differentiated <c>[MoreauLayer(Batched = true)]</c> body: statement lists the emitter prints once per member, with
    /// the member's spans bound to the roles W, X, Y, Tape, Lambda, GradW and GradX. Sizes are int expressions of the
    /// body's own size arithmetic (<see cref="Sizes"/>, printed first in every member).
    /// </summary>
    /// <param name="Sizes">The body's int declarations (<c>int m = x.Length / inputs;</c>).</param>
    /// <param name="TapeLength">The values the taped forward records for the batch (an int expression of the sizes).</param>
    /// <param name="Forward">The body as the user wrote it, temporaries rented from the pool and returned at the end.</param>
    /// <param name="TapedForward">
    /// The body with its temporaries that the reverse pass reads placed in the tape, and copies to the tape of the other
    /// values it reads (what an in-place call overwrites, or y).
    /// </param>
    /// <param name="ScratchForward">
    /// The body for members that run the reverse pass right after it (SubproblemW/X): temporaries rented and kept until
    /// <paramref name="ScratchReturns"/>; only values a later call overwrites are copied, to a scratch tape of
    /// <paramref name="ScratchTapeLength"/> values.
    /// </param>
    /// <param name="ScratchTapeLength">The scratch tape's length (0 when nothing the reverse pass reads is overwritten).</param>
    /// <param name="ScratchReturns">The temporaries of <paramref name="ScratchForward"/> returned.</param>
    /// <param name="LeafViews">Declarations of the views of w and x the reverse pass reads (the body's own names).</param>
    /// <param name="Restores">The forward values the reverse pass reads, as slices of the tape.</param>
    /// <param name="ScratchRestores">The same values after <paramref name="ScratchForward"/>: live spans, or slices of the scratch tape.</param>
    /// <param name="AdjointRents">The pooled spans the adjoints live in, rented.</param>
    /// <param name="AdjointBoth">Reverse statements needed for either gradient.</param>
    /// <param name="AdjointW">Then those needed for the gradient in w only (views of gradW included).</param>
    /// <param name="AdjointX">Then those needed for the gradient in x only.</param>
    /// <param name="AdjointReturns">The adjoint spans returned.</param>
    /// <param name="WritesEveryOutput">The body provably writes all of y (else forward passes clear it first).</param>
    /// <param name="UsedNames">Every local name the statements declare, for the emitter to avoid.</param>
    internal sealed record BatchedBody(
        EquatableArray<Stmt> Sizes,
        Expr TapeLength,
        EquatableArray<Stmt> Forward,
        EquatableArray<Stmt> TapedForward,
        EquatableArray<Stmt> ScratchForward,
        Expr ScratchTapeLength,
        EquatableArray<Stmt> ScratchReturns,
        EquatableArray<Stmt> LeafViews,
        EquatableArray<Stmt> Restores,
        EquatableArray<Stmt> ScratchRestores,
        EquatableArray<Stmt> AdjointRents,
        EquatableArray<Stmt> AdjointBoth,
        EquatableArray<Stmt> AdjointW,
        EquatableArray<Stmt> AdjointX,
        EquatableArray<Stmt> AdjointReturns,
        bool WritesEveryOutput,
        EquatableArray<string> UsedNames);

    /// <summary>A differentiated batched layer.</summary>
    internal sealed record BatchedProgram(LayerModel Layer, BatchedBody Body);
}
