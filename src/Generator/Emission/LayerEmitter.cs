using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// Writes the C# for a differentiated layer or objective: the partial type implementing <c>IMoreauLayer&lt;T&gt;</c>
    /// (size properties when fixed by the attribute, TapeLength, both Forwards, Pullback, SubproblemW, SubproblemX, and
    /// the affine markers the body earns) or <c>IMoreauObjective&lt;T&gt;</c> (InputCount when fixed, Value,
    /// ValueAndGradient), plus the pullbacks of the helpers the body calls. The file and member frames (type, signatures,
    /// size checks) are the <see cref="EmissionScaffold"/> and <see cref="MemberFrame"/> the batched emitter uses too; what
    /// is written here is what a per-sample body adds: the loop of the one-sample program over the batch on slices of
    /// x, y and the tape, with the member's spans bound to the IR's span roles.
    /// </summary>
    internal sealed partial class LayerEmitter : ILayerMembers
    {
        private readonly EmissionScaffold frame;
        private readonly LayerProgram program;
        private readonly DifferentiatedBody body;
        private readonly LayerModel layer;
        private readonly string t;
        private readonly CodeWriter code;

        private LayerEmitter(LayerProgram program, RuleTable rules)
        {
            this.program = program;
            body = program.Body;
            layer = program.Layer;
            frame = new EmissionScaffold(layer, rules);
            t = frame.T;
            code = frame.Code;
        }

        /// <summary>The generated source for <paramref name="program"/>; Math functions are named by the rows of <paramref name="rules"/>.</summary>
        public static string Emit(LayerProgram program, RuleTable rules) => new LayerEmitter(program, rules).Write().ToString();

        /// <summary>The same source as <see cref="Emit"/>, as the text the generator adds (kept in chunks when large).</summary>
        public static SourceText EmitText(LayerProgram program, RuleTable rules) => new LayerEmitter(program, rules).Write().ToSourceText();

        private string ReadOnlySpan => frame.ReadOnlySpan;

        private string Span => frame.Span;

        private bool IsObjective => frame.IsObjective;

        private CodeWriter Write() => IsObjective
            ? frame.Write("IMoreauObjective<" + t + ">", ", derived from its body (value and gradient).", () =>
            {
                frame.FixedSizes(LayerSize.Inputs);
                WriteValue();
                WriteValueAndGradient();
                WriteHelperPullbacks();
            })
            : frame.WriteLayer(", derived from its body (forward pass, tape, pullback, Φw and Φx subproblems).", this, WriteHelperPullbacks);

        void ILayerMembers.WriteTapeLength()
        {
            if (body.GrowableTape)
            {
                GrowableTapeLength();
                return;
            }

            if (body.FixedTapeSlots is int slots)
            {
                frame.TapeLength(
                    slots == 0
                        ? "Nothing is recorded: the reverse pass recomputes what it reads from w and x."
                        : "The tape holds " + EmissionScaffold.Int(slots) + " value" + (slots == 1 ? string.Empty : "s") + " per sample, samples back to back.",
                    slots == 0 ? "0" : "batch * " + EmissionScaffold.Int(slots));
                return;
            }

            var member = new Member(this, "batch");
            string batch = member.OpenTapeLength("The tape holds, per sample, the values the loops record (a count that depends on the sizes), samples back to back.");
            string slotsPerSample = member.TapeSlots();
            code.Line("return " + batch + " * " + slotsPerSample + ";");
            code.Close();
        }

        // ---- Forward -----------------------------------------------------------------------------------

        void ILayerMembers.WriteForward(bool taped)
        {
            LayerMember kind = taped ? LayerMember.TapedForward : LayerMember.Forward;
            var member = new Member(this, kind);
            string m = member.Open(kind);
            ReservedTape? reserved = taped && body.GrowableTape ? Reserved(member) : null;
            string? slots = !taped ? null : reserved is not null ? reserved.PerSample : member.TapeSlots();
            member.CheckSpans(kind, m, member.Times(m, LayerSize.Inputs), slots is null ? null : MemberFrame.Product(m, slots));
            bool plain = !taped;
            IReadOnlyList<Stmt> statements = plain ? ScratchCleared(layer.Body) : body.Primal;
            member.Constants(statements);
            ScratchBuffers(member, values: true, adjoints: false, plainForward: plain);

            member.SampleLoop(m, () =>
            {
                member.Slice(SpanRole.X, member.Param("x"), LayerSize.Inputs, readOnly: true, "x_s", statements);
                member.Slice(SpanRole.Y, member.Param("y"), LayerSize.Outputs, readOnly: false, "y_s");
                if (reserved is not null)
                {
                    SliceReserve(member, reserved);
                }
                else if (slots is not null)
                {
                    member.SliceTape(member.Param("tape"), slots, readOnly: false);
                }

                member.Bind(SpanRole.W, member.Param("w"));
                if (body.OutputsAtRunTimeIndices)
                {
                    code.Line(member.Name(SpanRole.Y) + ".Clear();");
                }

                code.Line(!plain
                    ? "// Forward pass, recording on the tape the values the reverse pass reads."
                    : "// The body of " + layer.MethodName + ", for sample " + member.S + ".");
                member.Statements(statements);
            });
            member.ReturnBuffers();
            code.Close();
        }

        // ---- Pullback ----------------------------------------------------------------------------------

        void ILayerMembers.WritePullback()
        {
            var member = new Member(this, LayerMember.Pullback);
            string m = member.Open(LayerMember.Pullback);
            ReservedTape? reserved = body.GrowableTape ? Reserved(member) : null;
            string slots = reserved is not null ? reserved.PerSample : member.TapeSlots();
            member.CheckSpans(LayerMember.Pullback, m, member.Times(m, LayerSize.Inputs), MemberFrame.Product(m, slots));
            (string needW, string needX) = member.NeedFlags(clear: true);

            IEnumerable<Stmt> all = PullbackStatements(body.Restores.Concat(body.AdjointBoth).Concat(body.AdjointW).Concat(body.AdjointX));
            member.Constants(all);
            ScratchSpan? outputAdjoint = body.OutputsAtRunTimeIndices ? member.Buffer("d_y", member.Size(LayerSize.Outputs)) : null;
            ScratchBuffers(member, values: body.GrowableTape, adjoints: true);
            GrowingTape? growing = body.GrowableTape ? GrowingTapeBuffer(member) : null;
            ScratchSpan? outputs = body.GrowableTape ? member.Buffer("y_s", member.Size(LayerSize.Outputs), written: body.WritesEveryOutput) : null;

            member.SampleLoop(m, () =>
            {
                member.Bind(SpanRole.W, member.Param("w"));
                member.Bind(SpanRole.GradW, member.Param("gradW"));
                member.Slice(SpanRole.X, member.Param("x"), LayerSize.Inputs, readOnly: true, "x_s", all);
                if (growing is null)
                {
                    member.SliceTape(member.Param("tape"), slots, readOnly: true);
                }
                else
                {
                    RecordsOf(member, reserved!, growing, outputs!);

                    // The reverse pass in a scope of its own: it declares the forward pass's names again.
                    code.OpenBlock();
                }

                member.Slice(SpanRole.Lambda, member.Param("lambda"), LayerSize.Outputs, readOnly: true, "lambda_s", all);
                if (outputAdjoint is not null)
                {
                    member.Bind(SpanRole.OutputAdjoint, outputAdjoint.Name);
                }

                if (body.Restores.Count > 0)
                {
                    code.Line("// Forward values the reverse pass reads: from the tape, or recomputed from w and x.");
                    member.Statements(body.Restores);
                }

                if (!body.Structured)
                {
                    code.Line("// Reverse pass: the adjoint of λᵀy for this sample, pulled back through " + layer.MethodName + ".");
                    member.ReverseLists(body.AdjointBoth, body.AdjointW, body.AdjointX, needW, needX,
                        bindGradX: () => member.Slice(SpanRole.GradX, member.Param("gradX"), LayerSize.Inputs, readOnly: false, "gradX_s"));
                    CloseIf(growing);
                    return;
                }

                // Loops and branches: one reverse pass per set of gradients, so that no test runs inside a loop.
                code.Open("if (" + needW + " && " + needX + ")");
                code.Line("// Reverse pass for both gradients: the adjoint of λᵀy for this sample, pulled back through " + layer.MethodName + ".");
                member.SliceIfUsed(SpanRole.GradX, member.Param("gradX"), LayerSize.Inputs, "gradX_s", body.AdjointBoth);
                member.ExactGradW(member.Param("gradW"), body.AdjointBoth);
                member.Statements(body.AdjointBoth);
                code.Close();
                code.Open("else if (" + needW + ")");
                code.Line("// Reverse pass for the gradient with respect to w only.");
                member.ExactGradW(member.Param("gradW"), body.AdjointW);
                member.Statements(body.AdjointW);
                code.Close();
                member.Bind(SpanRole.GradW, member.Param("gradW"));
                code.Open("else");
                code.Line("// Reverse pass for the gradient with respect to x only.");
                member.SliceIfUsed(SpanRole.GradX, member.Param("gradX"), LayerSize.Inputs, "gradX_s", body.AdjointX);
                member.Statements(body.AdjointX);
                code.Close();
                CloseIf(growing);
            });
            member.ReturnBuffers();
            Return(growing);
            code.Close();
        }
    }
}
