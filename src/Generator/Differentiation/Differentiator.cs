using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Source-to-source reverse mode for one body (a layer's sample, an objective's batch, a helper):
    /// <list type="number">
    /// <item><b>Single assignment.</b> The body becomes a tree of regions (the body, loop bodies, branch arms) of
    /// single-assignment values: every assignment makes a new version. A local assigned in a loop is carried: a phi
    /// value at the start of each iteration and a result after the loop, both read from one storage variable in
    /// forward code. A local assigned in a branch gets a merge value after it. Int values (indices) and bool
    /// values (conditions) are versioned too but never differentiated.</item>
    /// <item><b>Dead values</b> are dropped.</item>
    /// <item><b>Reverse sweep.</b> Each region's items are walked backwards, applying each primitive's rule from
    /// <see cref="DerivativeRules"/>; a loop becomes a descending loop whose carried adjoint passes from one reverse
    /// iteration to the previous; a branch re-evaluates its condition and reverses the arm it took. A rule that reads
    /// an argument or the result makes that value needed; a <see cref="ForwardValue"/> in a rule becomes a value the
    /// forward pass computes.</item>
    /// <item><b>Restores.</b> Each region restores at the start of its reverse the values of its own that the reverse
    /// statements read: ints, copies, leaves and arithmetic on leaves are recomputed; anything else is recorded by the
    /// taped forward at the end of the region (pushed) and read back (popped). Accumulators only ever added to are
    /// never read by their rule, so nothing records them.</item>
    /// <item><b>Tape layout.</b> Without recording inside loops, every recorded value has a fixed slot; otherwise a
    /// cursor moves through the sample's tape (pushes forward, pops backward), an if/else reserves the room of its
    /// larger arm, and the size per sample is an int expression of the sizes (with a counting loop for
    /// triangular loops).</item>
    /// <item><b>Forward pass</b> with those bindings and tape stores.</item>
    /// </list>
    /// Reverse statements are tagged with the gradients they serve (both, w only, x only). A straight-line body keeps
    /// three lists (a w-only statement reads only adjoints of values that depend on w, computed in the "both" or "w"
    /// lists); a body with loops or branches gets three whole variants of its reverse pass (both gradients, w only,
    /// x only), so that no test runs inside a loop.
    /// </summary>
    internal sealed class Differentiator
    {
        private const int MaxRuns = 6;

        private readonly IReadOnlyList<Stmt> body;
        private readonly IrType element;
        private readonly NameTable names;
        private readonly HashSet<string> constants;
        private readonly bool arrayMode;
        private readonly bool layerMode;
        private readonly Dictionary<string, string> parameterAdjoints;
        private readonly HashSet<string> parameters;
        private readonly Dictionary<string, HelperModel> helpers;
        private readonly Dictionary<(int Loop, string Local), Need> phiGuess;
        private readonly Dictionary<(int Loop, string Local), Need> phiObserved = new();
        private readonly int? outputCount;
        private readonly LayerSizes? sizes;

        private readonly Region top = new(null);
        private Region current;
        private Dictionary<string, Value> locals = new(StringComparer.Ordinal);
        private readonly HashSet<string> everDefined = new(StringComparer.Ordinal);
        private readonly Dictionary<int, Value> outputs = new();
        private readonly Dictionary<string, Value> byName = new(StringComparer.Ordinal);
        private readonly Dictionary<Value, (LoopItem Loop, Carried Carried)> carriedOf = new();
        private readonly Dictionary<Value, (IfItem Branch, Merge Merge)> mergeOf = new();
        private bool outputAccessed;
        private int loopOrdinal;
        private bool unstable;
        private Value? result;

        private List<Stmt> output = new();
        private Region reverseRegion;
        private readonly Dictionary<Value, Expr> restoreSources = new();
        private readonly Dictionary<(Node, Expr), Value> partials = new();
        private readonly Dictionary<Stmt, LoopItem> reverseLoops = new(ReferenceComparer.Instance);
        private readonly Dictionary<Stmt, IfItem> reverseBranches = new(ReferenceComparer.Instance);
        private string cursor = string.Empty;
        private bool cursorMode;

        private Differentiator(
            IReadOnlyList<Stmt> body,
            IrType element,
            IEnumerable<string> reserved,
            IEnumerable<ConstantDeclaration> constants,
            bool layerMode,
            IEnumerable<string> parameters,
            IEnumerable<HelperModel> helpers,
            LayerSizes? sizes,
            Dictionary<(int, string), Need> phiGuess)
        {
            this.body = body;
            this.element = element;
            this.layerMode = layerMode;
            this.sizes = sizes;
            outputCount = sizes?.Outputs;
            this.phiGuess = phiGuess;
            this.constants = new HashSet<string>(constants.Select(c => c.Name), StringComparer.Ordinal);
            this.parameters = new HashSet<string>(parameters, StringComparer.Ordinal);
            names = new NameTable(reserved.Concat(this.constants).Concat(this.parameters));
            everDefined.UnionWith(this.parameters);
            parameterAdjoints = this.parameters.ToDictionary(p => p, p => p, StringComparer.Ordinal);
            this.helpers = new Dictionary<string, HelperModel>(StringComparer.Ordinal);
            foreach (HelperModel helper in helpers)
            {
                this.helpers[helper.Method] = helper;
            }

            arrayMode = layerMode && NeedsOutputBuffer(body, inControlFlow: false);
            current = top;
            reverseRegion = top;
        }

        /// <summary>Differentiates a layer or objective and the helpers it calls.</summary>
        public static LayerProgram Differentiate(LayerModel layer)
        {
            bool isLayer = layer.Kind == ModelKind.Layer;
            DifferentiatedBody differentiated = Run(
                (guess) => new Differentiator(layer.Body.ToList(), layer.ElementType, layer.ReservedNames, layer.Constants, isLayer,
                    Array.Empty<string>(), layer.Helpers, isLayer ? layer.Sizes : null, guess),
                isLayer ? null : new Literal(layer.ElementType, 1));
            var helperPrograms = new List<HelperProgram>();
            foreach (HelperModel helper in layer.Helpers.Where(h => !h.IsCustom))
            {
                helperPrograms.Add(DifferentiateHelper(helper, layer.Helpers));
            }

            return new LayerProgram(layer, differentiated, EquatableArray.From(helperPrograms));
        }

        private static HelperProgram DifferentiateHelper(HelperModel helper, IEnumerable<HelperModel> all)
        {
            // The pullback's own parameters: the helper's, then the adjoint of the result, then one out per parameter.
            var table = new NameTable(helper.ReservedNames.Concat(helper.Parameters).Concat(helper.Constants.Select(c => c.Name)));
            string adjoint = table.Fresh("adjoint");
            var outs = helper.Parameters.Select(p => table.Fresh("d_" + p)).ToList();
            DifferentiatedBody differentiated = Run(
                guess =>
                {
                    var d = new Differentiator(helper.Body.ToList(), helper.ElementType, helper.ReservedNames.Concat(new[] { adjoint }).Concat(outs),
                        helper.Constants, layerMode: false, helper.Parameters, all, null, guess);
                    for (int i = 0; i < helper.Parameters.Count; i++)
                    {
                        d.parameterAdjoints[helper.Parameters[i]] = outs[i];
                    }

                    return d;
                },
                new Local(adjoint, helper.ElementType));
            return new HelperProgram(helper, differentiated, adjoint, EquatableArray.From(outs));
        }

        /// <summary>Lowers until the varying sets of loop-carried values settle, then differentiates.</summary>
        private static DifferentiatedBody Run(Func<Dictionary<(int, string), Need>, Differentiator> create, Expr? seed)
        {
            var guess = new Dictionary<(int, string), Need>();
            for (int run = 0; run < MaxRuns; run++)
            {
                Differentiator d = create(guess);
                d.Lower();
                if (!d.unstable || run == MaxRuns - 1)
                {
                    return d.Finish(seed);
                }

                foreach (KeyValuePair<(int, string), Need> observed in d.phiObserved)
                {
                    guess[observed.Key] = (guess.TryGetValue(observed.Key, out Need known) ? known : Need.None) | observed.Value;
                }
            }

            throw new InvalidOperationException("unreachable");
        }

        private IrType ReadOnlySpan => IrType.SpanOf(element.Scalar, readOnly: true);

        private IrType WritableSpan => IrType.SpanOf(element.Scalar, readOnly: false);

        private static Literal IntLiteral(int value) => new(IrType.Int, value);

        private static Literal Zero(IrType type) => new(type, 0);

        private Element Element(SpanRole role, Expr index, IrType type)
        {
            bool readOnly = role is SpanRole.W or SpanRole.X or SpanRole.Lambda;
            return new Element(new SpanRef(role, IrType.SpanOf(element.Scalar, readOnly)), index, type);
        }

        /// <summary>y at a run-time index, or y touched inside a loop or branch: the reverse pass keeps d_y in a buffer.</summary>
        private static bool NeedsOutputBuffer(IEnumerable<Stmt> statements, bool inControlFlow)
        {
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case For loop when NeedsOutputBuffer(loop.Body, true):
                        return true;
                    case If branch when NeedsOutputBuffer(branch.Then, true) || NeedsOutputBuffer(branch.Else, true):
                        return true;
                    case Block block when NeedsOutputBuffer(block.Body, inControlFlow):
                        return true;
                    case For or If or Block:
                        break;
                    default:
                        foreach (Expr expr in IrWalk.ExpressionsOf(statement))
                        {
                            foreach (Expr node in IrWalk.Nodes(expr))
                            {
                                if (node is Element { Span: SpanRef { Role: SpanRole.Y } } y && (inControlFlow || y.Index is not Literal))
                                {
                                    return true;
                                }
                            }
                        }

                        break;
                }
            }

            return false;
        }

        // =========================================================================================================
        // 1. Lowering to single assignment
        // =========================================================================================================

        private void Lower()
        {
            foreach (Stmt statement in body)
            {
                Lower(statement);
            }
        }

        private Value Register(Value value)
        {
            byName[value.Name] = value;
            return value;
        }

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
                    result = AsValue(LowerExpr(ret.Value));
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
        private string VersionName(string local) => everDefined.Add(local) ? local : names.Fresh(local);

        private void Define(string name, IrType type, Node value, ValueKind kind) =>
            locals[name] = Let(new Value(VersionName(name), type, value, kind, current));

        private void DefineIndex(string name, Expr value) =>
            locals[name] = Let(new Value(VersionName(name), IrType.Int, Node.Leaf(value, Need.None), ValueKind.Index, current));

        private Value Temporary(Node definition) => Let(new Value(names.Numbered("t"), definition.Type, definition, ValueKind.Temporary, current));

        private Value AsValue(Node node) => node.Kind == NodeKind.Ref ? node.Ref! : Temporary(node);

        /// <summary>An int (or bool) expression with its locals renamed to their current versions.</summary>
        private Expr LowerIndex(Expr expr) =>
            IrWalk.RenameLocals(expr, local =>
                !local.Type.IsReal && locals.TryGetValue(local.Name, out Value? version) ? new Local(version.Name, local.Type) : null);

        private Node LowerCondition(Expr condition)
        {
            switch (condition)
            {
                case Local local when locals.TryGetValue(local.Name, out Value? value):
                    return Node.Reference(value);
                case Apply { Op: Op.And or Op.Or or Op.Not } logical:
                    return Node.Apply(logical.Op, IrType.Bool, logical.Args.Select(LowerCondition).ToArray());
                case Apply { Type.Scalar: ScalarKind.Boolean } comparison:
                    return Node.Apply(comparison.Op, IrType.Bool, comparison.Args.Select(LowerExpr).ToArray());
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
                case Local local when constants.Contains(local.Name):
                    return Node.Leaf(expr, Need.None);
                case Local local when locals.TryGetValue(local.Name, out Value? value):
                    return Node.Reference(value);
                case Local local when parameters.Contains(local.Name):
                    return Node.Leaf(expr, Need.X);
                case Element { Span: SpanRef { Role: SpanRole.W } } read:
                    return Node.Leaf(new Element(read.Span, LowerIndex(read.Index), read.Type), Need.W);
                case Element { Span: SpanRef { Role: SpanRole.X } } read:
                    return Node.Leaf(new Element(read.Span, LowerIndex(read.Index), read.Type), Need.X);
                case Element { Span: SpanRef { Role: SpanRole.Y } } read when arrayMode:
                    outputAccessed = true;
                    // Conservatively varying in both: a read of y may see any earlier store, also from later iterations.
                    return Node.Reference(Temporary(Node.OutputRead(LowerIndex(read.Index), read.Type, Need.Both)));
                case Element { Span: SpanRef { Role: SpanRole.Y }, Index: Literal index }:
                    return Node.Reference(outputs[(int)index.Value]);
                case Element { Span: LayerData } data:
                    return Node.Leaf(new Element(data.Span, LowerIndex(data.Index), data.Type), Need.None);
                case OpsCall loss:
                    // A batch loss of x (objectives): a leaf whose adjoint goes to every element of x at once.
                    return Node.Leaf(LowerIndex(loss), Need.X);
                case Apply apply:
                    return Node.Apply(apply.Op, apply.Type, apply.Args.Select(LowerExpr).ToArray());
                case Call call:
                    return Node.Call(helpers[call.Method], call.Args.Select(LowerExpr).ToArray());
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
                : Let(new Value(names.Numbered("c"), IrType.Bool, condition, ValueKind.Condition, current));

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
            Value merged = Register(new Value(names.Numbered("t"), conditional.Type, Node.Opaque(conditional.Type, whenTrue.Varying | whenFalse.Varying), ValueKind.Merge, current));
            var merge = new Merge(merged, whenTrue, whenFalse);
            item.Merges.Add(merge);
            mergeOf[merged] = (item, merge);
            current.Items.Add(item);
            return Node.Reference(merged);
        }

        private void LowerLoop(For loop)
        {
            int ordinal = loopOrdinal++;
            var body = new Region(current);
            var item = new LoopItem(loop.Index, LowerIndex(loop.From), LowerIndex(loop.To), LowerIndex(loop.Step), body);
            foreach (string name in AssignedLocals(loop.Body).Where(n => locals.ContainsKey(n) && locals[n].Type.IsReal))
            {
                Value init = locals[name];
                Need guessed = phiGuess.TryGetValue((ordinal, name), out Need g) ? g : Need.None;
                var phi = Register(new Value(names.Fresh(name), init.Type, Node.Opaque(init.Type, init.Varying | guessed), ValueKind.Phi, body));
                var carried = new Carried(name, init, phi);
                item.Carried.Add(carried);
                carriedOf[phi] = (item, carried);
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
                Need observed = carried.Init.Varying | carried.Next.Varying;
                phiObserved[(ordinal, carried.Local)] = observed;
                if ((observed & ~carried.Phi.Varying) != 0)
                {
                    unstable = true;
                }

                carried.Result = Register(new Value(names.Fresh(carried.Local), carried.Phi.Type, Node.Opaque(carried.Phi.Type, carried.Phi.Varying), ValueKind.LoopResult, current));
                carriedOf[carried.Result] = (item, carried);
                locals[carried.Local] = carried.Result;
            }

            current.Items.Add(item);
        }

        /// <summary>The real locals assigned in <paramref name="statements"/> (nested blocks included), in first-assignment order.</summary>
        private static List<string> AssignedLocals(IEnumerable<Stmt> statements)
        {
            var found = new List<string>();
            void Walk(IEnumerable<Stmt> list)
            {
                foreach (Stmt statement in list)
                {
                    switch (statement)
                    {
                        case Assign { Target: Local local } when local.Type.IsReal && !found.Contains(local.Name):
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

                Value merged = Register(new Value(names.Fresh(name), whenTrue.Type, Node.Opaque(whenTrue.Type, whenTrue.Varying | whenFalse.Varying), ValueKind.Merge, current));
                var merge = new Merge(merged, whenTrue, whenFalse);
                item.Merges.Add(merge);
                mergeOf[merged] = (item, merge);
                locals[name] = merged;
            }

            current.Items.Add(item);
        }

        private void Store(Expr index, AssignKind kind, Node value)
        {
            if (arrayMode)
            {
                bool resets = outputAccessed || !ReferenceEquals(current, top);
                if (kind != AssignKind.Assign)
                {
                    Value old = Temporary(Node.OutputRead(index, element, Need.Both));
                    value = Node.Apply(OpOf(kind), element, new[] { Node.Reference(old), value });
                }

                Value stored = Temporary(value);
                current.Items.Add(new StoreItem(index, stored, resets));
                outputAccessed = true;
                return;
            }

            int i = (int)((Literal)index).Value;
            if (kind != AssignKind.Assign)
            {
                value = Node.Apply(OpOf(kind), element, new[] { Node.Reference(outputs[i]), value });
            }

            Value version = Let(new Value(names.Fresh("y" + i), element, value, ValueKind.Output, current));
            current.Items.Add(new StoreItem(index, version, resetsAdjoint: false));
            outputs[i] = version;
        }

        // =========================================================================================================
        // 2. Dead values
        // =========================================================================================================

        private void DropDeadValues()
        {
            var pending = new Stack<Value>();
            void Mark(Value? value)
            {
                if (value is not null && !value.Live)
                {
                    value.Live = true;
                    pending.Push(value);
                }
            }

            void MarkExpr(Expr expr)
            {
                foreach (string name in IrWalk.LocalsRead(expr))
                {
                    if (byName.TryGetValue(name, out Value? value))
                    {
                        Mark(value);
                    }
                }
            }

            void MarkNode(Node node)
            {
                switch (node.Kind)
                {
                    case NodeKind.Ref:
                        Mark(node.Ref);
                        break;
                    case NodeKind.Leaf or NodeKind.OutputRead:
                        MarkExpr(node.Expr!);
                        break;
                    default:
                        foreach (Node arg in node.Args)
                        {
                            MarkNode(arg);
                        }

                        break;
                }
            }

            Mark(result);
            while (true)
            {
                MarkStructure(top, Mark, MarkExpr);
                if (pending.Count == 0)
                {
                    break;
                }

                while (pending.Count > 0)
                {
                    Value value = pending.Pop();
                    MarkNode(value.Definition);
                    if (carriedOf.TryGetValue(value, out (LoopItem Loop, Carried Carried) carried))
                    {
                        Mark(carried.Carried.Phi);
                        Mark(carried.Carried.Init);
                        Mark(carried.Carried.Next);
                    }

                    if (mergeOf.TryGetValue(value, out (IfItem Branch, Merge Merge) merge))
                    {
                        Mark(merge.Merge.WhenTrue);
                        Mark(merge.Merge.WhenFalse);
                        Mark(merge.Branch.Condition);
                    }
                }
            }

            Prune(top);
        }

        /// <summary>Marks what live items need: stored values and their indices, bounds of loops and conditions of branches that hold live items.</summary>
        private static bool MarkStructure(Region region, Action<Value?> mark, Action<Expr> markExpr)
        {
            bool holdsLive = false;
            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LetItem let when let.Value.Live:
                        holdsLive = true;
                        break;
                    case StoreItem store:
                        mark(store.Value);
                        markExpr(store.Index);
                        holdsLive = true;
                        break;
                    case LoopItem loop:
                        if (MarkStructure(loop.Body, mark, markExpr) || loop.Carried.Any(c => c.Result.Live || c.Phi.Live))
                        {
                            markExpr(loop.From);
                            markExpr(loop.To);
                            markExpr(loop.Step);
                            holdsLive = true;
                        }

                        break;
                    case IfItem branch:
                        bool then = MarkStructure(branch.Then, mark, markExpr);
                        bool otherwise = MarkStructure(branch.Else, mark, markExpr);
                        if (then || otherwise || branch.Merges.Any(m => m.Result.Live))
                        {
                            mark(branch.Condition);
                            holdsLive = true;
                        }

                        break;
                }
            }

            return holdsLive;
        }

        private static bool Prune(Region region)
        {
            region.Items.RemoveAll(item =>
            {
                switch (item)
                {
                    case LetItem let:
                        return !let.Value.Live;
                    case LoopItem loop:
                        loop.Carried.RemoveAll(c => !c.Phi.Live && !c.Result.Live);
                        return !Prune(loop.Body) && loop.Carried.Count == 0;
                    case IfItem branch:
                        branch.Merges.RemoveAll(m => !m.Result.Live);
                        bool then = Prune(branch.Then);
                        bool otherwise = Prune(branch.Else);
                        return !then && !otherwise && branch.Merges.Count == 0;
                    default:
                        return false;
                }
            });
            return region.Items.Count > 0;
        }

        private void CountForwardUses(Region region)
        {
            void Uses(Node node)
            {
                if (node.Kind == NodeKind.Ref)
                {
                    node.Ref!.ForwardUses++;
                }

                foreach (Node arg in node.Args)
                {
                    Uses(arg);
                }
            }

            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LetItem let:
                        Uses(let.Value.Definition);
                        break;
                    case StoreItem store:
                        store.Value.ForwardUses++;
                        break;
                    case LoopItem loop:
                        foreach (Carried carried in loop.Carried)
                        {
                            carried.Init.ForwardUses++;
                            carried.Next.ForwardUses++;
                        }

                        CountForwardUses(loop.Body);
                        break;
                    case IfItem branch:
                        branch.Condition.ForwardUses++;
                        foreach (Merge merge in branch.Merges)
                        {
                            merge.WhenTrue.ForwardUses++;
                            merge.WhenFalse.ForwardUses++;
                        }

                        CountForwardUses(branch.Then);
                        CountForwardUses(branch.Else);
                        break;
                }
            }
        }

        // =========================================================================================================
        // Putting it together
        // =========================================================================================================

        private DifferentiatedBody Finish(Expr? seed)
        {
            if (result is not null)
            {
                result.Seed = seed;
            }

            foreach (KeyValuePair<int, Value> final in outputs)
            {
                final.Value.Seed = Element(SpanRole.Lambda, IntLiteral(final.Key), element);
            }

            DropDeadValues();
            if (result is not null)
            {
                result.ForwardUses++;
            }

            CountForwardUses(top);
            bool structured = HasControlFlow(top);

            // 3-4. The reverse sweep and the restores of every region.
            (List<Stmt> restores, List<Stmt> reverse) = ReverseRegionParts(top, prologue: null, epilogue: null);
            if (arrayMode)
            {
                reverse.Insert(0, new Tagged(Need.Both, new CopySpan(new SpanRef(SpanRole.Lambda, ReadOnlySpan), new SpanRef(SpanRole.OutputAdjoint, WritableSpan))));
            }

            // 5. Tape layout.
            cursorMode = AnyLoopRecords(top, insideLoop: false);
            var tapePrelude = new List<Stmt>();
            Expr tapeSlots;
            if (cursorMode)
            {
                cursor = names.Fresh("tp");
                tapeSlots = Count(top, tapePrelude, inScope: false);
                tapePrelude = tapePrelude.Select(FixSizes).ToList();
                tapeSlots = FixSizes(tapeSlots);
                restores.Insert(0, new Declare(IrType.Int, cursor, new SpanLength(SpanRole.Tape)));
            }
            else
            {
                tapeSlots = IntLiteral(StaticLayout(top, 0));
            }

            // 6. The forward pass, then the pops in the reverse statements.
            List<Stmt> primal = ForwardRegion(top);
            primal.AddRange(Pushes(top));
            if (cursorMode)
            {
                primal.Insert(0, new Declare(IrType.Int, cursor, IntLiteral(0)));
            }

            primal = FuseSinCos(primal);
            restores = RewritePops(restores);
            reverse = RewritePops(reverse);

            List<Stmt> both, onlyW, onlyX;
            if (structured)
            {
                both = Specialize(reverse, Need.Both, out _);
                onlyW = Specialize(reverse, Need.W, out _);
                onlyX = Specialize(reverse, Need.X, out _);
            }
            else
            {
                both = reverse.OfType<Tagged>().Where(t => t.Section == Need.Both).Select(t => t.Statement).ToList();
                onlyW = reverse.OfType<Tagged>().Where(t => t.Section == Need.W).Select(t => t.Statement).ToList();
                onlyX = reverse.OfType<Tagged>().Where(t => t.Section == Need.X).Select(t => t.Statement).ToList();
            }

            bool writesEveryOutput = layerMode && !arrayMode && outputCount is int count && Enumerable.Range(0, count).All(outputs.ContainsKey);
            var used = new SortedSet<string>(names.Taken, StringComparer.Ordinal);
            Expr? resultExpr = result is null ? null : new Local(result.ReadName, result.Type);
            return new DifferentiatedBody(
                EquatableArray.From(primal),
                EquatableArray.From(restores),
                EquatableArray.From(both),
                EquatableArray.From(onlyW),
                EquatableArray.From(onlyX),
                structured,
                EquatableArray.From(tapePrelude),
                tapeSlots,
                resultExpr,
                arrayMode,
                writesEveryOutput,
                EquatableArray.From(used));
        }

        private static bool HasControlFlow(Region region) => region.Items.Any(i => i is LoopItem or IfItem);

        private static bool AnyLoopRecords(Region region, bool insideLoop)
        {
            if (insideLoop && region.Pushed.Count > 0)
            {
                return true;
            }

            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LoopItem loop when AnyLoopRecords(loop.Body, true):
                        return true;
                    case IfItem branch when AnyLoopRecords(branch.Then, insideLoop) || AnyLoopRecords(branch.Else, insideLoop):
                        return true;
                }
            }

            return false;
        }

        // =========================================================================================================
        // 3. The reverse sweep
        // =========================================================================================================

        /// <summary>The reverse pass of <paramref name="region"/>: its restores, and its reverse statements.</summary>
        private (List<Stmt> Restores, List<Stmt> Statements) ReverseRegionParts(Region region, Action? prologue, Action? epilogue)
        {
            List<Stmt> savedOutput = output;
            Region savedRegion = reverseRegion;
            output = new List<Stmt>();
            reverseRegion = region;
            prologue?.Invoke();
            for (int i = region.Items.Count - 1; i >= 0; i--)
            {
                ReverseItem(region.Items[i]);
            }

            epilogue?.Invoke();
            List<Stmt> statements = output;
            output = savedOutput;
            reverseRegion = savedRegion;
            return (Restores(region, statements), statements);
        }

        private void ReverseItem(Item item)
        {
            switch (item)
            {
                case LetItem let when let.Value.Type.IsReal:
                {
                    Expr? adjoint = AdjointOf(let.Value);
                    if (adjoint is not null)
                    {
                        Backpropagate(let.Value.Definition, adjoint, let.Value);
                    }

                    break;
                }

                case StoreItem store when arrayMode:
                {
                    // y[i] = v: v receives the adjoint of y[i], which the assignment then resets (the old y[i] is gone).
                    Element adjointOfOutput = Element(SpanRole.OutputAdjoint, store.Index, element);
                    if (store.Value.Varying != Need.None)
                    {
                        Contribute(store.Value, adjointOfOutput);
                    }

                    if (store.ResetsAdjoint)
                    {
                        Emit(Need.Both, new Assign(adjointOfOutput, AssignKind.Assign, Zero(element)));
                    }

                    break;
                }

                case LoopItem loop:
                    ReverseLoop(loop);
                    break;
                case IfItem branch:
                    ReverseIf(branch);
                    break;
            }
        }

        private void ReverseLoop(LoopItem loop)
        {
            List<Carried> carried = loop.Carried.Where(c => c.Phi.Varying != Need.None).ToList();
            foreach (Carried c in carried)
            {
                // The adjoint of the storage variable: the adjoint of the result after the loop, then of each phi.
                if (c.Result.AdjointName is not null)
                {
                    c.Adjoint = c.Result.AdjointName;
                }
                else
                {
                    c.Adjoint = names.Fresh("d_" + c.Local);
                    Emit(Section(c.Phi.Varying), new Declare(c.Phi.Type, c.Adjoint, c.Result.Seed ?? Zero(c.Phi.Type)));
                    c.Result.Seed = null;
                }

                c.Next.Seed = Add(c.Next.Seed, new Local(c.Adjoint, c.Phi.Type));
            }

            PreDeclare(OutsideTargets(loop.Body));
            (List<Stmt> restores, List<Stmt> statements) = ReverseRegionParts(loop.Body, prologue: null, epilogue: () =>
            {
                foreach (Carried c in carried)
                {
                    Expr phiAdjoint = AdjointOf(c.Phi) ?? Zero(c.Phi.Type);
                    Emit(Section(c.Phi.Varying), new Assign(new Local(c.Adjoint!, c.Phi.Type), AssignKind.Assign, phiAdjoint));
                }
            });

            if (statements.Count > 0 || restores.Count > 0)
            {
                var reverse = new For(loop.Index, loop.From, loop.To, loop.Step, Descending: true, EquatableArray.From(restores.Concat(statements)));
                reverseLoops[reverse] = loop;
                output.Add(reverse);
            }

            foreach (Carried c in carried)
            {
                if (c.Init.Varying != Need.None)
                {
                    Contribute(c.Init, new Local(c.Adjoint!, c.Phi.Type));
                }
            }
        }

        private void ReverseIf(IfItem branch)
        {
            PreDeclare(OutsideTargets(branch.Then).Concat(OutsideTargets(branch.Else))
                .Concat(branch.Merges.SelectMany(m => new[] { m.WhenTrue, m.WhenFalse }).Where(v => !v.Region.IsWithin(branch.Then) && !v.Region.IsWithin(branch.Else))));
            List<Stmt> Arm(Region arm, bool whenTrue)
            {
                (List<Stmt> restores, List<Stmt> statements) = ReverseRegionParts(arm, prologue: () =>
                {
                    foreach (Merge merge in branch.Merges)
                    {
                        Expr? adjoint = AdjointOf(merge.Result);
                        Value source = whenTrue ? merge.WhenTrue : merge.WhenFalse;
                        if (adjoint is null || source.Varying == Need.None)
                        {
                            continue;
                        }

                        if (ReferenceEquals(source.Region, arm))
                        {
                            source.Seed = Add(source.Seed, adjoint);
                        }
                        else
                        {
                            Contribute(source, adjoint);
                        }
                    }
                }, epilogue: null);
                return restores.Concat(statements).ToList();
            }

            List<Stmt> then = Arm(branch.Then, whenTrue: true);
            List<Stmt> otherwise = Arm(branch.Else, whenTrue: false);
            if (then.Count > 0 || otherwise.Count > 0)
            {
                var reverse = new If(new Local(branch.Condition.Name, IrType.Bool), EquatableArray.From(then), EquatableArray.From(otherwise));
                reverseBranches[reverse] = branch;
                output.Add(reverse);
            }
        }

        private static Expr Add(Expr? seed, Expr adjoint) => seed is null ? adjoint : Sum(seed, adjoint);

        /// <summary>Values defined outside <paramref name="region"/> whose adjoints its reverse pass adds to.</summary>
        private static IEnumerable<Value> OutsideTargets(Region region)
        {
            var found = new List<Value>();
            void Node(Node node)
            {
                if (node.Kind == NodeKind.Ref && !node.Ref!.Region.IsWithin(region) && !found.Contains(node.Ref))
                {
                    found.Add(node.Ref);
                }

                foreach (Node arg in node.Args)
                {
                    Node(arg);
                }
            }

            void Outside(Value value)
            {
                if (!value.Region.IsWithin(region) && !found.Contains(value))
                {
                    found.Add(value);
                }
            }

            void Walk(Region r)
            {
                foreach (Item item in r.Items)
                {
                    switch (item)
                    {
                        case LetItem let:
                            Node(let.Value.Definition);
                            break;
                        case StoreItem store:
                            Outside(store.Value);
                            break;
                        case LoopItem loop:
                            foreach (Carried carried in loop.Carried)
                            {
                                Outside(carried.Init);
                            }

                            Walk(loop.Body);
                            break;
                        case IfItem branch:
                            foreach (Merge merge in branch.Merges)
                            {
                                Outside(merge.WhenTrue);
                                Outside(merge.WhenFalse);
                            }

                            Walk(branch.Then);
                            Walk(branch.Else);
                            break;
                    }
                }
            }

            Walk(region);
            return found;
        }

        /// <summary>Declares, before a loop or branch, the adjoints of outer values it adds to (they must outlive it).</summary>
        private void PreDeclare(IEnumerable<Value> values)
        {
            foreach (Value value in values)
            {
                if (value.Varying == Need.None || value.AdjointName is not null || !value.Type.IsReal)
                {
                    continue;
                }

                string name = names.Fresh("d_" + value.Name);
                Emit(Section(value.Varying), new Declare(value.Type, name, value.Seed ?? Zero(value.Type)));
                value.AdjointName = name;
                value.Seed = null;
            }
        }

        private static Expr? AdjointOf(Value value) =>
            value.AdjointName is not null ? new Local(value.AdjointName, value.Type) : value.Seed;

        private void Emit(Need section, Stmt statement) => output.Add(new Tagged(section == Need.None ? Need.Both : section, statement));

        /// <summary>The section of a statement about <paramref name="varying"/>. With y in a buffer, every adjoint is computed for both gradients.</summary>
        private Need Section(Need varying) => arrayMode || varying == Need.None ? Need.Both : varying;

        private void Backpropagate(Node node, Expr adjoint, Value owner)
        {
            if (node.Varying == Need.None)
            {
                return;
            }

            switch (node.Kind)
            {
                case NodeKind.Ref:
                    Contribute(node.Ref!, adjoint);
                    return;
                case NodeKind.Leaf when node.Expr is Element { Span: SpanRef { Role: SpanRole.W } } read:
                    Accumulate(Need.W, Element(SpanRole.GradW, read.Index, read.Type), adjoint);
                    return;
                case NodeKind.Leaf when node.Expr is Element { Span: SpanRef { Role: SpanRole.X } } read:
                    Accumulate(Need.X, Element(SpanRole.GradX, read.Index, read.Type), adjoint);
                    return;
                case NodeKind.Leaf when node.Expr is Local parameter && parameterAdjoints.TryGetValue(parameter.Name, out string? target):
                    Accumulate(Need.X, new Local(target, parameter.Type), adjoint);
                    return;
                case NodeKind.OutputRead:
                    Accumulate(Need.Both, Element(SpanRole.OutputAdjoint, node.Expr!, element), adjoint);
                    return;
                case NodeKind.Leaf when node.Expr is OpsCall loss:
                    Emit(Need.X, LossGradient(loss, adjoint));
                    return;
                case NodeKind.Apply:
                    BackpropagateApply(node, adjoint, owner);
                    return;
                case NodeKind.Call:
                    BackpropagateCall(node, adjoint, owner);
                    return;
                default:
                    throw new InvalidOperationException("A varying leaf that is not w[i] or x[i].");
            }
        }

        /// <summary>
        /// gradX += adjoint · ∇loss for a batch loss of x (rules in <see cref="TensorRules.Losses"/>): the loss's overload with
        /// a gradient span writes ∇loss into a pooled scratch span, which is then scaled into gradX.
        /// </summary>
        private Stmt LossGradient(OpsCall loss, Expr adjoint)
        {
            string scratch = names.Fresh("d_" + loss.Method);
            string array = names.Fresh(scratch + "_array");
            Expr length = new SpanLength(SpanRole.X);
            var gradient = new Local(scratch, WritableSpan);
            return new Block(EquatableArray.Of<Stmt>(
                new Comment("The gradient of Ops." + loss.Method + ", scaled by its adjoint, into gradX."),
                new RentSpan(scratch, array, length, element),
                new TensorCall(loss.Method, element, EquatableArray.From(loss.Args.Append(gradient))),
                new TensorCall("ScaleAdd", element, EquatableArray.Of(gradient, adjoint.Type == element ? adjoint : new Apply(Op.Convert, element, EquatableArray.Of(adjoint)), new SpanRef(SpanRole.GradX, WritableSpan))),
                new ReturnSpan(array, element)));
        }

        private void BackpropagateApply(Node node, Expr adjoint, Value owner)
        {
            DerivativeRule rule = DerivativeRules.Find(node.Op)
                ?? throw new InvalidOperationException("No derivative rule for " + node.Op + ".");
            IrType[] argTypes = node.Args.Select(a => a.Type).ToArray();
            var templates = new Expr?[node.Args.Count];
            int adjointUses = 0;
            for (int i = 0; i < node.Args.Count; i++)
            {
                if (node.Args[i].Varying != Need.None)
                {
                    templates[i] = rule.Template(i, argTypes, node.Type);
                    adjointUses += IrWalk.Nodes(templates[i]!).Count(e => e is Placeholder { Index: Placeholder.AdjointIndex });
                }
            }

            if (adjointUses > 1 && !IsAtom(adjoint))
            {
                string name = names.Fresh("d_" + (node.Binding?.Name ?? "t"));
                Emit(Section(node.Varying), new Declare(node.Type, name, adjoint));
                adjoint = new Local(name, node.Type);
            }

            for (int i = 0; i < node.Args.Count; i++)
            {
                if (templates[i] is { } template)
                {
                    Backpropagate(node.Args[i], Substitute(template, node, owner, adjoint), owner);
                }
            }
        }

        /// <summary>A rule's template with its placeholders replaced: the adjoint, forward values (restored or recomputed), and forward-computed partials.</summary>
        private Expr Substitute(Expr template, Node node, Value owner, Expr adjoint)
        {
            switch (template)
            {
                case Placeholder { Index: Placeholder.AdjointIndex }:
                    return adjoint;
                case Placeholder { Index: Placeholder.ResultIndex }:
                    return ValueOf(node, owner);
                case Placeholder placeholder:
                    return ValueOf(node.Args[placeholder.Index], owner);
                case ForwardValue forward:
                    return new Local(PartialValue(node, forward.Value, owner).Name, forward.Type);
                case Apply apply:
                {
                    Expr[] args = apply.Args.Select(a => Substitute(a, node, owner, adjoint)).ToArray();
                    if (apply.Op == Op.Multiply && args[0] is Literal { Value: 1 } && args[1].Type == apply.Type)
                    {
                        return args[1];
                    }

                    if (apply.Op == Op.Multiply && args[1] is Literal { Value: 1 } && args[0].Type == apply.Type)
                    {
                        return args[0];
                    }

                    return new Apply(apply.Op, apply.Type, EquatableArray.From(args));
                }

                case Conditional conditional:
                    return new Conditional(Substitute(conditional.Condition, node, owner, adjoint), Substitute(conditional.WhenTrue, node, owner, adjoint),
                        Substitute(conditional.WhenFalse, node, owner, adjoint));
                default:
                    return template;
            }
        }

        /// <summary>The forward value of a rule's partial (over the node's arguments), created once per node.</summary>
        private Value PartialValue(Node node, Expr partial, Value owner)
        {
            if (partials.TryGetValue((node, partial), out Value? known))
            {
                return known;
            }

            Node Build(Expr expr) => expr switch
            {
                Placeholder { Index: >= 0 } p => node.Args[p.Index],
                Placeholder => node,
                Apply apply => Node.Apply(apply.Op, apply.Type, apply.Args.Select(Build).ToArray()),
                _ => Node.Leaf(expr, Need.None),
            };

            var value = Register(new Value(names.Numbered("t"), partial.Type, Build(partial), ValueKind.Partial, owner.Region));
            owner.Partials.Add(value);
            partials[(node, partial)] = value;

            // sin and cos of one argument: bind the node too, so that the forward pass computes both with one SinCos.
            if (node.Op is Op.Sin or Op.Cos && partial is Apply { Op: Op.Sin or Op.Cos } && !ReferenceEquals(node, owner.Definition) && node.Binding is null)
            {
                node.Binding = Register(new Value(names.Numbered("t"), node.Type, node, ValueKind.Temporary, owner.Region));
            }

            return value;
        }

        private void BackpropagateCall(Node node, Expr adjoint, Value owner)
        {
            HelperModel helper = node.Helper!;
            var args = node.Args.Select(a => ValueOf(a, owner)).ToList();
            if (helper.PullbackTakesResult)
            {
                args.Add(ValueOf(node, owner));
            }

            args.Add(adjoint);
            string prefix = "d_" + (node.Binding?.Name ?? owner.Name) + "_";
            var outs = helper.Parameters.Select(p => names.Fresh(prefix + p)).ToList();
            Emit(Section(node.Varying), new CallPullback(helper.Pullback, EquatableArray.From(args), helper.ElementType, EquatableArray.From(outs)));
            for (int i = 0; i < node.Args.Count; i++)
            {
                Backpropagate(node.Args[i], new Local(outs[i], helper.ElementType), owner);
            }
        }

        /// <summary>Adds <paramref name="contribution"/> to the adjoint of <paramref name="value"/>, declaring it on the first contribution.</summary>
        private void Contribute(Value value, Expr contribution)
        {
            if (value.AdjointName is null)
            {
                if (!ReferenceEquals(value.Region, reverseRegion))
                {
                    throw new InvalidOperationException("The adjoint of " + value.Name + " is first written outside its region.");
                }

                string name = names.Fresh("d_" + value.Name);
                Expr initial = value.Seed is null ? contribution : Sum(value.Seed, contribution);
                Emit(Section(value.Varying), new Declare(value.Type, name, initial));
                value.AdjointName = name;
                value.Seed = null;
                return;
            }

            Accumulate(Section(value.Varying), new Local(value.AdjointName, value.Type), contribution);
        }

        private void Accumulate(Need section, Expr target, Expr contribution)
        {
            if (contribution is Apply { Op: Op.Negate } negated)
            {
                Emit(section, new Assign(target, AssignKind.Subtract, negated.Args[0]));
            }
            else
            {
                Emit(section, new Assign(target, AssignKind.Add, contribution));
            }
        }

        private static Expr Sum(Expr a, Expr b) =>
            b is Apply { Op: Op.Negate } negated
                ? new Apply(Op.Subtract, a.Type, EquatableArray.Of(a, negated.Args[0]))
                : new Apply(Op.Add, a.Type, EquatableArray.Of(a, b));

        /// <summary>Cheap to read more than once: a local, a literal, data, or an element of a read-only span.</summary>
        private static bool IsAtom(Expr expr) => expr switch
        {
            Local or Literal or LayerData => true,
            Element { Span: SpanRef { Role: SpanRole.W or SpanRole.X or SpanRole.Lambda or SpanRole.Tape } } => true,
            Apply { Op: Op.Negate } negated => IsAtom(negated.Args[0]),
            _ => false,
        };

        /// <summary>
        /// The expression giving <paramref name="node"/>'s forward value in the reverse pass: a leaf itself, a value
        /// (restored by its region), a cheap recomputation from leaves, or a temporary the node is bound to.
        /// </summary>
        private Expr ValueOf(Node node, Value owner)
        {
            switch (node.Kind)
            {
                case NodeKind.Leaf:
                    return node.Expr!;
                case NodeKind.Ref:
                    return new Local(node.Ref!.Name, node.Type);
            }

            if (ReferenceEquals(node, owner.Definition))
            {
                return new Local(owner.Name, owner.Type);
            }

            if (IsCheapOverLeaves(node))
            {
                return Rebuild(node);
            }

            node.Binding ??= Register(new Value(names.Numbered("t"), node.Type, node, ValueKind.Temporary, owner.Region));
            return new Local(node.Binding.Name, node.Type);
        }

        /// <summary>
        /// Arithmetic on leaves (<c>w[0] * x[1] + 0.5</c>, at most <see cref="CheapOperations"/> operations), or a
        /// condition on such values: recomputing it in the reverse pass is cheaper than recording it.
        /// </summary>
        private static bool IsCheapOverLeaves(Node node)
        {
            int operations = 0;
            bool Cheap(Node n)
            {
                switch (n.Kind)
                {
                    case NodeKind.Leaf:
                        return true;
                    case NodeKind.Ref:
                        // A value the reverse pass recomputes anyway (a copy of a leaf, or cheap arithmetic) is as good as a leaf.
                        Node definition = n.Ref!.Definition;
                        return definition.Kind == NodeKind.Leaf || (definition.Kind is NodeKind.Apply or NodeKind.Ref && Cheap(definition));
                    case NodeKind.Apply when ++operations <= CheapOperations &&
                                             (n.Op is Op.Add or Op.Subtract or Op.Multiply or Op.Divide or Op.Negate or Op.Convert || n.Type == IrType.Bool):
                        return n.Args.All(Cheap);
                    default:
                        return false;
                }
            }

            return node.Kind == NodeKind.Apply && Cheap(node);
        }

        /// <summary>The most operations a value recomputed by the reverse pass may take.</summary>
        private const int CheapOperations = 4;

        private static Expr Rebuild(Node node) => node.Kind switch
        {
            NodeKind.Leaf => node.Expr!,
            NodeKind.Ref => new Local(node.Ref!.Name, node.Type),
            _ => new Apply(node.Op, node.Type, EquatableArray.From(node.Args.Select(Rebuild))),
        };

        // =========================================================================================================
        // 4. Restores
        // =========================================================================================================

        /// <summary>
        /// The restores of <paramref name="region"/>'s values that <paramref name="statements"/> read: pops in the reverse
        /// of the order the forward pass pushed them, then recomputations in dependency order.
        /// </summary>
        private List<Stmt> Restores(Region region, List<Stmt> statements)
        {
            var needed = new List<Value>();
            var seen = new HashSet<Value>();
            var queue = new Queue<string>(IrWalk.LocalsRead(statements));
            while (queue.Count > 0)
            {
                string name = queue.Dequeue();
                if (!byName.TryGetValue(name, out Value? value) || !ReferenceEquals(value.Region, region) || !seen.Add(value))
                {
                    continue;
                }

                needed.Add(value);
                value.Restored = true;
                foreach (string dependency in IrWalk.LocalsRead(RestoreSource(value)))
                {
                    queue.Enqueue(dependency);
                }
            }

            List<Value> order = ForwardOrder(region);
            var position = new Dictionary<Value, int>();
            for (int i = 0; i < order.Count; i++)
            {
                position[order[i]] = i;
            }

            int Position(Value v) => position.TryGetValue(v, out int p) ? p : int.MaxValue;
            region.Pushed.Clear();
            region.Pushed.AddRange(needed.Where(v => v.Pushed).OrderBy(Position).ThenBy(v => v.Sequence));

            var restores = new List<Stmt>();
            for (int i = region.Pushed.Count - 1; i >= 0; i--)
            {
                Value value = region.Pushed[i];
                restores.Add(new Restore(value.Type, value.Name, RestoreSource(value)));
            }

            var emitted = new HashSet<Value>(region.Pushed);
            void Recompute(Value value)
            {
                if (!emitted.Add(value))
                {
                    return;
                }

                foreach (string dependency in IrWalk.LocalsRead(RestoreSource(value)))
                {
                    if (byName.TryGetValue(dependency, out Value? other) && needed.Contains(other))
                    {
                        Recompute(other);
                    }
                }

                restores.Add(new Restore(value.Type, value.Name, RestoreSource(value)));
            }

            foreach (Value value in needed.OrderBy(Position).ThenBy(v => v.Sequence))
            {
                Recompute(value);
            }

            return restores;
        }

        /// <summary>How the reverse pass gets <paramref name="value"/> back: recomputed from leaves, ints and copies, or popped from the tape.</summary>
        private Expr RestoreSource(Value value)
        {
            if (restoreSources.TryGetValue(value, out Expr? known))
            {
                return known;
            }

            Node definition = value.Definition;
            Expr source;
            if (definition.Kind == NodeKind.Leaf)
            {
                source = definition.Expr!;
            }
            else if (definition.Kind == NodeKind.Ref)
            {
                source = new Local(definition.Ref!.Name, value.Type);
            }
            else if (IsCheapOverLeaves(definition))
            {
                source = Rebuild(definition);
            }
            else if (value.Type == IrType.Int)
            {
                throw new InvalidOperationException("The index " + value.Name + " cannot be recomputed by the reverse pass.");
            }
            else
            {
                value.Pushed = true;
                source = new PopPlaceholder(value.Name, value.Type);
            }

            restoreSources[value] = source;
            return source;
        }

        /// <summary>The values of a region in the order its forward code declares them.</summary>
        private static List<Value> ForwardOrder(Region region)
        {
            var order = new List<Value>();
            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LetItem let:
                        CollectBindings(let.Value.Definition, let.Value, order);
                        order.AddRange(let.Value.Partials);
                        order.Add(let.Value);
                        break;
                    case LoopItem loop:
                        order.AddRange(loop.Carried.Select(c => c.Result));
                        break;
                    case IfItem branch:
                        order.AddRange(branch.Merges.Select(m => m.Result));
                        break;
                }
            }

            return order;
        }

        private static void CollectBindings(Node node, Value owner, List<Value> into)
        {
            foreach (Node arg in node.Args)
            {
                CollectBindings(arg, owner, into);
            }

            if (node.Binding is not null && !ReferenceEquals(node, owner.Definition))
            {
                into.Add(node.Binding);
            }
        }

        /// <summary>Stands for "read this value from the tape" until the layout is known.</summary>
        private sealed record PopPlaceholder(string Name, IrType Type) : Expr(Type);

        // =========================================================================================================
        // 5. Tape layout
        // =========================================================================================================

        /// <summary>Fixed slots (no loop records): an if/else lays its arms over the same slots; a region's own values follow.</summary>
        private static int StaticLayout(Region region, int start)
        {
            int offset = start;
            foreach (Item item in region.Items)
            {
                if (item is IfItem branch)
                {
                    offset = Math.Max(StaticLayout(branch.Then, offset), StaticLayout(branch.Else, offset));
                }
            }

            foreach (Value value in region.Pushed)
            {
                value.TapeSlot = offset++;
            }

            return offset;
        }

        /// <summary>
        /// The number of values the taped forward pass records in one run of <paramref name="region"/>: its own values,
        /// each loop's trip count times its body's count (a counting loop when that depends on the index), and the
        /// larger arm of each if/else. Statements that need a loop go to <paramref name="prelude"/>, in a block that
        /// assigns a fresh local, so that they cannot clash with the code around them.
        /// </summary>
        /// <param name="region">The region.</param>
        /// <param name="prelude">Where statements go when the count is not a closed form.</param>
        /// <param name="inScope">Whether the region's own int values are in scope where the count is used.</param>
        private Expr Count(Region region, List<Stmt> prelude, bool inScope)
        {
            var inner = new List<Stmt>();
            Expr total = IntLiteral(region.Pushed.Count);
            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LoopItem loop:
                        total = IntMath.Add(total, LoopTotal(loop, inner));
                        break;
                    case IfItem branch:
                        total = IntMath.Add(total, IntMath.Max(Count(branch.Then, inner, inScope: false), Count(branch.Else, inner, inScope: false)));
                        break;
                }
            }

            if (!inScope)
            {
                inner.InsertRange(0, IndexDeclarations(region, IrWalk.LocalsRead(inner.Append(new Return(total)))));
            }

            if (inner.Count == 0)
            {
                return total;
            }

            string slots = names.Fresh("slots");
            prelude.Add(new Declare(IrType.Int, slots, null));
            inner.Add(new Assign(new Local(slots, IrType.Int), AssignKind.Assign, total));
            prelude.Add(new Block(EquatableArray.From(inner)));
            return new Local(slots, IrType.Int);
        }

        private Expr LoopTotal(LoopItem loop, List<Stmt> prelude)
        {
            var bodyPrelude = new List<Stmt>();
            Expr body = Count(loop.Body, bodyPrelude, inScope: false);
            if (body is Literal { Value: 0 })
            {
                return IntLiteral(0);
            }

            if (bodyPrelude.Count == 0 && !IrWalk.LocalsRead(body).Contains(loop.Index))
            {
                return IntMath.Multiply(Trip(loop), FixSizes(body));
            }

            string sum = names.Fresh("slots");
            prelude.Add(new Declare(IrType.Int, sum, IntLiteral(0)));
            bodyPrelude.Add(new Assign(new Local(sum, IrType.Int), AssignKind.Add, body));
            prelude.Add(new For(loop.Index, loop.From, loop.To, loop.Step, Descending: false, EquatableArray.From(bodyPrelude)));
            return new Local(sum, IrType.Int);
        }

        /// <summary>Span lengths the attribute fixes, as literals (a layer body's w, x and y are one sample's).</summary>
        private Expr FixSizes(Expr expr) =>
            sizes is null ? expr : IntMath.Simplify(IrWalk.Replace(expr, e => e is SpanLength length && SizeOf(length.Role) is int size ? IntLiteral(size) : null));

        private Stmt FixSizes(Stmt statement) => statement switch
        {
            Declare { Value: { } value } declare => declare with { Value = FixSizes(value) },
            Assign assign => assign with { Value = FixSizes(assign.Value) },
            Block block => new Block(EquatableArray.From(block.Body.Select(FixSizes))),
            For loop => loop with { From = FixSizes(loop.From), To = FixSizes(loop.To), Step = FixSizes(loop.Step), Body = EquatableArray.From(loop.Body.Select(FixSizes)) },
            _ => statement,
        };

        private int? SizeOf(SpanRole role) => role switch
        {
            SpanRole.W => sizes?.Parameters,
            SpanRole.X => sizes?.Inputs,
            SpanRole.Y => sizes?.Outputs,
            _ => null,
        };

        /// <summary>The number of iterations of <paramref name="loop"/>.</summary>
        private Expr Trip(LoopItem loop)
        {
            Expr span = IntMath.Subtract(FixSizes(loop.To), FixSizes(loop.From));
            if (loop.Step is not Literal { Value: 1 })
            {
                span = IntMath.Divide(IntMath.Add(span, IntMath.Subtract(loop.Step, IntLiteral(1))), loop.Step);
            }

            return IntMath.Max(IntLiteral(0), span);
        }

        /// <summary>Declarations of the int values of <paramref name="region"/> that <paramref name="read"/> names (and those they need), in forward order.</summary>
        private List<Stmt> IndexDeclarations(Region region, IEnumerable<string> read)
        {
            var needed = new HashSet<Value>();
            var queue = new Queue<string>(read);
            while (queue.Count > 0)
            {
                if (byName.TryGetValue(queue.Dequeue(), out Value? value) && value.Type == IrType.Int && ReferenceEquals(value.Region, region) && needed.Add(value))
                {
                    foreach (string name in IrWalk.LocalsRead(value.Definition.Expr!))
                    {
                        queue.Enqueue(name);
                    }
                }
            }

            return region.Items.OfType<LetItem>().Select(l => l.Value).Where(needed.Contains)
                .Select(v => (Stmt)new Declare(IrType.Int, v.Name, v.Definition.Expr)).ToList();
        }

        // =========================================================================================================
        // 6. The forward pass
        // =========================================================================================================

        private List<Stmt> ForwardRegion(Region region)
        {
            var list = new List<Stmt>();
            for (int i = 0; i < region.Items.Count; i++)
            {
                switch (region.Items[i])
                {
                    case LetItem let:
                    {
                        Value value = let.Value;
                        var bindings = new List<Value>();
                        CollectBindings(value.Definition, value, bindings);
                        foreach (Value binding in bindings)
                        {
                            list.Add(new Declare(binding.Type, binding.Name, Render(binding.Definition, binding.Definition)));
                        }

                        foreach (Value partial in value.Partials)
                        {
                            list.Add(new Declare(partial.Type, partial.Name, Render(partial.Definition, partial.Definition)));
                        }

                        if (IsFoldedIntoStore(region, value, i) || IsFoldedIntoUse(value))
                        {
                            break;
                        }

                        list.Add(new Declare(value.Type, value.Name, value.Type == IrType.Int ? value.Definition.Expr! : Render(value.Definition, value.Definition)));
                        break;
                    }

                    case StoreItem store:
                    {
                        Expr stored = IsFoldedIntoStore(region, store.Value, i - 1)
                            ? Render(store.Value.Definition, store.Value.Definition)
                            : new Local(store.Value.ReadName, store.Value.Type);
                        list.Add(new Assign(Element(SpanRole.Y, store.Index, element), AssignKind.Assign, stored));
                        break;
                    }

                    case LoopItem loop:
                        ForwardLoop(loop, region, list);
                        break;
                    case IfItem branch:
                        ForwardIf(branch, list);
                        break;
                }
            }

            return list;
        }

        /// <summary>A generated value read only by the store right after it is written straight into y.</summary>
        private static bool IsFoldedIntoStore(Region region, Value value, int letIndex) =>
            value.Kind is not (ValueKind.UserLocal or ValueKind.Index or ValueKind.Condition) &&
            value.ForwardUses == 1 &&
            !value.Restored &&
            letIndex >= 0 && letIndex + 1 < region.Items.Count &&
            region.Items[letIndex] is LetItem let && ReferenceEquals(let.Value, value) &&
            region.Items[letIndex + 1] is StoreItem store && ReferenceEquals(store.Value, value);

        /// <summary>Values written straight into a storage variable where they are used (a loop's update, a branch's merge).</summary>
        private readonly HashSet<Value> foldedIntoUse = new();

        private bool IsFoldedIntoUse(Value value) => foldedIntoUse.Contains(value);

        private void ForwardLoop(LoopItem loop, Region region, List<Stmt> list)
        {
            foreach (Carried carried in loop.Carried)
            {
                // The storage variable takes over a value used only to start the loop (the user's own local, usually).
                Value init = carried.Init;
                bool absorb = init.ForwardUses == 1 && !init.Restored && !init.Pushed && ReferenceEquals(init.Region, region) &&
                              init.Kind is ValueKind.UserLocal or ValueKind.Temporary && region.Items.OfType<LetItem>().Any(l => ReferenceEquals(l.Value, init)) &&
                              !loop.Carried.Any(other => other != carried && ReferenceEquals(other.Init, init));
                if (absorb)
                {
                    carried.Storage = init.Name;
                }
                else
                {
                    // The result's own name: the reverse pass restores the result in scopes of its own, never beside this.
                    carried.Storage = carried.Result.Name;
                    list.Add(new Declare(carried.Phi.Type, carried.Storage, new Local(init.ReadName, init.Type)));
                }

                carried.Phi.ForwardName = carried.Storage;
                carried.Result.ForwardName = carried.Storage;
            }

            // Updates written straight into the storage: a value used only there.
            foreach (Carried carried in loop.Carried)
            {
                Value next = carried.Next;
                if (next.ForwardUses == 1 && !next.Restored && !next.Pushed && ReferenceEquals(next.Region, loop.Body) &&
                    next.Kind is ValueKind.UserLocal or ValueKind.Temporary && next.Definition.Kind == NodeKind.Apply &&
                    loop.Body.Items.OfType<LetItem>().Any(l => ReferenceEquals(l.Value, next)))
                {
                    foldedIntoUse.Add(next);
                }
            }

            List<Stmt> body = ForwardRegion(loop.Body);
            body.AddRange(Pushes(loop.Body));
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (Carried carried in loop.Carried)
            {
                Value next = carried.Next;
                Expr update = foldedIntoUse.Contains(next) ? Render(next.Definition, next.Definition) : new Local(next.ReadName, next.Type);
                if (foldedIntoUse.Contains(next) && IrWalk.LocalsRead(update).Any(written.Contains))
                {
                    // It would read a storage already updated in this iteration: compute it first.
                    string temporary = names.Numbered("t");
                    body.Add(new Declare(next.Type, temporary, update));
                    update = new Local(temporary, next.Type);
                }

                body.Add(new Assign(new Local(carried.Storage, carried.Phi.Type), AssignKind.Assign, update));
                written.Add(carried.Storage);
            }

            list.Add(new For(loop.Index, loop.From, loop.To, loop.Step, Descending: false, EquatableArray.From(body)));
        }

        private void ForwardIf(IfItem branch, List<Stmt> list)
        {
            foreach (Merge merge in branch.Merges)
            {
                merge.Storage = merge.Result.Name;
                merge.Result.ForwardName = merge.Storage;
                list.Add(new Declare(merge.Result.Type, merge.Storage, null));
                foreach (Value source in new[] { merge.WhenTrue, merge.WhenFalse })
                {
                    if (source.ForwardUses == 1 && !source.Restored && !source.Pushed && source.Kind is ValueKind.UserLocal or ValueKind.Temporary &&
                        (ReferenceEquals(source.Region, branch.Then) || ReferenceEquals(source.Region, branch.Else)) &&
                        source.Region.Items.OfType<LetItem>().Any(l => ReferenceEquals(l.Value, source)))
                    {
                        foldedIntoUse.Add(source);
                    }
                }
            }

            List<Stmt> prelude = new();
            Expr? thenPad = null, elsePad = null;
            if (cursorMode)
            {
                Expr thenCount = Count(branch.Then, prelude, inScope: false);
                Expr elseCount = Count(branch.Else, prelude, inScope: false);
                Expr larger = IntMath.Max(thenCount, elseCount);
                thenPad = IntMath.Subtract(larger, thenCount);
                elsePad = IntMath.Subtract(larger, elseCount);
                branchPads[branch] = (thenPad, elsePad, prelude);
            }

            List<Stmt> Arm(Region arm, bool whenTrue, Expr? pad)
            {
                List<Stmt> statements = ForwardRegion(arm);
                foreach (Merge merge in branch.Merges)
                {
                    Value source = whenTrue ? merge.WhenTrue : merge.WhenFalse;
                    Expr value = foldedIntoUse.Contains(source) ? Render(source.Definition, source.Definition) : new Local(source.ReadName, source.Type);
                    statements.Add(new Assign(new Local(merge.Storage, merge.Result.Type), AssignKind.Assign, value));
                }

                statements.AddRange(Pushes(arm));
                if (pad is not null && pad is not Literal { Value: 0 })
                {
                    statements.Add(new Assign(new Local(cursor, IrType.Int), AssignKind.Add, pad));
                }

                return statements;
            }

            list.AddRange(prelude);
            list.Add(new If(new Local(branch.Condition.ReadName, IrType.Bool), EquatableArray.From(Arm(branch.Then, true, thenPad)), EquatableArray.From(Arm(branch.Else, false, elsePad))));
        }

        private readonly Dictionary<IfItem, (Expr Then, Expr Else, List<Stmt> Prelude)> branchPads = new();

        /// <summary>The tape stores at the end of a region: its recorded values, in order.</summary>
        private List<Stmt> Pushes(Region region)
        {
            var stores = new List<Stmt>();
            foreach (Value value in region.Pushed)
            {
                Expr index = cursorMode ? new CursorStep(cursor, Push: true) : IntLiteral(value.TapeSlot);
                Expr stored = new Local(value.ReadName, value.Type);
                if (value.Type == IrType.Bool)
                {
                    stored = new Conditional(stored, new Literal(element, 1), Zero(element));
                }
                else if (value.Type != element)
                {
                    stored = new Apply(Op.Convert, element, EquatableArray.Of(stored));
                }

                stores.Add(new Assign(Element(SpanRole.Tape, index, element), AssignKind.Assign, stored));
            }

            return stores;
        }

        private Expr Render(Node node, Node root)
        {
            if (!ReferenceEquals(node, root) && node.Binding is not null)
            {
                return new Local(node.Binding.Name, node.Type);
            }

            return node.Kind switch
            {
                NodeKind.Leaf => node.Expr!,
                NodeKind.Ref => new Local(node.Ref!.ReadName, node.Type),
                NodeKind.OutputRead => Element(SpanRole.Y, node.Expr!, node.Type),
                NodeKind.Call => new Call(node.Helper!.Method, node.Type, EquatableArray.From(node.Args.Select(a => Render(a, root)))),
                NodeKind.Apply => new Apply(node.Op, node.Type, EquatableArray.From(node.Args.Select(a => Render(a, root)))),
                _ => throw new InvalidOperationException("An opaque value has no expression."),
            };
        }

        /// <summary><c>T s = Sin(e); … T c = Cos(e);</c> in one list becomes <c>(T s, T c) = SinCos(e);</c> at the first of them.</summary>
        private static List<Stmt> FuseSinCos(List<Stmt> statements)
        {
            var result = new List<Stmt>();
            var removed = new HashSet<int>();
            for (int i = 0; i < statements.Count; i++)
            {
                if (removed.Contains(i))
                {
                    continue;
                }

                Stmt statement = statements[i];
                switch (statement)
                {
                    case Declare { Value: Apply { Op: Op.Sin or Op.Cos, Args.Count: 1 } first } declare when first.Type.IsReal:
                    {
                        Op other = first.Op == Op.Sin ? Op.Cos : Op.Sin;
                        int match = -1;
                        for (int j = i + 1; j < statements.Count && match < 0; j++)
                        {
                            if (!removed.Contains(j) && statements[j] is Declare { Value: Apply { Op: var op, Args.Count: 1 } second } && op == other &&
                                second.Type == first.Type && second.Args[0].Equals(first.Args[0]))
                            {
                                match = j;
                            }
                        }

                        if (match < 0)
                        {
                            result.Add(statement);
                            break;
                        }

                        var partner = (Declare)statements[match];
                        removed.Add(match);
                        string sin = first.Op == Op.Sin ? declare.Name : partner.Name;
                        string cos = first.Op == Op.Sin ? partner.Name : declare.Name;
                        result.Add(new SinCos(first.Type, sin, cos, first.Args[0]));
                        break;
                    }

                    case For loop:
                        result.Add(loop with { Body = EquatableArray.From(FuseSinCos(loop.Body.ToList())) });
                        break;
                    case If branch:
                        result.Add(branch with { Then = EquatableArray.From(FuseSinCos(branch.Then.ToList())), Else = EquatableArray.From(FuseSinCos(branch.Else.ToList())) });
                        break;
                    default:
                        result.Add(statement);
                        break;
                }
            }

            return result;
        }

        // =========================================================================================================
        // 7. Pops, padding and the three variants of the reverse pass
        // =========================================================================================================

        /// <summary>Replaces the pop placeholders by tape reads and adds the cursor's padding in reverse branches.</summary>
        private List<Stmt> RewritePops(List<Stmt> statements)
        {
            var result = new List<Stmt>();
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case Restore { Source: PopPlaceholder pop } restore:
                    {
                        Value value = byName[pop.Name];
                        Expr index = cursorMode ? new CursorStep(cursor, Push: false) : IntLiteral(value.TapeSlot);
                        Expr read = Element(SpanRole.Tape, index, element);
                        if (value.Type == IrType.Bool)
                        {
                            read = new Apply(Op.NotEqual, IrType.Bool, EquatableArray.Of(read, Zero(element)));
                        }
                        else if (value.Type != element)
                        {
                            read = new Apply(Op.Convert, value.Type, EquatableArray.Of(read));
                        }

                        result.Add(restore with { Source = read });
                        break;
                    }

                    case For loop:
                    {
                        var rewritten = loop with { Body = EquatableArray.From(RewritePops(loop.Body.ToList())) };
                        if (reverseLoops.TryGetValue(loop, out LoopItem? item))
                        {
                            reverseLoops[rewritten] = item;
                        }

                        result.Add(rewritten);
                        break;
                    }

                    case If branch:
                    {
                        List<Stmt> then = RewritePops(branch.Then.ToList());
                        List<Stmt> otherwise = RewritePops(branch.Else.ToList());
                        if (reverseBranches.TryGetValue(branch, out IfItem? item) && cursorMode && branchPads.TryGetValue(item, out (Expr Then, Expr Else, List<Stmt> Prelude) pads))
                        {
                            result.AddRange(pads.Prelude);
                            if (pads.Then is not Literal { Value: 0 })
                            {
                                then.Insert(0, new Assign(new Local(cursor, IrType.Int), AssignKind.Subtract, pads.Then));
                            }

                            if (pads.Else is not Literal { Value: 0 })
                            {
                                otherwise.Insert(0, new Assign(new Local(cursor, IrType.Int), AssignKind.Subtract, pads.Else));
                            }
                        }

                        var rewritten = new If(branch.Condition, EquatableArray.From(then), EquatableArray.From(otherwise));
                        if (item is not null)
                        {
                            reverseBranches[rewritten] = item;
                        }

                        result.Add(rewritten);
                        break;
                    }

                    default:
                        result.Add(statement);
                        break;
                }
            }

            return result;
        }

        /// <summary>
        /// The reverse statements for the gradients in <paramref name="wanted"/>: tagged statements of other sections
        /// are dropped, then loops and branches left without work (only restores) are dropped too, or, when they read
        /// the tape through the cursor, replaced by a step of the cursor past their records.
        /// </summary>
        private List<Stmt> Specialize(List<Stmt> statements, Need wanted, out bool work)
        {
            var result = new List<Stmt>();
            work = false;
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case Tagged tagged:
                        if ((tagged.Section & wanted) != 0)
                        {
                            result.Add(tagged.Statement);
                            work = true;
                        }

                        break;
                    case For loop:
                    {
                        List<Stmt> inner = Specialize(loop.Body.ToList(), wanted, out bool loopWork);
                        if (loopWork)
                        {
                            result.Add(loop with { Body = EquatableArray.From(inner) });
                            work = true;
                        }
                        else if (cursorMode && ReadsTape(inner))
                        {
                            result.AddRange(SkipRecords(reverseLoops.TryGetValue(loop, out LoopItem? item) ? item : null, null, loop with { Body = EquatableArray.From(inner) }));
                        }

                        break;
                    }

                    case If branch:
                    {
                        List<Stmt> then = Specialize(branch.Then.ToList(), wanted, out bool thenWork);
                        List<Stmt> otherwise = Specialize(branch.Else.ToList(), wanted, out bool elseWork);
                        var specialized = new If(branch.Condition, EquatableArray.From(then), EquatableArray.From(otherwise));
                        if (thenWork || elseWork)
                        {
                            result.Add(specialized);
                            work = true;
                        }
                        else if (cursorMode && (ReadsTape(then) || ReadsTape(otherwise)))
                        {
                            result.AddRange(SkipRecords(null, reverseBranches.TryGetValue(branch, out IfItem? item) ? item : null, specialized));
                        }

                        break;
                    }

                    default:
                        result.Add(statement);
                        break;
                }
            }

            return DropUnusedRestores(result);
        }

        private static bool ReadsTape(IEnumerable<Stmt> statements) =>
            statements.SelectMany(IrWalk.ExpressionsOf).SelectMany(IrWalk.Nodes).Any(n => n is CursorStep);

        /// <summary>Moves the cursor past a loop's or branch's records when their count is a closed form; else keeps the reading code.</summary>
        private IEnumerable<Stmt> SkipRecords(LoopItem? loop, IfItem? branch, Stmt fallback)
        {
            var prelude = new List<Stmt>();
            Expr? count = loop is not null ? LoopTotal(loop, prelude)
                : branch is not null ? IntMath.Max(Count(branch.Then, prelude, inScope: false), Count(branch.Else, prelude, inScope: false))
                : null;
            if (count is null || prelude.Count > 0)
            {
                return new[] { fallback };
            }

            return new Stmt[] { new Assign(new Local(cursor, IrType.Int), AssignKind.Subtract, count) };
        }

        /// <summary>Drops recomputed restores nothing reads (tape reads through the cursor stay: they move it).</summary>
        private List<Stmt> DropUnusedRestores(List<Stmt> statements)
        {
            var keep = new bool[statements.Count];
            var read = new HashSet<string>(StringComparer.Ordinal);
            for (int i = statements.Count - 1; i >= 0; i--)
            {
                Stmt statement = statements[i];
                bool movesCursor = IrWalk.ExpressionsOf(statement).SelectMany(IrWalk.Nodes).Any(n => n is CursorStep);
                if (statement is Restore restore && !read.Contains(restore.Name) && !movesCursor)
                {
                    continue;
                }

                keep[i] = true;
                read.UnionWith(IrWalk.LocalsRead(new[] { statement }));
            }

            return statements.Where((_, i) => keep[i]).ToList();
        }

        /// <summary>Compares statements by reference (records compare by value).</summary>
        private sealed class ReferenceComparer : IEqualityComparer<Stmt>
        {
            public static readonly ReferenceComparer Instance = new();

            public bool Equals(Stmt? x, Stmt? y) => ReferenceEquals(x, y);

            public int GetHashCode(Stmt obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
