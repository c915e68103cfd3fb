using System;
using System.Collections.Generic;
using System.Linq;

namespace MoreauGen.Generator.Model
{
    /// <summary>Walks IR trees: the expressions of statements (nested ones included) and the nodes of expressions.</summary>
    internal static class IrWalk
    {
        /// <summary>Every expression directly in <paramref name="statement"/> and in the statements nested in it.</summary>
        public static IEnumerable<Expr> ExpressionsOf(Stmt statement) => statement switch
        {
            Declare { Value: { } value } => new[] { value },
            Restore restore => new[] { restore.Source },
            Assign assign => new[] { assign.Target, assign.Value },
            CopySpan copy => new[] { copy.Source, copy.Destination },
            ClearSpan clear => new[] { clear.Span },
            Return ret => new[] { ret.Value },
            CallPullback call => call.Args,
            TensorCall call => call.Args,
            RentSpan rent => new[] { rent.Length },
            SinCos sinCos => new[] { sinCos.Argument },
            For loop => new[] { loop.From, loop.To, loop.Step }.Concat(loop.Body.SelectMany(ExpressionsOf)),
            If branch => new[] { branch.Condition }.Concat(branch.Then.SelectMany(ExpressionsOf)).Concat(branch.Else.SelectMany(ExpressionsOf)),
            Block block => block.Body.SelectMany(ExpressionsOf),
            Tagged tagged => ExpressionsOf(tagged.Statement),
            _ => Array.Empty<Expr>(),
        };

        /// <summary>Every node of <paramref name="expr"/>, root first.</summary>
        public static IEnumerable<Expr> Nodes(Expr expr) => AddNodes(expr, new List<Expr>());

        /// <summary>Appends every node of <paramref name="expr"/> to <paramref name="nodes"/>, root first (walks of whole bodies reuse one list).</summary>
        public static List<Expr> AddNodes(Expr expr, List<Expr> nodes)
        {
            var add = new AddTo(nodes);
            IrVisit.Nodes(expr, ref add);
            return nodes;
        }

        private readonly struct AddTo : INodeVisitor
        {
            private readonly List<Expr> nodes;

            public AddTo(List<Expr> nodes) => this.nodes = nodes;

            public bool Visit(Expr node)
            {
                nodes.Add(node);
                return false;
            }
        }

        /// <summary>The names of the locals <paramref name="statements"/> read (and the cursors they move).</summary>
        public static HashSet<string> LocalsRead(IEnumerable<Stmt> statements) =>
            AddLocalsRead(statements, new HashSet<string>(StringComparer.Ordinal));

        /// <summary>Adds the names of the locals <paramref name="statements"/> read (and the cursors they move) to <paramref name="names"/>.</summary>
        public static HashSet<string> AddLocalsRead(IEnumerable<Stmt> statements, HashSet<string> names)
        {
            foreach (Stmt statement in statements)
            {
                IrVisit.AddLocalsRead(statement, names);
            }

            return names;
        }

        /// <summary>The names of the locals <paramref name="expr"/> reads.</summary>
        public static IEnumerable<string> LocalsRead(Expr expr) => IrVisit.LocalNames(expr);

        /// <summary>The span roles <paramref name="statements"/> use.</summary>
        public static HashSet<SpanRole> Roles(IEnumerable<Stmt> statements)
        {
            var roles = new HashSet<SpanRole>();
            var nodes = new List<Expr>();
            foreach (Stmt statement in statements)
            {
                foreach (Expr expr in ExpressionsOf(statement))
                {
                    nodes.Clear();
                    foreach (Expr node in AddNodes(expr, nodes))
                    {
                        if (node is SpanRef span)
                        {
                            roles.Add(span.Role);
                        }
                        else if (node is SpanLength length)
                        {
                            roles.Add(length.Role);
                        }
                    }
                }
            }

            return roles;
        }

        /// <summary><paramref name="expr"/> with each node <paramref name="replace"/> maps to something replaced (bottom-up where it returns null).</summary>
        public static Expr Replace(Expr expr, Func<Expr, Expr?> replace)
        {
            if (replace(expr) is { } replaced)
            {
                return replaced;
            }

            return expr switch
            {
                Element element => new Element(Replace(element.Span, replace), Replace(element.Index, replace), element.Type),
                Slice slice => new Slice(Replace(slice.Span, replace), Replace(slice.Start, replace), slice.Length is null ? null : Replace(slice.Length, replace), slice.Type),
                Apply apply => new Apply(apply.Op, apply.Type, ReplaceEach(apply.Args, replace)),
                Call call => new Call(call.Method, call.Type, ReplaceEach(call.Args, replace)),
                OpsCall call => new OpsCall(call.Method, call.Type, ReplaceEach(call.Args, replace)),
                NewSpan newSpan => new NewSpan(Replace(newSpan.Length, replace), newSpan.Type),
                Conditional conditional => new Conditional(Replace(conditional.Condition, replace), Replace(conditional.WhenTrue, replace), Replace(conditional.WhenFalse, replace)),
                _ => expr,
            };
        }

        // Loops, not Select with a lambda over the delegate: that lambda's closure was allocated at every call of the walks
        // above, leaves included (the lowering renames every index of a large body).
        private static EquatableArray<Expr> ReplaceEach(EquatableArray<Expr> args, Func<Expr, Expr?> replace)
        {
            var result = new Expr[args.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = Replace(args[i], replace);
            }

            return EquatableArray.Of(result);
        }

        private static EquatableArray<Expr> RenameLocalsEach(EquatableArray<Expr> args, Func<Local, Expr?> rename)
        {
            var result = new Expr[args.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = RenameLocals(args[i], rename);
            }

            return EquatableArray.Of(result);
        }

        /// <summary><paramref name="expr"/> with every local renamed by <paramref name="rename"/> (null keeps the name).</summary>
        public static Expr RenameLocals(Expr expr, Func<Local, Expr?> rename) => expr switch
        {
            Local local => rename(local) ?? local,
            Element element => new Element(RenameLocals(element.Span, rename), RenameLocals(element.Index, rename), element.Type),
            Slice slice => new Slice(RenameLocals(slice.Span, rename), RenameLocals(slice.Start, rename), slice.Length is null ? null : RenameLocals(slice.Length, rename), slice.Type),
            Apply apply => new Apply(apply.Op, apply.Type, RenameLocalsEach(apply.Args, rename)),
            Call call => new Call(call.Method, call.Type, RenameLocalsEach(call.Args, rename)),
            OpsCall call => new OpsCall(call.Method, call.Type, RenameLocalsEach(call.Args, rename)),
            NewSpan newSpan => new NewSpan(RenameLocals(newSpan.Length, rename), newSpan.Type),
            Conditional conditional => new Conditional(RenameLocals(conditional.Condition, rename), RenameLocals(conditional.WhenTrue, rename), RenameLocals(conditional.WhenFalse, rename)),
            _ => expr,
        };
    }
}
