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
    /// again on each of its own trips. R is one number per call: where a count is not a closed form of the sizes, the tape
    /// prelude computes it before the sample loop, a trip's count that varies with the index of a loop around taken at its
    /// largest over that loop's trips (which keeps R a bound).
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

        /// <summary>The records of one trip of each unbounded loop (<see cref="UnboundedTrip"/>), set by <see cref="GrowableLayout"/>.</summary>
        private readonly Dictionary<LoopItem, Expr> unboundedTrips = new();

        /// <summary>
        /// The records one trip of the unbounded <paramref name="loop"/> makes outside the unbounded loops it holds: an int
        /// expression of the sizes, or a local the statements added to <paramref name="prelude"/> compute (a loop in the
        /// trip whose count is not a closed form, a triangular loop or one bounded by an int local, is counted there). A
        /// count that varies with the index of a loop around it (<c>for (i …) { while (…) { for (j = 0; j &lt;= i; j++) … } }</c>)
        /// is its largest over that loop's trips (<see cref="LargestOverLoopsAround"/>).
        /// </summary>
        private Expr UnboundedTrip(LoopItem loop, List<Stmt> prelude)
        {
            if (!unboundedTrips.TryGetValue(loop, out Expr? count))
            {
                var statements = new List<Stmt>();
                count = FixSizes(Count(loop.Body, statements, inScope: false));
                count = LargestOverLoopsAround(loop, statements, count);
                List<Stmt> once = OncePerSample(Undeclared(statements, count));
                if (once.Count > 0)
                {
                    // Int locals of sizes and constants declared outside the loop ('int n = x.Length - 1;'): computed again
                    // here, in a block of their own (the forward pass declares them too, and so may the count of the rest).
                    string trip = state.Names.Fresh("slots");
                    once.AddRange(statements);
                    once.Add(new Assign(new Local(trip, IrType.Int), AssignKind.Assign, count));
                    statements = new List<Stmt> { new Declare(IrType.Int, trip, null), new Block(EquatableArray.From(once)) };
                    count = new Local(trip, IrType.Int);
                }

                prelude.AddRange(statements);
                unboundedTrips.Add(loop, count);
            }

            return count;
        }

        /// <summary>
        /// While <paramref name="count"/> (computed by <paramref name="statements"/>) reads locals the statements do not
        /// declare, wraps them in the next bounded loop around <paramref name="loop"/> (a loop with no trip bound is passed
        /// over), innermost first, taking the largest
        /// count over its trips: <c>int most = 0; for (i = a; i &lt; b; i++) { int n = …; …; most = Max(most, count); }</c>,
        /// with the int values of that loop's body the count reads declared in it. Returns the count (a local, once wrapped).
        /// </summary>
        private Expr LargestOverLoopsAround(LoopItem loop, List<Stmt> statements, Expr count)
        {
            foreach (LoopItem around in AllLoops(state.Top).Where(l => !ReferenceEquals(l, loop) && loop.Body.IsWithin(l.Body)).OrderByDescending(l => Depth(l.Body)))
            {
                HashSet<string> read = Undeclared(statements, count);
                if (read.Count == 0)
                {
                    break;
                }

                if (around.Unbounded)
                {
                    // Its trips cannot be walked before the sample runs: the values of its body stay unread (an error
                    // below), those of the loops around it may still be.
                    continue;
                }

                string most = state.Names.Fresh("slots");
                var body = IndexDeclarations(around.Body, read);
                body.AddRange(statements);
                body.Add(new Assign(new Local(most, IrType.Int), AssignKind.Assign, IntMath.Max(new Local(most, IrType.Int), count)));
                statements.Clear();
                statements.Add(new Declare(IrType.Int, most, IntLiteral(0)));
                statements.Add(new For(around.Index, around.From, around.To, around.Step, Descending: false, EquatableArray.From(body)));
                count = new Local(most, IrType.Int);
            }

            return count;
        }

        private static int Depth(Region region)
        {
            int depth = 0;
            for (Region? r = region.Parent; r is not null; r = r.Parent)
            {
                depth++;
            }

            return depth;
        }

        /// <summary>Σ, the records of one trip of each unbounded loop together (R less S); set by <see cref="Run"/>.</summary>
        public Expr TripSlots { get; private set; } = IntLiteral(0);

        /// <summary>R, the room each trip of an unbounded loop (and the sample's start) makes past the cursor; set by <see cref="Run"/>.</summary>
        public Expr Reserve { get; private set; } = IntLiteral(0);

        /// <summary>
        /// Lays out a growable tape from <paramref name="slots"/>, the layout's count with each unbounded loop as its trip
        /// count, and <paramref name="prelude"/>, the statements that count needs: returns R and the statements computing it
        /// (each member that records computes them once before its sample loop, <c>LayerEmitter.Member.TapeSlots</c>).
        /// R is the same for every trip of every unbounded loop, so it may read only the sizes: a count that reads the index
        /// of a loop around an unbounded loop, or a local of the body outside the statements, cannot give it.
        /// </summary>
        private (Expr Reserve, List<Stmt> Prelude) GrowableLayout(Expr slots, List<Stmt> prelude)
        {
            Expr trips = UnboundedLoops(state.Top).Aggregate((Expr)IntLiteral(0), (total, loop) => IntMath.Add(total, UnboundedTrip(loop, prelude)));
            Expr reserve = IntMath.Add(FixSizes(slots), trips);
            List<Stmt> statements = prelude.Select(FixSizes).ToList();
            HashSet<string> varying = Undeclared(statements, reserve);
            if (varying.Count > 0)
            {
                throw new NotSupportedException(
                    "the records of a trip of a 'while' or 'do' loop with no trip bound depend on '" + string.Join("', '", varying.OrderBy(n => n, StringComparer.Ordinal)) +
                    "', a value that varies between trips of a loop with no trip bound or with the data; bound the inner loops by sizes, constants and the indices of 'for' loops, or give the 'while' loop an int counter (MG0023)");
            }

            Reserve = reserve;
            TripSlots = trips;
            return (reserve, statements);
        }

        /// <summary>
        /// The locals <paramref name="statements"/> and then <paramref name="count"/> read where no declaration before them
        /// in an enclosing scope of the statements is (a local declared in a block is not in scope after it).
        /// </summary>
        private static HashSet<string> Undeclared(List<Stmt> statements, Expr count)
        {
            var free = new HashSet<string>(StringComparer.Ordinal);
            AddUndeclared(statements.Append(new Return(count)), new HashSet<string>(StringComparer.Ordinal), free);
            return free;
        }

        private static void AddUndeclared(IEnumerable<Stmt> statements, HashSet<string> enclosing, HashSet<string> free)
        {
            var scope = new HashSet<string>(enclosing, StringComparer.Ordinal);
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case Block block:
                        AddUndeclared(block.Body, scope, free);
                        break;
                    case For loop:
                        AddReads(new[] { loop.From, loop.To, loop.Step }, scope, free);
                        AddUndeclared(loop.Body, new HashSet<string>(scope, StringComparer.Ordinal) { loop.Index }, free);
                        break;
                    case If branch:
                        AddReads(new[] { branch.Condition }, scope, free);
                        AddUndeclared(branch.Then, scope, free);
                        AddUndeclared(branch.Else, scope, free);
                        break;
                    default:
                        AddReads(IrWalk.ExpressionsOf(statement), scope, free);
                        if (statement is Declare declare)
                        {
                            scope.Add(declare.Name);
                        }

                        break;
                }
            }
        }

        private static void AddReads(IEnumerable<Expr> expressions, HashSet<string> scope, HashSet<string> free) =>
            free.UnionWith(expressions.SelectMany(IrWalk.LocalsRead).Where(name => !scope.Contains(name)));

        /// <summary>
        /// Declarations of the int values among <paramref name="read"/> (and those they need) that are the same wherever the
        /// body computes them: int expressions of constants, sizes, the type's data and other such values (not of a loop's
        /// index, a value carried across trips or an element of a span), in forward order. Those left out stay unread.
        /// </summary>
        private List<Stmt> OncePerSample(HashSet<string> read)
        {
            var invariant = new Dictionary<string, bool>(StringComparer.Ordinal);
            var needed = new HashSet<Value>();
            foreach (string name in read)
            {
                if (Invariant(name, invariant))
                {
                    Need(state.ByName[name], needed);
                }
            }

            return AllLets(state.Top).Where(needed.Contains).Select(v => (Stmt)new Declare(IrType.Int, v.Name, v.Definition.Expr)).ToList();

            void Need(Value value, HashSet<Value> values)
            {
                if (values.Add(value))
                {
                    foreach (string name in IrWalk.LocalsRead(value.Definition.Expr!))
                    {
                        Need(state.ByName[name], values);
                    }
                }
            }
        }

        /// <summary>Whether the value named <paramref name="name"/> is an int that reads only such values (see <see cref="OncePerSample"/>).</summary>
        private bool Invariant(string name, Dictionary<string, bool> known)
        {
            if (known.TryGetValue(name, out bool result))
            {
                return result;
            }

            known[name] = false;
            result = state.ByName.TryGetValue(name, out Value? value) && value.Type == IrType.Int && value.Definition.Expr is { } definition &&
                !IrWalk.Nodes(definition).Any(node => node is Element) && IrWalk.LocalsRead(definition).All(read => Invariant(read, known));
            known[name] = result;
            return result;
        }

        private static IEnumerable<LoopItem> AllLoops(Region region) => region.Items.SelectMany(item => item switch
        {
            LoopItem loop => new[] { loop }.Concat(AllLoops(loop.Body)),
            IfItem branch => AllLoops(branch.Then).Concat(AllLoops(branch.Else)),
            _ => Enumerable.Empty<LoopItem>(),
        });

        /// <summary>The values of the body, in the order the forward pass defines them.</summary>
        private static IEnumerable<Value> AllLets(Region region) => region.Items.SelectMany(item => item switch
        {
            LetItem let => new[] { let.Value },
            LoopItem loop => AllLets(loop.Body),
            IfItem branch => AllLets(branch.Then).Concat(AllLets(branch.Else)),
            _ => Enumerable.Empty<Value>(),
        });

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
