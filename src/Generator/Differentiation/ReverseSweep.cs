using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;
using static MoreauGen.Generator.Differentiation.DifferentiationState;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Pass 4: the reverse sweep, applying each primitive's rule from the rule table, reversing loops and replaying
    /// branches; each region's restores come from <see cref="Restores"/>. Reads the region tree and the inputs of the
    /// state; sets each value's adjoint (<see cref="Value.AdjointName"/>, <see cref="Value.Seed"/>), binds the
    /// temporaries and partials rules read (in the value table) and writes the state's reverse loops and branches.
    /// The statement list it is writing and the region it is in are its own.
    /// </summary>
    internal sealed class ReverseSweep
    {
        private readonly DifferentiationState state;
        private readonly Restores restoring;
        private readonly Dictionary<(Node, Expr), Value> partials = new();
        private readonly Dictionary<(DerivativeRule, int, IrType, EquatableArray<IrType>), (Expr, int)> templates = new();
        private List<Stmt> output = new();
        private Region reverseRegion;

        /// <summary>
        /// Adjoints declared without a value before the branch whose arm is being reversed: the arm's first contribution
        /// at its own level assigns them, and an arm that gives none assigns zero (not a zero before the branch that
        /// both arms add to). Given their value before any loop or branch inside the arm.
        /// </summary>
        private List<Value> unassigned = new();

        public ReverseSweep(DifferentiationState state, Restores restores)
        {
            this.state = state;
            restoring = restores;
            reverseRegion = state.Top;
        }

        /// <summary>The reverse pass of the body: the top region's restores, and its reverse statements, tagged with the gradients they serve.</summary>
        public (List<Stmt> Restores, List<Stmt> Reverse) Run()
        {
            (List<Stmt> restoresOfTop, List<Stmt> reverse) = ReverseRegionParts(state.Top, prologue: null, epilogue: null);
            if (state.ArrayMode)
            {
                reverse.Insert(0, new Tagged(Need.Both, new CopySpan(new SpanRef(SpanRole.Lambda, state.ReadOnlySpan), new SpanRef(SpanRole.OutputAdjoint, state.WritableSpan))));
            }

            // The adjoints of scratch arrays start at zero (their buffers serve every sample).
            reverse.InsertRange(0, state.Scratch.Select(a => (Stmt)new Tagged(Need.Both, new ClearSpan(new Local(a.AdjointName, state.WritableSpan)))));

            return (restoresOfTop, reverse);
        }

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
            return (restoring.Of(region, statements), statements);
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

                case StoreItem store when state.ArrayMode || store.Memory is not null:
                {
                    // y[i] = v (or p[i] = v): v receives the adjoint of y[i], which the assignment then resets (the old y[i] is gone).
                    Element adjointOfOutput = state.MemoryAdjoint(store.Memory, store.Index);
                    if (store.Value.Varying != Need.None)
                    {
                        Contribute(store.Value, adjointOfOutput);
                    }

                    if (store.ResetsAdjoint && (store.Memory is null ? state.Steps.ResetOverwrittenOutputAdjoints : state.Steps.ResetOverwrittenScratchAdjoints))
                    {
                        Emit(Need.Both, new Assign(adjointOfOutput, AssignKind.Assign, Zero(state.Element)));
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
            List<Value> targets = OutsideTargets(loop.Body).ToList();
            AssignPending(targets);
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
                    c.Adjoint = state.Names.Fresh("d_" + c.Local);
                    Emit(Section(c.Phi.Varying), new Declare(c.Phi.Type, c.Adjoint, c.Result.Seed ?? Zero(c.Phi.Type)));
                    c.Result.Seed = null;
                }

                c.Next.Seed = Add(c.Next.Seed, new Local(c.Adjoint, c.Phi.Type));
            }

            PreDeclare(targets);
            (List<Stmt> restores, List<Stmt> statements) = ReverseRegionParts(loop.Body, prologue: null, epilogue: () =>
            {
                foreach (Carried c in carried)
                {
                    Expr phiAdjoint = AdjointOf(c.Phi) ?? Zero(c.Phi.Type);
                    Emit(Section(c.Phi.Varying), new Assign(new Local(c.Adjoint!, c.Phi.Type), state.Steps.CarriedAdjoint, phiAdjoint));
                }
            });

            // A loop with no trip bound always records its trip count, so its reverse loop (empty or not) reads it back.
            if (statements.Count > 0 || restores.Count > 0 || loop.Unbounded)
            {
                var reverse = new For(loop.Index, loop.From, loop.To, loop.Step, Descending: state.Steps.ReverseLoopsDescend, EquatableArray.From(restores.Concat(statements)));
                state.ReverseLoops[reverse] = loop;
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
            List<Value> targets = OutsideTargets(branch.Then).Concat(OutsideTargets(branch.Else))
                .Concat(branch.Merges.SelectMany(m => new[] { m.WhenTrue, m.WhenFalse }).Where(v => !v.Region.IsWithin(branch.Then) && !v.Region.IsWithin(branch.Else))).ToList();
            AssignPending(targets);
            List<Value> deferred = PreDeclare(targets, deferZero: true);
            List<Stmt> Arm(Region arm, bool whenTrue)
            {
                List<Value> outer = unassigned;
                unassigned = new List<Value>(deferred);
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

                // The adjoints this arm gave nothing: zero, before its statements.
                var zeros = deferred.Where(unassigned.Contains)
                    .Select(v => (Stmt)new Tagged(Section(v.Varying), new Assign(new Local(v.AdjointName!, v.Type), AssignKind.Assign, Zero(v.Type))));
                unassigned = outer;
                return restores.Concat(zeros).Concat(statements).ToList();
            }

            List<Stmt> then = Arm(branch.Then, whenTrue: true);
            List<Stmt> otherwise = Arm(branch.Else, whenTrue: false);
            if (then.Count > 0 || otherwise.Count > 0)
            {
                var reverse = new If(state.Steps.ReplayCondition(new Local(branch.Condition.Name, IrType.Bool)), EquatableArray.From(then), EquatableArray.From(otherwise));
                state.ReverseBranches[reverse] = branch;
                output.Add(reverse);
            }
        }

        private static Expr Add(Expr? seed, Expr adjoint) => seed is null ? adjoint : Sum(seed, adjoint);

        /// <summary>Values defined outside <paramref name="region"/> whose adjoints its reverse pass adds to.</summary>
        private static IEnumerable<Value> OutsideTargets(Region region)
        {
            var found = new List<Value>();
            var seen = new HashSet<Value>(ValueIdentity.Instance);
            void Node(Node node)
            {
                if (node.Kind == NodeKind.Ref && !node.Ref!.Region.IsWithin(region) && seen.Add(node.Ref))
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
                if (!value.Region.IsWithin(region) && seen.Add(value))
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

        /// <summary>
        /// Declares, before a loop or branch, the adjoints of outer values it adds to (they must outlive it). With
        /// <paramref name="deferZero"/> (a branch), an adjoint that would start at zero is declared without a value and
        /// returned: each arm gives it one (see <see cref="unassigned"/>).
        /// </summary>
        private List<Value> PreDeclare(IEnumerable<Value> values, bool deferZero = false)
        {
            var deferred = new List<Value>();
            foreach (Value value in values)
            {
                if (value.Varying == Need.None || value.AdjointName is not null || !value.Type.IsReal)
                {
                    continue;
                }

                string name = state.Names.Fresh("d_" + value.Name);
                bool defer = deferZero && value.Seed is null;
                Emit(Section(value.Varying), new Declare(value.Type, name, defer ? null : value.Seed ?? Zero(value.Type)));
                value.AdjointName = name;
                value.Seed = null;
                if (defer)
                {
                    deferred.Add(value);
                }
            }

            return deferred;
        }

        /// <summary>Zero for the adjoints among <paramref name="targets"/> the current arm has not assigned yet, before a loop or branch inside it adds to them.</summary>
        private void AssignPending(List<Value> targets)
        {
            foreach (Value value in unassigned.Where(targets.Contains).ToList())
            {
                Emit(Section(value.Varying), new Assign(new Local(value.AdjointName!, value.Type), AssignKind.Assign, Zero(value.Type)));
                unassigned.Remove(value);
            }
        }

        private static Expr? AdjointOf(Value value) =>
            value.AdjointName is not null ? new Local(value.AdjointName, value.Type) : value.Seed;

        private void Emit(Need section, Stmt statement) => output.Add(new Tagged(section == Need.None ? Need.Both : section, statement));

        /// <summary>The section of a statement about <paramref name="varying"/>. With y in a buffer, every adjoint is computed for both gradients.</summary>
        private Need Section(Need varying) => state.HasMemory || varying == Need.None ? Need.Both : varying;

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
                    Accumulate(Need.W, state.ElementOf(SpanRole.GradW, read.Index, read.Type), adjoint);
                    return;
                case NodeKind.Leaf when node.Expr is Element { Span: SpanRef { Role: SpanRole.X } } read:
                    Accumulate(Need.X, state.ElementOf(SpanRole.GradX, read.Index, read.Type), adjoint);
                    return;
                case NodeKind.Leaf when node.Expr is Local parameter && state.ParameterAdjoints.TryGetValue(parameter.Name, out string? target):
                    Accumulate(Need.X, new Local(target, parameter.Type), adjoint);
                    return;
                case NodeKind.OutputRead:
                    Accumulate(Need.Both, state.MemoryAdjoint(node.Memory, node.Expr!), adjoint);
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
        /// gradX += adjoint · ∇loss for a batch loss of x (state.Rules in <see cref="TensorRules.Losses"/>): the loss's overload with
        /// a gradient span writes ∇loss into a pooled scratch span, which is then scaled into gradX.
        /// </summary>
        private Stmt LossGradient(OpsCall loss, Expr adjoint)
        {
            string scratch = state.Names.Fresh("d_" + loss.Method);
            string array = state.Names.Fresh(scratch + "_array");
            Expr length = new SpanLength(SpanRole.X);
            var gradient = new Local(scratch, state.WritableSpan);
            return new Block(EquatableArray.Of<Stmt>(
                new Comment("The gradient of Ops." + loss.Method + ", scaled by its adjoint, into gradX."),
                new RentSpan(scratch, array, length, state.Element),
                new TensorCall(loss.Method, state.Element, EquatableArray.From(loss.Args.Append(gradient))),
                new TensorCall("ScaleAdd", state.Element, EquatableArray.Of(gradient, adjoint.Type == state.Element ? adjoint : new Apply(Op.Convert, state.Element, EquatableArray.Of(adjoint)), new SpanRef(SpanRole.GradX, state.WritableSpan))),
                new ReturnSpan(array, state.Element)));
        }

        private void BackpropagateApply(Node node, Expr adjoint, Value owner)
        {
            DerivativeRule rule = state.Rules.Find(node.Op)
                ?? throw new InvalidOperationException("No derivative rule for " + node.Op + ".");
            IrType[] argTypes = node.Args.Map(a => a.Type);
            var templates = new Expr?[node.Args.Length];
            int adjointUses = 0;
            for (int i = 0; i < node.Args.Length; i++)
            {
                if (node.Args[i].Varying != Need.None)
                {
                    (templates[i], int uses) = Template(rule, i, argTypes, node.Type);
                    adjointUses += uses;
                }
            }

            if (adjointUses > 1 && !IsAtom(adjoint))
            {
                string name = state.Names.Fresh("d_" + (node.Binding?.Name ?? "t"));
                Emit(Section(node.Varying), new Declare(node.Type, name, adjoint));
                adjoint = new Local(name, node.Type);
            }

            for (int i = 0; i < node.Args.Length; i++)
            {
                if (templates[i] is { } template)
                {
                    Backpropagate(node.Args[i], Substitute(template, node, owner, adjoint), owner);
                }
            }
        }

        /// <summary>
        /// The pullback template of <paramref name="rule"/> for one argument, and how many times it reads the adjoint: built
        /// once per rule, argument and types (templates are immutable; a large body applies the same few again and again).
        /// </summary>
        private (Expr Template, int AdjointUses) Template(DerivativeRule rule, int argument, IrType[] argTypes, IrType resultType)
        {
            var key = (rule, argument, resultType, EquatableArray.Of(argTypes));
            if (!templates.TryGetValue(key, out (Expr Template, int AdjointUses) known))
            {
                Expr template = rule.Template(argument, argTypes, resultType);
                var count = new CountAdjointPlaceholders();
                IrVisit.Nodes(template, ref count);
                known = (template, count.Count);
                templates[key] = known;
            }

            return known;
        }

        private struct CountAdjointPlaceholders : INodeVisitor
        {
            public int Count;

            public bool Visit(Expr node)
            {
                if (node is Placeholder { Index: Placeholder.AdjointIndex })
                {
                    Count++;
                }

                return false;
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
                    // A loop, not Map with a lambda: a lambda over the parameters would allocate its closure at every call, leaves included.
                    var args = new Expr[apply.Args.Count];
                    for (int i = 0; i < args.Length; i++)
                    {
                        args[i] = Substitute(apply.Args[i], node, owner, adjoint);
                    }

                    if (apply.Op == Op.Multiply && args[0] is Literal { Value: 1 } && args[1].Type == apply.Type)
                    {
                        return args[1];
                    }

                    if (apply.Op == Op.Multiply && args[1] is Literal { Value: 1 } && args[0].Type == apply.Type)
                    {
                        return args[0];
                    }

                    return new Apply(apply.Op, apply.Type, EquatableArray.Of(args));
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
                Apply apply => Node.Apply(apply.Op, apply.Type, apply.Args.Map(Build)),
                _ => Node.Leaf(expr, Need.None),
            };

            var value = state.Register(new Value(state.Names.Numbered("t"), partial.Type, Build(partial), ValueKind.Partial, owner.Region));
            owner.Partials.Add(value);
            partials[(node, partial)] = value;

            // A partial its primitive is fused with (cos a in the rule of sin a): bind the node too, so that the forward pass
            // computes both with one call (SinCos).
            if (partial is Apply { Args.Count: 1 } fused && state.Rules.Find(fused.Op)?.FusedWith == node.Op && fused.Args[0] is Placeholder { Index: 0 } &&
                !ReferenceEquals(node, owner.Definition) && node.Binding is null)
            {
                node.Binding = state.Register(new Value(state.Names.Numbered("t"), node.Type, node, ValueKind.Temporary, owner.Region));
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
            var outs = helper.Parameters.Select(p => state.Names.Fresh(prefix + p)).ToList();
            Emit(Section(node.Varying), new CallPullback(helper.Pullback, EquatableArray.From(args), helper.ElementType, EquatableArray.From(outs)));
            for (int i = 0; i < node.Args.Length; i++)
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

                string name = state.Names.Fresh("d_" + value.Name);
                Expr initial = value.Seed is null ? contribution : Sum(value.Seed, contribution);
                Emit(Section(value.Varying), new Declare(value.Type, name, initial));
                value.AdjointName = name;
                value.Seed = null;
                return;
            }

            if (unassigned.Remove(value))
            {
                // The arm's first contribution to an adjoint declared before its branch: an assignment.
                Emit(Section(value.Varying), new Assign(new Local(value.AdjointName, value.Type), AssignKind.Assign, contribution));
                return;
            }

            Accumulate(Section(value.Varying), new Local(value.AdjointName, value.Type), contribution);
        }

        private void Accumulate(Need section, Expr target, Expr contribution)
        {
            if (contribution is Apply { Op: Op.Negate } negated)
            {
                Emit(section, new Assign(target, state.Steps.Accumulate(AssignKind.Subtract), negated.Args[0]));
            }
            else
            {
                Emit(section, new Assign(target, state.Steps.Accumulate(AssignKind.Add), contribution));
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

            if (Restores.IsCheapOverLeaves(node))
            {
                return Restores.Rebuild(node);
            }

            node.Binding ??= state.Register(new Value(state.Names.Numbered("t"), node.Type, node, ValueKind.Temporary, owner.Region));
            return new Local(node.Binding.Name, node.Type);
        }
    }
}
