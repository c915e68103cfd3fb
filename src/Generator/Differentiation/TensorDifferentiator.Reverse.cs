using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>The reverse pass of a batched body: adjoint buffers and the contributions as Ops calls. Part of <see cref="TensorDifferentiator"/>.</summary>
    internal sealed partial class TensorDifferentiator
    {
        /// <summary>The span an adjoint lives in: λ (read only), a slice of gradW or gradX, or a pooled span.</summary>
        private sealed class AdjointSpan
        {
            public AdjointSpan(Expr span, Expr? canonicalLength, bool pooled, bool mutable)
            {
                Span = span;
                CanonicalLength = canonicalLength;
                Pooled = pooled;
                Mutable = mutable;
            }

            public Expr Span { get; }

            public Expr? CanonicalLength { get; }

            public bool Pooled { get; }

            public bool Mutable { get; }

            /// <summary>The values whose adjoint this span holds now.</summary>
            public HashSet<SpanValue> Holders { get; } = new();
        }

        /// <summary>Writes the three lists of reverse statements, deciding where each adjoint lives as it goes.</summary>
        private sealed class ReverseWriter
        {
            private readonly TensorDifferentiator owner;
            private readonly Dictionary<SpanValue, AdjointSpan> storage = new();
            private readonly Dictionary<SpanValue, Expr> gradientViews = new();
            private readonly HashSet<SpanValue> initialized = new();
            private readonly Dictionary<SpanValue, int> lastRead = new();
            private readonly List<AdjointSpan> free = new();
            private readonly Dictionary<SpanView, Expr> leafViews = new();
            private readonly Dictionary<Need, TensorOperation?> lastCommented = new();

            public ReverseWriter(TensorDifferentiator owner) => this.owner = owner;

            public List<Stmt> Both { get; } = new();

            public List<Stmt> OnlyW { get; } = new();

            public List<Stmt> OnlyX { get; } = new();

            public List<Stmt> Rents { get; } = new();

            public List<Stmt> Returns { get; } = new();

            /// <summary>Declarations of the views of w and x the reverse pass reads, by their names in the body.</summary>
            public List<Declare> LeafViews { get; } = new();

            private TensorGraph Graph => owner.graph;

            private List<Stmt> List(Need section) => section switch
            {
                Need.Both => Both,
                Need.W => OnlyW,
                _ => OnlyX,
            };

            public void Write()
            {
                List<Contribution> all = owner.contributions;
                for (int i = 0; i < all.Count; i++)
                {
                    lastRead[all[i].Source] = i;
                }

                foreach (SpanValue output in Graph.OutputValues.Where(v => v.Varying != Need.None))
                {
                    var lambda = new AdjointSpan(View(output.View, SpanRole.Lambda), null, pooled: false, mutable: false);
                    lambda.Holders.Add(output);
                    storage[output] = lambda;
                }

                PrepareGradients(Need.W, SpanRole.GradW, Graph.Parameters);
                PrepareGradients(Need.X, SpanRole.GradX, Graph.Inputs);

                for (int i = 0; i < all.Count; i++)
                {
                    Contribution contribution = all[i];
                    List<Stmt> list = List(contribution.Section);
                    var emitted = new List<Stmt>();
                    Emit(contribution, emitted, i == lastRead[contribution.Source]);
                    lastCommented.TryGetValue(contribution.Section, out TensorOperation? commented);
                    if (emitted.Count > 0 && !ReferenceEquals(commented, contribution.Operation))
                    {
                        list.Add(contribution.Operation.Describe(owner.spanNames));
                        lastCommented[contribution.Section] = contribution.Operation;
                    }

                    list.AddRange(emitted);
                    if (i == lastRead[contribution.Source] && storage.TryGetValue(contribution.Source, out AdjointSpan? source))
                    {
                        Release(contribution.Source, source);
                    }
                }
            }

            /// <summary>
            /// The adjoints of the views of w (or x) the contributions reach: slices of gradW written directly when the
            /// views provably partition w (and no element w[i] is a target), else gradW cleared and added to.
            /// </summary>
            private void PrepareGradients(Need section, SpanRole role, SpanBuffer buffer)
            {
                List<Contribution> reaching = owner.contributions.Where(c => c.Section == section && (c.Target?.IsLeaf == true || c.ScalarTarget is not null)).ToList();
                List<SpanValue> leaves = reaching.Where(c => c.Target is not null).Select(c => c.Target!).Distinct().ToList();
                List<Stmt> list = List(section);
                bool partition = reaching.All(c => c.Target is not null) &&
                                 leaves.All(a => leaves.All(b => ReferenceEquals(a, b) || a.View.DisjointFrom(b.View))) &&
                                 TensorGraph.Covers(buffer, leaves.Select(l => l.View).ToList());
                var gradient = new SpanRef(role, owner.WritableSpan);
                if (!partition)
                {
                    list.Add(new Comment("Not every part of " + (role == SpanRole.GradW ? "w" : "x") + " receives a contribution that writes it: clear, then add."));
                    list.Add(new ClearSpan(gradient));
                }

                foreach (SpanValue leaf in leaves)
                {
                    SpanView view = leaf.View;
                    Expr span;
                    if (view.IsWhole)
                    {
                        span = gradient;
                    }
                    else
                    {
                        string name = owner.names.Fresh("d_" + (view.Name ?? (role == SpanRole.GradW ? "w" : "x")));
                        list.Add(new Declare(owner.WritableSpan, name, new Slice(gradient, owner.steps.GradientViewStart(view.Start), view.Length, owner.WritableSpan)));
                        span = new Local(name, owner.WritableSpan);
                    }

                    gradientViews[leaf] = span;
                    if (!partition)
                    {
                        initialized.Add(leaf);
                    }
                }
            }

            private Expr View(SpanView view, SpanRole role)
            {
                IrType type = role is SpanRole.GradW or SpanRole.GradX ? owner.WritableSpan : owner.ReadOnlySpan;
                var span = new SpanRef(role, type);
                return view.IsWhole ? span : new Slice(span, view.Start, view.Length, type);
            }

            /// <summary>A view of w or x as the reverse pass reads it: the span itself, the body's local for it, or a slice.</summary>
            private Expr Leaf(SpanView view)
            {
                SpanRole role = view.Buffer.Kind == SpanBufferKind.Parameters ? SpanRole.W : SpanRole.X;
                if (view.IsWhole || view.Name is null)
                {
                    return View(view, role);
                }

                if (!leafViews.TryGetValue(view, out Expr? local))
                {
                    local = new Local(view.Name, owner.ReadOnlySpan);
                    leafViews[view] = local;
                    LeafViews.Add(new Declare(owner.ReadOnlySpan, view.Name, View(view, role)));
                }

                return local;
            }

            private Expr ForwardValue(TensorOperation operation, SlotArgument slot)
            {
                SpanValue value = owner.ForwardValue(operation, slot);
                return value.IsLeaf ? Leaf(value.View) : owner.restored[value];
            }

            private void Emit(Contribution contribution, List<Stmt> list, bool lastReadOfSource)
            {
                AdjointSpan source = storage[contribution.Source];
                TensorContribution rule = contribution.Rule;
                TensorOperation operation = contribution.Operation;

                if (contribution.ScalarTarget is { } scalar)
                {
                    // ds += ⟨a, b⟩ into gradW[i] (gradW is cleared first when an element of w is a target).
                    Expr[] dotArgs = rule.Args.Select(a => Substitute(a, operation, source.Span, null)).ToArray();
                    list.Add(new Assign(new Element(new SpanRef(SpanRole.GradW, owner.WritableSpan), scalar.Index, owner.element), AssignKind.Add,
                        new OpsCall("Dot", owner.element, EquatableArray.From(dotArgs))));
                    return;
                }

                SpanValue target = contribution.Target!;
                if (target.IsLeaf)
                {
                    Expr gradient = gradientViews[target];
                    bool first = initialized.Add(target);
                    if (rule.Kind == ContributionKind.Identity)
                    {
                        list.Add(first ? new CopySpan(source.Span, gradient) : Call("Add", gradient, source.Span, gradient));
                    }
                    else
                    {
                        list.Add(Call(first ? rule.Write! : rule.Add!, rule.Args.Select(a => Substitute(a, operation, source.Span, gradient)).ToArray()));
                    }

                    return;
                }

                storage.TryGetValue(target, out AdjointSpan? current);
                if (rule.Kind == ContributionKind.Identity)
                {
                    if (current is null)
                    {
                        // The adjoint passes through: share its span.
                        source.Holders.Add(target);
                        storage[target] = source;
                    }
                    else
                    {
                        AdjointSpan into = Owned(target, current, list, copy: false);
                        list.Add(Call("Add", current.Span, source.Span, into.Span));
                    }

                    return;
                }

                if (current is null)
                {
                    AdjointSpan destination;
                    if (rule.WriteMayReuseAdjoint && lastReadOfSource && source.Pooled && source.Holders.Count == 1 && source.Holders.Contains(contribution.Source) &&
                        Equals(source.CanonicalLength, owner.graph.Canonical(target.View.Length)))
                    {
                        // Nothing reads the output's adjoint after this: write the input's adjoint over it.
                        source.Holders.Remove(contribution.Source);
                        destination = source;
                    }
                    else
                    {
                        destination = NewSpan(target);
                    }

                    destination.Holders.Add(target);
                    storage[target] = destination;
                    list.Add(Call(rule.Write!, rule.Args.Select(a => Substitute(a, operation, source.Span, destination.Span)).ToArray()));
                    return;
                }

                AdjointSpan accumulator = Owned(target, current, list, copy: true);
                list.Add(Call(rule.Add!, rule.Args.Select(a => Substitute(a, operation, source.Span, accumulator.Span)).ToArray()));
            }

            /// <summary>A span the target alone holds and may change: its own, or a new one (with its current adjoint copied when asked).</summary>
            private AdjointSpan Owned(SpanValue target, AdjointSpan current, List<Stmt> list, bool copy)
            {
                if (current.Mutable && current.Holders.Count == 1 && current.Holders.Contains(target))
                {
                    return current;
                }

                AdjointSpan fresh = NewSpan(target);
                if (copy)
                {
                    list.Add(new CopySpan(current.Span, fresh.Span));
                }

                Release(target, current);
                fresh.Holders.Add(target);
                storage[target] = fresh;
                return fresh;
            }

            private void Release(SpanValue value, AdjointSpan span)
            {
                span.Holders.Remove(value);
                storage.Remove(value);
                if (span.Holders.Count == 0 && span.Pooled && !free.Contains(span))
                {
                    free.Add(span);
                }
            }

            /// <summary>A pooled span for the adjoint of <paramref name="value"/>: a dead one of the same length, or a new one.</summary>
            private AdjointSpan NewSpan(SpanValue value)
            {
                Expr length = owner.graph.Canonical(value.View.Length);
                AdjointSpan? reused = free.FirstOrDefault(s => Equals(s.CanonicalLength, length));
                if (reused is not null)
                {
                    free.Remove(reused);
                    return reused;
                }

                string name = owner.names.Fresh("d_" + (value.View.Name ?? value.View.Buffer.Name));
                string array = owner.names.Fresh(name + "_array");
                Rents.Add(new RentSpan(name, array, value.View.Length, owner.element));
                Returns.Add(new ReturnSpan(array, owner.element));
                return new AdjointSpan(new Local(name, owner.WritableSpan), length, pooled: true, mutable: true);
            }

            private Expr Substitute(Expr argument, TensorOperation operation, Expr adjoint, Expr? destination) => argument switch
            {
                SlotArgument { Slot: TensorSlot.Adjoint } => adjoint,
                SlotArgument { Slot: TensorSlot.Destination } => destination ?? throw new InvalidOperationException("A contribution without a destination."),
                SlotArgument slot => ForwardValue(operation, slot),
                _ => argument,
            };

            private TensorCall Call(string method, params Expr[] args) => new(method, owner.element, EquatableArray.From(args));
        }
    }
}
