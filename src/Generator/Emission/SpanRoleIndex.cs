using System.Collections.Generic;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// The span roles statement lists use, for the members of one generated file. Each statement is walked once, by a
    /// visitor that allocates nothing, and its roles are kept as a bit set; a list (or a concatenation of lists, as the
    /// members ask) is the union of its statements' sets. Walking each list the members ask about again, with
    /// iterators, cost about half of the emission of a large body with loops.
    /// </summary>
    internal sealed class SpanRoleIndex
    {
        private readonly Dictionary<Stmt, int> known = new(ReferenceComparer.Instance);

        /// <summary>Whether any of <paramref name="statements"/> (nested statements included) uses <paramref name="role"/>.</summary>
        public bool Uses(IEnumerable<Stmt> statements, SpanRole role)
        {
            int bit = Bit(role);
            foreach (Stmt statement in statements)
            {
                if ((Of(statement) & bit) != 0)
                {
                    return true;
                }
            }

            return false;
        }

        private int Of(Stmt statement)
        {
            if (!known.TryGetValue(statement, out int roles))
            {
                var collect = new CollectRoles();
                IrVisit.Nodes(statement, ref collect);
                roles = collect.Roles;
                known[statement] = roles;
            }

            return roles;
        }

        private static int Bit(SpanRole role) => 1 << (int)role;

        private struct CollectRoles : INodeVisitor
        {
            public int Roles;

            public bool Visit(Expr node)
            {
                if (node is SpanRef span)
                {
                    Roles |= Bit(span.Role);
                }
                else if (node is SpanLength length)
                {
                    Roles |= Bit(length.Role);
                }

                return false;
            }
        }

        /// <summary>Compares statements by reference (records compare by value, through their whole trees).</summary>
        private sealed class ReferenceComparer : IEqualityComparer<Stmt>
        {
            public static readonly ReferenceComparer Instance = new();

            public bool Equals(Stmt? x, Stmt? y) => ReferenceEquals(x, y);

            public int GetHashCode(Stmt obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
