using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Pass 3: dropping values nothing reads, and counting the forward uses of the rest (what may be folded into its
    /// use). Reads the region tree, value table, carried and merge maps and result of the state; prunes the tree and
    /// sets each value's <see cref="Value.Live"/> and <see cref="Value.ForwardUses"/>.
    /// </summary>
    internal static class DeadValues
    {
        public static void Run(DifferentiationState state)
        {
            Drop(state);
            if (state.Result is not null)
            {
                state.Result.ForwardUses++;
            }

            CountForwardUses(state.Top);
        }

        private static void Drop(DifferentiationState state)
        {
            var pending = new Stack<Value>();
            void Mark(Value? value)
            {
                if (value is not null && !value.Live)
                {
                    value.Live = true;
                    pending.Push(value);
                }
            }

            var names = new List<string>();
            void MarkExpr(Expr expr)
            {
                // One list reused for every leaf, not a new one per leaf; Mark starts no walk of its own.
                names.Clear();
                foreach (string name in IrVisit.AppendLocalNames(expr, names))
                {
                    if (state.ByName.TryGetValue(name, out Value? value))
                    {
                        Mark(value);
                    }
                }
            }

            void MarkNode(Node node)
            {
                switch (node.Kind)
                {
                    case NodeKind.Ref:
                        Mark(node.Ref);
                        break;
                    case NodeKind.Leaf or NodeKind.OutputRead:
                        MarkExpr(node.Expr!);
                        break;
                    default:
                        foreach (Node arg in node.Args)
                        {
                            MarkNode(arg);
                        }

                        break;
                }
            }

            Mark(state.Result);
            while (true)
            {
                MarkStructure(state.Top, Mark, MarkExpr);
                if (pending.Count == 0)
                {
                    break;
                }

                while (pending.Count > 0)
                {
                    Value value = pending.Pop();
                    MarkNode(value.Definition);
                    if (state.CarriedOf.TryGetValue(value, out (LoopItem Loop, Carried Carried) carried))
                    {
                        Mark(carried.Carried.Phi);
                        Mark(carried.Carried.Init);
                        Mark(carried.Carried.Next);
                    }

                    if (state.MergeOf.TryGetValue(value, out (IfItem Branch, Merge Merge) merge))
                    {
                        Mark(merge.Merge.WhenTrue);
                        Mark(merge.Merge.WhenFalse);
                        Mark(merge.Branch.Condition);
                    }
                }
            }

            Prune(state.Top);
        }

        /// <summary>Marks what live items need: stored values and their indices, bounds of loops and conditions of branches that hold live items.</summary>
        private static bool MarkStructure(Region region, Action<Value?> mark, Action<Expr> markExpr)
        {
            bool holdsLive = false;
            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LetItem let when let.Value.Live:
                        holdsLive = true;
                        break;
                    case StoreItem store:
                        mark(store.Value);
                        markExpr(store.Index);
                        holdsLive = true;
                        break;
                    case LoopItem loop:
                        if (MarkStructure(loop.Body, mark, markExpr) || loop.Carried.Any(c => c.Result.Live || c.Phi.Live))
                        {
                            markExpr(loop.From);
                            markExpr(loop.To);
                            markExpr(loop.Step);
                            holdsLive = true;
                            if (loop.EndsAtStop && loop.Carried.FirstOrDefault(c => c.Local == loop.StopFlag) is { } flag)
                            {
                                // The taped forward loop ends at the trip that sets its stop flag: the flag is read there.
                                mark(flag.Phi);
                            }
                        }

                        break;
                    case IfItem branch:
                        bool then = MarkStructure(branch.Then, mark, markExpr);
                        bool otherwise = MarkStructure(branch.Else, mark, markExpr);
                        if (then || otherwise || branch.Merges.Any(m => m.Result.Live))
                        {
                            mark(branch.Condition);
                            holdsLive = true;
                        }

                        break;
                }
            }

            return holdsLive;
        }

        private static bool Prune(Region region)
        {
            region.Items.RemoveAll(item =>
            {
                switch (item)
                {
                    case LetItem let:
                        return !let.Value.Live;
                    case LoopItem loop:
                        loop.Carried.RemoveAll(c => !c.Phi.Live && !c.Result.Live);
                        return !Prune(loop.Body) && loop.Carried.Count == 0;
                    case IfItem branch:
                        branch.Merges.RemoveAll(m => !m.Result.Live);
                        bool then = Prune(branch.Then);
                        bool otherwise = Prune(branch.Else);
                        return !then && !otherwise && branch.Merges.Count == 0;
                    default:
                        return false;
                }
            });
            return region.Items.Count > 0;
        }

        private static void CountForwardUses(Region region)
        {
            void Uses(Node node)
            {
                if (node.Kind == NodeKind.Ref)
                {
                    node.Ref!.ForwardUses++;
                }

                foreach (Node arg in node.Args)
                {
                    Uses(arg);
                }
            }

            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LetItem let:
                        Uses(let.Value.Definition);
                        break;
                    case StoreItem store:
                        store.Value.ForwardUses++;
                        break;
                    case LoopItem loop:
                        foreach (Carried carried in loop.Carried)
                        {
                            carried.Init.ForwardUses++;
                            carried.Next.ForwardUses++;
                        }

                        CountForwardUses(loop.Body);
                        break;
                    case IfItem branch:
                        branch.Condition.ForwardUses++;
                        foreach (Merge merge in branch.Merges)
                        {
                            merge.WhenTrue.ForwardUses++;
                            merge.WhenFalse.ForwardUses++;
                        }

                        CountForwardUses(branch.Then);
                        CountForwardUses(branch.Else);
                        break;
                }
            }
        }
    }
}
