using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;
using static MoreauGen.Generator.Differentiation.DifferentiationState;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Pass 6: the tape layout: fixed slots, or a cursor with the per-sample size as an int expression of the sizes.
    /// Reads the region tree (with each region's pushed values, from the restores) and the sizes; writes the state's
    /// <see cref="DifferentiationState.CursorMode"/> and <see cref="DifferentiationState.Cursor"/> and each value's
    /// <see cref="Value.TapeSlot"/>. The taped forward and the reverse variants ask it for the counts of loops and arms.
    /// </summary>
    internal sealed partial class TapeLayout
    {
        private readonly DifferentiationState state;

        public TapeLayout(DifferentiationState state) => this.state = state;

        /// <summary>Lays out the tape: the slots one sample takes, and the statements computing them (when not a closed form).</summary>
        public (Expr Slots, List<Stmt> Prelude) Run()
        {
            Growable = HasUnbounded(state.Top);
            state.CursorMode = Growable || AnyLoopRecords(state.Top, insideLoop: false);
            if (!state.CursorMode)
            {
                return (IntLiteral(StaticLayout(state.Top, 0)), new List<Stmt>());
            }

            state.Cursor = state.Names.Fresh("tp");
            var prelude = new List<Stmt>();
            Expr slots = Count(state.Top, prelude, inScope: false);
            return Growable ? GrowableLayout(slots, prelude) : (FixSizes(slots), prelude.Select(FixSizes).ToList());
        }

        private bool AnyLoopRecords(Region region, bool insideLoop)
        {
            if (insideLoop && region.Pushed.Count > 0)
            {
                return true;
            }

            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LoopItem loop when CountsTrips(loop) || AnyLoopRecords(loop.Body, true):
                        return true;
                    case IfItem branch when AnyLoopRecords(branch.Then, insideLoop) || AnyLoopRecords(branch.Else, insideLoop):
                        return true;
                }
            }

            return false;
        }

        /// <summary>Fixed slots (no loop records): an if/else lays its arms over the same slots; a region's own values follow.</summary>
        private static int StaticLayout(Region region, int start)
        {
            int offset = start;
            foreach (Item item in region.Items)
            {
                if (item is IfItem branch)
                {
                    offset = Math.Max(StaticLayout(branch.Then, offset), StaticLayout(branch.Else, offset));
                }
            }

            foreach (Value value in region.Pushed)
            {
                value.TapeSlot = offset++;
            }

            return offset;
        }

        /// <summary>
        /// The number of values the taped forward pass records in one run of <paramref name="region"/>: its own values,
        /// each loop's trip count times its body's count (a counting loop when that depends on the index), and the
        /// larger arm of each if/else. Statements that need a loop go to <paramref name="prelude"/>, in a block that
        /// assigns a fresh local, so that they cannot clash with the code around them.
        /// </summary>
        /// <param name="region">The region.</param>
        /// <param name="prelude">Where statements go when the count is not a closed form.</param>
        /// <param name="inScope">Whether the region's own int values are in scope where the count is used.</param>
        public Expr Count(Region region, List<Stmt> prelude, bool inScope)
        {
            var inner = new List<Stmt>();
            Expr total = IntLiteral(region.Pushed.Count);
            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LoopItem loop:
                        total = IntMath.Add(total, LoopTotal(loop, inner));
                        break;
                    case IfItem branch:
                        total = IntMath.Add(total, IntMath.Max(Count(branch.Then, inner, inScope: false), Count(branch.Else, inner, inScope: false)));
                        break;
                }
            }

            if (!inScope)
            {
                inner.InsertRange(0, IndexDeclarations(region, IrWalk.LocalsRead(inner.Append(new Return(total)))));
            }

            if (inner.Count == 0)
            {
                return total;
            }

            string slots = state.Names.Fresh("slots");
            prelude.Add(new Declare(IrType.Int, slots, null));
            inner.Add(new Assign(new Local(slots, IrType.Int), AssignKind.Assign, total));
            prelude.Add(new Block(EquatableArray.From(inner)));
            return new Local(slots, IrType.Int);
        }

        /// <summary>The number of values the taped forward pass records in all iterations of <paramref name="loop"/>.</summary>
        public Expr LoopTotal(LoopItem loop, List<Stmt> prelude)
        {
            if (loop.Unbounded)
            {
                // Only its trip count has a place known before the run; the trips grow the tape (TapeLayout.Unbounded.cs).
                return IntLiteral(1);
            }

            var bodyPrelude = new List<Stmt>();
            Expr body = Count(loop.Body, bodyPrelude, inScope: false);
            if (body is Literal { Value: 0 })
            {
                // A loop that ends at its stop may record nothing but its trip count.
                return IntLiteral(TripsRecorded(loop) is null ? 0 : 1);
            }

            if (bodyPrelude.Count == 0 && !IrWalk.LocalsRead(body).Contains(loop.Index))
            {
                Expr all = IntMath.Multiply(Trip(loop), FixSizes(body));
                return TripsRecorded(loop) is null ? all : IntMath.Add(all, IntLiteral(1));
            }

            string sum = state.Names.Fresh("slots");
            prelude.Add(new Declare(IrType.Int, sum, IntLiteral(0)));
            bodyPrelude.Add(new Assign(new Local(sum, IrType.Int), AssignKind.Add, body));
            prelude.Add(new For(loop.Index, loop.From, loop.To, loop.Step, Descending: false, EquatableArray.From(bodyPrelude)));
            return new Local(sum, IrType.Int);
        }

        /// <summary>Span lengths the attribute fixes, as literals (a layer body's w, x and y are one sample's).</summary>
        private Expr FixSizes(Expr expr) =>
            state.Sizes is null ? expr : IntMath.Simplify(IrWalk.Replace(expr, e => e is SpanLength length && SizeOf(length.Role) is int size ? IntLiteral(size) : null));

        private Stmt FixSizes(Stmt statement) => statement switch
        {
            Declare { Value: { } value } declare => declare with { Value = FixSizes(value) },
            Assign assign => assign with { Value = FixSizes(assign.Value) },
            Block block => new Block(EquatableArray.From(block.Body.Select(FixSizes))),
            For loop => loop with { From = FixSizes(loop.From), To = FixSizes(loop.To), Step = FixSizes(loop.Step), Body = EquatableArray.From(loop.Body.Select(FixSizes)) },
            _ => statement,
        };

        private int? SizeOf(SpanRole role) => role switch
        {
            SpanRole.W => state.Sizes?.Parameters,
            SpanRole.X => state.Sizes?.Inputs,
            SpanRole.Y => state.Sizes?.Outputs,
            _ => null,
        };

        /// <summary>The number of iterations of <paramref name="loop"/>.</summary>
        public Expr Trip(LoopItem loop)
        {
            Expr span = IntMath.Subtract(FixSizes(loop.To), FixSizes(loop.From));
            if (loop.Step is not Literal { Value: 1 })
            {
                span = IntMath.Divide(IntMath.Add(span, IntMath.Subtract(loop.Step, IntLiteral(1))), loop.Step);
            }

            return IntMath.Max(IntLiteral(0), span);
        }

        /// <summary>Declarations of the int values of <paramref name="region"/> that <paramref name="read"/> names (and those they need), in forward order.</summary>
        private List<Stmt> IndexDeclarations(Region region, IEnumerable<string> read)
        {
            var needed = new HashSet<Value>(ValueIdentity.Instance);
            var queue = new Queue<string>(read);
            while (queue.Count > 0)
            {
                if (state.ByName.TryGetValue(queue.Dequeue(), out Value? value) && value.Type == IrType.Int && ReferenceEquals(value.Region, region) && needed.Add(value))
                {
                    foreach (string name in IrWalk.LocalsRead(value.Definition.Expr!))
                    {
                        queue.Enqueue(name);
                    }
                }
            }

            return region.Items.OfType<LetItem>().Select(l => l.Value).Where(needed.Contains)
                .Select(v => (Stmt)new Declare(IrType.Int, v.Name, v.Definition.Expr)).ToList();
        }
    }
}
