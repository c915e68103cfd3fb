using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>SubproblemW and SubproblemX: Φw(v) and Φx(u) with their gradients. Part of <see cref="LayerEmitter"/>.</summary>
    internal sealed partial class LayerEmitter
    {
        void ILayerMembers.WriteSubproblem(bool forW)
        {
            string shift = forW ? "v" : "u";
            LayerMember kind = forW ? LayerMember.SubproblemW : LayerMember.SubproblemX;
            var member = new Member(this, kind);
            string m = member.Open(kind);
            member.CheckSpans(kind, m, member.Times(m, LayerSize.Inputs));
            string needGrad = member.Local("needGrad");
            code.Line("bool " + needGrad + " = !" + member.Param("grad") + ".IsEmpty;");

            bool structured = body.Structured;
            List<Stmt> forward = structured ? body.Primal.ToList() : body.Primal.Where(s => !IsTapeStore(s)).ToList();
            List<Stmt> reverse = structured
                ? body.Restores.Concat(forW ? body.AdjointW : body.AdjointX).ToList()
                : body.AdjointBoth.Concat(forW ? body.AdjointW : body.AdjointX).ToList();
            member.Constants(forward.Concat(reverse));
            ScratchSpan? tape = null;
            GrowingTape? growing = null;
            if (structured && body.GrowableTape)
            {
                growing = GrowingTapeBuffer(member);
            }
            else if (structured)
            {
                string slots = member.TapeSlots();
                if (body.FixedTapeSlots != 0)
                {
                    code.Line("// A scratch tape for one sample: the reverse pass reads back what the loops and branches record.");
                    tape = member.Buffer("tape_s", slots);
                }
                else if (member.UsesTape)
                {
                    member.EmptyTape();
                }
            }

            ScratchSpan shifted;
            if (forW)
            {
                code.Line("// λᵀφ is evaluated at w + v.");
                shifted = member.Buffer("w_v", member.Size(LayerSize.Parameters));
                string i = member.Local("i");
                code.Open("for (int " + i + " = 0; " + i + " < " + shifted.Name + ".Length; " + i + "++)");
                code.Line(shifted.Name + "[" + i + "] = " + member.Param("w") + "[" + i + "] + " + member.Param("v") + "[" + i + "];");
                code.Close();
            }
            else
            {
                shifted = member.Buffer("x_u", member.Size(LayerSize.Inputs), written: true);
            }

            // Φx writes x + u and y before reading them in every sample (y is cleared there when the body may leave some unwritten).
            ScratchSpan outputs = member.Buffer("y_s", member.Size(LayerSize.Outputs), written: !forW);
            ScratchSpan? outputAdjoint = body.OutputsAtRunTimeIndices ? member.Buffer("d_y", member.Size(LayerSize.Outputs)) : null;
            ScratchBuffers(member, values: true, adjoints: true);
            string value = member.Local("value");
            string j = member.Local("j");
            string s = member.Param(shift);
            // The proximal term first: the gradient starts at the shift and the reverse pass adds to it, so it needs
            // no clearing and no second pass. Φx does both sample by sample, in the pass that forms x + u (see there).
            if (forW)
            {
                code.Line("// ½‖v‖², and the gradient starts at v.");
                code.Line(t + " " + value + " = " + Zero + ";");
                code.Open("for (int " + j + " = 0; " + j + " < " + s + ".Length; " + j + "++)");
                code.Line(value + " += " + Half + " * " + s + "[" + j + "] * " + s + "[" + j + "];");
                code.Close();
                code.Open("if (" + needGrad + ")");
                code.Line(s + ".CopyTo(" + member.Param("grad") + ");");
                code.Close();
                code.Line();
            }
            else
            {
                code.Line(t + " " + value + " = " + Zero + ";");
            }

            string? shiftedSample = null;
            member.SampleLoop(m, () =>
            {
                member.Bind(SpanRole.Y, outputs.Name);
                if (outputAdjoint is not null)
                {
                    member.Bind(SpanRole.OutputAdjoint, outputAdjoint.Name);
                }

                if (tape is not null)
                {
                    member.Bind(SpanRole.Tape, tape.Name);
                }
                else if (growing is not null)
                {
                    Bind(member, growing);
                }

                if (forW)
                {
                    member.Bind(SpanRole.W, shifted.Name);
                    member.Slice(SpanRole.X, member.Param("x"), LayerSize.Inputs, readOnly: true, "x_s", forward.Concat(reverse));
                }
                else
                {
                    member.Bind(SpanRole.W, member.Param("w"));
                    string xs = member.SliceNamed(member.Param("x"), LayerSize.Inputs, readOnly: true, "x_s");
                    string us = member.SliceNamed(member.Param("u"), LayerSize.Inputs, readOnly: true, "u_s");
                    shiftedSample = us;
                    ShiftedInputs(member, shifted.Name, xs, us, value);
                    member.Bind(SpanRole.X, shifted.Name);
                }

                member.Slice(SpanRole.Lambda, member.Param("lambda"), LayerSize.Outputs, readOnly: true, "lambda_s");
                if (!body.WritesEveryOutput)
                {
                    code.Line(outputs.Name + ".Clear();");
                }

                if (structured)
                {
                    code.Line(tape is not null ? "// Forward pass, recording on the scratch tape." : growing is not null ? "// Forward pass, recording on the pooled tape." : "// Forward pass.");
                    code.OpenBlock();
                    member.Statements(forward);
                    code.Close();
                }
                else
                {
                    code.Line("// Forward pass.");
                    member.Statements(forward);
                }

                MultiplierDotOutputs(member, outputs.Name, value);

                if (reverse.Count > 0 || !forW)
                {
                    code.Open("if (" + needGrad + ")");
                    if (forW)
                    {
                        member.Bind(SpanRole.GradW, member.Param("grad"));
                    }
                    else
                    {
                        member.Slice(SpanRole.GradX, member.Param("grad"), LayerSize.Inputs, readOnly: false, "grad_s");
                        GradientStartsAtShift(member, member.Name(SpanRole.GradX), shiftedSample!);
                    }

                    if (reverse.Count > 0)
                    {
                        code.Line("// Reverse pass: the gradient of λᵀφ with respect to " + (forW ? "w" : "x") + ".");
                        member.Statements(reverse);
                    }

                    code.Close();
                }
            });

            member.ReturnBuffers();
            Return(growing);
            code.Line();
            code.Line("return " + value + ";");
            code.Close();
        }

        /// <summary>Vectors of at most this many values are written element by element (no loop, no call) in Φx's per-sample frame.</summary>
        private const int UnrolledLength = 8;

        /// <summary>The fixed per-sample length of <paramref name="size"/> when it is small enough to unroll, else null.</summary>
        private static int? Unrolled(Member member, LayerSize size) =>
            int.TryParse(member.Size(size), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n <= UnrolledLength ? n : null;

        /// <summary>
        /// Φx's sample frame, one pass over the sample's u: x + u into <paramref name="shifted"/> and ½‖u‖² added to the
        /// value (the sample's part of the proximal term), element by element when |x| is small and fixed.
        /// </summary>
        private void ShiftedInputs(Member member, string shifted, string xs, string us, string value)
        {
            code.Line("// λᵀφ is evaluated at x + u; ½‖u‖² is added sample by sample.");
            if (Unrolled(member, LayerSize.Inputs) is int n)
            {
                var squares = new List<string>();
                for (int e = 0; e < n; e++)
                {
                    string index = "[" + EmissionScaffold.Int(e) + "]";
                    code.Line(shifted + index + " = " + xs + index + " + " + us + index + ";");
                    squares.Add(us + index + " * " + us + index);
                }

                if (n > 0)
                {
                    code.Line(value + " += " + Half + " * (" + string.Join(" + ", squares) + ");");
                }

                return;
            }

            string i = member.Local("i");
            code.Open("for (int " + i + " = 0; " + i + " < " + shifted + ".Length; " + i + "++)");
            code.Line(shifted + "[" + i + "] = " + xs + "[" + i + "] + " + us + "[" + i + "];");
            code.Line(value + " += " + Half + " * " + us + "[" + i + "] * " + us + "[" + i + "];");
            code.Close();
        }

        /// <summary>The sample's λᵀy added to the value, as one expression when |y| is small and fixed.</summary>
        private void MultiplierDotOutputs(Member member, string outputs, string value)
        {
            string lambda = member.Name(SpanRole.Lambda);
            if (Unrolled(member, LayerSize.Outputs) is int n)
            {
                if (n > 0)
                {
                    code.Line(value + " += " + string.Join(" + ", Enumerable.Range(0, n).Select(e =>
                        lambda + "[" + EmissionScaffold.Int(e) + "] * " + outputs + "[" + EmissionScaffold.Int(e) + "]")) + ";");
                }

                return;
            }

            string k = member.Local("k");
            code.Open("for (int " + k + " = 0; " + k + " < " + outputs + ".Length; " + k + "++)");
            code.Line(value + " += " + lambda + "[" + k + "] * " + outputs + "[" + k + "];");
            code.Close();
        }

        /// <summary>Φx's gradient of the sample starts at its u (the reverse pass adds to it).</summary>
        private void GradientStartsAtShift(Member member, string gradient, string us)
        {
            code.Line("// The gradient of ½‖u‖² first; the reverse pass adds to it.");
            if (Unrolled(member, LayerSize.Inputs) is int n)
            {
                for (int e = 0; e < n; e++)
                {
                    string index = "[" + EmissionScaffold.Int(e) + "]";
                    code.Line(gradient + index + " = " + us + index + ";");
                }

                return;
            }

            code.Line(us + ".CopyTo(" + gradient + ");");
        }

        private string Zero => CSharpPrinter.FormatLiteral(new Literal(layer.ElementType, 0));

        private string Half => CSharpPrinter.FormatLiteral(new Literal(layer.ElementType, 0.5));

        private static bool IsTapeStore(Stmt statement) =>
            statement is Assign { Target: Element { Span: SpanRef { Role: SpanRole.Tape } } };
    }
}
