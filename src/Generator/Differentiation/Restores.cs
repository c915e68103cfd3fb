using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Pass 5: the restores of the values the reverse pass reads: recomputed (ints, copies, leaves, cheap arithmetic on
    /// leaves), or popped from the tape. The reverse sweep calls it for each region it reverses. Reads the value table;
    /// sets each region's <see cref="Region.Pushed"/> list and each value's <see cref="Value.Restored"/> and
    /// <see cref="Value.Pushed"/>. How each value comes back is its own.
    /// </summary>
    internal sealed class Restores
    {
        /// <summary>The most operations a value recomputed by the reverse pass may take.</summary>
        private const int CheapOperations = 4;

        private readonly DifferentiationState state;
        private readonly Dictionary<Value, Expr> restoreSources = new(ValueIdentity.Instance);

        public Restores(DifferentiationState state) => this.state = state;

        /// <summary>
        /// The restores of <paramref name="region"/>'s values that <paramref name="statements"/> read: pops in the reverse
        /// of the order the forward pass pushed them, then recomputations in dependency order.
        /// </summary>
        public List<Stmt> Of(Region region, List<Stmt> statements)
        {
            var needed = new List<Value>();
            var seen = new HashSet<Value>(ValueIdentity.Instance);

            // The region's own values the statements read, in the order of their first read, then what their restores read:
            // looked up as the walk meets each name (a set of every name read, the region's or not, was as large as the
            // whole reverse pass at the top of a large body).
            var queue = new Queue<Value>();
            var reads = new RegionValuesRead(state.ByName, region, queue);
            IrVisit.Nodes(statements, ref reads);
            while (queue.Count > 0)
            {
                Value value = queue.Dequeue();
                if (!seen.Add(value))
                {
                    continue;
                }

                needed.Add(value);
                value.Restored = true;
                IrVisit.Nodes(RestoreSource(value), ref reads);
            }

            List<Value> order = ForwardOrder(region);
            var position = new Dictionary<Value, int>(order.Count, ValueIdentity.Instance);
            for (int i = 0; i < order.Count; i++)
            {
                position[order[i]] = i;
            }

            int Position(Value v) => position.TryGetValue(v, out int p) ? p : int.MaxValue;
            region.Pushed.Clear();
            region.Pushed.AddRange(needed.Where(v => v.Pushed).OrderBy(Position).ThenBy(v => v.Sequence));

            var restores = new List<Stmt>();
            for (int k = 0; k < region.Pushed.Count; k++)
            {
                Value value = region.Pushed[state.Steps.PopInReverseOrder ? region.Pushed.Count - 1 - k : k];
                restores.Add(new Restore(value.Type, value.Name, RestoreSource(value)));
            }

            var emitted = new HashSet<Value>(region.Pushed, ValueIdentity.Instance);
            void Recompute(Value value)
            {
                if (!emitted.Add(value))
                {
                    return;
                }

                foreach (string dependency in IrWalk.LocalsRead(RestoreSource(value)))
                {
                    if (state.ByName.TryGetValue(dependency, out Value? other) && seen.Contains(other))
                    {
                        Recompute(other);
                    }
                }

                restores.Add(new Restore(value.Type, value.Name, RestoreSource(value)));
            }

            foreach (Value value in needed.OrderBy(Position).ThenBy(v => v.Sequence))
            {
                Recompute(value);
            }

            return restores;
        }

        /// <summary>Queues the value of each local (or cursor) name read that belongs to the region, once per name read.</summary>
        private readonly struct RegionValuesRead : INodeVisitor
        {
            private readonly Dictionary<string, Value> byName;
            private readonly Region region;
            private readonly Queue<Value> queue;

            public RegionValuesRead(Dictionary<string, Value> byName, Region region, Queue<Value> queue)
            {
                this.byName = byName;
                this.region = region;
                this.queue = queue;
            }

            public bool Visit(Expr node)
            {
                string? name = node switch
                {
                    Local local => local.Name,
                    CursorStep step => step.Cursor,
                    _ => null,
                };
                if (name is not null && byName.TryGetValue(name, out Value? value) && ReferenceEquals(value.Region, region))
                {
                    queue.Enqueue(value);
                }

                return false;
            }
        }

        /// <summary>How the reverse pass gets <paramref name="value"/> back: recomputed from leaves, ints and copies, or popped from the tape.</summary>
        private Expr RestoreSource(Value value)
        {
            if (restoreSources.TryGetValue(value, out Expr? known))
            {
                return known;
            }

            Node definition = value.Definition;
            Expr source;
            if (definition.Kind == NodeKind.Leaf)
            {
                source = definition.Expr!;
            }
            else if (definition.Kind == NodeKind.Ref)
            {
                source = new Local(definition.Ref!.Name, value.Type);
            }
            else if (IsCheapOverLeaves(definition))
            {
                source = Rebuild(definition);
            }
            else if (value.Type == IrType.Int && definition.Kind == NodeKind.Apply && definition.Args.All(a => a.Kind is NodeKind.Leaf or NodeKind.Ref))
            {
                // An index from a carried count (Lowering.CarriedIndex.cs): recomputed from the count, itself restored.
                source = Rebuild(definition);
            }
            else if (value.Type == IrType.Int)
            {
                throw new InvalidOperationException("The index " + value.Name + " cannot be recomputed by the reverse pass.");
            }
            else
            {
                value.Pushed = true;
                source = new PopPlaceholder(value.Name, value.Type);
            }

            restoreSources[value] = source;
            return source;
        }

        /// <summary>The values of a region in the order its forward code declares them.</summary>
        private static List<Value> ForwardOrder(Region region)
        {
            var order = new List<Value>();
            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LetItem let:
                        CollectBindings(let.Value.Definition, let.Value, order);
                        order.AddRange(let.Value.Partials);
                        order.Add(let.Value);
                        break;
                    case LoopItem loop:
                        order.AddRange(loop.Carried.Select(c => c.Result));
                        break;
                    case IfItem branch:
                        order.AddRange(branch.Merges.Select(m => m.Result));
                        break;
                }
            }

            return order;
        }

        /// <summary>The temporaries bound inside <paramref name="node"/> (not its root), innermost first.</summary>
        public static void CollectBindings(Node node, Value owner, List<Value> into)
        {
            foreach (Node arg in node.Args)
            {
                CollectBindings(arg, owner, into);
            }

            if (node.Binding is not null && !ReferenceEquals(node, owner.Definition))
            {
                into.Add(node.Binding);
            }
        }

        /// <summary>
        /// Arithmetic on leaves (<c>w[0] * x[1] + 0.5</c>, at most <see cref="CheapOperations"/> operations), or a
        /// condition on such values: recomputing it in the reverse pass is cheaper than recording it.
        /// </summary>
        public static bool IsCheapOverLeaves(Node node)
        {
            int operations = 0;
            bool Cheap(Node n)
            {
                switch (n.Kind)
                {
                    case NodeKind.Leaf:
                        return true;
                    case NodeKind.Ref:
                        // A value the reverse pass recomputes anyway (a copy of a leaf, or cheap arithmetic) is as good as a leaf.
                        Node definition = n.Ref!.Definition;
                        return definition.Kind == NodeKind.Leaf || (definition.Kind is NodeKind.Apply or NodeKind.Ref && Cheap(definition));
                    case NodeKind.Apply when ++operations <= CheapOperations &&
                                             (n.Op is Op.Add or Op.Subtract or Op.Multiply or Op.Divide or Op.Negate or Op.Convert || n.Type == IrType.Bool):
                        foreach (Node arg in n.Args)
                        {
                            if (!Cheap(arg))
                            {
                                return false;
                            }
                        }

                        return true;
                    default:
                        return false;
                }
            }

            return node.Kind == NodeKind.Apply && Cheap(node);
        }

        /// <summary>The expression that recomputes <paramref name="node"/> from its leaves and values.</summary>
        public static Expr Rebuild(Node node) => node.Kind switch
        {
            NodeKind.Leaf => node.Expr!,
            NodeKind.Ref => new Local(node.Ref!.Name, node.Type),
            _ => new Apply(node.Op, node.Type, EquatableArray.Of(node.Args.Map(Rebuild))),
        };
    }

    /// <summary>Stands for "read this value from the tape" until the layout is known.</summary>
    internal sealed record PopPlaceholder(string Name, IrType Type) : Expr(Type);
}
