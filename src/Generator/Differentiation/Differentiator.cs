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
    /// <item><b>Varying sets.</b> Which of w and x each value depends on, settled over loops by a worklist (a phi
    /// varies with the local before the loop and with its update).</item>
    /// <item><b>Dead values</b> are dropped.</item>
    /// <item><b>Reverse sweep.</b> Each region's items are walked backwards, applying each primitive's rule from
    /// the <see cref="RuleTable"/>; a loop becomes a descending loop whose carried adjoint passes from one reverse
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
    /// <item><b>Reverse variants.</b> Pops become tape reads, and the reverse pass is specialised per gradient.</item>
    /// <item><b>Gradient accumulators.</b> A fixed element of gradW or gradX added to in a loop or more than once is added
    /// up in a local and written once per pass (<see cref="GradientAccumulators"/>).</item>
    /// </list>
    /// Reverse statements are tagged with the gradients they serve (both, w only, x only). A straight-line body keeps
    /// three lists (a w-only statement reads only adjoints of values that depend on w, computed in the "both" or "w"
    /// lists); a body with loops or branches gets three whole variants of its reverse pass (both gradients, w only,
    /// x only), so that no test runs inside a loop. Each pass is a class in a file of its own; they share one
    /// <see cref="DifferentiationState"/>, and this driver runs them in order.
    /// </summary>
    internal static class Differentiator
    {
        /// <summary>Differentiates a layer or objective and the helpers it calls with <paramref name="rules"/> and <paramref name="steps"/>.</summary>
        public static LayerProgram Differentiate(LayerModel layer, RuleTable rules, DifferentiatorSteps steps)
        {
            bool isLayer = layer.Kind == ModelKind.Layer;
            List<Stmt> body = layer.Body.ToList();
            List<ScratchArray> scalarized = new();
            // Made only when a scratch array is replaced by scalars (a copy of every reserved name, in most bodies for nothing).
            NameTable? scalarNames = null;
            if (isLayer || layer.Kind == ModelKind.Objective)
            {
                // Before the output buffer is settled: an unrolled loop may leave y at constant indices only.
                (body, scalarized) = ScratchScalars.Run(body, () => scalarNames ??= new NameTable(layer.ReservedNames));
            }

            bool arrayMode = isLayer && NeedsOutputBuffer(body, inControlFlow: false);
            var state = new DifferentiationState(layer.ElementType, layer.ReservedNames, layer.Constants, isLayer, arrayMode,
                Array.Empty<string>(), layer.Helpers, isLayer ? layer.Sizes : null, rules, steps);
            foreach (string name in scalarNames?.Taken.Except(layer.ReservedNames) ?? Enumerable.Empty<string>())
            {
                state.Names.Claim(name);
            }

            DifferentiatedBody differentiated = Run(
                state,
                body,
                isLayer ? null : new Literal(layer.ElementType, 1));
            if (scalarized.Count > 0)
            {
                differentiated = differentiated with { ScratchArrays = EquatableArray.From(differentiated.ScratchArrays.Concat(scalarized)) };
            }

            var helperPrograms = new List<HelperProgram>();
            foreach (HelperModel helper in layer.Helpers.Where(h => !h.IsCustom))
            {
                helperPrograms.Add(DifferentiateHelper(helper, layer.Helpers, rules, steps));
            }

            return new LayerProgram(layer, differentiated, EquatableArray.From(helperPrograms));
        }

        private static HelperProgram DifferentiateHelper(HelperModel helper, IEnumerable<HelperModel> all, RuleTable rules, DifferentiatorSteps steps)
        {
            // The pullback's own parameters: the helper's, then the adjoint of the result, then one out per parameter.
            var table = new NameTable(helper.ReservedNames.Concat(helper.Parameters).Concat(helper.Constants.Select(c => c.Name)));
            string adjoint = table.Fresh("adjoint");
            var outs = helper.Parameters.Select(p => table.Fresh("d_" + p)).ToList();
            var state = new DifferentiationState(helper.ElementType, helper.ReservedNames.Concat(new[] { adjoint }).Concat(outs),
                helper.Constants, layerMode: false, arrayMode: false, helper.Parameters, all, null, rules, steps);
            for (int i = 0; i < helper.Parameters.Count; i++)
            {
                state.ParameterAdjoints[helper.Parameters[i]] = outs[i];
            }

            DifferentiatedBody differentiated = Run(state, helper.Body.ToList(), new Local(adjoint, helper.ElementType));
            return new HelperProgram(helper, differentiated, adjoint, EquatableArray.From(outs));
        }

        /// <summary>Passes 1–8 on one body.</summary>
        private static DifferentiatedBody Run(DifferentiationState state, IReadOnlyList<Stmt> body, Expr? seed)
        {
            // 1. Lowering (after the guards that open the trips of while and do loops are dropped where always true),
            // 2. the varying sets of loop-carried values (a worklist; MG0022 when they do not settle).
            new Lowering(state).Lower(StopGuards.Run(body));
            VaryingSets.Settle(state);

            // The adjoints the reverse pass starts from: the seed of the result, λ[i] for the final version of y[i].
            if (state.Result is not null)
            {
                state.Result.Seed = seed;
            }

            foreach (KeyValuePair<int, Value> final in state.Outputs)
            {
                final.Value.Seed = state.ElementOf(SpanRole.Lambda, new Literal(IrType.Int, final.Key), state.Element);
            }

            // 3. Dead values.
            DeadValues.Run(state);
            bool structured = state.Top.Items.Any(i => i is LoopItem or IfItem);

            // 4-5. The reverse sweep and the restores of every region.
            (List<Stmt> restores, List<Stmt> reverse) = new ReverseSweep(state, new Restores(state)).Run();

            // 6. Tape layout.
            var layout = new TapeLayout(state);
            (Expr tapeSlots, List<Stmt> tapePrelude) = layout.Run();
            if (state.CursorMode)
            {
                restores.Insert(0, new Declare(IrType.Int, state.Cursor, new SpanLength(SpanRole.Tape)));
            }

            // 7. The forward pass.
            List<Stmt> primal = new TapedForward(state, layout).Run();
            if (layout.Growable)
            {
                layout.GrowTape(primal);
            }

            // 8. The pops in the reverse statements, and the three variants.
            (restores, List<Stmt> both, List<Stmt> onlyW, List<Stmt> onlyX) = new ReverseVariants(state, layout).Run(restores, reverse, structured);

            // 9. Fixed elements of gradW and gradX added to again and again: added up in locals, written once per pass.
            both = GradientAccumulators.Run(state, both);
            onlyW = GradientAccumulators.Run(state, onlyW);
            onlyX = GradientAccumulators.Run(state, onlyX);

            bool writesEveryOutput = state.LayerMode && !state.ArrayMode && state.Sizes?.Outputs is int count && Enumerable.Range(0, count).All(state.Outputs.ContainsKey);
            string[] used = state.Names.TakenArray();
            Expr? resultExpr = state.Result is null ? null : new Local(state.Result.ReadName, state.Result.Type);
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
                state.ArrayMode,
                writesEveryOutput,
                EquatableArray.Of(used))
            {
                ScratchArrays = EquatableArray.From(state.Scratch),
                GrowableTape = layout.Growable,
                TripSlots = layout.TripSlots,
            };
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
                        var find = new FindOutputBufferUse(inControlFlow);
                        if (IrVisit.Nodes(statement, ref find))
                        {
                            return true;
                        }

                        break;
                }
            }

            return false;
        }

        /// <summary>Stops at an element of y at a run-time index, or at any element of y in a loop or branch.</summary>
        private readonly struct FindOutputBufferUse : INodeVisitor
        {
            private readonly bool inControlFlow;

            public FindOutputBufferUse(bool inControlFlow) => this.inControlFlow = inControlFlow;

            public bool Visit(Expr node) =>
                node is Element { Span: SpanRef { Role: SpanRole.Y } } y && (inControlFlow || y.Index is not Literal);
        }
    }
}
