using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// The reverse pass of a batched layer's ReLU folded into the products that read it: <c>ReluBackward(z, dy, d)</c>
    /// followed only by products that read d as an operand becomes those products reading dy masked by z while they
    /// pack it, and d is neither written nor rented:
    /// <list type="bullet">
    /// <item><c>MatMul(d, b, g, m, k, n, tA, tB)</c> → <c>MatMulReluMask(dy, z, b, g, m, k, n, tA, tB)</c> (dx = dz·Wᵀ of a dense layer);</item>
    /// <item><c>MatMulSumRows(a, d, g, s, m, k, n, tA)</c> → <c>MatMulSumRowsReluMask(a, dy, z, g, s, m, k, n, tA)</c> (its dW and db).</item>
    /// </list>
    /// The runtime's masked packing applies ReluBackward's exact operation to each panel (<c>GemmOperandMask</c>), so the
    /// fused calls give the same values bit for bit. Applied only when nothing after the ReluBackward (in the shared part of
    /// the reverse pass, its w part or its x part) mentions d otherwise, or mentions z or dy at all, so moving their reads
    /// later cannot change what is read.
    /// </summary>
    internal static class BatchedMaskFusion
    {
        /// <summary>The reverse pass's three lists (after <see cref="BatchedFusion.Fuse"/>) with every foldable ReluBackward folded, and the buffers no longer read.</summary>
        /// <remarks>
        /// Each statement's names are collected once into an index (name → ascending positions in the order both, forW,
        /// forX), so each ReluBackward looks only at the later statements that mention d, z or dy: linear in the body
        /// for bodies of many layers (a scan of every later statement per ReluBackward was quadratic).
        /// </remarks>
        public static FusedReverse Fuse(List<Stmt> both, List<Stmt> forW, List<Stmt> forX)
        {
            var dropped = new HashSet<string>(System.StringComparer.Ordinal);
            var slots = new List<(List<Stmt> List, int Index)>(both.Count + forW.Count + forX.Count);
            foreach (List<Stmt> list in new[] { both, forW, forX })
            {
                for (int j = 0; j < list.Count; j++)
                    slots.Add((list, j));
            }
            var positions = new Dictionary<string, List<int>>(System.StringComparer.Ordinal);
            for (int p = 0; p < slots.Count; p++)
            {
                Stmt statement = slots[p].List[slots[p].Index];
                if (statement is Comment or CallComment)
                    continue;
                foreach (string name in Names(IrWalk.ExpressionsOf(statement).ToArray()))
                    At(positions, name).Add(p);
            }

            for (int i = 0; i < both.Count; i++)
            {
                if (both[i] is not TensorCall { Method: "ReluBackward" } relu || relu.Args.Count != 3 || relu.Args[2] is not Local d)
                    continue;
                Expr z = relu.Args[0], dy = relu.Args[1];
                HashSet<string> spans = Names(z, dy);
                if (spans.Contains(d.Name) || spans.Any(name => positions.TryGetValue(name, out List<int>? at) && at.Count > 0 && at[at.Count - 1] > i))
                    continue; // a later statement mentions z or dy

                var rewrites = new List<(int Position, TensorCall Fused)>();
                bool foldable = true;
                if (positions.TryGetValue(d.Name, out List<int>? readers))
                {
                    foreach (int p in readers)
                    {
                        if (p <= i)
                            continue;
                        if (Fold(slots[p].List[slots[p].Index], d, z, dy) is not { } fused)
                        {
                            foldable = false;
                            break;
                        }
                        rewrites.Add((p, fused));
                    }
                }
                if (!foldable || rewrites.Count == 0)
                    continue;

                foreach ((int p, TensorCall fused) in rewrites)
                {
                    slots[p].List[slots[p].Index] = fused;
                    readers!.Remove(p);
                    foreach (string name in spans)
                        Insert(At(positions, name), p);
                }
                both[i] = new Comment("The ReLU's reverse pass is taken by the products below, masking " + d.Name + " as they pack it.");
                dropped.Add(d.Name);
            }

            return new FusedReverse(both, forW, forX, dropped);
        }

        /// <summary>The statements of <paramref name="statements"/> that rent or return none of the <paramref name="dropped"/> buffers.</summary>
        public static List<Stmt> Kept(IEnumerable<Stmt> statements, HashSet<string> dropped, IEnumerable<Stmt> rents)
        {
            var arrays = new HashSet<string>(rents.OfType<RentSpan>().Where(r => dropped.Contains(r.Name)).Select(r => r.Array), System.StringComparer.Ordinal);
            return statements.Where(statement => statement switch
            {
                RentSpan rent => !dropped.Contains(rent.Name),
                ReturnSpan ret => !arrays.Contains(ret.Array),
                _ => true,
            }).ToList();
        }

        private static List<int> At(Dictionary<string, List<int>> positions, string name)
        {
            if (!positions.TryGetValue(name, out List<int>? at))
                positions[name] = at = new List<int>();
            return at;
        }

        private static void Insert(List<int> sorted, int p)
        {
            int k = sorted.BinarySearch(p);
            if (k < 0)
                sorted.Insert(~k, p);
        }

        /// <summary>The product with d read as dy masked by z, or null when d is not only its masked operand.</summary>
        private static TensorCall? Fold(Stmt statement, Local d, Expr z, Expr dy)
        {
            if (statement is not TensorCall call)
                return null;
            EquatableArray<Expr> args = call.Args;
            if (call.Method == "MatMul" && args.Count == 8 && args[0].Equals(d) && OnlyAt(args, d, 0))
            {
                return new TensorCall("MatMulReluMask", call.Element, EquatableArray.Of(
                    dy, z, args[1], args[2], args[3], args[4], args[5], args[6], args[7]));
            }
            if (call.Method == "MatMulSumRows" && args.Count == 8 && args[1].Equals(d) && OnlyAt(args, d, 1))
            {
                return new TensorCall("MatMulSumRowsReluMask", call.Element, EquatableArray.Of(
                    args[0], dy, z, args[2], args[3], args[4], args[5], args[6], args[7]));
            }
            return null;
        }

        private static bool OnlyAt(EquatableArray<Expr> args, Local d, int at)
        {
            for (int i = 0; i < args.Count; i++)
            {
                if (i != at && Names(args[i]).Contains(d.Name))
                    return false;
            }
            return true;
        }

        /// <summary>The locals and span roles the expressions name.</summary>
        private static HashSet<string> Names(params Expr[] expressions)
        {
            var names = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (Expr expr in expressions)
            {
                foreach (Expr node in IrWalk.Nodes(expr))
                {
                    if (node is Local local)
                        names.Add(local.Name);
                    else if (node is SpanRef span)
                        names.Add("role:" + span.Role);
                }
            }
            return names;
        }
    }

    /// <summary>The reverse pass's lists after <see cref="BatchedMaskFusion.Fuse"/>, and the adjoint buffers they no longer read.</summary>
    internal sealed record FusedReverse(List<Stmt> Both, List<Stmt> ForW, List<Stmt> ForX, HashSet<string> Dropped);
}
