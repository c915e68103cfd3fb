using System;
using System.Collections.Generic;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Pass 2: which of w and x each value varies with, once loops are taken into account. The lowering builds every
    /// node with the varying set of its arguments, but a phi (a loop-carried local at the start of an iteration) can only
    /// see what the local varies with before the loop: its update comes later in the body. This pass solves the
    /// equations phi = <see cref="DifferentiatorSteps.CarriedVarying"/>(before, update), result = phi,
    /// merge = either arm, node = union of its arguments with a worklist: a value is recomputed only when a value it
    /// reads has changed. Reads the value table and the carried and merge maps of the state; raises
    /// <see cref="Node.Varying"/> in place.
    /// </summary>
    /// <remarks>
    /// With the standard steps every equation is monotone over a lattice of two bits per value, so each value changes at
    /// most twice and the worklist ends after at most 2 × (values) changes, at the least solution (the same sets that
    /// lowering again and again until nothing grows would give). More changes than that mean the sets would never
    /// settle; that is an internal error (reported as MG0022), never a result computed from sets that are still moving.
    /// </remarks>
    internal static class VaryingSets
    {
        public static void Settle(DifferentiationState state)
        {
            var values = new List<Value>(state.ByName.Values);
            values.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));

            // Who reads each value: the values whose definition refers to it, and the control-flow values made from it.
            var readers = new Dictionary<Value, List<Value>>(ValueIdentity.Instance);
            void Reads(Value reader, Value read)
            {
                if (!readers.TryGetValue(read, out List<Value>? list))
                {
                    readers[read] = list = new List<Value>();
                }

                list.Add(reader);
            }

            foreach (Value value in values)
            {
                foreach (Value read in Inputs(state, value))
                {
                    Reads(value, read);
                }
            }

            var pending = new Queue<Value>(values);
            var queued = new HashSet<Value>(values, ValueIdentity.Instance);
            int changes = 0;
            int limit = 2 * values.Count;
            while (pending.Count > 0)
            {
                Value value = pending.Dequeue();
                queued.Remove(value);
                Need before = value.Varying;
                if (Recompute(state, value) == before)
                {
                    continue;
                }

                if (++changes > limit)
                {
                    throw new InvalidOperationException("The varying sets of the loop-carried locals do not settle: " + changes +
                                                        " changes over " + values.Count + " values, the last at " + value.Name + ".");
                }

                if (readers.TryGetValue(value, out List<Value>? affected))
                {
                    foreach (Value reader in affected)
                    {
                        if (queued.Add(reader))
                        {
                            pending.Enqueue(reader);
                        }
                    }
                }
            }
        }

        /// <summary>The values <paramref name="value"/>'s varying set is computed from.</summary>
        private static IEnumerable<Value> Inputs(DifferentiationState state, Value value)
        {
            switch (value.Kind)
            {
                case ValueKind.Phi when state.CarriedOf.TryGetValue(value, out (LoopItem Loop, Carried Carried) phi):
                    return new[] { phi.Carried.Init, phi.Carried.Next };
                case ValueKind.LoopResult when state.CarriedOf.TryGetValue(value, out (LoopItem Loop, Carried Carried) result):
                    return new[] { result.Carried.Phi };
                case ValueKind.Merge when state.MergeOf.TryGetValue(value, out (IfItem Branch, Merge Merge) merge):
                    return new[] { merge.Merge.WhenTrue, merge.Merge.WhenFalse };
                default:
                    var found = new List<Value>();
                    Collect(value.Definition, found);
                    return found;
            }
        }

        private static void Collect(Node node, List<Value> found)
        {
            if (node.Kind == NodeKind.Ref)
            {
                found.Add(node.Ref!);
            }

            foreach (Node arg in node.Args)
            {
                Collect(arg, found);
            }
        }

        /// <summary>Recomputes the varying sets of <paramref name="value"/>'s definition from the values it reads, and returns the new one.</summary>
        private static Need Recompute(DifferentiationState state, Value value)
        {
            Node definition = value.Definition;
            if (definition.Kind == NodeKind.Opaque)
            {
                Need varying = value.Kind switch
                {
                    ValueKind.Phi when state.CarriedOf.TryGetValue(value, out (LoopItem Loop, Carried Carried) phi) =>
                        state.Steps.CarriedVarying(phi.Carried.Init.Varying, phi.Carried.Next.Varying),
                    ValueKind.LoopResult when state.CarriedOf.TryGetValue(value, out (LoopItem Loop, Carried Carried) result) => result.Carried.Phi.Varying,
                    ValueKind.Merge when state.MergeOf.TryGetValue(value, out (IfItem Branch, Merge Merge) merge) => merge.Merge.WhenTrue.Varying | merge.Merge.WhenFalse.Varying,
                    _ => definition.Varying,
                };
                definition.Varying = definition.Type.IsReal ? varying : Need.None;
                return definition.Varying;
            }

            return Recompute(definition);
        }

        /// <summary>
        /// The rule the lowering builds nodes by: a reference has its value's set, a primitive or call the union of its
        /// arguments' (none for a piecewise-constant primitive, whose arguments are still visited).
        /// </summary>
        private static Need Recompute(Node node)
        {
            switch (node.Kind)
            {
                case NodeKind.Ref:
                    node.Varying = node.Ref!.Varying;
                    break;
                case NodeKind.Apply or NodeKind.Call:
                    Need union = Need.None;
                    foreach (Node arg in node.Args)
                    {
                        union |= Recompute(arg);
                    }

                    node.Varying = node.Kind == NodeKind.Call || (node.Type.IsReal && !node.PiecewiseConstant) ? union : Need.None;
                    break;
            }

            return node.Varying;
        }
    }
}
