using System.Collections.Generic;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// Fuses neighbouring calls of a batched layer's statement lists into the runtime's fused products, so a step makes no
    /// separate sweep over the layer's activations for them. Two patterns, each of calls that follow one another with only
    /// comments between:
    /// <list type="bullet">
    /// <item><c>MatMul(a, b, y, m, k, n, tA, tB); AddBias(y, bias, m, n)</c> → <c>MatMulBias(a, b, bias, y, m, k, n, tA, tB)</c>,
    /// and with a following <c>Relu(y, y)</c> → <c>MatMulBiasRelu</c> (the forward pass of a dense layer), and with a
    /// <c>y.CopyTo(tape…)</c> right after → <c>MatMulBiasReluAndCopy</c> (its taped forward);</item>
    /// <item><c>SumRows(d, s, m, n); MatMul(a, d, g, k′, m, n, tA, false)</c> → <c>MatMulSumRows(a, d, g, s, k′, m, n, tA)</c>
    /// (db and dW of its reverse pass).</item>
    /// </list>
    /// The fused calls give the same values bit for bit (the runtime's <c>GemmEpilogue</c>), so fusing changes only speed.
    /// </summary>
    internal static class BatchedFusion
    {
        /// <summary>The statements with every fusable run of calls replaced by its fused call; the comments are kept.</summary>
        public static List<Stmt> Fuse(IEnumerable<Stmt> statements)
        {
            var list = new List<Stmt>(statements);
            var result = new List<Stmt>(list.Count);
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is TensorCall first)
                {
                    int second = NextCall(list, i);
                    int third = second < 0 ? -1 : NextCall(list, second);
                    int end = TryForward(first, At(list, second), At(list, third), out TensorCall? fused);
                    end = end > 0 ? (end == 2 ? second : third) : (TryReverse(first, At(list, second), out fused) ? second : -1);
                    if (fused is { Method: "MatMulBiasRelu" } && end + 1 < list.Count && list[end + 1] is CopySpan copy
                        && SameSpan(copy.Source, fused.Args[3]))
                    {
                        // The taped forward's record of y: stored from the same registers (MatMulBiasReluAndCopy).
                        EquatableArray<Expr> args = fused.Args;
                        fused = new TensorCall("MatMulBiasReluAndCopy", fused.Element, EquatableArray.Of(
                            args[0], args[1], args[2], args[3], copy.Destination, args[4], args[5], args[6], args[7], args[8]));
                        end++;
                    }
                    if (fused is not null && end > i)
                    {
                        for (int j = i + 1; j < end; j++)
                        {
                            if (list[j] is not TensorCall)
                                result.Add(list[j]);
                        }

                        result.Add(fused);
                        i = end;
                        continue;
                    }
                }

                result.Add(list[i]);
            }

            return result;
        }

        /// <summary>The index of the next statement after <paramref name="index"/> when it is a call with only comments before it, else −1.</summary>
        private static int NextCall(List<Stmt> list, int index)
        {
            for (int j = index + 1; j < list.Count; j++)
            {
                if (list[j] is TensorCall)
                    return j;
                if (list[j] is not Comment and not CallComment)
                    return -1;
            }

            return -1;
        }

        /// <summary>Whether two expressions name the same span (a role, a local, or an equal expression).</summary>
        private static bool SameSpan(Expr a, Expr b) =>
            a.Equals(b) || (a is SpanRef ra && b is SpanRef rb && ra.Role == rb.Role) || (a is Local la && b is Local lb && la.Name == lb.Name);

        private static TensorCall? At(List<Stmt> list, int index) => index < 0 ? null : list[index] as TensorCall;

        /// <summary>MatMul; AddBias (; Relu): how many calls fuse (0, 2 or 3) and the fused call.</summary>
        private static int TryForward(TensorCall product, TensorCall? add, TensorCall? relu, out TensorCall? fused)
        {
            fused = null;
            if (product.Method != "MatMul" || product.Args.Count != 8 || add is null || add.Method != "AddBias" || add.Args.Count != 4)
                return 0;
            Expr y = product.Args[2];
            if (!add.Args[0].Equals(y) || !add.Args[2].Equals(product.Args[3]) || !add.Args[3].Equals(product.Args[5]))
                return 0;
            Expr bias = add.Args[1];
            if (bias.Equals(y) || bias.Equals(product.Args[0]) || bias.Equals(product.Args[1]))
                return 0;
            bool withRelu = relu is not null && relu.Method == "Relu" && relu.Args.Count == 2 && relu.Args[0].Equals(y) && relu.Args[1].Equals(y);
            fused = new TensorCall(withRelu ? "MatMulBiasRelu" : "MatMulBias", product.Element, EquatableArray.Of(
                product.Args[0], product.Args[1], bias, y, product.Args[3], product.Args[4], product.Args[5], product.Args[6], product.Args[7]));
            return withRelu ? 3 : 2;
        }

        /// <summary>SumRows(d, s, m, n); MatMul(a, d, g, k′, m, n, tA, false).</summary>
        private static bool TryReverse(TensorCall sum, TensorCall? product, out TensorCall? fused)
        {
            fused = null;
            if (sum.Method != "SumRows" || sum.Args.Count != 4 || product is null || product.Method != "MatMul" || product.Args.Count != 8)
                return false;
            Expr d = sum.Args[0], sums = sum.Args[1];
            bool matches = product.Args[1].Equals(d) && product.Args[4].Equals(sum.Args[2]) && product.Args[5].Equals(sum.Args[3])
                           && product.Args[7].Equals(TensorRuleSyntax.Bool(false))
                           && !sums.Equals(product.Args[0]) && !sums.Equals(product.Args[2]);
            if (!matches)
                return false;
            fused = new TensorCall("MatMulSumRows", product.Element, EquatableArray.Of(
                product.Args[0], d, product.Args[2], sums, product.Args[3], product.Args[4], product.Args[5], product.Args[6]));
            return true;
        }
    }
}
