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
    /// Pass 8: tape reads for the pops, the cursor's padding in branches, and the three variants of the reverse pass
    /// (both gradients, w only for Φw, x only for Φx). Reads the value table (tape slots), the cursor, the reverse
    /// loops and branches of the sweep and the branch padding of the taped forward; asks the tape layout for the
    /// counts of loops and arms a variant skips.
    /// </summary>
    internal sealed class ReverseVariants
    {
        private readonly DifferentiationState state;
        private readonly TapeLayout layout;

        public ReverseVariants(DifferentiationState state, TapeLayout layout)
        {
            this.state = state;
            this.layout = layout;
        }

        /// <summary>
        /// The restores with the tape reads, and the reverse statements for both gradients, w only and x only: three
        /// whole variants of a <paramref name="structured"/> body (with loops or branches), else three lists that run in order.
        /// </summary>
        public (List<Stmt> Restores, List<Stmt> Both, List<Stmt> OnlyW, List<Stmt> OnlyX) Run(List<Stmt> restores, List<Stmt> reverse, bool structured)
        {
            restores = RewritePops(restores);
            reverse = RewritePops(reverse);
            if (structured)
            {
                return (restores, Specialize(reverse, Need.Both, out _), Specialize(reverse, Need.W, out _), Specialize(reverse, Need.X, out _));
            }

            List<Stmt> Section(Need section) => reverse.OfType<Tagged>().Where(t => t.Section == section).Select(t => t.Statement).ToList();
            return (restores, Section(Need.Both), Section(Need.W), Section(Need.X));
        }

        /// <summary>Replaces the pop placeholders by tape reads and adds the cursor's padding in reverse branches.</summary>
        private List<Stmt> RewritePops(IReadOnlyList<Stmt> statements)
        {
            var result = new List<Stmt>(statements.Count);
            for (int i = 0; i < statements.Count; i++)
            {
                Stmt statement = statements[i];
                switch (statement)
                {
                    case Restore { Source: PopPlaceholder pop } restore:
                    {
                        Value value = state.ByName[pop.Name];
                        Expr index = state.Steps.RestoreIndex(state.CursorMode ? state.CursorStepOf(push: false) : IntLiteral(value.TapeSlot));
                        Expr read = state.ElementOf(SpanRole.Tape, index, state.Element);
                        if (value.Type == IrType.Bool)
                        {
                            read = new Apply(Op.NotEqual, IrType.Bool, EquatableArray.Of(read, Zero(state.Element)));
                        }
                        else if (value.Type != state.Element)
                        {
                            read = new Apply(Op.Convert, value.Type, EquatableArray.Of(read));
                        }

                        result.Add(restore with { Source = read });
                        break;
                    }

                    case For loop:
                    {
                        var rewritten = loop with { Body = EquatableArray.From(RewritePops(loop.Body)) };
                        if (state.ReverseLoops.TryGetValue(loop, out LoopItem? item))
                        {
                            state.ReverseLoops[rewritten] = item;
                        }

                        result.Add(rewritten);
                        break;
                    }

                    case If branch:
                    {
                        List<Stmt> then = RewritePops(branch.Then);
                        List<Stmt> otherwise = RewritePops(branch.Else);
                        if (state.ReverseBranches.TryGetValue(branch, out IfItem? item) && state.CursorMode && state.BranchPads.TryGetValue(item, out (Expr Then, Expr Else, List<Stmt> Prelude) pads))
                        {
                            result.AddRange(pads.Prelude);
                            if (pads.Then is not Literal { Value: 0 })
                            {
                                then.Insert(0, new Assign(new Local(state.Cursor, IrType.Int), AssignKind.Subtract, pads.Then));
                            }

                            if (pads.Else is not Literal { Value: 0 })
                            {
                                otherwise.Insert(0, new Assign(new Local(state.Cursor, IrType.Int), AssignKind.Subtract, pads.Else));
                            }
                        }

                        var rewritten = new If(branch.Condition, EquatableArray.From(then), EquatableArray.From(otherwise));
                        if (item is not null)
                        {
                            state.ReverseBranches[rewritten] = item;
                        }

                        result.Add(rewritten);
                        break;
                    }

                    default:
                        result.Add(statement);
                        break;
                }
            }

            return result;
        }

        /// <summary>
        /// The reverse statements for the gradients in <paramref name="wanted"/>: tagged statements of other sections
        /// are dropped, then loops and branches left without work (only restores) are dropped too, or, when they read
        /// the tape through the cursor, replaced by a step of the cursor past their records.
        /// </summary>
        private List<Stmt> Specialize(IReadOnlyList<Stmt> statements, Need wanted, out bool work)
        {
            var result = new List<Stmt>(statements.Count);
            work = false;
            for (int i = 0; i < statements.Count; i++)
            {
                Stmt statement = statements[i];
                switch (statement)
                {
                    case Tagged tagged:
                        if ((tagged.Section & wanted) != 0)
                        {
                            result.Add(tagged.Statement);
                            work = true;
                        }

                        break;
                    case For loop:
                    {
                        List<Stmt> inner = Specialize(loop.Body, wanted, out bool loopWork);
                        if (state.ReverseLoops.TryGetValue(loop, out LoopItem? counted) && (loopWork || counted.Unbounded) && layout.TripsRecorded(counted) is { } perTrip)
                        {
                            // A while or do loop walks back from the last trip the forward pass ran (an unbounded one always
                            // does: its records have no count known before the run to step over).
                            string trips = state.Names.Fresh("trips");
                            result.AddRange(layout.ReadTrips(counted, perTrip, trips));
                            result.Add(loop with { To = new Local(trips, IrType.Int), Body = EquatableArray.From(inner) });
                            work = true;
                        }
                        else if (loopWork)
                        {
                            result.Add(loop with { Body = EquatableArray.From(inner) });
                            work = true;
                        }
                        else if (state.CursorMode && (ReadsTape(inner) || (state.ReverseLoops.TryGetValue(loop, out LoopItem? recorded) && layout.TripsRecorded(recorded) is not null)))
                        {
                            // (A loop that records its trip count has a slot to step over even when its trips record nothing.)
                            result.AddRange(SkipRecords(state.ReverseLoops.TryGetValue(loop, out LoopItem? item) ? item : null, null, loop with { Body = EquatableArray.From(inner) }));
                        }

                        break;
                    }

                    case If branch:
                    {
                        List<Stmt> then = Specialize(branch.Then, wanted, out bool thenWork);
                        List<Stmt> otherwise = Specialize(branch.Else, wanted, out bool elseWork);
                        var specialized = new If(branch.Condition, EquatableArray.From(then), EquatableArray.From(otherwise));
                        if (thenWork || elseWork)
                        {
                            result.Add(specialized);
                            work = true;
                        }
                        else if (state.CursorMode && (ReadsTape(then) || ReadsTape(otherwise)))
                        {
                            result.AddRange(SkipRecords(null, state.ReverseBranches.TryGetValue(branch, out IfItem? item) ? item : null, specialized));
                        }

                        break;
                    }

                    default:
                        result.Add(statement);
                        break;
                }
            }

            return DropUnusedRestores(result);
        }

        private static bool ReadsTape(IReadOnlyList<Stmt> statements) => IrVisit.MovesCursor(statements);

        /// <summary>Moves the cursor past a loop's or branch's records when their count is a closed form; else keeps the reading code.</summary>
        private IEnumerable<Stmt> SkipRecords(LoopItem? loop, IfItem? branch, Stmt fallback)
        {
            var prelude = new List<Stmt>();
            Expr? count = loop is not null ? layout.LoopTotal(loop, prelude)
                : branch is not null ? IntMath.Max(layout.Count(branch.Then, prelude, inScope: false), layout.Count(branch.Else, prelude, inScope: false))
                : null;
            if (count is null || prelude.Count > 0)
            {
                return new[] { fallback };
            }

            return new Stmt[] { new Assign(new Local(state.Cursor, IrType.Int), AssignKind.Subtract, count) };
        }

        /// <summary>Drops recomputed restores nothing reads (tape reads through the cursor stay: they move it).</summary>
        /// <remarks>
        /// Only the names of the restores that could go are looked for in the statements after them: a set of every name
        /// the reverse pass reads, built for each variant of a large body, was most of this pass's time.
        /// </remarks>
        private static List<Stmt> DropUnusedRestores(List<Stmt> statements)
        {
            HashSet<string>? candidates = null;
            foreach (Stmt statement in statements)
            {
                if (statement is Restore restore && !IrVisit.MovesCursor(statement))
                {
                    (candidates ??= new HashSet<string>(StringComparer.Ordinal)).Add(restore.Name);
                }
            }

            if (candidates is null)
            {
                return statements;
            }

            var keep = new bool[statements.Count];
            var read = new ReadAmong(candidates, new HashSet<string>(StringComparer.Ordinal));
            for (int i = statements.Count - 1; i >= 0; i--)
            {
                Stmt statement = statements[i];
                if (statement is Restore restore && !read.Found.Contains(restore.Name) && !IrVisit.MovesCursor(statement))
                {
                    continue;
                }

                keep[i] = true;
                IrVisit.Nodes(statement, ref read);
            }

            int kept = 0;
            for (int i = 0; i < statements.Count; i++)
            {
                if (keep[i])
                {
                    statements[kept++] = statements[i];
                }
            }

            statements.RemoveRange(kept, statements.Count - kept);
            return statements;
        }

        /// <summary>Adds to <see cref="Found"/> the locals read (and cursors moved) among the names looked for.</summary>
        private readonly struct ReadAmong : INodeVisitor
        {
            private readonly HashSet<string> wanted;

            public ReadAmong(HashSet<string> wanted, HashSet<string> found)
            {
                this.wanted = wanted;
                Found = found;
            }

            public HashSet<string> Found { get; }

            public bool Visit(Expr node)
            {
                if (node is Local local && wanted.Contains(local.Name))
                {
                    Found.Add(local.Name);
                }
                else if (node is CursorStep step && wanted.Contains(step.Cursor))
                {
                    Found.Add(step.Cursor);
                }

                return false;
            }
        }
    }
}
