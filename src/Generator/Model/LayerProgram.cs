namespace MoreauGen.Generator.Model
{
    /// <summary>
    /// A differentiated body: what the emitter prints for a layer (one sample), an objective (the batch) or a helper.
    /// </summary>
    /// <param name="Primal">
    /// The forward pass in single-assignment form, with the values the reverse pass reads bound to locals and the
    /// tape stores (assignments to <see cref="SpanRole.Tape"/> elements; members without a tape skip them).
    /// </param>
    /// <param name="Restores">What the reverse pass re-creates first: values of the top level, from the tape or recomputed (loop bodies and branch arms restore their own values inside the reverse statements).</param>
    /// <param name="AdjointBoth">
    /// Straight-line bodies: reverse statements needed for either gradient. Bodies with loops or branches: the whole
    /// reverse pass for both gradients.
    /// </param>
    /// <param name="AdjointW">Straight-line: the statements needed only for the gradient in w (run after <paramref name="AdjointBoth"/>). Otherwise: the whole reverse pass for w only.</param>
    /// <param name="AdjointX">Likewise for x.</param>
    /// <param name="Structured">
    /// The body has loops or branches: the three adjoint lists are alternatives (not parts), and members that run
    /// the forward and reverse passes together record on a scratch tape and restore as Pullback does.
    /// </param>
    /// <param name="TapePrelude">Statements that compute <paramref name="TapeSlots"/> (empty when it is a constant).</param>
    /// <param name="TapeSlots">Tape values per sample (an int expression of the sizes; a literal when fixed). The tape holds samples back to back.</param>
    /// <param name="Result">The returned value in the forward pass's scope (objectives and helpers).</param>
    /// <param name="OutputsAtRunTimeIndices">
    /// y is indexed by run-time expressions or inside loops and branches: forward passes clear the sample's y
    /// first, and the reverse pass keeps the adjoint of y in a buffer (<see cref="SpanRole.OutputAdjoint"/>).
    /// </param>
    /// <param name="WritesEveryOutput">Every y[i], i &lt; OutputCount, is written (known only for fixed sizes).</param>
    /// <param name="UsedNames">Every local name the statements declare, for the emitter to avoid.</param>
    internal sealed record DifferentiatedBody(
        EquatableArray<Stmt> Primal,
        EquatableArray<Stmt> Restores,
        EquatableArray<Stmt> AdjointBoth,
        EquatableArray<Stmt> AdjointW,
        EquatableArray<Stmt> AdjointX,
        bool Structured,
        EquatableArray<Stmt> TapePrelude,
        Expr TapeSlots,
        Expr? Result,
        bool OutputsAtRunTimeIndices,
        bool WritesEveryOutput,
        EquatableArray<string> UsedNames)
    {
        /// <summary>The scratch arrays of the body (per-sample layers): each member takes their values and adjoints once, before its loop over the samples.</summary>
        public EquatableArray<ScratchArray> ScratchArrays { get; init; } = EquatableArray<ScratchArray>.Empty;

        /// <summary>
        /// The body has a <c>while</c> or <c>do</c> loop with no trip bound: nothing is recorded in a call's tape, Pullback
        /// re-runs <see cref="Primal"/> on a pooled tape that grows as the trips run (<see cref="GrowTape"/>), and
        /// <see cref="TapeSlots"/> is the room that tape starts with.
        /// </summary>
        public bool GrowableTape { get; init; }

        /// <summary>
        /// With <see cref="GrowableTape"/>: Σ, the records of one trip of each loop with no trip bound together (outside the
        /// unbounded loops each trip holds); <see cref="TapeSlots"/> is then R = S + Σ, S the records outside their trips.
        /// </summary>
        public Expr TripSlots { get; init; } = new Literal(IrType.Int, 0);

        /// <summary>The tape size per sample when it is fixed, else null.</summary>
        public int? FixedTapeSlots => TapeSlots is Literal literal ? (int)literal.Value : null;
    }

    /// <summary>The differentiated layer or objective and the pullbacks of the helpers it calls.</summary>
    internal sealed record LayerProgram(LayerModel Layer, DifferentiatedBody Body, EquatableArray<HelperProgram> Helpers);

    /// <summary>
    /// A generated helper pullback: <c>static void Pullback(T a, …, T Adjoint, out T Outs[0], …)</c>, the helper's
    /// forward and reverse passes together.
    /// </summary>
    internal sealed record HelperProgram(HelperModel Helper, DifferentiatedBody Body, string Adjoint, EquatableArray<string> Outs);
}
