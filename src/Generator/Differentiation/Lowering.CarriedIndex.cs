using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Indices computed from int locals carried across iterations (<c>y[k]</c> with <c>k += 2</c> in the loop). The parser
    /// keeps such a count as a value of the element type and converts it where it indexes; here each conversion becomes an
    /// int value of its own (<c>int k_index = (int)k;</c>) whose definition reads the count's current version. So the
    /// count is live where it indexes, the taped forward keeps its updates, and the reverse pass recomputes the index from
    /// the count, which it restores like any value control flow made (popped from the tape).
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary><paramref name="expr"/> with each int conversion of a carried count replaced by a new int value.</summary>
        private Expr HoistCarriedCounts(Expr expr) => IrWalk.Replace(expr, hoistCarriedCount);

        /// <summary>A new int value for an int conversion of a carried count, else null (the walk goes on below).</summary>
        private Expr? HoistCarriedCount(Expr node) =>
            node is Apply { Op: Op.Convert } conversion && !conversion.Type.IsReal && conversion.Args[0].Type.IsReal &&
            IrWalk.Nodes(conversion.Args[0]).OfType<Local>().Any(l => l.Type.IsReal)
                ? new Local(Temporary(Node.Apply(Op.Convert, conversion.Type, new[] { Node.Reference(AsValue(LowerExpr(conversion.Args[0]))) })).Name, conversion.Type)
                : null;
    }
}
