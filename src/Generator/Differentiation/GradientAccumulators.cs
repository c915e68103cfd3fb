using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// After the reverse variants: the adjoint of an element of w or x read at a fixed index (<c>w[0]</c>, <c>x[2]</c>) that
    /// a reverse pass adds to inside a loop, or in several statements, is added up in a local (declared at the start of the
    /// pass, zero) and written to gradW/gradX once at its end, instead of a read-modify-write of <c>gradW[0]</c> in memory
    /// at every contribution (a serial chain through memory in a loop: issue 12's RK4 integrator). Reads nothing and
    /// writes nothing of the passes' state but fresh names.
    /// </summary>
    internal static class GradientAccumulators
    {
        /// <summary><paramref name="pass"/> with its fixed-index gradient accumulations kept in locals.</summary>
        public static List<Stmt> Run(DifferentiationState state, List<Stmt> pass)
        {
            var counts = new Dictionary<(SpanRole Role, int Index), int>();
            var blocked = new HashSet<(SpanRole Role, int Index)>();
            bool hasReturn = false;
            Count(pass, inLoop: false, counts, blocked, ref hasReturn);
            List<(SpanRole Role, int Index)> hoisted = counts.Where(c => c.Value >= 2 && !blocked.Contains(c.Key))
                .Select(c => c.Key).OrderBy(k => k.Role).ThenBy(k => k.Index).ToList();
            if (hoisted.Count == 0 || hasReturn)
            {
                return pass;
            }

            IrType type = state.Element;
            var locals = new Dictionary<(SpanRole Role, int Index), Local>();
            var result = new List<Stmt>();
            var declaredAtFirst = new HashSet<(SpanRole Role, int Index)>();
            foreach ((SpanRole role, int index) in hoisted)
            {
                string name = state.Names.Fresh((role == SpanRole.GradW ? "d_w" : "d_x") + index.ToString(CultureInfo.InvariantCulture));
                var local = new Local(name, type);
                locals[(role, index)] = local;

                // First added to by a statement of the pass itself (not in a loop or branch): that statement declares it.
                if (pass.Select(Unwrap).FirstOrDefault(s => s is For or If or Block || (s is Assign a && Key(a.Target) == (role, index))) is Assign)
                {
                    declaredAtFirst.Add((role, index));
                }
                else
                {
                    result.Add(new Declare(type, name, new Literal(type, 0)));
                }
            }

            foreach (Stmt statement in Rewrite(pass, locals))
            {
                if (Unwrap(statement) is Assign { Target: Local target } first && locals.FirstOrDefault(l => l.Value == target) is { Value: not null } entry &&
                    declaredAtFirst.Remove(entry.Key))
                {
                    Expr value = first.Kind == AssignKind.Add ? first.Value : new Apply(Op.Negate, type, EquatableArray.Of(first.Value));
                    var declare = new Declare(type, target.Name, value);
                    result.Add(statement is Tagged tagged ? tagged with { Statement = declare } : declare);
                    continue;
                }

                result.Add(statement);
            }
            foreach ((SpanRole role, int index) in hoisted)
            {
                result.Add(new Assign(state.ElementOf(role, new Literal(IrType.Int, index), type), AssignKind.Add, locals[(role, index)]));
            }

            return result;
        }

        /// <summary>
        /// Counts the additions into each fixed element of gradW and gradX (one inside a loop counts twice: it runs again and
        /// again); an element that is also read or assigned in any other way is blocked.
        /// </summary>
        private static void Count(EquatableArray<Stmt> statements, bool inLoop, Dictionary<(SpanRole, int), int> counts, HashSet<(SpanRole, int)> blocked, ref bool hasReturn)
        {
            foreach (Stmt statement in statements)
            {
                Count(statement, inLoop, counts, blocked, ref hasReturn);
            }
        }

        private static void Count(List<Stmt> statements, bool inLoop, Dictionary<(SpanRole, int), int> counts, HashSet<(SpanRole, int)> blocked, ref bool hasReturn)
        {
            foreach (Stmt statement in statements)
            {
                Count(statement, inLoop, counts, blocked, ref hasReturn);
            }
        }

        private static void Count(Stmt statement, bool inLoop, Dictionary<(SpanRole, int), int> counts, HashSet<(SpanRole, int)> blocked, ref bool hasReturn)
        {
            var exclude = new Exclude(blocked);
            switch (statement)
            {
                case For loop:
                    IrVisit.Nodes(loop.From, ref exclude);
                    IrVisit.Nodes(loop.To, ref exclude);
                    IrVisit.Nodes(loop.Step, ref exclude);
                    Count(loop.Body, inLoop: true, counts, blocked, ref hasReturn);
                    break;
                case If branch:
                    IrVisit.Nodes(branch.Condition, ref exclude);
                    Count(branch.Then, inLoop, counts, blocked, ref hasReturn);
                    Count(branch.Else, inLoop, counts, blocked, ref hasReturn);
                    break;
                case Block block:
                    Count(block.Body, inLoop, counts, blocked, ref hasReturn);
                    break;
                case Tagged tagged:
                    Count(tagged.Statement, inLoop, counts, blocked, ref hasReturn);
                    break;
                case Return:
                    hasReturn = true;
                    break;
                case Assign { Kind: AssignKind.Add or AssignKind.Subtract } assign when Key(assign.Target) is { } key:
                    counts.TryGetValue(key, out int count);
                    counts[key] = count + (inLoop ? 2 : 1);
                    IrVisit.Nodes(assign.Value, ref exclude);
                    break;
                default:
                    IrVisit.Nodes(statement, ref exclude);
                    break;
            }
        }

        /// <summary>Blocks every fixed element of gradW and gradX an expression reads or assigns other than by an addition.</summary>
        private readonly struct Exclude : INodeVisitor
        {
            private readonly HashSet<(SpanRole, int)> blocked;

            public Exclude(HashSet<(SpanRole, int)> blocked) => this.blocked = blocked;

            public bool Visit(Expr node)
            {
                if (Key(node) is { } key)
                {
                    blocked.Add(key);
                }

                return false;
            }
        }

        private static Stmt Unwrap(Stmt statement) => statement is Tagged tagged ? tagged.Statement : statement;

        private static (SpanRole Role, int Index)? Key(Expr expr) =>
            expr is Element { Span: SpanRef { Role: SpanRole.GradW or SpanRole.GradX } span, Index: Literal index }
                ? (span.Role, (int)index.Value)
                : null;

        private static IEnumerable<Stmt> Rewrite(IEnumerable<Stmt> statements, Dictionary<(SpanRole, int), Local> locals)
        {
            foreach (Stmt statement in statements)
            {
                yield return statement switch
                {
                    For loop => loop with { Body = EquatableArray.From(Rewrite(loop.Body, locals)) },
                    If branch => branch with { Then = EquatableArray.From(Rewrite(branch.Then, locals)), Else = EquatableArray.From(Rewrite(branch.Else, locals)) },
                    Block block => block with { Body = EquatableArray.From(Rewrite(block.Body, locals)) },
                    Tagged tagged => tagged with { Statement = Rewrite(new[] { tagged.Statement }, locals).Single() },
                    Assign { Kind: AssignKind.Add or AssignKind.Subtract } assign when Key(assign.Target) is { } key && locals.TryGetValue(key, out Local? local) =>
                        assign with { Target = local },
                    _ => statement,
                };
            }
        }
    }
}
