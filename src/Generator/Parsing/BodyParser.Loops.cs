using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// <c>while</c> and <c>do</c> loops, lowered to a bounded <c>for</c> with a stop flag (part of <see cref="BodyParser"/>):
    /// <code>
    /// while (c) { body }        →  stopped = 0; if (c) { for (trip = 0; trip &lt; bound; trip++) { if (stopped == 0) { body } if (stopped == 0) { if (!c) stopped = 1; } } }
    /// do { body } while (c);    →  stopped = 0; for (trip = 0; trip &lt; max(1, bound); trip++) { if (stopped == 0) { body } if (stopped == 0) { if (!c) stopped = 1; } }
    /// </code>
    /// So every trip that runs starts with a body and ends with the test: the differentiator, whose taped forward loop
    /// ends after the trip that sets the flag, knows the flag clear at the start of every trip it runs and drops the
    /// guard of the body (<c>Differentiation/StopGuards.cs</c>), so its reverse loop walks back bodies only.
    /// A call's tape is fixed before the data is seen (<c>TapeLength(m)</c>), so the loop needs a trip bound that holds
    /// for every sample; the parser proves one from an int counter <c>k</c>:
    /// <list type="bullet">
    /// <item>the condition has a conjunct <c>k &lt; B</c> (or <c>k &lt;= B</c>, <c>B &gt; k</c>, <c>B &gt;= k</c>), or the body starts its
    /// iteration (before any <c>continue</c>) with <c>if (… || k &gt;= B) break;</c>, B an int of sizes, constants and data;</item>
    /// <item>k is declared with a start E of sizes, constants and data (no local), and every other write of k is an
    /// increase by a positive constant (<c>k++</c>, <c>k += 2</c>): k never falls below E;</item>
    /// <item>every path through the body that goes on to the next iteration (its end, or a <c>continue</c>) increases k.</item>
    /// </list>
    /// Then at most B − E iterations run (one more for <c>&lt;=</c>, and the slack of a break check), which is the
    /// <c>for</c>'s bound. The stop flag is a carried value of the element type like a break's, recorded where the
    /// reverse pass re-evaluates a condition on it, so the reverse pass replays exactly the iterations the forward ran;
    /// the iterations after the stop do nothing. The taped forward pass ends the loop after the trip that sets the flag and
    /// records the number of trips run, where the reverse loop starts (<see cref="For.StopFlag"/>). A loop without such a
    /// counter has no trip bound: see <c>BodyParser.UnboundedLoops.cs</c>.
    /// </summary>
    internal sealed partial class BodyParser
    {
        private void WhileLoop(IWhileLoopOperation loop, List<Stmt> into)
        {
            string what = loop.ConditionIsTop ? "A 'while' loop" : "A 'do' loop";
            if (loop.Condition is null)
            {
                Report(DiagnosticDescriptors.UnsupportedLoop, LoopKeyword(loop.Syntax), what + " without a condition");
                return;
            }

            (IOperation Counter, IOperation Bound, int Slack)? found = ConditionCounter(loop) ?? BreakCounter(loop);
            IOperation? start = found is { } f ? CounterStart(((ILocalReferenceOperation)f.Counter).Local, loop) : null;
            if (found is null || start is null || !EveryIterationAdvances(Flatten(loop.Body).ToList(), 0, ((ILocalReferenceOperation)found.Value.Counter).Local, loop))
            {
                UnboundedLoop(loop, into, what);
                return;
            }

            Expr? from = LoopBound(start);
            Expr? to = LoopBound(found.Value.Bound);
            if (from is null || to is null)
            {
                return;
            }

            Expr bound = IntMath.Add(IntMath.Subtract(to, from), new Literal(IrType.Int, found.Value.Slack));
            if (!loop.ConditionIsTop)
            {
                bound = IntMath.Max(new Literal(IrType.Int, 1), bound);
            }

            string stopped = FlagName("stopped");
            string trip = FlagName("trip");
            into.Add(new Declare(FlagType, stopped, new Literal(FlagType, 0)));

            // A while loop tests its condition once before the loop and after each body: every trip runs a body.
            Expr? enter = null;
            if (loop.ConditionIsTop && loop.Condition.ConstantValue is not { HasValue: true, Value: true })
            {
                enter = WithHoisted(into, () => Condition(loop.Condition));
                if (enter is null)
                {
                    return;
                }
            }

            var lowered = new For(trip, new Literal(IrType.Int, 0), bound, new Literal(IrType.Int, 1), false, TripBody(loop, into, stopped, testFirst: false)) { StopFlag = stopped };
            into.Add(enter is null ? lowered : new If(enter, EquatableArray.Of<Stmt>(lowered), EquatableArray<Stmt>.Empty));
        }

        /// <summary>
        /// One trip of a lowered loop under its stop flag <paramref name="stopped"/>: the guarded body, and the test
        /// <c>if (stopped == 0) { if (!c) stopped = 1; }</c> before it when <paramref name="testFirst"/>, else after it. In
        /// an <paramref name="unbounded"/> loop a <c>return</c> also sets the flag.
        /// </summary>
        private EquatableArray<Stmt> TripBody(IWhileLoopOperation loop, List<Stmt> into, string stopped, bool testFirst, bool unbounded = false)
        {
            scopes.Add(new ControlScope(null, isLoop: true, unboundedStop: unbounded ? stopped : null));
            var body = new List<Stmt>();
            if (testFirst)
            {
                StopUnless(loop.Condition!, stopped, body);
            }

            body.AddRange(LoopBody(loop, into, stopped));
            if (!testFirst)
            {
                StopUnless(loop.Condition!, stopped, body);
            }

            scopes.RemoveAt(scopes.Count - 1);
            return EquatableArray.From(body);
        }

        /// <summary><c>if (stopped == 0) { if (!condition) stopped = 1; }</c>, the condition's helper calls inside.</summary>
        private void StopUnless(IOperation condition, string stopped, List<Stmt> into)
        {
            if (condition.ConstantValue is { HasValue: true, Value: true })
            {
                return;
            }

            var check = new List<Stmt>();
            Expr? holds = WithHoisted(check, () => Condition(condition));
            if (holds is null)
            {
                return;
            }

            check.Add(new If(holds, EquatableArray<Stmt>.Empty, EquatableArray.Of(SetFlag(stopped))));
            into.Add(new If(FlagIsClear(stopped), EquatableArray.From(check), EquatableArray<Stmt>.Empty));
        }

        /// <summary>A conjunct <c>k &lt; B</c> of the loop's condition: (k, B, 1 for <c>&lt;=</c>).</summary>
        private static (IOperation, IOperation, int)? ConditionCounter(IWhileLoopOperation loop)
        {
            foreach (IOperation conjunct in Junctions(loop.Condition!, BinaryOperatorKind.ConditionalAnd))
            {
                if (CounterComparison(conjunct, stop: false) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        /// <summary>
        /// <c>if (… || k &gt;= B) break;</c> among the body's first statements, before any that may skip it: (k, B, slack).
        /// k may have been increased once before the check, so one more iteration may run than the count says.
        /// </summary>
        private static (IOperation, IOperation, int)? BreakCounter(IWhileLoopOperation loop)
        {
            foreach (IOperation operation in Flatten(loop.Body))
            {
                if (operation is IConditionalOperation { WhenFalse: null } check && Flatten(check.WhenTrue).ToList() is { Count: 1 } arm &&
                    arm[0] is IBranchOperation { BranchKind: BranchKind.Break } exit && SymbolEqualityComparer.Default.Equals(exit.Target, loop.ExitLabel))
                {
                    foreach (IOperation disjunct in Junctions(check.Condition, BinaryOperatorKind.ConditionalOr))
                    {
                        if (CounterComparison(disjunct, stop: true) is { } found)
                        {
                            return (found.Counter, found.Bound, found.Slack + 1);
                        }
                    }
                }

                if (ContinuesIn(operation, loop))
                {
                    return null;
                }
            }

            return null;
        }

        /// <summary>Whether <paramref name="operation"/> holds a <c>continue</c> of <paramref name="loop"/>.</summary>
        private static bool ContinuesIn(IOperation operation, ILoopOperation loop) =>
            operation.DescendantsAndSelf().Any(o => o is IBranchOperation { IsImplicit: false } jump && SymbolEqualityComparer.Default.Equals(jump.Target, loop.ContinueLabel));

        private static IEnumerable<IOperation> Junctions(IOperation condition, BinaryOperatorKind kind)
        {
            while (condition is IParenthesizedOperation parenthesized)
            {
                condition = parenthesized.Operand;
            }

            return condition is IBinaryOperation { OperatorMethod: null } both && both.OperatorKind == kind
                ? Junctions(both.LeftOperand, kind).Concat(Junctions(both.RightOperand, kind))
                : new[] { condition };
        }

        /// <summary>
        /// A comparison of an int local with an int: to go on while <c>k &lt; B</c> (<paramref name="stop"/> false), or to
        /// stop when <c>k &gt;= B</c> (true). Slack 1 when the bound itself is allowed (<c>k &lt;= B</c>, <c>k &gt; B</c>).
        /// </summary>
        private static (IOperation Counter, IOperation Bound, int Slack)? CounterComparison(IOperation comparison, bool stop)
        {
            if (comparison is not IBinaryOperation { OperatorMethod: null } binary ||
                binary.LeftOperand.Type?.SpecialType != SpecialType.System_Int32 || binary.RightOperand.Type?.SpecialType != SpecialType.System_Int32)
            {
                return null;
            }

            // Written with k on the left: k < B (go on), k <= B (go on, slack 1), k >= B (stop), k > B (stop, slack 1).
            (IOperation left, IOperation right, BinaryOperatorKind op) = binary.LeftOperand is ILocalReferenceOperation
                ? (binary.LeftOperand, binary.RightOperand, binary.OperatorKind)
                : (binary.RightOperand, binary.LeftOperand, Mirror(binary.OperatorKind));
            if (left is not ILocalReferenceOperation { Local.IsConst: false })
            {
                return null;
            }

            return (op, stop) switch
            {
                (BinaryOperatorKind.LessThan, false) or (BinaryOperatorKind.GreaterThanOrEqual, true) => (left, right, 0),
                (BinaryOperatorKind.LessThanOrEqual, false) or (BinaryOperatorKind.GreaterThan, true) => (left, right, 1),
                _ => null,
            };
        }

        private static BinaryOperatorKind Mirror(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
            _ => kind,
        };

        /// <summary>
        /// The start E of counter <paramref name="k"/> when k never falls below it: declared with E (no local read in E), and
        /// every other write of k (in the whole method or helper) an increase by a positive constant. Null otherwise.
        /// </summary>
        private static IOperation? CounterStart(ILocalSymbol k, IOperation loop)
        {
            IOperation root = loop;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            IOperation? start = null;
            foreach (IOperation operation in root.Descendants())
            {
                if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, k))
                {
                    start = declarator.Initializer?.Value ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer?.Value;
                    if (start is null || start.DescendantsAndSelf().Any(o => o is ILocalReferenceOperation))
                    {
                        return null;
                    }
                }
                else if (operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, k) && Writes(reference) && !Increases(reference.Parent, k))
                {
                    return null;
                }
            }

            return start;
        }

        private static bool Writes(ILocalReferenceOperation reference) => reference.Parent switch
        {
            IAssignmentOperation assignment => ReferenceEquals(assignment.Target, reference),
            IIncrementOrDecrementOperation => true,
            IArgumentOperation argument => argument.Parameter?.RefKind is not (RefKind.None or RefKind.In),
            _ => reference.IsDeclaration,
        };

        /// <summary><c>k++</c>, <c>++k</c> or <c>k += c</c> with c a positive int constant.</summary>
        private static bool Increases(IOperation? operation, ILocalSymbol k) => operation switch
        {
            IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, k),
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, Target: ILocalReferenceOperation target, Value.ConstantValue: { HasValue: true, Value: int c } } =>
                c > 0 && SymbolEqualityComparer.Default.Equals(target.Local, k),
            _ => false,
        };

        /// <summary>
        /// Whether every path through <paramref name="operations"/> (from <paramref name="i"/>) that goes on to the loop's
        /// next iteration increases <paramref name="k"/> at the body's own level (an increase inside a nested loop does
        /// not count: it may not run). A path that leaves the loop (break, return) needs none.
        /// </summary>
        private static bool EveryIterationAdvances(IReadOnlyList<IOperation> operations, int i, ILocalSymbol k, ILoopOperation loop)
        {
            for (; i < operations.Count; i++)
            {
                IOperation operation = operations[i];
                switch (operation)
                {
                    case IExpressionStatementOperation statement when Increases(statement.Operation, k):
                        return true;
                    case IReturnOperation { IsImplicit: false }:
                        return true;
                    case IBranchOperation { IsImplicit: false } jump when SymbolEqualityComparer.Default.Equals(jump.Target, loop.ExitLabel):
                        return true;
                    case IBranchOperation { IsImplicit: false } jump when SymbolEqualityComparer.Default.Equals(jump.Target, loop.ContinueLabel):
                        return false;
                    case IConditionalOperation branch when branch.WhenTrue is not null && (Jumps(branch) || branch.Descendants().Any(o => Increases(o, k))):
                    {
                        List<IOperation> rest = operations.Skip(i + 1).ToList();
                        List<IOperation> then = Flatten(branch.WhenTrue).Concat(rest).ToList();
                        List<IOperation> otherwise = (branch.WhenFalse is null ? rest : Flatten(branch.WhenFalse).Concat(rest)).ToList();
                        return EveryIterationAdvances(then, 0, k, loop) && EveryIterationAdvances(otherwise, 0, k, loop);
                    }

                    default:
                        if (ContinuesIn(operation, loop))
                        {
                            return false;
                        }

                        break;
                }
            }

            return false;
        }
    }
}
