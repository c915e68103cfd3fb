using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;
using static MoreauGen.Generator.Differentiation.DifferentiationState;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Pass 7: the forward pass, plain and taped, with its bindings and tape stores (sin and cos fused). Reads the
    /// region tree with what the earlier passes set on the values (forward uses, restored, pushed, tape slots) and the
    /// cursor; writes each carried local's and merge's storage variable and the state's branch padding. Which values
    /// are written straight into their use is its own.
    /// </summary>
    internal sealed class TapedForward
    {
        private readonly DifferentiationState state;
        private readonly TapeLayout layout;

        /// <summary>Values written straight into a storage variable where they are used (a loop's update, a branch's merge).</summary>
        private readonly HashSet<Value> foldedIntoUse = new(ValueIdentity.Instance);

        public TapedForward(DifferentiationState state, TapeLayout layout)
        {
            this.state = state;
            this.layout = layout;
        }

        /// <summary>The forward pass of the body, with the tape stores (the plain forward pass is this without them).</summary>
        public List<Stmt> Run()
        {
            List<Stmt> primal = ForwardRegion(state.Top);
            primal.AddRange(Pushes(state.Top));
            if (state.CursorMode)
            {
                primal.Insert(0, new Declare(IrType.Int, state.Cursor, IntLiteral(0)));
            }

            return FuseSinCos(primal);
        }

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
                        Restores.CollectBindings(value.Definition, value, bindings);
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

                        list.Add(new Declare(value.Type, value.Name, value.Type == IrType.Int && value.Definition.Kind == NodeKind.Leaf ? value.Definition.Expr! : Render(value.Definition, value.Definition)));
                        break;
                    }

                    case StoreItem store:
                    {
                        Expr stored = IsFoldedIntoStore(region, store.Value, i - 1)
                            ? Render(store.Value.Definition, store.Value.Definition)
                            : new Local(store.Value.ReadName, store.Value.Type);
                        list.Add(new Assign(state.MemoryElement(store.Memory, store.Index), AssignKind.Assign, stored));
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
            if (loop.Unbounded)
            {
                body.Insert(0, layout.GrowForTrip());
            }

            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (Carried carried in loop.Carried)
            {
                Value next = carried.Next;
                Expr update = foldedIntoUse.Contains(next) ? Render(next.Definition, next.Definition) : new Local(next.ReadName, next.Type);
                if (foldedIntoUse.Contains(next) && IrWalk.LocalsRead(update).Any(written.Contains))
                {
                    // It would read a storage already updated in this iteration: compute it first.
                    string temporary = state.Names.Numbered("t");
                    body.Add(new Declare(next.Type, temporary, update));
                    update = new Local(temporary, next.Type);
                }

                body.Add(new Assign(new Local(carried.Storage, carried.Phi.Type), AssignKind.Assign, update));
                written.Add(carried.Storage);
            }

            Expr? perTrip = layout.TripsRecorded(loop);
            if (perTrip is not null || (loop.EndsAtStop && loop.Carried.Any(c => c.Local == loop.StopFlag)))
            {
                // A while or do loop ends after the trip that sets its stop flag (the trips after it would do nothing, or,
                // with the guard of its trips dropped, must not run).
                string trips = state.Names.Fresh("trips");
                string flag = loop.Carried.First(c => c.Local == loop.StopFlag).Storage;
                list.Add(new Declare(IrType.Int, trips, loop.To));
                body.Add(new If(
                    new Apply(Op.NotEqual, IrType.Bool, EquatableArray.Of<Expr>(new Local(flag, state.Element), Zero(state.Element))),
                    EquatableArray.Of<Stmt>(new Assign(new Local(trips, IrType.Int), AssignKind.Assign, IntMath.Add(new Local(loop.Index, IrType.Int), IntLiteral(1)))),
                    EquatableArray<Stmt>.Empty));
                list.Add(new For(loop.Index, loop.From, new Local(trips, IrType.Int), loop.Step, Descending: false, EquatableArray.From(body)));
                if (perTrip is not null)
                {
                    list.AddRange(layout.RecordTrips(loop, perTrip, trips));
                }

                return;
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
            if (state.CursorMode)
            {
                Expr thenCount = layout.Count(branch.Then, prelude, inScope: false);
                Expr elseCount = layout.Count(branch.Else, prelude, inScope: false);
                Expr larger = IntMath.Max(thenCount, elseCount);
                thenPad = IntMath.Subtract(larger, thenCount);
                elsePad = IntMath.Subtract(larger, elseCount);
                state.BranchPads[branch] = (thenPad, elsePad, prelude);
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
                    statements.Add(new Assign(new Local(state.Cursor, IrType.Int), AssignKind.Add, pad));
                }

                return statements;
            }

            list.AddRange(prelude);
            list.Add(new If(new Local(branch.Condition.ReadName, IrType.Bool), EquatableArray.From(Arm(branch.Then, true, thenPad)), EquatableArray.From(Arm(branch.Else, false, elsePad))));
        }

        /// <summary>The tape stores at the end of a region: its recorded values, in order.</summary>
        private List<Stmt> Pushes(Region region)
        {
            var stores = new List<Stmt>();
            foreach (Value value in region.Pushed)
            {
                Expr index = state.CursorMode ? state.CursorStepOf(push: true) : IntLiteral(value.TapeSlot);
                Expr stored = new Local(value.ReadName, value.Type);
                if (value.Type == IrType.Bool)
                {
                    stored = new Conditional(stored, new Literal(state.Element, 1), Zero(state.Element));
                }
                else if (value.Type != state.Element)
                {
                    stored = new Apply(Op.Convert, state.Element, EquatableArray.Of(stored));
                }

                stores.Add(new Assign(state.ElementOf(SpanRole.Tape, index, state.Element), AssignKind.Assign, stored));
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
                NodeKind.OutputRead => state.MemoryElement(node.Memory, node.Expr!),
                NodeKind.Call => new Call(node.Helper!.Method, node.Type, EquatableArray.Of(RenderArgs(node, root))),
                NodeKind.Apply => new Apply(node.Op, node.Type, EquatableArray.Of(RenderArgs(node, root))),
                _ => throw new InvalidOperationException("An opaque value has no expression."),
            };
        }

        // A loop, not Map with a lambda over root: that lambda's closure would be allocated at every Render, leaves included.
        private Expr[] RenderArgs(Node node, Node root)
        {
            var args = new Expr[node.Args.Length];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = Render(node.Args[i], root);
            }

            return args;
        }

        /// <summary>
        /// <c>T s = Sin(e); … T c = Cos(e);</c> in one list becomes <c>(T s, T c) = SinCos(e);</c> at the first of them; a
        /// further sine or cosine of e in the list (a value and the partial of the other one, <c>sin a</c> in the rule of
        /// <c>cos a</c>) becomes a copy of the first, so that one call computes them all.
        /// </summary>
        private List<Stmt> FuseSinCos(List<Stmt> statements) => Fused(statements) ?? statements;

        /// <summary>
        /// The statements with the fusions of <see cref="FuseSinCos"/>, or null when there is none (in nested loops and
        /// branches neither): most loop bodies are then neither copied nor indexed.
        /// </summary>
        private List<Stmt>? Fused(IReadOnlyList<Stmt> statements)
        {
            // The positions of each (op, type, argument) among the list's one-argument declarations of an op that fuses or
            // is fused with, in order, with a cursor past the positions already used: finding a partner and the later
            // copies is then linear in the list, not a scan of the rest of it for every fused pair.
            HashSet<Op>? fusing = null;
            for (int i = 0; i < statements.Count; i++)
            {
                if (statements[i] is Declare { Value: Apply { Args.Count: 1 } apply } && apply.Type.IsReal && state.Rules.Find(apply.Op)?.FusedWith is Op other)
                {
                    fusing ??= new HashSet<Op>();
                    fusing.Add(apply.Op);
                    fusing.Add(other);
                }
            }

            Dictionary<(Op, IrType, Expr), Positions>? positions = null;
            if (fusing is not null)
            {
                positions = new Dictionary<(Op, IrType, Expr), Positions>();
                for (int i = 0; i < statements.Count; i++)
                {
                    if (statements[i] is Declare { Value: Apply { Args.Count: 1 } apply } && apply.Type.IsReal && fusing.Contains(apply.Op))
                    {
                        var key = (apply.Op, apply.Type, apply.Args[0]);
                        if (!positions.TryGetValue(key, out Positions? list))
                        {
                            positions[key] = list = new Positions();
                        }

                        list.Indices.Add(i);
                    }
                }
            }

            List<Stmt>? result = null;
            HashSet<int>? removed = null;
            Dictionary<int, Stmt>? copies = null;
            for (int i = 0; i < statements.Count; i++)
            {
                if (copies is not null && copies.TryGetValue(i, out Stmt? copy))
                {
                    result!.Add(copy);
                    continue;
                }

                if (removed is not null && removed.Contains(i))
                {
                    continue;
                }

                Stmt statement = statements[i];
                Stmt? changed = null;
                switch (statement)
                {
                    case Declare { Value: Apply { Args.Count: 1 } first } declare when positions is not null && first.Type.IsReal && state.Rules.Find(first.Op)?.FusedWith is Op other:
                    {
                        removed ??= new HashSet<int>();
                        int match = positions.TryGetValue((other, first.Type, first.Args[0]), out Positions? partners) ? partners.NextAfter(i, removed) : -1;
                        if (match < 0)
                        {
                            break;
                        }

                        var partner = (Declare)statements[match];
                        removed.Add(match);
                        string sin = first.Op == Op.Sin ? declare.Name : partner.Name;
                        string cos = first.Op == Op.Sin ? partner.Name : declare.Name;
                        changed = new SinCos(first.Type, sin, cos, first.Args[0]);
                        copies ??= new Dictionary<int, Stmt>();
                        foreach (Positions? same in new[] { positions[(first.Op, first.Type, first.Args[0])], partners })
                        {
                            for (int j; (j = same!.NextAfter(i, removed)) >= 0; same.Cursor++)
                            {
                                var duplicate = (Declare)statements[j];
                                var again = (Apply)duplicate.Value!;
                                copies[j] = new Declare(duplicate.Type, duplicate.Name, new Local(again.Op == Op.Sin ? sin : cos, again.Type));
                            }
                        }

                        break;
                    }

                    case For loop when Fused(loop.Body) is { } body:
                        changed = loop with { Body = EquatableArray.From(body) };
                        break;
                    case If branch:
                    {
                        List<Stmt>? then = Fused(branch.Then);
                        List<Stmt>? otherwise = Fused(branch.Else);
                        if (then is not null || otherwise is not null)
                        {
                            changed = branch with { Then = then is null ? branch.Then : EquatableArray.From(then), Else = otherwise is null ? branch.Else : EquatableArray.From(otherwise) };
                        }

                        break;
                    }
                }

                if (changed is not null && result is null)
                {
                    // The first change: the statements before it are kept as they are.
                    result = new List<Stmt>(statements.Count);
                    for (int k = 0; k < i; k++)
                    {
                        result.Add(statements[k]);
                    }
                }

                result?.Add(changed ?? statement);
            }

            return result;
        }

        /// <summary>Ascending positions of one (op, type, argument) in a statement list, and a cursor past those used.</summary>
        private sealed class Positions
        {
            public List<int> Indices { get; } = new List<int>();

            public int Cursor { get; set; }

            /// <summary>The first position after <paramref name="after"/> not in <paramref name="removed"/> (the cursor moves to it), or −1.</summary>
            public int NextAfter(int after, HashSet<int> removed)
            {
                while (Cursor < Indices.Count && (Indices[Cursor] <= after || removed.Contains(Indices[Cursor])))
                {
                    Cursor++;
                }

                return Cursor < Indices.Count ? Indices[Cursor] : -1;
            }
        }
    }
}
