using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Source-to-source reverse mode for one layer body (one sample):
    /// <list type="number">
    /// <item>lower the body to single-assignment form (every assignment to a local or to y[i] makes a new
    /// version, so <c>a = a * a</c> keeps the old <c>a</c> for the reverse pass);</item>
    /// <item>drop values nothing reads;</item>
    /// <item>sweep the statements backwards, applying each primitive's rule from <see cref="DerivativeRules"/>;
    /// a rule that reads an argument or the result marks that value as needed, binding a subexpression to a
    /// temporary when it is not a plain value;</item>
    /// <item>decide for each needed value whether Pullback recomputes it from w and x or the taped Forward
    /// records it (one slot per value, samples back to back);</item>
    /// <item>print the forward pass with those bindings and tape stores.</item>
    /// </list>
    /// Reverse statements are sorted into three lists by the gradients they serve (both, w only, x only), so
    /// that an empty gradient span skips its work. A statement serving w only reads only adjoints of values
    /// that depend on w, which are computed in the "both" or "w" lists, so the three lists can run in that order.
    /// </summary>
    internal sealed class Differentiator
    {
        private readonly LayerModel layer;
        private readonly IrType element;
        private readonly NameTable names;
        private readonly HashSet<string> constants;
        private readonly bool arrayMode;

        private readonly List<Item> items = new();
        private readonly Dictionary<string, Value> locals = new(StringComparer.Ordinal);
        private readonly Dictionary<int, Value> outputs = new();
        private Need outputVarying;

        private readonly List<Stmt> adjointBoth = new();
        private readonly List<Stmt> adjointW = new();
        private readonly List<Stmt> adjointX = new();

        private Differentiator(LayerModel layer)
        {
            this.layer = layer;
            element = layer.ElementType;
            constants = new HashSet<string>(layer.Constants.Select(c => c.Name), StringComparer.Ordinal);
            names = new NameTable(layer.ReservedNames.Concat(constants));
            arrayMode = layer.Body.Any(HasRunTimeOutputIndex);
        }

        /// <summary>Differentiates <paramref name="layer"/>.</summary>
        public static LayerProgram Differentiate(LayerModel layer) => new Differentiator(layer).Run();

        private LayerProgram Run()
        {
            foreach (Stmt statement in layer.Body)
            {
                Lower(statement);
            }

            foreach (KeyValuePair<int, Value> output in outputs)
            {
                output.Value.Seed = Element(SpanRole.Lambda, IntLiteral(output.Key), element);
            }

            CountUsesAndDropDeadValues();
            Reverse();
            if (arrayMode)
            {
                adjointBoth.Insert(0, new CopySpan(new SpanRef(SpanRole.Lambda, ReadOnlySpan), new SpanRef(SpanRole.OutputAdjoint, WritableSpan)));
            }

            List<Stmt> restores = AssignTapeAndRestores();
            List<Stmt> primal = Primal();

            bool writesEveryOutput = !arrayMode && layer.Sizes.Outputs is int count && Enumerable.Range(0, count).All(outputs.ContainsKey);
            var used = new SortedSet<string>(layer.ReservedNames, StringComparer.Ordinal);
            used.UnionWith(constants);
            foreach (Stmt statement in primal.Concat(restores).Concat(adjointBoth).Concat(adjointW).Concat(adjointX))
            {
                if (statement is Declare declare)
                {
                    used.Add(declare.Name);
                }
                else if (statement is Restore restore)
                {
                    used.Add(restore.Name);
                }
            }

            return new LayerProgram(
                layer,
                EquatableArray.From(primal),
                EquatableArray.From(restores),
                EquatableArray.From(adjointBoth),
                EquatableArray.From(adjointW),
                EquatableArray.From(adjointX),
                TapeSlotsPerSample: tapeSlots,
                OutputsAtRunTimeIndices: arrayMode,
                WritesEveryOutput: writesEveryOutput,
                UsedNames: EquatableArray.From(used));
        }

        private IrType ReadOnlySpan => IrType.SpanOf(element.Scalar, readOnly: true);

        private IrType WritableSpan => IrType.SpanOf(element.Scalar, readOnly: false);

        private static Literal IntLiteral(int value) => new(IrType.Int, value);

        private Element Element(SpanRole role, Expr index, IrType type)
        {
            bool readOnly = role is SpanRole.W or SpanRole.X or SpanRole.Lambda;
            return new Element(new SpanRef(role, IrType.SpanOf(element.Scalar, readOnly)), index, type);
        }

        private static bool HasRunTimeOutputIndex(Stmt statement)
        {
            static bool InExpr(Expr? expr) => expr switch
            {
                Element { Span: SpanRef { Role: SpanRole.Y }, Index: not Literal } => true,
                Element e => InExpr(e.Index),
                Apply apply => apply.Args.Any(InExpr),
                Conditional c => InExpr(c.Condition) || InExpr(c.WhenTrue) || InExpr(c.WhenFalse),
                _ => false,
            };

            return statement switch
            {
                Declare declare => InExpr(declare.Value),
                Assign assign => InExpr(assign.Target) || InExpr(assign.Value),
                _ => false,
            };
        }

        // ---- 1. lowering to single assignment ------------------------------------------------------

        private void Lower(Stmt statement)
        {
            switch (statement)
            {
                case Declare { Value: null }:
                    break;
                case Declare declare:
                    Define(declare.Name, declare.Type, LowerExpr(declare.Value));
                    break;
                case Assign { Target: Local local } assign:
                {
                    Node value = LowerExpr(assign.Value);
                    if (assign.Kind != AssignKind.Assign)
                    {
                        value = Node.Apply(OpOf(assign.Kind), local.Type, new[] { Node.Reference(locals[local.Name]), value });
                    }

                    Define(local.Name, local.Type, value);
                    break;
                }

                case Assign { Target: Element { Span: SpanRef { Role: SpanRole.Y } } target } assign:
                    Store(target.Index, assign.Kind, LowerExpr(assign.Value));
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

        private void Define(string name, IrType type, Node value)
        {
            // The first version keeps the user's name; later ones are name_2, name_3, ...
            string version = locals.ContainsKey(name) ? names.Fresh(name) : name;
            var defined = new Value(version, type, value, ValueKind.UserLocal);
            locals[name] = defined;
            items.Add(new LetItem(defined));
        }

        private void Store(Expr index, AssignKind kind, Node value)
        {
            if (arrayMode)
            {
                if (kind != AssignKind.Assign)
                {
                    Value old = Temporary(Node.OutputRead(index, element, outputVarying));
                    value = Node.Apply(OpOf(kind), element, new[] { Node.Reference(old), value });
                }

                var stored = new Value(names.Numbered("t"), element, value, ValueKind.Temporary);
                items.Add(new LetItem(stored));
                items.Add(new StoreItem(index, stored));
                outputVarying |= stored.Varying;
                return;
            }

            int i = (int)((Literal)index).Value;
            if (kind != AssignKind.Assign)
            {
                value = Node.Apply(OpOf(kind), element, new[] { Node.Reference(outputs[i]), value });
            }

            var version = new Value(names.Fresh("y" + i), element, value, ValueKind.Output);
            items.Add(new LetItem(version));
            items.Add(new StoreItem(index, version));
            outputs[i] = version;
        }

        private Value Temporary(Node definition)
        {
            var value = new Value(names.Numbered("t"), definition.Type, definition, ValueKind.Temporary);
            items.Add(new LetItem(value));
            return value;
        }

        private Node LowerExpr(Expr expr)
        {
            switch (expr)
            {
                case Literal or LayerData:
                    return Node.Leaf(expr, Need.None);
                case Local local when constants.Contains(local.Name):
                    return Node.Leaf(expr, Need.None);
                case Local local:
                    return Node.Reference(locals[local.Name]);
                case Element { Span: SpanRef { Role: SpanRole.W } }:
                    return Node.Leaf(expr, Need.W);
                case Element { Span: SpanRef { Role: SpanRole.X } }:
                    return Node.Leaf(expr, Need.X);
                case Element { Span: SpanRef { Role: SpanRole.Y } } read when arrayMode:
                    return Node.Reference(Temporary(Node.OutputRead(read.Index, read.Type, outputVarying)));
                case Element { Span: SpanRef { Role: SpanRole.Y }, Index: Literal index }:
                    return Node.Reference(outputs[(int)index.Value]);
                case Apply apply when !apply.Type.IsReal:
                    // Integer arithmetic (indices, sizes): no derivative, evaluated again wherever it is needed.
                    return Node.Leaf(expr, Need.None);
                case Apply apply:
                    return Node.Apply(apply.Op, apply.Type, apply.Args.Select(LowerExpr).ToArray());
                default:
                    throw new InvalidOperationException("The differentiator does not handle the expression " + expr.GetType().Name + ".");
            }
        }

        // ---- 2. dead values --------------------------------------------------------------------------

        private void CountUsesAndDropDeadValues()
        {
            foreach (Item item in items)
            {
                switch (item)
                {
                    case LetItem let:
                        CountUses(let.Value.Definition, +1);
                        break;
                    case StoreItem store:
                        store.Value.ForwardUses++;
                        break;
                }
            }

            for (int i = items.Count - 1; i >= 0; i--)
            {
                if (items[i] is LetItem { Value: { ForwardUses: 0 } dead })
                {
                    CountUses(dead.Definition, -1);
                    items.RemoveAt(i);
                }
            }
        }

        private static void CountUses(Node node, int delta)
        {
            if (node.Kind == NodeKind.Ref)
            {
                node.Ref!.ForwardUses += delta;
            }

            foreach (Node arg in node.Args)
            {
                CountUses(arg, delta);
            }
        }

        // ---- 3. the reverse sweep --------------------------------------------------------------------

        private void Reverse()
        {
            int firstOutputAccess = items.FindIndex(item => item is StoreItem || item is LetItem { Value.Definition.Kind: NodeKind.OutputRead });
            for (int i = items.Count - 1; i >= 0; i--)
            {
                switch (items[i])
                {
                    case LetItem let:
                        Expr? adjoint = AdjointOf(let.Value);
                        if (adjoint is not null)
                        {
                            Backpropagate(let.Value.Definition, adjoint, let.Value);
                        }

                        break;
                    case StoreItem store when arrayMode:
                        // y[i] = v: v receives the adjoint of y[i], which the assignment then resets (the old y[i] is gone).
                        Element adjointOfOutput = Element(SpanRole.OutputAdjoint, store.Index, element);
                        if (store.Value.Varying != Need.None)
                        {
                            Contribute(store.Value, adjointOfOutput);
                        }

                        if (i > firstOutputAccess)
                        {
                            Emit(Need.Both, new Assign(adjointOfOutput, AssignKind.Assign, Zero(element)));
                        }

                        break;
                }
            }
        }

        private static Literal Zero(IrType type) => new(type, 0);

        private static Expr? AdjointOf(Value value) =>
            value.AdjointName is not null ? new Local(value.AdjointName, value.Type) : value.Seed;

        private void Emit(Need need, Stmt statement)
        {
            switch (need)
            {
                case Need.W:
                    adjointW.Add(statement);
                    break;
                case Need.X:
                    adjointX.Add(statement);
                    break;
                default:
                    adjointBoth.Add(statement);
                    break;
            }
        }

        /// <summary>The list a statement about <paramref name="varying"/> goes to. With y at run-time indices the adjoint of y is one buffer, so every adjoint is computed for both gradients.</summary>
        private Need Section(Need varying) => arrayMode ? Need.Both : varying;

        private void Backpropagate(Node node, Expr adjoint, Value? owner)
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
                case NodeKind.OutputRead:
                    Accumulate(Need.Both, Element(SpanRole.OutputAdjoint, node.Expr!, element), adjoint);
                    return;
                case NodeKind.Apply:
                    BackpropagateApply(node, adjoint, owner);
                    return;
                default:
                    throw new InvalidOperationException("A varying leaf that is not w[i] or x[i].");
            }
        }

        private void BackpropagateApply(Node node, Expr adjoint, Value? owner)
        {
            DerivativeRule rule = DerivativeRules.Find(node.Op)
                ?? throw new InvalidOperationException("No derivative rule for " + node.Op + ".");
            IrType[] argTypes = node.Args.Select(a => a.Type).ToArray();
            var active = new List<int>();
            int adjointUses = 0;
            var needs = new RuleNeeds[node.Args.Count];
            for (int i = 0; i < node.Args.Count; i++)
            {
                if (node.Args[i].Varying != Need.None)
                {
                    active.Add(i);
                    needs[i] = rule.Needs(i, argTypes, node.Type);
                    adjointUses += needs[i].AdjointUses;
                }
            }

            if (adjointUses > 1 && !IsAtom(adjoint))
            {
                string name = names.Fresh("d_" + (node.Binding?.Name ?? "t"));
                Emit(Section(node.Varying), new Declare(node.Type, name, adjoint));
                adjoint = new Local(name, node.Type);
            }

            foreach (int i in active)
            {
                var args = new Expr[node.Args.Count];
                for (int j = 0; j < args.Length; j++)
                {
                    args[j] = needs[i].Arguments[j] ? ValueOf(node.Args[j], owner) : Zero(node.Args[j].Type);
                }

                Expr result = needs[i].Result ? ValueOf(node, owner) : Zero(node.Type);
                Backpropagate(node.Args[i], rule.Pullback(i, adjoint, args, result), owner);
            }
        }

        /// <summary>Adds <paramref name="contribution"/> to the adjoint of <paramref name="value"/>, declaring it on the first contribution.</summary>
        private void Contribute(Value value, Expr contribution)
        {
            Need section = Section(value.Varying);
            if (value.AdjointName is null)
            {
                string name = names.Fresh("d_" + value.Name);
                Expr initial = value.Seed is null ? contribution : Sum(value.Seed, contribution);
                Emit(section, new Declare(value.Type, name, initial));
                value.AdjointName = name;
                value.Seed = null;
                return;
            }

            Accumulate(section, new Local(value.AdjointName, value.Type), contribution);
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
        /// The expression giving <paramref name="node"/>'s forward value in the reverse pass: a leaf itself, a
        /// value (marked as needed), a cheap recomputation from leaves, or a temporary the node is bound to.
        /// </summary>
        private Expr ValueOf(Node node, Value? owner)
        {
            switch (node.Kind)
            {
                case NodeKind.Leaf:
                    return node.Expr!;
                case NodeKind.Ref:
                    node.Ref!.Restored = true;
                    return new Local(node.Ref.Name, node.Type);
            }

            if (owner is not null && ReferenceEquals(node, owner.Definition))
            {
                owner.Restored = true;
                return new Local(owner.Name, owner.Type);
            }

            if (IsCheapOverLeaves(node))
            {
                return Rebuild(node);
            }

            node.Binding ??= new Value(names.Numbered("t"), node.Type, node, ValueKind.Temporary);
            node.Binding.Restored = true;
            return new Local(node.Binding.Name, node.Type);
        }

        /// <summary>Arithmetic on leaves only (<c>w[0] * x[1]</c>): recomputing it is cheaper than keeping it.</summary>
        private static bool IsCheapOverLeaves(Node node) =>
            node.Kind == NodeKind.Apply &&
            node.Op is Op.Add or Op.Subtract or Op.Multiply or Op.Divide or Op.Negate or Op.Convert &&
            node.Args.All(a => a.Kind == NodeKind.Leaf);

        private static Expr Rebuild(Node node) =>
            node.Kind == NodeKind.Leaf ? node.Expr! : new Apply(node.Op, node.Type, EquatableArray.From(node.Args.Select(Rebuild)));

        // ---- 4. tape and restores --------------------------------------------------------------------

        private int tapeSlots;

        private List<Stmt> AssignTapeAndRestores()
        {
            // Values in forward order, with the temporaries bound inside a definition before it.
            var ordered = new List<Value>();
            foreach (Item item in items)
            {
                if (item is LetItem let)
                {
                    CollectBindings(let.Value.Definition, let.Value, ordered);
                    ordered.Add(let.Value);
                }
            }

            // A restored copy of another value (b = a) needs that value too: propagate backwards.
            for (int i = ordered.Count - 1; i >= 0; i--)
            {
                if (ordered[i].Restored && ordered[i].Definition.Kind == NodeKind.Ref)
                {
                    ordered[i].Definition.Ref!.Restored = true;
                }
            }

            var restores = new List<Stmt>();
            foreach (Value value in ordered.Where(v => v.Restored))
            {
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
                else
                {
                    value.TapeSlot = tapeSlots++;
                    source = Element(SpanRole.Tape, IntLiteral(value.TapeSlot), value.Type.Scalar == element.Scalar ? value.Type : element);
                    if (value.Type != element)
                    {
                        source = new Apply(Op.Convert, value.Type, EquatableArray.Of(source));
                    }
                }

                restores.Add(new Restore(value.Type, value.Name, source));
            }

            return restores;
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

        // ---- 5. the forward pass ----------------------------------------------------------------------

        private List<Stmt> Primal()
        {
            var primal = new List<Stmt>();
            for (int i = 0; i < items.Count; i++)
            {
                switch (items[i])
                {
                    case LetItem let:
                    {
                        Value value = let.Value;
                        var bindings = new List<Value>();
                        CollectBindings(value.Definition, value, bindings);
                        foreach (Value binding in bindings)
                        {
                            primal.Add(new Declare(binding.Type, binding.Name, Render(binding.Definition, binding.Definition)));
                            AddTapeStore(primal, binding);
                        }

                        if (IsFoldedIntoStore(value, i))
                        {
                            break;
                        }

                        primal.Add(new Declare(value.Type, value.Name, Render(value.Definition, value.Definition)));
                        AddTapeStore(primal, value);
                        break;
                    }

                    case StoreItem store:
                    {
                        Expr stored = IsFoldedIntoStore(store.Value, i - 1)
                            ? Render(store.Value.Definition, store.Value.Definition)
                            : new Local(store.Value.Name, store.Value.Type);
                        primal.Add(new Assign(Element(SpanRole.Y, store.Index, element), AssignKind.Assign, stored));
                        break;
                    }
                }
            }

            return primal;
        }

        /// <summary>A generated value read only by the store right after it is written straight into y.</summary>
        private bool IsFoldedIntoStore(Value value, int letIndex) =>
            value.Kind != ValueKind.UserLocal &&
            value.ForwardUses == 1 &&
            !value.Restored &&
            letIndex >= 0 && letIndex + 1 < items.Count &&
            items[letIndex] is LetItem let && ReferenceEquals(let.Value, value) &&
            items[letIndex + 1] is StoreItem store && ReferenceEquals(store.Value, value);

        private void AddTapeStore(List<Stmt> primal, Value value)
        {
            if (value.TapeSlot < 0)
            {
                return;
            }

            Expr stored = new Local(value.Name, value.Type);
            if (value.Type != element)
            {
                stored = new Apply(Op.Convert, element, EquatableArray.Of(stored));
            }

            primal.Add(new Assign(Element(SpanRole.Tape, IntLiteral(value.TapeSlot), element), AssignKind.Assign, stored));
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
                NodeKind.Ref => new Local(node.Ref!.Name, node.Type),
                NodeKind.OutputRead => Element(SpanRole.Y, node.Expr!, node.Type),
                _ => new Apply(node.Op, node.Type, EquatableArray.From(node.Args.Select(a => Render(a, root)))),
            };
        }
    }
}
