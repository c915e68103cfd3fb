using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>Pass 4: the restores of the values the reverse pass reads (recomputed, or popped from the tape). Part of <see cref="Differentiator"/>: its state lives in Differentiator.cs.</summary>
    internal sealed partial class Differentiator
    {
        /// <summary>
        /// The restores of <paramref name="region"/>'s values that <paramref name="statements"/> read: pops in the reverse
        /// of the order the forward pass pushed them, then recomputations in dependency order.
        /// </summary>
        private List<Stmt> Restores(Region region, List<Stmt> statements)
        {
            var needed = new List<Value>();
            var seen = new HashSet<Value>();
            var queue = new Queue<string>(IrWalk.LocalsRead(statements));
            while (queue.Count > 0)
            {
                string name = queue.Dequeue();
                if (!byName.TryGetValue(name, out Value? value) || !ReferenceEquals(value.Region, region) || !seen.Add(value))
                {
                    continue;
                }

                needed.Add(value);
                value.Restored = true;
                foreach (string dependency in IrWalk.LocalsRead(RestoreSource(value)))
                {
                    queue.Enqueue(dependency);
                }
            }

            List<Value> order = ForwardOrder(region);
            var position = new Dictionary<Value, int>();
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
                Value value = region.Pushed[steps.PopInReverseOrder ? region.Pushed.Count - 1 - k : k];
                restores.Add(new Restore(value.Type, value.Name, RestoreSource(value)));
            }

            var emitted = new HashSet<Value>(region.Pushed);
            void Recompute(Value value)
            {
                if (!emitted.Add(value))
                {
                    return;
                }

                foreach (string dependency in IrWalk.LocalsRead(RestoreSource(value)))
                {
                    if (byName.TryGetValue(dependency, out Value? other) && needed.Contains(other))
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

        private static void CollectBindings(Node node, Value owner, List<Value> into)
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

        /// <summary>Stands for "read this value from the tape" until the layout is known.</summary>
        private sealed record PopPlaceholder(string Name, IrType Type) : Expr(Type);
    }
}
