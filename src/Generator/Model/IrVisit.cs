using System;
using System.Collections.Generic;

namespace MoreauGen.Generator.Model
{
    /// <summary>What a walk of <see cref="IrVisit"/> does at each node: returns true to stop the walk.</summary>
    internal interface INodeVisitor
    {
        bool Visit(Expr node);
    }

    /// <summary>
    /// The walks of <see cref="IrWalk"/> that allocate nothing: every node of a statement (nested statements included) or
    /// of an expression, root first, handed to a struct visitor. <see cref="IrWalk.ExpressionsOf"/> and
    /// <see cref="IrWalk.Nodes"/> build an array, iterators and a list per statement and expression; over the reverse pass
    /// of a large body, walked again by every pass, those were most of the differentiator's allocations.
    /// A visitor must not start another walk of this class (they share one stack per thread); <see cref="IrWalk.AddNodes"/> is one such walk.
    /// </summary>
    internal static class IrVisit
    {
        [ThreadStatic]
        private static Stack<Expr>? pending;

        /// <summary>Visits every node of every expression in <paramref name="statement"/>; true when the visitor stopped the walk.</summary>
        public static bool Nodes<TVisitor>(Stmt statement, ref TVisitor visitor)
            where TVisitor : struct, INodeVisitor
        {
            switch (statement)
            {
                case Declare declare:
                    return declare.Value is { } value && Nodes(value, ref visitor);
                case Restore restore:
                    return Nodes(restore.Source, ref visitor);
                case Assign assign:
                    return Nodes(assign.Target, ref visitor) || Nodes(assign.Value, ref visitor);
                case CopySpan copy:
                    return Nodes(copy.Source, ref visitor) || Nodes(copy.Destination, ref visitor);
                case ClearSpan clear:
                    return Nodes(clear.Span, ref visitor);
                case Return ret:
                    return Nodes(ret.Value, ref visitor);
                case CallPullback call:
                    return Nodes(call.Args, ref visitor);
                case TensorCall call:
                    return Nodes(call.Args, ref visitor);
                case RentSpan rent:
                    return Nodes(rent.Length, ref visitor);
                case SinCos sinCos:
                    return Nodes(sinCos.Argument, ref visitor);
                case For loop:
                    return Nodes(loop.From, ref visitor) || Nodes(loop.To, ref visitor) || Nodes(loop.Step, ref visitor) || Nodes(loop.Body, ref visitor);
                case If branch:
                    return Nodes(branch.Condition, ref visitor) || Nodes(branch.Then, ref visitor) || Nodes(branch.Else, ref visitor);
                case Block block:
                    return Nodes(block.Body, ref visitor);
                case Tagged tagged:
                    return Nodes(tagged.Statement, ref visitor);
                default:
                    return false;
            }
        }

        /// <summary>Visits every node of every expression in <paramref name="statements"/>; true when the visitor stopped the walk.</summary>
        public static bool Nodes<TVisitor>(IReadOnlyList<Stmt> statements, ref TVisitor visitor)
            where TVisitor : struct, INodeVisitor
        {
            for (int i = 0; i < statements.Count; i++)
            {
                if (Nodes(statements[i], ref visitor))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Nodes<TVisitor>(EquatableArray<Expr> expressions, ref TVisitor visitor)
            where TVisitor : struct, INodeVisitor
        {
            for (int i = 0; i < expressions.Count; i++)
            {
                if (Nodes(expressions[i], ref visitor))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Visits every node of <paramref name="expr"/>, root first, in the order of <see cref="IrWalk.Nodes"/>.</summary>
        public static bool Nodes<TVisitor>(Expr expr, ref TVisitor visitor)
            where TVisitor : struct, INodeVisitor
        {
            Stack<Expr> stack = pending ??= new Stack<Expr>(64);
            stack.Clear();
            stack.Push(expr);
            while (stack.Count > 0)
            {
                Expr current = stack.Pop();
                if (visitor.Visit(current))
                {
                    stack.Clear();
                    return true;
                }

                switch (current)
                {
                    case Element element:
                        stack.Push(element.Index);
                        stack.Push(element.Span);
                        break;
                    case Slice slice:
                        if (slice.Length is not null)
                        {
                            stack.Push(slice.Length);
                        }

                        stack.Push(slice.Start);
                        stack.Push(slice.Span);
                        break;
                    case Apply apply:
                        PushAll(stack, apply.Args);
                        break;
                    case Call call:
                        PushAll(stack, call.Args);
                        break;
                    case OpsCall opsCall:
                        PushAll(stack, opsCall.Args);
                        break;
                    case NewSpan newSpan:
                        stack.Push(newSpan.Length);
                        break;
                    case Conditional conditional:
                        stack.Push(conditional.WhenFalse);
                        stack.Push(conditional.WhenTrue);
                        stack.Push(conditional.Condition);
                        break;
                }
            }

            return false;
        }

        private static void PushAll(Stack<Expr> stack, EquatableArray<Expr> args)
        {
            for (int i = args.Count - 1; i >= 0; i--)
            {
                stack.Push(args[i]);
            }
        }

        /// <summary>Whether <paramref name="statement"/> moves a tape cursor (reads or writes the tape through it).</summary>
        public static bool MovesCursor(Stmt statement)
        {
            var find = new FindCursorStep();
            return Nodes(statement, ref find);
        }

        /// <summary>Whether any of <paramref name="statements"/> moves a tape cursor.</summary>
        public static bool MovesCursor(IReadOnlyList<Stmt> statements)
        {
            var find = new FindCursorStep();
            return Nodes(statements, ref find);
        }

        /// <summary>Adds the names of the locals <paramref name="statement"/> reads (and the cursors it moves) to <paramref name="names"/>.</summary>
        public static void AddLocalsRead(Stmt statement, HashSet<string> names)
        {
            var add = new AddLocalNames(names);
            Nodes(statement, ref add);
        }

        /// <summary>The names of the locals <paramref name="expr"/> reads, in the order of its nodes (one list, no iterators).</summary>
        public static List<string> LocalNames(Expr expr) => AppendLocalNames(expr, new List<string>());

        /// <summary>Adds the names of the locals <paramref name="expr"/> reads to <paramref name="names"/>, in the order of its nodes (a caller's reused list).</summary>
        public static List<string> AppendLocalNames(Expr expr, List<string> names)
        {
            var collect = new CollectLocalNames(names);
            Nodes(expr, ref collect);
            return names;
        }

        private readonly struct CollectLocalNames : INodeVisitor
        {
            public CollectLocalNames(List<string> names) => Names = names;

            public List<string> Names { get; }

            public bool Visit(Expr node)
            {
                if (node is Local local)
                {
                    Names.Add(local.Name);
                }

                return false;
            }
        }

        private struct FindCursorStep : INodeVisitor
        {
            public bool Visit(Expr node) => node is CursorStep;
        }

        private readonly struct AddLocalNames : INodeVisitor
        {
            private readonly HashSet<string> names;

            public AddLocalNames(HashSet<string> names) => this.names = names;

            public bool Visit(Expr node)
            {
                if (node is Local local)
                {
                    names.Add(local.Name);
                }
                else if (node is CursorStep step)
                {
                    names.Add(step.Cursor);
                }

                return false;
            }
        }
    }
}
