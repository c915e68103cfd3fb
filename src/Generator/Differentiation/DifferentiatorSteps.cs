using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// The structural steps of reverse mode that are not derivative rules: what a loop-carried local varies with, how a
    /// loop is walked back, how a recorded value is read back from the tape, how an adjoint receives a contribution, how
    /// a branch is replayed and where a slice of the tape or of a gradient starts. The generator hands one instance to the differentiators through their
    /// constructors; <see cref="Standard"/> is the only one the generator ships. Each member is the single place its
    /// step is decided, so a derived instance with one step deliberately wrong (a mutant) shows that the
    /// finite-difference checks catch it.
    /// </summary>
    internal class DifferentiatorSteps
    {
        /// <summary>The steps of reverse mode as the paper states them (Algorithm 2's reverse sweep).</summary>
        public static DifferentiatorSteps Standard { get; } = new();

        /// <summary>Whether the reverse of a loop walks its range downwards (the last iteration is reversed first).</summary>
        public virtual bool ReverseLoopsDescend => true;

        /// <summary>
        /// Whether the values a region pushed are popped in the reverse of the order they were pushed (a stack): with a
        /// cursor moving through the tape, the last value recorded is the first one read back.
        /// </summary>
        public virtual bool PopInReverseOrder => true;

        /// <summary>The tape index a recorded value of a per-sample body is read back from.</summary>
        public virtual Expr RestoreIndex(Expr index) => index;

        /// <summary>The start of the tape slice a recorded span of a batched body is read back from.</summary>
        public virtual Expr RestoreSliceStart(Expr start) => start;

        /// <summary>How a contribution reaches an adjoint that already holds others: added (or subtracted when negated).</summary>
        public virtual AssignKind Accumulate(AssignKind kind) => kind;

        /// <summary>
        /// How, at the end of a reverse iteration, the adjoint of a loop-carried local takes the adjoint of its phi: it is
        /// replaced (the iteration before receives only what this iteration's phi passed on).
        /// </summary>
        public virtual AssignKind CarriedAdjoint => AssignKind.Assign;

        /// <summary>The condition a reverse branch tests to replay the arm the forward pass took.</summary>
        public virtual Expr ReplayCondition(Expr recorded) => recorded;

        /// <summary>Whether the adjoint of y[i] is cleared after the store that overwrote y[i] is reversed.</summary>
        public virtual bool ResetOverwrittenOutputAdjoints => true;

        /// <summary>
        /// Whether the adjoint of an element of a scratch array is cleared after the store that overwrote it is reversed
        /// (a declaration, which clears the array, is such a store of zeros).
        /// </summary>
        public virtual bool ResetOverwrittenScratchAdjoints => true;

        /// <summary>
        /// What a loop-carried local varies with at the start of an iteration, from what it varies with before the loop
        /// and after an iteration's update: either (the first iteration sees the one, later iterations the other).
        /// </summary>
        public virtual Need CarriedVarying(Need beforeLoop, Need afterUpdate) => beforeLoop | afterUpdate;

        /// <summary>
        /// The trips of a <c>while</c> or <c>do</c> loop with no trip bound that the reverse pass walks back, from the count
        /// the forward pass recorded: all of them.
        /// </summary>
        public virtual Expr UnboundedTripsReversed(Expr recorded) => recorded;

        /// <summary>The start of a batched gradient slice (the adjoint of a view of w or x) in gradW or gradX.</summary>
        public virtual Expr GradientViewStart(Expr start) => start;
    }
}
