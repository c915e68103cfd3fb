using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Pass 1: lowering a body to regions of single-assignment values (loops carry phi values, branches merge).
    /// Reads the state's inputs; writes its region tree (<see cref="DifferentiationState.Top"/>), value table, carried
    /// and merge maps, final outputs and result. The versions of the locals while it walks are its own. A phi starts out
    /// varying with what the local varies with before the loop; <see cref="VaryingSets"/> then adds what the loop's
    /// updates bring.
    /// </summary>
    internal sealed partial class Lowering
    {
        private readonly DifferentiationState state;
        private readonly HashSet<string> everDefined = new(StringComparer.Ordinal);
        private Region current;
        private Dictionary<string, Value> locals = new(StringComparer.Ordinal);
        private bool outputAccessed;

        // Delegates made once: a method group or a lambda over this, passed to Map or a walk, would be a new delegate per node.
        private readonly Func<Expr, Node> lowerExpr;
        private readonly Func<Expr, Node> lowerCondition;
        private readonly Func<Local, Expr?> renameIndexLocal;
        private readonly Func<Expr, Expr?> hoistCarriedCount;

        public Lowering(DifferentiationState state)
        {
            this.state = state;
            current = state.Top;
            everDefined.UnionWith(state.Parameters);
            lowerExpr = LowerExpr;
            lowerCondition = LowerCondition;
            renameIndexLocal = RenameIndexLocal;
            hoistCarriedCount = HoistCarriedCount;
        }

        /// <summary>Lowers <paramref name="body"/> into the state's top region.</summary>
        public void Lower(IReadOnlyList<Stmt> body)
        {
            foreach (Stmt statement in body)
            {
                Lower(statement);
            }
        }

        private Value Register(Value value) => state.Register(value);

        private Value Let(Value value)
        {
            Register(value);
            current.Items.Add(new LetItem(value));
            return value;
        }

        private void Lower(Stmt statement)
        {
            switch (statement)
            {
                case Declare { Value: null }:
                    break;
                case Declare { Value: NewSpan scratch } declare:
                    DeclareScratch(declare.Name, scratch);
                    break;
                case Assign { Target: Element { Span: Local memory } target } assign:
                    StoreScratch(memory, LowerIndex(target.Index), assign.Kind, LowerExpr(assign.Value));
                    break;
                case Declare { Type.Scalar: ScalarKind.Int32 } declare:
                    DefineIndex(declare.Name, LowerIndex(declare.Value!));
                    break;
                case Declare { Type.Scalar: ScalarKind.Boolean } declare:
                    Define(declare.Name, IrType.Bool, LowerCondition(declare.Value!), ValueKind.Condition);
                    break;
                case Declare declare:
                    Define(declare.Name, declare.Type, LowerExpr(declare.Value!), ValueKind.UserLocal);
                    break;
                case Assign { Target: Local { Type.Scalar: ScalarKind.Int32 } local } assign:
                {
                    Expr value = LowerIndex(assign.Value);
                    if (assign.Kind != AssignKind.Assign)
                    {
                        value = new Apply(OpOf(assign.Kind), IrType.Int, EquatableArray.Of(LowerIndex(local), value));
                    }

                    DefineIndex(local.Name, value);
                    break;
                }

                case Assign { Target: Local { Type.Scalar: ScalarKind.Boolean } local } assign:
                    Define(local.Name, IrType.Bool, LowerCondition(assign.Value), ValueKind.Condition);
                    break;
                case Assign { Target: Local local } assign:
                {
                    Node value = LowerExpr(assign.Value);
                    if (assign.Kind != AssignKind.Assign)
                    {
                        value = Node.Apply(OpOf(assign.Kind), local.Type, new[] { LowerExpr(local), value });
                    }

                    Define(local.Name, local.Type, value, ValueKind.UserLocal);
                    break;
                }

                case Assign { Target: Element { Span: SpanRef { Role: SpanRole.Y } } target } assign:
                    Store(LowerIndex(target.Index), assign.Kind, LowerExpr(assign.Value));
                    break;
                case For loop:
                    LowerLoop(loop);
                    break;
                case If branch:
                    LowerIf(branch);
                    break;
                case Block block:
                    foreach (Stmt inner in block.Body)
                    {
                        Lower(inner);
                    }

                    break;
                case Return ret:
                    state.Result = AsValue(LowerExpr(ret.Value));
                    break;
                default:
                    throw new InvalidOperationException("The differentiator does not handle the statement " + statement.GetType().Name + ".");
            }
        }

        private static Op OpOf(AssignKind kind) => kind switch
        {
            AssignKind.Add => Op.Add,
            AssignKind.Subtract => Op.Subtract,
            AssignKind.Multiply => Op.Multiply,
            _ => Op.Divide,
        };

        /// <summary>A new version of a local: the first keeps the user's name, later ones are name_2, name_3, ...</summary>
        private string VersionName(string local) => everDefined.Add(local) ? local : state.Names.Fresh(local);

        private void Define(string name, IrType type, Node value, ValueKind kind) =>
            locals[name] = Let(new Value(VersionName(name), type, value, kind, current));

        private void DefineIndex(string name, Expr value) =>
            locals[name] = Let(new Value(VersionName(name), IrType.Int, Node.Leaf(value, Need.None), ValueKind.Index, current));

        private Value Temporary(Node definition) => Let(new Value(state.Names.Numbered("t"), definition.Type, definition, ValueKind.Temporary, current));

        private Value AsValue(Node node) => node.Kind == NodeKind.Ref ? node.Ref! : Temporary(node);

        /// <summary>An int (or bool) expression with its locals renamed to their current versions.</summary>
        private Expr LowerIndex(Expr expr) => IrWalk.RenameLocals(HoistCarriedCounts(expr), renameIndexLocal);

        private Expr? RenameIndexLocal(Local local) =>
            !local.Type.IsReal && locals.TryGetValue(local.Name, out Value? version) ? new Local(version.Name, local.Type) : null;

        private Node LowerCondition(Expr condition)
        {
            switch (condition)
            {
                case Local local when locals.TryGetValue(local.Name, out Value? value):
                    return Node.Reference(value);
                case Apply { Op: Op.And or Op.Or or Op.Not } logical:
                    return Node.Apply(logical.Op, IrType.Bool, logical.Args.Map(lowerCondition));
                case Apply { Type.Scalar: ScalarKind.Boolean } comparison:
                    return Node.Apply(comparison.Op, IrType.Bool, comparison.Args.Map(lowerExpr));
                default:
                    return Node.Leaf(LowerIndex(condition), Need.None);
            }
        }

        private Node LowerExpr(Expr expr)
        {
            if (!expr.Type.IsReal)
            {
                return expr.Type.Scalar == ScalarKind.Boolean ? LowerCondition(expr) : Node.Leaf(LowerIndex(expr), Need.None);
            }

            switch (expr)
            {
                case Literal or LayerData:
                    return Node.Leaf(expr, Need.None);
                case Local local when state.Constants.Contains(local.Name):
                    return Node.Leaf(expr, Need.None);
                case Local local when locals.TryGetValue(local.Name, out Value? value):
                    return Node.Reference(value);
                case Local local when state.Parameters.Contains(local.Name):
                    return Node.Leaf(expr, Need.X);
                case Element { Span: SpanRef { Role: SpanRole.W } } read:
                    return Node.Leaf(new Element(read.Span, LowerIndex(read.Index), read.Type), Need.W);
                case Element { Span: SpanRef { Role: SpanRole.X } } read:
                    return Node.Leaf(new Element(read.Span, LowerIndex(read.Index), read.Type), Need.X);
                case Element { Span: SpanRef { Role: SpanRole.Y } } read when state.ArrayMode:
                    outputAccessed = true;
                    // Conservatively varying in both: a read of y may see any earlier store, also from later iterations.
                    return Node.Reference(Temporary(Node.OutputRead(LowerIndex(read.Index), read.Type, Need.Both)));
                case Element { Span: SpanRef { Role: SpanRole.Y }, Index: Literal index }:
                    return Node.Reference(state.Outputs[(int)index.Value]);
                case Element { Span: Local memory } read:
                    // Conservatively varying in both, as a read of y: it may see any earlier store.
                    return Node.Reference(Temporary(Node.OutputRead(LowerIndex(read.Index), read.Type, Need.Both, memory)));
                case Element { Span: LayerData } data:
                    return Node.Leaf(new Element(data.Span, LowerIndex(data.Index), data.Type), Need.None);
                case OpsCall loss:
                    // A batch loss of x (objectives): a leaf whose adjoint goes to every element of x at once.
                    return Node.Leaf(LowerIndex(loss), Need.X);
                case Apply apply:
                    return Node.Apply(apply.Op, apply.Type, apply.Args.Map(lowerExpr), state.Rules.Find(apply.Op)?.IsPiecewiseConstant == true);
                case Call call:
                    return Node.Call(state.Helpers[call.Method], call.Args.Map(lowerExpr));
                case Conditional conditional:
                    return LowerConditional(conditional);
                default:
                    throw new InvalidOperationException("The differentiator does not handle the expression " + expr.GetType().Name + ".");
            }
        }

        /// <summary>A bool value for a branch: the condition itself when it is already one, else a new value.</summary>
        private Value ConditionValue(Node condition) =>
            condition.Kind == NodeKind.Ref && condition.Ref!.Type == IrType.Bool
                ? condition.Ref
                : Let(new Value(state.Names.Numbered("c"), IrType.Bool, condition, ValueKind.Condition, current));

        /// <summary><c>c ? a : b</c> becomes an if/else (each arm computes only its own value) and a merge.</summary>
        private Node LowerConditional(Conditional conditional)
        {
            Value condition = ConditionValue(LowerCondition(conditional.Condition));
            Region saved = current;
            var then = new Region(saved);
            var otherwise = new Region(saved);
            current = then;
            Value whenTrue = AsValue(LowerExpr(conditional.WhenTrue));
            current = otherwise;
            Value whenFalse = AsValue(LowerExpr(conditional.WhenFalse));
            current = saved;
            var item = new IfItem(condition, then, otherwise);
            Value merged = Register(new Value(state.Names.Numbered("t"), conditional.Type, Node.Opaque(conditional.Type, whenTrue.Varying | whenFalse.Varying), ValueKind.Merge, current));
            var merge = new Merge(merged, whenTrue, whenFalse);
            item.Merges.Add(merge);
            state.MergeOf[merged] = (item, merge);
            current.Items.Add(item);
            return Node.Reference(merged);
        }

        private void LowerLoop(For loop)
        {
            var body = new Region(current);
            var item = new LoopItem(loop.Index, LowerIndex(loop.From), LowerIndex(loop.To), LowerIndex(loop.Step), body) { StopFlag = loop.StopFlag, EndsAtStop = loop.EndsAtStop, Unbounded = loop.Continue is not null };
            foreach (string name in AssignedLocals(loop.Body).Where(n => locals.ContainsKey(n) && locals[n].Type.IsReal))
            {
                Value init = locals[name];
                var phi = Register(new Value(state.Names.Fresh(name), init.Type, Node.Opaque(init.Type, init.Varying), ValueKind.Phi, body));
                var carried = new Carried(name, init, phi);
                item.Carried.Add(carried);
                state.CarriedOf[phi] = (item, carried);
                locals[name] = phi;
            }

            Region saved = current;
            current = body;
            foreach (Stmt statement in loop.Body)
            {
                Lower(statement);
            }

            current = saved;
            foreach (Carried carried in item.Carried)
            {
                carried.Next = locals[carried.Local];
                carried.Result = Register(new Value(state.Names.Fresh(carried.Local), carried.Phi.Type, Node.Opaque(carried.Phi.Type, carried.Phi.Varying), ValueKind.LoopResult, current));
                state.CarriedOf[carried.Result] = (item, carried);
                locals[carried.Local] = carried.Result;
            }

            current.Items.Add(item);
        }

        /// <summary>The real locals assigned in <paramref name="statements"/> (nested blocks included), in first-assignment order.</summary>
        private static List<string> AssignedLocals(IEnumerable<Stmt> statements)
        {
            var found = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Walk(IEnumerable<Stmt> list)
            {
                foreach (Stmt statement in list)
                {
                    switch (statement)
                    {
                        case Assign { Target: Local local } when local.Type.IsReal && seen.Add(local.Name):
                            found.Add(local.Name);
                            break;
                        case For loop:
                            Walk(loop.Body);
                            break;
                        case If branch:
                            Walk(branch.Then);
                            Walk(branch.Else);
                            break;
                        case Block block:
                            Walk(block.Body);
                            break;
                    }
                }
            }

            Walk(statements);
            return found;
        }

        private void LowerIf(If branch)
        {
            Value condition = ConditionValue(LowerCondition(branch.Condition));
            Region saved = current;
            var then = new Region(saved);
            var otherwise = new Region(saved);
            var before = new Dictionary<string, Value>(locals, StringComparer.Ordinal);

            current = then;
            foreach (Stmt statement in branch.Then)
            {
                Lower(statement);
            }

            Dictionary<string, Value> afterThen = locals;
            locals = new Dictionary<string, Value>(before, StringComparer.Ordinal);
            current = otherwise;
            foreach (Stmt statement in branch.Else)
            {
                Lower(statement);
            }

            Dictionary<string, Value> afterElse = locals;
            current = saved;
            locals = before;
            var item = new IfItem(condition, then, otherwise);
            foreach (string name in afterThen.Keys.Union(afterElse.Keys).OrderBy(n => n, StringComparer.Ordinal))
            {
                if (!afterThen.TryGetValue(name, out Value? whenTrue) || !afterElse.TryGetValue(name, out Value? whenFalse))
                {
                    continue;
                }

                if (ReferenceEquals(whenTrue, whenFalse))
                {
                    locals[name] = whenTrue;
                    continue;
                }

                if (!whenTrue.Type.IsReal)
                {
                    // Int and bool locals cannot change in an arm and be read after it (the parser reports it), except
                    // after an if that returns, where nothing reads them: leave them undefined.
                    locals.Remove(name);
                    continue;
                }

                Value merged = Register(new Value(state.Names.Fresh(name), whenTrue.Type, Node.Opaque(whenTrue.Type, whenTrue.Varying | whenFalse.Varying), ValueKind.Merge, current));
                var merge = new Merge(merged, whenTrue, whenFalse);
                item.Merges.Add(merge);
                state.MergeOf[merged] = (item, merge);
                locals[name] = merged;
            }

            current.Items.Add(item);
        }

        private void Store(Expr index, AssignKind kind, Node value)
        {
            if (state.ArrayMode)
            {
                bool resets = outputAccessed || !ReferenceEquals(current, state.Top);
                if (kind != AssignKind.Assign)
                {
                    Value old = Temporary(Node.OutputRead(index, state.Element, Need.Both));
                    value = Node.Apply(OpOf(kind), state.Element, new[] { Node.Reference(old), value });
                }

                Value stored = Temporary(value);
                current.Items.Add(new StoreItem(index, stored, resets));
                outputAccessed = true;
                return;
            }

            int i = (int)((Literal)index).Value;
            if (kind != AssignKind.Assign)
            {
                value = Node.Apply(OpOf(kind), state.Element, new[] { Node.Reference(state.Outputs[i]), value });
            }

            Value version = Let(new Value(state.Names.Fresh("y" + i), state.Element, value, ValueKind.Output, current));
            current.Items.Add(new StoreItem(index, version, resetsAdjoint: false));
            state.Outputs[i] = version;
        }
    }
}
