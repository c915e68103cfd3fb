using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using static MoreauGen.Generator.Differentiation.DifferentiationState;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// The growable tape of a body with a <c>while</c> or <c>do</c> loop that has no trip bound (part of
    /// <see cref="TapeLayout"/>; <see cref="LoopItem.Unbounded"/>). A tape of fixed length cannot hold every number of
    /// trips: the taped Forward records (Algorithm 1's "store") into a fixed reserve per sample of the call's tape, and when
    /// the trips overflow it the reverse pass re-runs the sample's forward pass on a pooled tape that grows
    /// (<c>MoreauGen.Generated.GrowableTape</c>); either way the reverse sweep (Algorithm 2) walks the records back from where
    /// the forward pass left the cursor (<c>LayerEmitter.Growable.cs</c>). The layout is the cursor layout with each unbounded loop counted as its one recorded
    /// trip count: that count S bounds the records outside unbounded trips. Each trip of an unbounded loop first makes
    /// room for R = S + Σ (records of one trip of each unbounded loop) past the cursor: what is left of the trips that
    /// enclose it, of its own trip and of the body after it never exceeds R, since a nested unbounded loop grows the tape
    /// again on each of its own trips.
    /// </summary>
    internal sealed partial class TapeLayout
    {
        /// <summary>Whether the body has an unbounded loop: its tape grows while the forward pass runs.</summary>
        public bool Growable { get; private set; }

        private static bool HasUnbounded(Region region) => region.Items.Any(item => item switch
        {
            LoopItem loop => loop.Unbounded || HasUnbounded(loop.Body),
            IfItem branch => HasUnbounded(branch.Then) || HasUnbounded(branch.Else),
            _ => false,
        });

        private static IEnumerable<LoopItem> UnboundedLoops(Region region) => region.Items.SelectMany(item => item switch
        {
            LoopItem loop => (loop.Unbounded ? new[] { loop } : Enumerable.Empty<LoopItem>()).Concat(UnboundedLoops(loop.Body)),
            IfItem branch => UnboundedLoops(branch.Then).Concat(UnboundedLoops(branch.Else)),
            _ => Enumerable.Empty<LoopItem>(),
        });

        /// <summary>The records one trip of the unbounded <paramref name="loop"/> makes outside the unbounded loops it holds: a closed form of the sizes and the trip.</summary>
        private Expr UnboundedTrip(LoopItem loop)
        {
            var prelude = new List<Stmt>();
            Expr count = Count(loop.Body, prelude, inScope: false);
            if (prelude.Count > 0)
            {
                throw new NotSupportedException(
                    "a loop inside a 'while' or 'do' loop with no trip bound has a trip count that is not a closed form of the sizes; bound it by sizes, constants or data, or give the outer loop an int counter (MG0023)");
            }

            return FixSizes(count);
        }

        /// <summary>R, the room each trip of an unbounded loop (and the sample's start) makes past the cursor; set by <see cref="Run"/>.</summary>
        public Expr Reserve { get; private set; } = IntLiteral(0);

        /// <summary>
        /// Lays out a growable tape from <paramref name="slots"/>, the layout's count with each unbounded loop as its trip
        /// count (and <paramref name="prelude"/>, the statements that count needs, which must be none): returns R.
        /// </summary>
        private Expr GrowableLayout(Expr slots, List<Stmt> prelude)
        {
            if (prelude.Count > 0)
            {
                throw new NotSupportedException(
                    "a body with a 'while' or 'do' loop with no trip bound has a loop whose trip count is not a closed form of the sizes; bound it by sizes, constants or data, or give the 'while' loop an int counter (MG0023)");
            }

            Reserve = UnboundedLoops(state.Top).Aggregate(FixSizes(slots), (total, loop) => IntMath.Add(total, UnboundedTrip(loop)));
            return Reserve;
        }

        /// <summary>The forward pass on a growable tape: room made at the start (after the cursor's declaration, the first statement) and the tape cut at the cursor at the end.</summary>
        public void GrowTape(List<Stmt> primal)
        {
            int cursor = primal.FindIndex(s => s is Declare declare && declare.Name == state.Cursor);
            primal.Insert(cursor + 1, new GrowTape(TapeGrowth.Start, state.Cursor, Reserve));
            primal.Add(new GrowTape(TapeGrowth.End, state.Cursor, IntLiteral(0)));
        }

        /// <summary>The first statement of a trip of an unbounded loop: room for R more records.</summary>
        public Stmt GrowForTrip() => new GrowTape(TapeGrowth.Trip, state.Cursor, Reserve);
    }
}
