using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Reverse mode for a <c>[MoreauLayer(Batched = true)]</c> body, over its <see cref="TensorGraph"/>:
    /// <list type="number">
    /// <item><b>Contributions.</b> The calls are walked backwards from the final values of y (seeded with λ); each rule of
    /// <see cref="TensorRules"/> gives one contribution per input that depends on w or x, tagged with the gradients it
    /// serves (both, w only, x only) and sorted into those three lists.</item>
    /// <item><b>Tape.</b> The forward values the contributions read are views of w and x (always at hand) or values of y
    /// and of temporaries. A temporary whose final value is read lives in the tape itself during the taped forward pass
    /// (no copy); any other value read (what an in-place call overwrites later, or y) is copied to the tape right after
    /// the call that writes it. The pullback reads them back as slices of the tape: no forward call is repeated.</item>
    /// <item><b>Adjoints.</b> The first contribution to an adjoint uses the writing <c>Ops</c> member, later ones the
    /// accumulating member, so nothing is cleared to be added to. A pass-through (<c>Add</c>, the bias's <c>y</c>)
    /// shares the adjoint's span; an element-wise reverse may write over the adjoint it reads when nothing else reads
    /// it later. The adjoints of views of w and x are slices of gradW and gradX, written directly when the views are
    /// provably a partition of w (or x), else gradW is cleared first and every contribution adds. Other adjoints live in
    /// pooled spans, reused once their value is dead.</item>
    /// </list>
    /// </summary>
    internal sealed partial class TensorDifferentiator
    {
        private readonly LayerModel layer;
        private readonly TensorGraph graph;
        private readonly IrType element;
        private readonly NameTable names;

        private readonly List<Contribution> contributions = new();
        private readonly Dictionary<SpanValue, SpanValue> chosenForward = new();
        private readonly Dictionary<SpanValue, Expr> restored = new();
        private readonly Dictionary<SpanValue, string> restoredNames = new();
        private readonly Dictionary<SpanBuffer, Expr> tapeOffsets = new();
        private readonly Dictionary<TensorOperation, List<(SpanValue Value, Expr Offset)>> copiesAfter = new();
        private readonly Dictionary<TensorOperation, List<(SpanValue Value, Expr Offset)>> scratchCopiesAfter = new();
        private readonly Dictionary<SpanBuffer, string> temporaryArrays = new();
        private readonly List<Stmt> restores = new();
        private readonly List<Stmt> scratchRestores = new();
        private Expr tapeLength = new Literal(IrType.Int, 0);
        private Expr scratchTapeLength = new Literal(IrType.Int, 0);
        private readonly List<Stmt> tapeOffsetDeclarations = new();

        private readonly DifferentiatorSteps steps;

        /// <summary>The user's names of w, x and y, for the comments that quote the user's calls.</summary>
        private readonly List<string> spanNames;

        private TensorDifferentiator(LayerModel layer, RuleTable rules, DifferentiatorSteps steps)
        {
            this.layer = layer;
            this.steps = steps;
            element = layer.ElementType;
            spanNames = layer.SpanNames.Count == 3 ? layer.SpanNames.ToList() : new List<string> { "w", "x", "y" };
            graph = TensorGraph.Build(layer.Body.ToList(), element, spanNames, rules, slice => "a slice");
            TensorProblem? problem = graph.Problems.FirstOrDefault(p => p.Kind != TensorProblemKind.OutputNotCovered);
            if (problem is not null)
            {
                throw new InvalidOperationException("The batched body has a problem the parser should have reported: " + problem.Kind + ".");
            }

            names = new NameTable(layer.ReservedNames.Concat(layer.Constants.Select(c => c.Name)));
        }

        private IrType ReadOnlySpan => IrType.SpanOf(element.Scalar, readOnly: true);

        private IrType WritableSpan => IrType.SpanOf(element.Scalar, readOnly: false);

        /// <summary>Differentiates a batched layer with <paramref name="rules"/> and <paramref name="steps"/>.</summary>
        public static BatchedProgram Differentiate(LayerModel layer, RuleTable rules, DifferentiatorSteps steps) =>
            new(layer, new TensorDifferentiator(layer, rules, steps).Run());

        /// <summary>How a forward pass keeps what the reverse pass reads.</summary>
        private enum ForwardKind
        {
            /// <summary>Forward without a tape: temporaries rented and returned.</summary>
            Plain,

            /// <summary>Forward with the tape of Pullback.</summary>
            Taped,

            /// <summary>Forward followed by the reverse pass in the same member: temporaries kept, overwritten values copied to a scratch tape.</summary>
            Scratch,
        }

        private BatchedBody Run()
        {
            CollectContributions();
            LayOutTape();
            List<Stmt> forward = Forward(ForwardKind.Plain, out _);
            List<Stmt> tapedForward = Forward(ForwardKind.Taped, out _);
            List<Stmt> scratchForward = Forward(ForwardKind.Scratch, out List<Stmt> scratchReturns);
            var reverse = new ReverseWriter(this);
            reverse.Write();
            List<Stmt> all = reverse.Both.Concat(reverse.OnlyW).Concat(reverse.OnlyX).ToList();
            HashSet<string> read = IrWalk.LocalsRead(all);
            bool Read(Stmt statement) => statement is not Declare declare || read.Contains(declare.Name);
            List<Stmt> Restored(List<Stmt> list)
            {
                List<Stmt> used = list.Where(Read).ToList();
                if (used.Count > 0)
                {
                    used.Insert(0, new Comment("Forward values the reverse pass reads."));
                }

                return used;
            }

            return new BatchedBody(
                EquatableArray.From<Stmt>(graph.Sizes.Concat(tapeOffsetDeclarations)),
                tapeLength,
                EquatableArray.From(forward),
                EquatableArray.From(tapedForward),
                EquatableArray.From(scratchForward),
                scratchTapeLength,
                EquatableArray.From(scratchReturns),
                EquatableArray.From<Stmt>(reverse.LeafViews.Where(Read)),
                EquatableArray.From(Restored(restores)),
                EquatableArray.From(Restored(scratchRestores)),
                EquatableArray.From(reverse.Rents),
                EquatableArray.From(reverse.Both),
                EquatableArray.From(reverse.OnlyW),
                EquatableArray.From(reverse.OnlyX),
                EquatableArray.From(reverse.Returns),
                graph.WritesEveryOutput,
                EquatableArray.Of(names.TakenArray()));
        }

        // =========================================================================================================
        // 1. Contributions
        // =========================================================================================================

        private sealed class Contribution
        {
            public Contribution(TensorOperation operation, TensorContribution rule, SpanValue? target, Element? scalarTarget, SpanValue source, Need section)
            {
                Operation = operation;
                Rule = rule;
                Target = target;
                ScalarTarget = scalarTarget;
                Source = source;
                Section = section;
            }

            public TensorOperation Operation { get; }

            public TensorContribution Rule { get; }

            /// <summary>The span value whose adjoint receives it (null for a scalar w[i]).</summary>
            public SpanValue? Target { get; }

            public Element? ScalarTarget { get; }

            /// <summary>The call's output, whose adjoint the contribution reads.</summary>
            public SpanValue Source { get; }

            public Need Section { get; }
        }

        private static Need Section(Need varying) => varying == Need.Both ? Need.Both : varying;

        private static int SectionOrder(Need section) => section switch
        {
            Need.Both => 0,
            Need.W => 1,
            _ => 2,
        };

        private void CollectContributions()
        {
            var hasAdjoint = new HashSet<SpanValue>(graph.OutputValues.Where(v => v.Varying != Need.None));
            var found = new List<Contribution>();
            for (int i = graph.Operations.Count - 1; i >= 0; i--)
            {
                TensorOperation operation = graph.Operations[i];
                if (!hasAdjoint.Contains(operation.Output))
                {
                    continue;
                }

                foreach (TensorContribution rule in operation.Rule.Reverse(operation.Call.Args))
                {
                    TensorOperand operand = operation.Operand(rule.Target);
                    if (operand.Parameter.Kind == TensorParameterKind.Scalar)
                    {
                        if (operand.Differentiable is not null)
                        {
                            found.Add(new Contribution(operation, rule, null, operand.Differentiable, operation.Output, Need.W));
                        }

                        continue;
                    }

                    SpanValue target = operand.Read!;
                    if (target.Varying == Need.None)
                    {
                        continue;
                    }

                    found.Add(new Contribution(operation, rule, target, null, operation.Output, Section(target.Varying)));
                    hasAdjoint.Add(target);
                }
            }

            // Stable: within a list, the reverse order of the calls.
            contributions.AddRange(found.Select((c, index) => (c, index)).OrderBy(p => SectionOrder(p.c.Section)).ThenBy(p => p.index).Select(p => p.c));
        }

        /// <summary>The forward value a rule's placeholder stands for (InputOrOutput: the input when it is a view of w or x).</summary>
        private SpanValue ForwardValue(TensorOperation operation, SlotArgument slot)
        {
            switch (slot.Slot)
            {
                case TensorSlot.Output:
                    return operation.Output;
                case TensorSlot.InputOrOutput:
                    SpanValue input = operation.Operand(slot.Parameter!).Read!;
                    return input.IsLeaf ? input : operation.Output;
                default:
                    return operation.Operand(slot.Parameter!).Read!;
            }
        }

        // =========================================================================================================
        // 2. The tape
        // =========================================================================================================

        private void LayOutTape()
        {
            var needed = new List<SpanValue>();
            var neededSet = new HashSet<SpanValue>();
            foreach (Contribution contribution in contributions)
            {
                foreach (SlotArgument slot in contribution.Rule.ForwardValues)
                {
                    SpanValue value = ForwardValue(contribution.Operation, slot);
                    chosenForward[value] = value;
                    if (!value.IsLeaf && neededSet.Add(value))
                    {
                        needed.Add(value);
                    }
                }
            }

            foreach (SpanValue value in needed.OrderBy(v => v.Producer!.Statement))
            {
                SpanView view = value.View;
                Expr offset;
                if (view.Buffer.Kind == SpanBufferKind.Temporary && value.IsFinal)
                {
                    // The temporary lives in the tape during the taped forward pass: nothing to copy.
                    if (!tapeOffsets.TryGetValue(view.Buffer, out Expr? bufferOffset))
                    {
                        bufferOffset = tapeLength;
                        tapeOffsets[view.Buffer] = bufferOffset;
                        tapeLength = GrowTape(tapeLength, view.Buffer.Length, "tapeOffset");
                    }

                    offset = IntMath.Add(bufferOffset, view.Start);
                }
                else
                {
                    offset = tapeLength;
                    tapeLength = GrowTape(tapeLength, view.Length, "tapeOffset");
                    if (!copiesAfter.TryGetValue(value.Producer!, out List<(SpanValue, Expr)>? copies))
                    {
                        copies = new List<(SpanValue, Expr)>();
                        copiesAfter[value.Producer!] = copies;
                    }

                    copies.Add((value, offset));
                }

                string name = names.Fresh((view.Name ?? view.Buffer.Name) + "_" + value.Producer!.Rule.Method.ToLowerInvariant());
                restoredNames[value] = name;
                restored[value] = new Local(name, ReadOnlySpan);
                restores.Add(new Declare(ReadOnlySpan, name, TapeSlice(steps.RestoreSliceStart(offset), view.Length)));

                // Right after the forward pass, a final value is still in its span; only an overwritten one needs a copy.
                Expr scratch;
                if (value.IsFinal)
                {
                    scratch = Written(value.Producer!);
                }
                else
                {
                    scratch = TapeSlice(scratchTapeLength, view.Length);
                    if (!scratchCopiesAfter.TryGetValue(value.Producer!, out List<(SpanValue, Expr)>? copies))
                    {
                        copies = new List<(SpanValue, Expr)>();
                        scratchCopiesAfter[value.Producer!] = copies;
                    }

                    copies.Add((value, scratchTapeLength));
                    scratchTapeLength = GrowTape(scratchTapeLength, view.Length, "scratchOffset");
                }

                scratchRestores.Add(new Declare(ReadOnlySpan, name, scratch));
            }
        }

        /// <summary>The span a call writes, as the body wrote it (valid in forward code).</summary>
        private static Expr Written(TensorOperation operation) => operation.Operand(operation.Rule.Written.Name).Argument;

        /// <summary>
        /// <paramref name="running"/> + <paramref name="length"/>, for a running tape offset. A running offset that is
        /// already a sum is first declared once as an int local among the sizes (<c>int tapeOffset_3 = tapeOffset_2 + m * 4;</c>),
        /// so every printed offset stays a term or two: offsets printed as growing sums at every use were quadratic in
        /// the number of taped values. <paramref name="prefix"/> names the tape (tapeOffset, or scratchOffset for the scratch tape).
        /// </summary>
        private Expr GrowTape(Expr running, Expr length, string prefix)
        {
            if (running is Apply { Op: Op.Add })
            {
                string name = names.Fresh(prefix);
                tapeOffsetDeclarations.Add(new Declare(IrType.Int, name, running));
                running = new Local(name, IrType.Int);
            }

            return IntMath.Add(running, length);
        }

        private Expr TapeSlice(Expr offset, Expr length) => new Slice(new SpanRef(SpanRole.Tape, WritableSpan), offset, length, WritableSpan);

        // =========================================================================================================
        // 3. Forward passes
        // =========================================================================================================

        private List<Stmt> Forward(ForwardKind kind, out List<Stmt> returns)
        {
            var statements = new List<Stmt>();
            if (!graph.WritesEveryOutput)
            {
                statements.Add(new ClearSpan(new SpanRef(SpanRole.Y, WritableSpan)));
            }

            returns = new List<Stmt>();
            int operationIndex = 0;
            for (int i = 0; i < layer.Body.Count; i++)
            {
                switch (layer.Body[i])
                {
                    case Declare { Value: NewSpan newSpan } temporary:
                    {
                        SpanBuffer buffer = graph.Temporaries.First(t => t.Name == temporary.Name);
                        if (kind == ForwardKind.Taped && tapeOffsets.TryGetValue(buffer, out Expr? offset))
                        {
                            statements.Add(new Comment(temporary.Name + " lives in the tape: the reverse pass reads its final value."));
                            statements.Add(new Declare(WritableSpan, temporary.Name, TapeSlice(offset, newSpan.Length)));
                        }
                        else
                        {
                            if (!temporaryArrays.TryGetValue(buffer, out string? array))
                            {
                                array = names.Fresh(temporary.Name + "_array");
                                temporaryArrays[buffer] = array;
                            }

                            statements.Add(new RentSpan(temporary.Name, array, newSpan.Length, element));
                            returns.Add(new ReturnSpan(array, element));
                        }

                        break;
                    }

                    case Declare { Type.Shape: not TypeShape.Scalar } view:
                        statements.Add(view);
                        break;
                    case TensorCall call:
                    {
                        TensorOperation operation = graph.Operations[operationIndex++];
                        statements.Add(call);
                        Dictionary<TensorOperation, List<(SpanValue Value, Expr Offset)>>? copies = kind switch
                        {
                            ForwardKind.Taped => copiesAfter,
                            ForwardKind.Scratch => scratchCopiesAfter,
                            _ => null,
                        };
                        if (copies is not null && copies.TryGetValue(operation, out List<(SpanValue Value, Expr Offset)>? after))
                        {
                            foreach ((SpanValue value, Expr offset) in after)
                            {
                                statements.Add(new CopySpan(Written(operation), TapeSlice(offset, value.View.Length)));
                            }
                        }

                        break;
                    }
                }
            }

            if (kind != ForwardKind.Scratch)
            {
                statements.AddRange(returns);
                returns = new List<Stmt>();
            }

            return statements;
        }
    }
}
