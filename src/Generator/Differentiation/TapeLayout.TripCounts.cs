using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using static MoreauGen.Generator.Differentiation.DifferentiationState;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// The trip count of a lowered <c>while</c> or <c>do</c> loop (part of <see cref="TapeLayout"/>). The loop runs at most
    /// its bound B of trips, and once its stop flag is set every later trip does nothing; so the taped forward pass ends
    /// the loop after the trip that set the flag, moves the cursor past the records of the B − n trips it did not run and
    /// records n, one more slot after the loop's records. The reverse pass reads n, moves the cursor back over the
    /// unused records and walks trips n − 1 … 0 only (Algorithm 2's reverse sweep over the iterations that ran).
    /// </summary>
    internal sealed partial class TapeLayout
    {
        private readonly Dictionary<LoopItem, Expr?> perTrip = new();

        /// <summary>
        /// The values one trip of <paramref name="loop"/> records, when the loop records its trip count: a lowered while or
        /// do loop (from 0, step 1) with a stop flag it carries, recording a count of values per trip that is a closed form
        /// of the sizes (not 0), on a tape read through the cursor. Null otherwise (the loop then runs all its trips).
        /// </summary>
        public Expr? TripsRecorded(LoopItem loop)
        {
            if (perTrip.TryGetValue(loop, out Expr? known))
            {
                return known;
            }

            Expr? count = null;
            if (loop.Unbounded)
            {
                // Laid out with the tape (GrowableLayout): its trips grow the tape by R, and the count it records is what the reverse pass reads.
                count = UnboundedTrip(loop, new List<Stmt>());
            }
            else if (loop.EndsAtStop)
            {
                count = CountsTrips(loop) && state.CursorMode ? ClosedFormPerTrip(loop) : null;
            }
            else if (state.CursorMode && loop.StopFlag is { } flag && loop.Carried.Any(c => c.Local == flag) &&
                loop.From is Literal { Value: 0 } && loop.Step is Literal { Value: 1 })
            {
                var prelude = new List<Stmt>();
                Expr body = Count(loop.Body, prelude, inScope: false);
                if (prelude.Count == 0 && body is not Literal { Value: 0 } && !IrWalk.LocalsRead(body).Contains(loop.Index))
                {
                    count = FixSizes(body);
                }
            }

            perTrip[loop] = count;
            return count;
        }

        /// <summary>
        /// Whether the reverse pass of a loop whose trips start with the stop flag clear (<see cref="LoopItem.EndsAtStop"/>)
        /// needs its trip count: it has a reverse loop, which must walk back only the trips the forward pass ran.
        /// </summary>
        public bool CountsTrips(LoopItem loop) =>
            loop.EndsAtStop && loop.Carried.Any(c => c.Local == loop.StopFlag) && state.ReverseLoops.Values.Any(l => ReferenceEquals(l, loop));

        /// <summary>The values one trip records, a closed form of the sizes (<see cref="StopGuards"/> only drops guards where it is).</summary>
        private Expr ClosedFormPerTrip(LoopItem loop)
        {
            var prelude = new List<Stmt>();
            Expr body = Count(loop.Body, prelude, inScope: false);
            if (prelude.Count > 0 || IrWalk.LocalsRead(body).Contains(loop.Index))
            {
                throw new System.InvalidOperationException("The records of a trip of the loop over " + loop.Index + " are not a closed form.");
            }

            return FixSizes(body);
        }

        /// <summary>
        /// After the taped forward loop that ran <paramref name="trips"/> trips: the cursor past the records of the trips it
        /// did not run, then the trip count recorded.
        /// </summary>
        public IEnumerable<Stmt> RecordTrips(LoopItem loop, Expr perTripCount, string trips)
        {
            var local = new Local(trips, IrType.Int);
            if (!loop.Unbounded && perTripCount is not Literal { Value: 0 })
            {
                yield return new Assign(new Local(state.Cursor, IrType.Int), AssignKind.Add, IntMath.Multiply(IntMath.Subtract(FixSizes(loop.To), local), perTripCount));
            }

            yield return new Assign(state.ElementOf(SpanRole.Tape, state.CursorStepOf(push: true), state.Element), AssignKind.Assign,
                new Apply(Op.Convert, state.Element, EquatableArray.Of<Expr>(local)));
        }

        /// <summary>
        /// Before the reverse loop: the trip count read back into <paramref name="trips"/>, then the cursor moved back over
        /// the records of the trips the forward pass did not run.
        /// </summary>
        public IEnumerable<Stmt> ReadTrips(LoopItem loop, Expr perTripCount, string trips)
        {
            Expr read = state.ElementOf(SpanRole.Tape, state.Steps.RestoreIndex(state.CursorStepOf(push: false)), state.Element);
            Expr recorded = new Apply(Op.Convert, IrType.Int, EquatableArray.Of(read));
            if (loop.Unbounded)
            {
                // Its records end where the trips the forward pass ran end: nothing to step over.
                yield return new Declare(IrType.Int, trips, state.Steps.UnboundedTripsReversed(recorded));
                yield break;
            }

            yield return new Declare(IrType.Int, trips, recorded);
            if (perTripCount is Literal { Value: 0 })
            {
                yield break;
            }

            yield return new Assign(new Local(state.Cursor, IrType.Int), AssignKind.Subtract,
                IntMath.Multiply(IntMath.Subtract(FixSizes(loop.To), new Local(trips, IrType.Int)), perTripCount));
        }
    }
}
