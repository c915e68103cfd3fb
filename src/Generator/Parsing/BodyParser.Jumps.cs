using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// <c>break</c>, <c>continue</c> and early <c>return</c>, lowered to structured code the differentiator already
    /// handles (part of <see cref="BodyParser"/>: its state lives in BodyParser.cs):
    /// <list type="bullet">
    /// <item>an <c>if</c> with a jump in an arm becomes an if/else whose arms each go on with the statements after it
    /// (an arm that ends in a jump stops there), so <c>if (c) continue; rest</c> is <c>if (c) { } else { rest }</c>;</item>
    /// <item><c>break</c> sets a flag of the loop (<c>stopped = 1</c>, a local of the element type declared before the
    /// loop) and every iteration runs under <c>if (stopped == 0)</c>: the loop keeps its bound, the iterations after
    /// the break do nothing;</item>
    /// <item>a <c>return</c> inside a loop sets one flag of the method (<c>returned = 1</c>, plus the value an objective
    /// or helper returns): the loops around it run their iterations under <c>returned == 0</c> and the statements after
    /// each such loop run under <c>if (returned == 0)</c>; in a layer, the output writes of a returning arm run after the
    /// outermost loop (BodyParser.HoistedReturns.cs).</item>
    /// </list>
    /// The flags are values of the element type that vary with neither w nor x: they are carried across iterations and
    /// recorded where the reverse pass re-evaluates a condition on them, like any other carried local, so the reverse
    /// pass replays exactly the iterations and arms the forward pass ran.
    /// </summary>
    internal sealed partial class BodyParser
    {
        private readonly Stack<string?> breakFlags = new();
        private string? returnFlag;
        private List<Stmt>? topLevelBody;

        private IrType FlagType => IrType.ScalarOf(element);

        /// <summary>True when <paramref name="op"/> holds a <c>return</c>, or a <c>break</c>/<c>continue</c> of a loop outside it.</summary>
        private static bool Jumps(IOperation op)
        {
            foreach (IOperation inner in op.DescendantsAndSelf())
            {
                if (inner is IReturnOperation { IsImplicit: false })
                {
                    return true;
                }

                if (inner is IBranchOperation { IsImplicit: false, BranchKind: BranchKind.Break or BranchKind.Continue } jump && LeavesOperation(jump, op))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether <paramref name="jump"/> targets a loop (or switch) outside <paramref name="root"/>.</summary>
        private static bool LeavesOperation(IBranchOperation jump, IOperation root)
        {
            for (IOperation? p = jump.Parent; p is not null; p = p.Parent)
            {
                if (p is ILoopOperation || (p is ISwitchOperation && jump.BranchKind == BranchKind.Break))
                {
                    return false;
                }

                if (ReferenceEquals(p, root))
                {
                    return true;
                }
            }

            return true;
        }

        /// <summary>A name for a flag no user local takes (later user locals of that name get a suffix).</summary>
        private string FlagName(string preferred)
        {
            string name = preferred;
            for (int k = 2; reserved.Contains(name) || handedOut.Contains(name) || method.Parameters.Any(p => p.Name == name); k++)
            {
                name = preferred + "_" + k.ToString(CultureInfo.InvariantCulture);
            }

            reserved.Add(name);
            handedOut.Add(name);
            return name;
        }

        private Expr FlagIsClear(string flag) =>
            new Apply(Op.Equal, IrType.Bool, EquatableArray.Of<Expr>(new Local(flag, FlagType), new Literal(FlagType, 0)));

        private Stmt SetFlag(string flag) => new Assign(new Local(flag, FlagType), AssignKind.Assign, new Literal(FlagType, 1));

        /// <summary>The method's return flag, declared (cleared) at the start of the body the first time it is needed.</summary>
        private string ReturnFlag()
        {
            if (returnFlag is null)
            {
                returnFlag = FlagName("returned");
                topLevelBody!.Insert(0, new Declare(FlagType, returnFlag, new Literal(FlagType, 0)));

                // The value returned is then assigned inside a loop: it is carried through it, so it needs a value before.
                int result = topLevelBody.FindIndex(s => s is Declare { Value: null } declare && declare.Name == resultLocal);
                if (result >= 0)
                {
                    topLevelBody[result] = new Declare(FlagType, resultLocal!, new Literal(FlagType, 0));
                }
            }

            return returnFlag;
        }

        /// <summary>
        /// Parses <paramref name="operations"/> from <paramref name="start"/> with its jumps made structured; true when
        /// every path through them ends in a jump (what follows is not reached).
        /// </summary>
        private bool JumpingSequence(IReadOnlyList<IOperation> operations, int start, List<Stmt> into)
        {
            for (int i = start; i < operations.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IOperation operation = operations[i];
                statementTarget = into;
                switch (operation)
                {
                    case IBranchOperation { IsImplicit: false, BranchKind: BranchKind.Break } when breakFlags.Count > 0 && breakFlags.Peek() is { } flag:
                        into.Add(SetFlag(flag));
                        return true;
                    case IBranchOperation { IsImplicit: false, BranchKind: BranchKind.Continue } when breakFlags.Count > 0:
                        return true;
                    case IReturnOperation { IsImplicit: false } ret:
                        if (ret.ReturnedValue is not null && resultLocal is not null)
                        {
                            Expr? value = WithHoisted(into, () => ReturnValue(ret));
                            if (value is not null)
                            {
                                into.Add(new Assign(new Local(resultLocal, ResultType), AssignKind.Assign, value));
                            }
                        }

                        if (InLoop)
                        {
                            into.Add(SetFlag(ReturnFlag()));

                            // The loops around it that have no trip bound end too: their trips stop only on their flag.
                            foreach (ControlScope scope in scopes)
                            {
                                if (scope.UnboundedStop is { } stop)
                                {
                                    into.Add(SetFlag(stop));
                                }
                            }
                        }

                        return true;
                    case IConditionalOperation { WhenTrue: not null } branch when Jumps(branch):
                    {
                        Expr? condition = WithHoisted(into, () => Condition(branch.Condition));
                        List<IOperation> rest = operations.Skip(i + 1).ToList();
                        var then = new List<Stmt>();
                        var otherwise = new List<Stmt>();
                        scopes.Add(new ControlScope(null));
                        List<IOperation> thenOperations = Flatten(branch.WhenTrue).ToList();
                        Stmt? hoisted = HoistedReturn(thenOperations);
                        if (hoisted is not null)
                        {
                            then.Add(hoisted);
                        }

                        bool thenJumps = hoisted is not null || JumpingSequence(thenOperations.Concat(rest).ToList(), 0, then);
                        scopes.RemoveAt(scopes.Count - 1);
                        scopes.Add(new ControlScope(null));
                        IEnumerable<IOperation> elseOperations = branch.WhenFalse is null ? rest : Flatten(branch.WhenFalse).Concat(rest);
                        bool elseJumps = JumpingSequence(elseOperations.ToList(), 0, otherwise);
                        scopes.RemoveAt(scopes.Count - 1);
                        if (condition is not null)
                        {
                            into.Add(new If(condition, EquatableArray.From(then), EquatableArray.From(otherwise)));
                        }

                        return thenJumps && elseJumps;
                    }

                    case ISwitchOperation switchOperation when Jumps(switchOperation):
                        return JumpingSwitch(switchOperation, operations.Skip(i + 1).ToList(), into);
                    case ILoopOperation loop when Jumps(loop):
                    {
                        // Only a return leaves a loop: the statements after it run while nothing has returned.
                        LoopWithHoistedReturns(loop, into);
                        if (i + 1 < operations.Count && returnFlag is not null)
                        {
                            var rest = new List<Stmt>();
                            scopes.Add(new ControlScope(null));
                            JumpingSequence(operations, i + 1, rest);
                            scopes.RemoveAt(scopes.Count - 1);
                            into.Add(new If(FlagIsClear(returnFlag), EquatableArray.From(rest), EquatableArray<Stmt>.Empty));
                            return false;
                        }

                        break;
                    }

                    default:
                        Statement(operation, into, lastTopLevel: false);
                        break;
                }
            }

            return false;
        }

        /// <summary>
        /// The body of a loop: as written when it has no jump, else with its jumps made structured, under its break flag
        /// (declared before the loop into <paramref name="beforeLoop"/>, or <paramref name="stopFlag"/>, declared by a while
        /// loop) and the method's return flag.
        /// </summary>
        private List<Stmt> LoopBody(ILoopOperation loop, List<Stmt> beforeLoop, string? stopFlag = null)
        {
            var body = new List<Stmt>();
            if (stopFlag is null && !loop.Body.DescendantsAndSelf().Any(o => o is IReturnOperation { IsImplicit: false } ||
                                                         o is IBranchOperation { IsImplicit: false, BranchKind: BranchKind.Break or BranchKind.Continue }))
            {
                Statement(loop.Body, body, lastTopLevel: false);
                return body;
            }

            bool breaks = loop.Body.DescendantsAndSelf().OfType<IBranchOperation>().Any(b =>
                !b.IsImplicit && b.BranchKind == BranchKind.Break && SymbolEqualityComparer.Default.Equals(b.Target, loop.ExitLabel));
            string? flag = stopFlag ?? (breaks ? FlagName("stopped") : null);
            if (flag is not null && stopFlag is null)
            {
                beforeLoop.Add(new Declare(FlagType, flag, new Literal(FlagType, 0)));
            }

            breakFlags.Push(flag);
            JumpingSequence(Flatten(loop.Body).ToList(), 0, body);
            breakFlags.Pop();

            Expr? guard = flag is null ? null : FlagIsClear(flag);
            if (returnFlag is not null && loop.Body.DescendantsAndSelf().Any(o => o is IReturnOperation { IsImplicit: false }))
            {
                Expr returned = FlagIsClear(returnFlag);
                guard = guard is null ? returned : new Apply(Op.And, IrType.Bool, EquatableArray.Of(guard, returned));
            }

            return guard is null ? body : new List<Stmt> { new If(guard, EquatableArray.From(body), EquatableArray<Stmt>.Empty) };
        }
    }
}
