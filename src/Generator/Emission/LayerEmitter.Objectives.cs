using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>The members of objectives (InputCount, Value, ValueAndGradient) and the pullbacks of helpers. Part of <see cref="LayerEmitter"/>.</summary>
    internal sealed partial class LayerEmitter
    {
        private void WriteValue()
        {
            var member = new Member(this, "x");
            frame.Separate();
            code.Line("/// <inheritdoc/>");
            code.Open("public " + t + " Value(" + ReadOnlySpan + " " + member.Param("x") + ")");
            member.SizeLocals();
            code.Line(EmissionScaffold.Checks + ".WholeSamples(" + member.Param("x") + ".Length, " + member.Size(LayerSize.Inputs) + ", \"x\");");
            code.Line("return this." + CSharpPrinter.Identifier(layer.MethodName) + "(" + member.Param("x") + ");");
            code.Close();
        }

        private void WriteValueAndGradient()
        {
            var member = new Member(this, "x", "grad");
            frame.Separate();
            code.Line("/// <inheritdoc/>");
            code.Open("public " + t + " ValueAndGradient(" + ReadOnlySpan + " " + member.Param("x") + ", " + Span + " " + member.Param("grad") + ")");
            member.SizeLocals();
            member.BindLength(SpanRole.X, member.Param("x") + ".Length");
            code.Line(EmissionScaffold.Checks + ".WholeSamples(" + member.Param("x") + ".Length, " + member.Size(LayerSize.Inputs) + ", \"x\");");
            member.CheckLength("grad", member.Param("x") + ".Length");
            member.Bind(SpanRole.X, member.Param("x"));
            member.Bind(SpanRole.GradX, member.Param("grad"));
            bool structured = body.Structured;
            List<Stmt> forward = structured ? body.Primal.ToList() : body.Primal.Where(s => !IsTapeStore(s)).ToList();
            List<Stmt> reverse = structured ? body.Restores.Concat(body.AdjointX).ToList() : body.AdjointBoth.Concat(body.AdjointX).ToList();
            member.Constants(forward.Concat(reverse));
            ScratchBuffers(member, values: true, adjoints: true);
            if (structured)
            {
                string slots = member.TapeSlots();
                if (body.FixedTapeSlots != 0)
                {
                    code.Line("// A scratch tape: the reverse pass reads back what the loops and branches record.");
                    member.Bind(SpanRole.Tape, member.Buffer("tape", slots).Name);
                }
                else if (member.UsesTape)
                {
                    member.EmptyTape();
                }
            }

            string value = member.Local("value");
            code.Line(t + " " + value + ";");
            if (structured)
            {
                code.Line(body.FixedTapeSlots == 0 ? "// Forward pass." : "// Forward pass, recording on the scratch tape.");
                code.OpenBlock();
                member.Statements(forward);
                code.Line(value + " = " + member.Expression(body.Result!) + ";");
                code.Close();
                code.Line(member.Param("grad") + ".Clear();");
                code.Line("// Reverse pass: the gradient of h, seeded with 1.");
                code.OpenBlock();
                member.Statements(reverse);
                code.Close();
            }
            else
            {
                code.Line("// Forward pass.");
                member.Statements(forward);
                code.Line(value + " = " + member.Expression(body.Result!) + ";");
                code.Line(member.Param("grad") + ".Clear();");
                code.Line("// Reverse pass: the gradient of h, seeded with 1.");
                member.Statements(reverse);
            }

            member.ReturnBuffers();
            code.Line("return " + value + ";");
            code.Close();
        }

        // ---- helper pullbacks --------------------------------------------------------------------------

        private void WriteHelperPullbacks()
        {
            foreach (HelperProgram helper in program.Helpers)
            {
                WriteHelperPullback(helper);
            }
        }

        private void WriteHelperPullback(HelperProgram helper)
        {
            HelperModel model = helper.Helper;
            DifferentiatedBody helperBody = helper.Body;
            string type = CSharpPrinter.TypeName(model.ElementType);
            var member = new Member(this, helperBody.UsedNames);
            frame.Separate();
            code.Line("// The pullback of " + model.Method.Replace("global::", string.Empty) + ", generated from its body: the adjoint of each argument");
            code.Line("// for the adjoint of the result (its forward and reverse passes together).");
            var parameters = model.Parameters.Select(p => type + " " + CSharpPrinter.Identifier(p))
                .Append(type + " " + CSharpPrinter.Identifier(helper.Adjoint))
                .Concat(helper.Outs.Select(o => "out " + type + " " + CSharpPrinter.Identifier(o)));
            code.Open("private static void " + model.Pullback + "(" + string.Join(", ", parameters) + ")");
            string zero = CSharpPrinter.FormatLiteral(new Literal(model.ElementType, 0));
            foreach (string output in helper.Outs)
            {
                code.Line(CSharpPrinter.Identifier(output) + " = " + zero + ";");
            }

            bool structured = helperBody.Structured;
            List<Stmt> forward = structured ? helperBody.Primal.ToList() : helperBody.Primal.Where(s => !IsTapeStore(s)).ToList();
            List<Stmt> reverse = structured ? helperBody.Restores.Concat(helperBody.AdjointX).ToList() : helperBody.AdjointBoth.Concat(helperBody.AdjointX).ToList();
            member.Constants(forward.Concat(reverse), model.Constants);
            if (structured)
            {
                string slots = member.TapeSlots(helperBody);
                if (helperBody.FixedTapeSlots != 0)
                {
                    member.Bind(SpanRole.Tape, member.Buffer("tape", slots, model.ElementType).Name);
                }
                else if (roles.Uses(forward.Concat(reverse), SpanRole.Tape))
                {
                    member.EmptyTape(model.ElementType);
                }

                code.OpenBlock();
                member.Statements(forward);
                code.Close();
                code.OpenBlock();
                member.Statements(reverse);
                code.Close();
            }
            else
            {
                member.Statements(forward);
                member.Statements(reverse);
            }

            member.ReturnBuffers();
            code.Close();
        }
    }
}
