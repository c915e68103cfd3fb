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
        public static FusedReverse Fuse(List<Stmt> both, List<Stmt> forW, List<Stmt> forX)
        {
            var dropped = new HashSet<string>(System.StringComparer.Ordinal);
            for (int i = 0; i < both.Count; i++)
            {
                if (both[i] is not TensorCall { Method: "ReluBackward" } relu || relu.Args.Count != 3 || relu.Args[2] is not Local d)
                    continue;
                Expr z = relu.Args[0], dy = relu.Args[1];
                var later = new List<(List<Stmt> List, int Index)>();
                for (int j = i + 1; j < both.Count; j++)
                    later.Add((both, j));
                for (int j = 0; j < forW.Count; j++)
                    later.Add((forW, j));
                for (int j = 0; j < forX.Count; j++)
                    later.Add((forX, j));
                HashSet<string> spans = Names(z, dy);
                if (spans.Contains(d.Name))
                    continue;

                var rewrites = new List<(List<Stmt> List, int Index, TensorCall Fused)>();
                bool foldable = true;
                foreach ((List<Stmt> list, int index) in later)
                {
                    Stmt statement = list[index];
                    if (statement is Comment or CallComment)
                        continue;
                    HashSet<string> mentioned = Names(IrWalk.ExpressionsOf(statement).ToArray());
                    bool readsD = mentioned.Contains(d.Name);
                    if (mentioned.Overlaps(spans) || (readsD && Fold(statement, d, z, dy) is not { } fused))
                    {
                        foldable = false;
                        break;
                    }
                    if (readsD)
                        rewrites.Add((list, index, Fold(statement, d, z, dy)!));
                }
                if (!foldable || rewrites.Count == 0)
                    continue;

                foreach ((List<Stmt> list, int index, TensorCall fused) in rewrites)
                    list[index] = fused;
                both[i] = new Comment("The ReLU's reverse pass is taken by the products below, masking " + d.Name + " as they pack it.");
                dropped.Add(d.Name);
            }

            return new FusedReverse(both, forW, forX, dropped);
        }

        /// <summary>Whether <paramref name="statement"/> rents or returns one of the <paramref name="dropped"/> buffers.</summary>
        public static bool Rents(Stmt statement, HashSet<string> dropped, IEnumerable<Stmt> rents) => statement switch
        {
            RentSpan rent => dropped.Contains(rent.Name),
            ReturnSpan ret => rents.OfType<RentSpan>().Any(r => r.Array == ret.Array && dropped.Contains(r.Name)),
            _ => false,
        };

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
