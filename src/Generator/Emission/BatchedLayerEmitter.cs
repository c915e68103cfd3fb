using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// Writes the C# for a differentiated <c>[MoreauLayer(Batched = true)]</c> layer: the partial type implementing
    /// <c>IMoreauLayer&lt;T&gt;</c> (size properties fixed by the attribute, TapeLength, both Forwards, Pullback, SubproblemW,
    /// SubproblemX, and the affine markers the body earns), in the same <see cref="EmissionScaffold"/> and
    /// <see cref="MemberFrame"/> as a per-sample layer. Each member checks its span lengths, computes the body's sizes
    /// and runs its statement lists once for the whole batch, with the member's spans bound to the roles. SubproblemW and
    /// SubproblemX run the taped forward pass on a pooled scratch tape and the reverse pass on it, so they make the same
    /// products as Forward and Pullback; every temporary is rented from <c>ArrayPool&lt;T&gt;.Shared</c> and returned.
    /// </summary>
    internal sealed class BatchedLayerEmitter : ILayerMembers
    {
        private readonly EmissionScaffold frame;
        private readonly BatchedBody body;

        // A dense body (DenseShape) is declared IDenseStructure; with a ReLU only when the taped forward can record z.
        private readonly DenseShape? dense;
        private readonly bool preActivationOnTape;
        private FusedReverse? fusedReverse;

        /// <summary>The reverse pass after the product fusions, built once for the pullback and both subproblems (only read by them).</summary>
        private FusedReverse Fused => fusedReverse ??=
            BatchedMaskFusion.Fuse(BatchedFusion.Fuse(body.AdjointBoth), BatchedFusion.Fuse(body.AdjointW), BatchedFusion.Fuse(body.AdjointX));

        private BatchedLayerEmitter(BatchedProgram program, RuleTable rules)
        {
            frame = new EmissionScaffold(program.Layer, rules);
            body = program.Body;
            dense = DenseShape.Of(body);
            preActivationOnTape = dense is { Relu: true } && DenseShape.TapeReadOnlyAsMask(body)
                                  && DenseShape.CanRecordPreActivation(BatchedFusion.Fuse(body.TapedForward));
            if (dense is { Relu: true } && !preActivationOnTape)
            {
                dense = null;
            }
        }

        /// <summary>The generated source for <paramref name="program"/>; Math functions are named by the rows of <paramref name="rules"/>.</summary>
        public static string Emit(BatchedProgram program, RuleTable rules) => new BatchedLayerEmitter(program, rules).Write().ToString();

        /// <summary>The same source as <see cref="Emit"/>, as the text the generator adds (kept in chunks when large).</summary>
        public static SourceText EmitText(BatchedProgram program, RuleTable rules) => new BatchedLayerEmitter(program, rules).Write().ToSourceText();

        private LayerModel Layer => frame.Layer;

        private CodeWriter Code => frame.Code;

        /// <summary>The element type as C#.</summary>
        private string T => frame.T;

        private string Ops => "global::MoreauGen.Ops";

        private CodeWriter Write() => dense is null
            ? frame.WriteLayer(", a batched layer derived from its body (forward pass, tape, pullback, Φw and Φx subproblems).", this)
            : frame.WriteLayer(", a batched layer derived from its body (forward pass, tape, pullback, Φw and Φx subproblems).", this,
                               () => dense.WriteMember(Code, preActivationOnTape), ", global::MoreauGen.IDenseStructure");

        // ---- members -----------------------------------------------------------------------------------

        void ILayerMembers.WriteTapeLength()
        {
            if (body.TapeLength is Literal { Value: 0 })
            {
                frame.TapeLength("Nothing is recorded: the reverse pass reads only w, x and λ.", "0");
                return;
            }

            var member = new Member(this, "batch");
            string batch = member.OpenTapeLength("The forward values the reverse pass reads for the whole batch (see the taped Forward).");
            member.BindLengths("(" + member.Times(batch, LayerSize.Inputs) + ")", "(" + member.Times(batch, LayerSize.Outputs) + ")");
            member.Constants(body.Sizes);
            member.Statements(body.Sizes);
            Code.Line("return " + member.Expression(body.TapeLength) + ";");
            Code.Close();
        }

        void ILayerMembers.WriteForward(bool taped)
        {
            LayerMember kind = taped ? LayerMember.TapedForward : LayerMember.Forward;
            var member = new Member(this, kind);
            string m = member.Open(kind);
            member.CheckSpans(kind, m, member.Param("x") + ".Length");
            member.Bind(SpanRole.W, member.Param("w"));
            member.Bind(SpanRole.X, member.Param("x"));
            member.Bind(SpanRole.Y, member.Param("y"));
            member.BindLengths(member.Param("x") + ".Length", member.Param("y") + ".Length");
            List<Stmt> statements = BatchedFusion.Fuse(taped ? body.TapedForward : body.Forward);
            if (taped && preActivationOnTape)
            {
                statements = DenseShape.RecordPreActivation(statements);
            }
            member.Constants(body.Sizes.Concat(statements));
            member.Sizes();
            if (taped)
            {
                member.Bind(SpanRole.Tape, member.Param("tape"));
                member.CheckLength("tape", member.Expression(body.TapeLength));
                Code.Line("// The body of " + Layer.MethodName + ", recording on the tape the values the reverse pass reads.");
            }
            else
            {
                Code.Line("// The body of " + Layer.MethodName + ", for the whole batch.");
            }

            member.Statements(statements);
            Code.Close();
        }

        void ILayerMembers.WritePullback()
        {
            var member = new Member(this, LayerMember.Pullback);
            string m = member.Open(LayerMember.Pullback);
            member.CheckSpans(LayerMember.Pullback, m, member.Param("x") + ".Length");
            member.Bind(SpanRole.W, member.Param("w"));
            member.Bind(SpanRole.X, member.Param("x"));
            member.Bind(SpanRole.Tape, member.Param("tape"));
            member.Bind(SpanRole.Lambda, member.Param("lambda"));
            member.Bind(SpanRole.GradW, member.Param("gradW"));
            member.Bind(SpanRole.GradX, member.Param("gradX"));
            member.BindLengths(member.Param("x") + ".Length", "(" + member.Times(m, LayerSize.Outputs) + ")");
            FusedReverse fused = Fused;
            List<Stmt> rents = BatchedMaskFusion.Kept(body.AdjointRents, fused.Dropped, body.AdjointRents);
            List<Stmt> returns = BatchedMaskFusion.Kept(body.AdjointReturns, fused.Dropped, body.AdjointRents);
            List<Stmt> setup = body.LeafViews.Concat(body.Restores).Concat(rents).ToList();
            IEnumerable<Stmt> reverse = setup.Concat(fused.Both).Concat(fused.ForW).Concat(fused.ForX).Concat(returns);
            member.Constants(body.Sizes.Concat(reverse));
            member.Sizes();
            member.CheckLength("tape", member.Expression(body.TapeLength));
            (string needW, string needX) = member.NeedFlags(clear: false);
            Code.Line("// Reverse pass: the adjoint of λᵀy pulled back through " + Layer.MethodName + ", its calls in reverse order.");
            member.Statements(setup);
            member.ReverseLists(fused.Both, fused.ForW, fused.ForX, needW, needX);

            member.Statements(returns);
            Code.Close();
        }

        void ILayerMembers.WriteSubproblem(bool forW)
        {
            string shift = forW ? "v" : "u";
            LayerMember kind = forW ? LayerMember.SubproblemW : LayerMember.SubproblemX;
            var member = new Member(this, kind);
            string m = member.Open(kind);
            string shiftLength = forW ? member.Size(LayerSize.Parameters) : member.Param("x") + ".Length";
            member.CheckSpans(kind, m, member.Param("x") + ".Length");
            // The views of w and x the forward pass declares are in scope for the reverse pass too.
            HashSet<string> declared = new(body.ScratchForward.OfType<Declare>().Select(d => d.Name));
            FusedReverse fused = Fused;
            List<Stmt> reverse = body.LeafViews.Where(v => !declared.Contains(((Declare)v).Name)).Concat(body.ScratchRestores)
                .Concat(BatchedMaskFusion.Kept(body.AdjointRents, fused.Dropped, body.AdjointRents))
                .Concat(fused.Both).Concat(forW ? fused.ForW : fused.ForX)
                .Concat(BatchedMaskFusion.Kept(body.AdjointReturns, fused.Dropped, body.AdjointRents)).ToList();
            member.BindLengths(member.Param("x") + ".Length", "(" + member.Times(m, LayerSize.Outputs) + ")");
            member.Constants(body.Sizes.Concat(body.ScratchForward).Concat(reverse));
            member.Sizes();

            string shifted = member.Buffer(forW ? "w_v" : "x_u", shiftLength).Name;
            Code.Line(Ops + ".Add<" + T + ">(" + member.Param(forW ? "w" : "x") + ", " + member.Param(shift) + ", " + shifted + ");");
            string outputs = member.Buffer("y_s", member.Times(m, LayerSize.Outputs)).Name;
            member.Bind(SpanRole.W, forW ? shifted : member.Param("w"));
            member.Bind(SpanRole.X, forW ? member.Param("x") : shifted);
            member.Bind(SpanRole.Y, outputs);
            member.Bind(SpanRole.Lambda, member.Param("lambda"));
            bool scratch = body.ScratchTapeLength is not Literal { Value: 0 };
            if (scratch)
            {
                member.Bind(SpanRole.Tape, member.Buffer("tape_s", member.Expression(body.ScratchTapeLength)).Name);
            }

            Code.Line("// λᵀφ at " + (forW ? "w + v" : "x + u") + ": the body of " + Layer.MethodName +
                      (scratch ? ", copying to a scratch tape what a later call overwrites." : "; the reverse pass reads its spans as they are."));
            member.Statements(BatchedFusion.Fuse(body.ScratchForward));
            string value = member.Local("value");
            Code.Line(T + " " + value + " = " + Ops + ".Dot<" + T + ">(" + member.Param("lambda") + ", " + outputs + ") + " + frame.Literal(0.5) + " * " +
                      Ops + ".Dot<" + T + ">(" + member.Param(shift) + ", " + member.Param(shift) + ");");
            Code.Open("if (!" + member.Param("grad") + ".IsEmpty)");
            member.Bind(forW ? SpanRole.GradW : SpanRole.GradX, member.Param("grad"));
            Code.Line("// The gradient of λᵀφ with respect to " + (forW ? "w" : "x") + " (the reverse pass), then of " + (forW ? "½‖v‖²" : "½‖u‖²") + ".");
            member.Statements(reverse);
            Code.Line(Ops + ".Add<" + T + ">(" + member.Param("grad") + ", " + member.Param(shift) + ", " + member.Param("grad") + ");");
            Code.Close();
            member.Statements(body.ScratchReturns);
            member.ReturnBuffers();
            Code.Line("return " + value + ";");
            Code.Close();
        }

        /// <summary>A <see cref="MemberFrame"/> that runs the body once for the whole batch, after the body's size arithmetic.</summary>
        private sealed class Member : MemberFrame
        {
            private readonly BatchedLayerEmitter owner;

            public Member(BatchedLayerEmitter owner, params string[] parameterNames)
                : base(owner.frame, owner.body.UsedNames, stackBuffers: false, parameterNames)
            {
                this.owner = owner;
            }

            public Member(BatchedLayerEmitter owner, LayerMember member)
                : this(owner, ParametersOf(member))
            {
            }

            /// <summary>How the body's <c>x.Length</c> and <c>y.Length</c> read in this member (w's length is its size).</summary>
            public void BindLengths(string x, string y)
            {
                Lengths[SpanRole.W] = Size(LayerSize.Parameters);
                Lengths[SpanRole.X] = x;
                Lengths[SpanRole.Y] = y;
            }

            /// <summary>The body's size arithmetic.</summary>
            public void Sizes()
            {
                if (owner.body.Sizes.Count > 0)
                {
                    Code.Line("// The sizes of " + owner.Layer.MethodName + ".");
                    Statements(owner.body.Sizes);
                }
            }
        }
    }
}
