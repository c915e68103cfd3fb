using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Scalar replacement of small scratch arrays, before the lowering: a scratch array of a per-sample body with a
    /// constant length of at most <see cref="MaxLength"/> (<c>Span&lt;T&gt; q = stackalloc T[3];</c>) whose every element
    /// is read and written at a constant index, once the loops of constant bounds that index it are unrolled, becomes one
    /// scalar local per element. Its values then live in registers rather than in a stack buffer, and the reverse pass
    /// keeps their adjoints in locals instead of a buffer that it clears, adds into and resets element by element (a chain
    /// of stores and reloads per element; 2.4× a hand-written adjoint in <c>scratch-rounds</c> before this pass). An
    /// array indexed at run time, passed whole (a view, a slice), or too long is left to the buffers of
    /// <see cref="Lowering"/>. The semantics are the body's: the declaration sets every element to zero, as
    /// <c>new</c> and <c>stackalloc</c> do.
    /// </summary>
    internal static class ScratchScalars
    {
        /// <summary>The longest array replaced by scalars, and the most iterations of a loop unrolled.</summary>
        public const int MaxLength = 16;

        /// <summary>The most statements (nested ones counted) an unrolled loop may produce.</summary>
        private const int MaxUnrolledStatements = 400;

        /// <summary>
        /// The body with the small scratch arrays replaced by scalars (the body itself when none is), and those arrays: the
        /// plain forward pass, which runs the user's body as written, still takes their buffers.
        /// </summary>
        public static (List<Stmt> Body, List<ScratchArray> Replaced) Run(List<Stmt> body, Func<NameTable> namesOf)
        {
            var lengths = new Dictionary<string, int>(StringComparer.Ordinal);
            if (!CollectDeclarations(body, lengths))
            {
                return (body, new List<ScratchArray>());
            }

            var candidates = new HashSet<string>(lengths.Where(p => p.Value > 0).Select(p => p.Key), StringComparer.Ordinal);
            if (candidates.Count == 0)
            {
                return (body, new List<ScratchArray>());
            }

            List<Stmt> unrolled = Unroll(body, candidates);
            var uses = new Dictionary<string, int>(StringComparer.Ordinal);
            var constantUses = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (Stmt statement in unrolled)
            {
                CountUses(statement, candidates, lengths, uses, constantUses);
            }

            candidates.RemoveWhere(c => uses.TryGetValue(c, out int all) && (!constantUses.TryGetValue(c, out int constant) || constant != all));
            if (candidates.Count == 0)
            {
                return (body, new List<ScratchArray>());
            }

            var scalars = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var replaced = new List<ScratchArray>();
            NameTable names = namesOf();
            foreach (string name in candidates.OrderBy(c => c, StringComparer.Ordinal))
            {
                scalars[name] = Enumerable.Range(0, lengths[name]).Select(k => names.Fresh(name + k.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
                replaced.Add(new ScratchArray(name, string.Empty, new Literal(IrType.Int, lengths[name])) { Scalarized = true });
            }

            return (unrolled.SelectMany(s => Replace(s, scalars)).ToList(), replaced);
        }

        /// <summary>
        /// The constant lengths of the scratch declarations (0 for a name declared more than once or at a run-time length);
        /// false when the body holds a statement this pass does not know, so that it leaves the body alone.
        /// </summary>
        private static bool CollectDeclarations(IEnumerable<Stmt> statements, Dictionary<string, int> lengths)
        {
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case Declare { Value: NewSpan array } declare:
                        lengths[declare.Name] = !lengths.ContainsKey(declare.Name) && array.Length is Literal literal && literal.Value >= 1 && literal.Value <= MaxLength
                            ? (int)literal.Value
                            : 0;
                        break;
                    case Declare or Assign or Return or Comment:
                        break;
                    case For loop when CollectDeclarations(loop.Body, lengths):
                        break;
                    case If branch when CollectDeclarations(branch.Then, lengths) && CollectDeclarations(branch.Else, lengths):
                        break;
                    case Block block when CollectDeclarations(block.Body, lengths):
                        break;
                    default:
                        return false;
                }

                if (!OwnExpressionsKnown(statement))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Whether every node of the statement's own expressions is <see cref="Known"/>: a loop's bounds and step, a branch's
        /// condition; the statements nested in them are checked by <see cref="CollectDeclarations"/> itself.
        /// </summary>
        /// <remarks>
        /// One walk with no list of nodes: a list of nodes and an array of expressions per statement, with the nested bodies
        /// walked again at every level, were the largest allocation of this pass in a body of many loops.
        /// </remarks>
        private static bool OwnExpressionsKnown(Stmt statement)
        {
            var unknown = new FindUnknown();
            return statement switch
            {
                For loop => !IrVisit.Nodes(loop.From, ref unknown) && !IrVisit.Nodes(loop.To, ref unknown) && !IrVisit.Nodes(loop.Step, ref unknown),
                If branch => !IrVisit.Nodes(branch.Condition, ref unknown),
                Block => true,
                _ => !IrVisit.Nodes(statement, ref unknown),
            };
        }

        /// <summary>The expressions <see cref="Substitute(Expr, string, int)"/> rebuilds.</summary>
        private static bool Known(Expr expr) =>
            expr is Literal or Local or LayerData or SpanRef or SpanLength or Element or Slice or Apply or Conditional or Call or NewSpan or OpsCall;

        /// <summary>Stops the walk at the first node that is not <see cref="Known"/>.</summary>
        private readonly struct FindUnknown : INodeVisitor
        {
            public bool Visit(Expr node) => !Known(node);
        }

        // ---- Unrolling -----------------------------------------------------------------------------------

        /// <summary>Loops of constant bounds whose body indexes a candidate array with the loop index become one block per iteration.</summary>
        private static List<Stmt> Unroll(IEnumerable<Stmt> statements, HashSet<string> candidates)
        {
            var result = new List<Stmt>();
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case For loop:
                    {
                        List<Stmt> body = Unroll(loop.Body, candidates);
                        if (Iterations(loop) is { } indices && IndexesCandidate(body, loop.Index, candidates) && !Assigns(body, loop.Index) &&
                            indices.Count * body.Sum(Size) <= MaxUnrolledStatements)
                        {
                            result.AddRange(indices.Select(i => (Stmt)new Block(EquatableArray.From(body.Select(s => Substitute(s, loop.Index, i))))));
                        }
                        else
                        {
                            result.Add(loop with { Body = EquatableArray.From(body) });
                        }

                        break;
                    }

                    case If branch:
                        result.Add(branch with { Then = EquatableArray.From(Unroll(branch.Then, candidates)), Else = EquatableArray.From(Unroll(branch.Else, candidates)) });
                        break;
                    case Block block:
                        result.Add(new Block(EquatableArray.From(Unroll(block.Body, candidates))));
                        break;
                    default:
                        result.Add(statement);
                        break;
                }
            }

            return result;
        }

        /// <summary>The indices of a loop of constant bounds and step with at most <see cref="MaxLength"/> iterations, else null.</summary>
        private static List<int>? Iterations(For loop)
        {
            if (Fold(loop.From) is not Literal from || Fold(loop.To) is not Literal to || Fold(loop.Step) is not Literal step || step.Value < 1)
            {
                return null;
            }

            var indices = new List<int>();
            for (int i = (int)from.Value; i < (int)to.Value; i += (int)step.Value)
            {
                if (indices.Count == MaxLength)
                {
                    return null;
                }

                indices.Add(i);
            }

            if (loop.Descending)
            {
                indices.Reverse();
            }

            return indices;
        }

        private static bool IndexesCandidate(IEnumerable<Stmt> body, string index, HashSet<string> candidates) =>
            body.SelectMany(IrWalk.ExpressionsOf).SelectMany(IrWalk.Nodes).Any(n =>
                n is Element { Span: Local array } element && candidates.Contains(array.Name) &&
                IrWalk.Nodes(element.Index).Any(i => i is Local local && local.Name == index));

        private static bool Assigns(IEnumerable<Stmt> body, string local) => body.Any(s => s switch
        {
            Assign { Target: Local target } => target.Name == local,
            Declare declare => declare.Name == local,
            For loop => loop.Index == local || Assigns(loop.Body, local),
            If branch => Assigns(branch.Then, local) || Assigns(branch.Else, local),
            Block block => Assigns(block.Body, local),
            _ => false,
        });

        private static int Size(Stmt statement) => statement switch
        {
            For loop => 1 + loop.Body.Sum(Size),
            If branch => 1 + branch.Then.Sum(Size) + branch.Else.Sum(Size),
            Block block => block.Body.Sum(Size),
            _ => 1,
        };

        private static Stmt Substitute(Stmt statement, string index, int value) => statement switch
        {
            Declare declare => declare with { Value = declare.Value is null ? null : Substitute(declare.Value, index, value) },
            Assign assign => assign with { Target = Substitute(assign.Target, index, value), Value = Substitute(assign.Value, index, value) },
            Return ret => new Return(Substitute(ret.Value, index, value)),
            For loop => loop with
            {
                From = Substitute(loop.From, index, value),
                To = Substitute(loop.To, index, value),
                Step = Substitute(loop.Step, index, value),
                Body = EquatableArray.From(loop.Body.Select(s => Substitute(s, index, value))),
            },
            If branch => new If(
                Substitute(branch.Condition, index, value),
                EquatableArray.From(branch.Then.Select(s => Substitute(s, index, value))),
                EquatableArray.From(branch.Else.Select(s => Substitute(s, index, value)))),
            Block block => new Block(EquatableArray.From(block.Body.Select(s => Substitute(s, index, value)))),
            _ => statement,
        };

        /// <summary><paramref name="expr"/> with the int local <paramref name="index"/> replaced by <paramref name="value"/>, int arithmetic on constants folded.</summary>
        private static Expr Substitute(Expr expr, string index, int value) => Fold(expr switch
        {
            Local { Type.Scalar: ScalarKind.Int32, Type.Shape: TypeShape.Scalar } local when local.Name == index => new Literal(IrType.Int, value),
            Element element => element with { Span = Substitute(element.Span, index, value), Index = Substitute(element.Index, index, value) },
            Slice slice => slice with
            {
                Span = Substitute(slice.Span, index, value),
                Start = Substitute(slice.Start, index, value),
                Length = slice.Length is null ? null : Substitute(slice.Length, index, value),
            },
            Apply apply => apply with { Args = EquatableArray.From(apply.Args.Select(a => Substitute(a, index, value))) },
            Conditional conditional => new Conditional(
                Substitute(conditional.Condition, index, value),
                Substitute(conditional.WhenTrue, index, value),
                Substitute(conditional.WhenFalse, index, value)),
            Call call => call with { Args = EquatableArray.From(call.Args.Select(a => Substitute(a, index, value))) },
            NewSpan array => array with { Length = Substitute(array.Length, index, value) },
            OpsCall call => call with { Args = EquatableArray.From(call.Args.Select(a => Substitute(a, index, value))) },
            _ => expr,
        });

        /// <summary>Int arithmetic on constants, folded (C# int semantics: division truncates, the remainder takes the dividend's sign).</summary>
        private static Expr Fold(Expr expr)
        {
            if (expr is not Apply { Type: { Scalar: ScalarKind.Int32, Shape: TypeShape.Scalar } } apply || !apply.Args.All(a => a is Literal))
            {
                return expr;
            }

            double a = ((Literal)apply.Args[0]).Value;
            double? folded = apply.Op switch
            {
                Op.Add when apply.Args.Count == 2 => a + ((Literal)apply.Args[1]).Value,
                Op.Subtract when apply.Args.Count == 2 => a - ((Literal)apply.Args[1]).Value,
                Op.Multiply when apply.Args.Count == 2 => a * ((Literal)apply.Args[1]).Value,
                Op.Negate when apply.Args.Count == 1 => -a,
                Op.Divide when apply.Args.Count == 2 && ((Literal)apply.Args[1]).Value != 0 => Math.Truncate(a / ((Literal)apply.Args[1]).Value),
                Op.Remainder when apply.Args.Count == 2 && ((Literal)apply.Args[1]).Value != 0 => a - (((Literal)apply.Args[1]).Value * Math.Truncate(a / ((Literal)apply.Args[1]).Value)),
                _ => null,
            };

            return folded is double result && Math.Abs(result) < int.MaxValue ? new Literal(IrType.Int, result) : expr;
        }

        // ---- Replacement ---------------------------------------------------------------------------------

        /// <summary>Counts the references to each candidate array, and those that are an element at a constant index in range.</summary>
        private static void CountUses(Stmt statement, HashSet<string> candidates, Dictionary<string, int> lengths, Dictionary<string, int> uses, Dictionary<string, int> constantUses)
        {
            foreach (Expr expr in IrWalk.ExpressionsOf(statement))
            {
                foreach (Expr node in IrWalk.Nodes(expr))
                {
                    if (node is Local local && candidates.Contains(local.Name))
                    {
                        uses[local.Name] = uses.TryGetValue(local.Name, out int n) ? n + 1 : 1;
                    }
                    else if (node is Element { Span: Local array, Index: Literal index } && candidates.Contains(array.Name) && index.Value >= 0 && index.Value < lengths[array.Name])
                    {
                        constantUses[array.Name] = constantUses.TryGetValue(array.Name, out int n) ? n + 1 : 1;
                    }
                }
            }
        }

        private static IEnumerable<Stmt> Replace(Stmt statement, Dictionary<string, string[]> scalars)
        {
            switch (statement)
            {
                case Declare { Value: NewSpan } declare when scalars.TryGetValue(declare.Name, out string[]? names):
                {
                    IrType element = declare.Type.Element;
                    return names.Select(n => (Stmt)new Declare(element, n, new Literal(element, 0)));
                }

                case Declare declare:
                    return new[] { declare with { Value = declare.Value is null ? null : Replace(declare.Value, scalars) } };
                case Assign assign:
                    return new[] { assign with { Target = Replace(assign.Target, scalars), Value = Replace(assign.Value, scalars) } };
                case Return ret:
                    return new[] { new Return(Replace(ret.Value, scalars)) };
                case For loop:
                    return new[] { loop with { Body = EquatableArray.From(loop.Body.SelectMany(s => Replace(s, scalars))) } };
                case If branch:
                    return new[]
                    {
                        new If(Replace(branch.Condition, scalars), EquatableArray.From(branch.Then.SelectMany(s => Replace(s, scalars))), EquatableArray.From(branch.Else.SelectMany(s => Replace(s, scalars)))),
                    };
                case Block block:
                    return new[] { new Block(EquatableArray.From(block.Body.SelectMany(s => Replace(s, scalars)))) };
                default:
                    return new[] { statement };
            }
        }

        private static Expr Replace(Expr expr, Dictionary<string, string[]> scalars) => expr switch
        {
            Element { Span: Local array, Index: Literal index } element when scalars.TryGetValue(array.Name, out string[]? names) => new Local(names[(int)index.Value], element.Type),
            Element element => element with { Span = Replace(element.Span, scalars), Index = Replace(element.Index, scalars) },
            Slice slice => slice with { Span = Replace(slice.Span, scalars), Start = Replace(slice.Start, scalars), Length = slice.Length is null ? null : Replace(slice.Length, scalars) },
            Apply apply => apply with { Args = EquatableArray.From(apply.Args.Select(a => Replace(a, scalars))) },
            Conditional conditional => new Conditional(Replace(conditional.Condition, scalars), Replace(conditional.WhenTrue, scalars), Replace(conditional.WhenFalse, scalars)),
            Call call => call with { Args = EquatableArray.From(call.Args.Select(a => Replace(a, scalars))) },
            OpsCall call => call with { Args = EquatableArray.From(call.Args.Select(a => Replace(a, scalars))) },
            _ => expr,
        };
    }
}
