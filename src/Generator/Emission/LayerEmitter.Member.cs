using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>A member of a per-sample layer: its sample loop, the sample's slices and the tape. Part of <see cref="LayerEmitter"/>.</summary>
    internal sealed partial class LayerEmitter
    {
        /// <summary>The span roles of the statements the members ask about, each statement walked once.</summary>
        private readonly SpanRoleIndex roles = new();

        /// <summary>A <see cref="MemberFrame"/> that runs the one-sample program over the batch on slices.</summary>
        private sealed class Member : MemberFrame
        {
            private readonly LayerEmitter owner;
            private string s = "s";

            public Member(LayerEmitter owner, params string[] parameterNames)
                : this(owner, owner.body.UsedNames, parameterNames)
            {
            }

            public Member(LayerEmitter owner, LayerMember member)
                : this(owner, owner.body.UsedNames, ParametersOf(member))
            {
            }

            public Member(LayerEmitter owner, IEnumerable<string> usedNames, params string[] parameterNames)
                : base(owner.frame, usedNames, stackBuffers: true, parameterNames)
            {
                this.owner = owner;
            }

            /// <summary>The sample index of the loop being written.</summary>
            public string S => s;

            private string? tapeSlots;

            /// <summary>
            /// The tape values per sample as C#: a number, or a local computed here from the sizes (the statements that
            /// compute it printed once per member, where first asked for: before the sample loop).
            /// </summary>
            public string TapeSlots() => tapeSlots ??= TapeSlots(owner.body);

            public string TapeSlots(DifferentiatedBody program)
            {
                if (program.FixedTapeSlots is int fixedSlots)
                {
                    return EmissionScaffold.Int(fixedSlots);
                }

                Statements(program.TapePrelude);
                string slots = Expression(program.TapeSlots);
                return program.TapeSlots is Model.Local or Literal or SpanLength ? slots : "(" + slots + ")";
            }

            public void SampleLoop(string m, System.Action body)
            {
                s = Names.Fresh("s");
                Code.Open("for (int " + s + " = 0; " + s + " < " + m + "; " + s + "++)");
                body();
                Code.Close();
            }

            /// <summary>Declares the sample's slice of <paramref name="span"/> and binds it to <paramref name="role"/> (only if the statements use the role).</summary>
            public void Slice(SpanRole role, string span, LayerSize size, bool readOnly, string preferred, IEnumerable<Stmt>? usedBy = null)
            {
                if (usedBy is not null && !owner.roles.Uses(usedBy, role))
                {
                    return;
                }

                Spans[role] = SliceNamed(span, size, readOnly, preferred);
            }

            /// <summary>
            /// Where gradW is known not to be empty and |w| is fixed, and the statements loop, binds gradW to a slice of
            /// exactly |w| values, so that the JIT can prove indices of loops over fixed bounds in range.
            /// </summary>
            public void ExactGradW(string gradW, IEnumerable<Stmt> statements)
            {
                Spans[SpanRole.GradW] = gradW;
                if (Frame.Layer.Sizes.Parameters is int parameters && parameters > 0 && statements.Any(s => s is For) && owner.roles.Uses(statements, SpanRole.GradW))
                {
                    string name = Names.Fresh("gradW_all");
                    Code.Line(Frame.Span + " " + name + " = " + gradW + ".Slice(0, " + EmissionScaffold.Int(parameters) + ");");
                    Spans[SpanRole.GradW] = name;
                }
            }

            /// <summary>A writable slice bound to <paramref name="role"/>, declared only when <paramref name="statements"/> use it.</summary>
            public void SliceIfUsed(SpanRole role, string span, LayerSize size, string preferred, IEnumerable<Stmt> statements) =>
                Slice(role, span, size, readOnly: false, preferred, statements);

            public string SliceNamed(string span, LayerSize size, bool readOnly, string preferred)
            {
                string name = Names.Fresh(preferred);
                string type = readOnly ? Frame.ReadOnlySpan : Frame.Span;
                Code.Line(type + " " + name + " = " + span + ".Slice(" + Times(s, size) + ", " + Size(size) + ");");
                return name;
            }

            public void SliceTape(string tape, string slots, bool readOnly)
            {
                string name = Names.Fresh("tape_s");
                string type = readOnly ? Frame.ReadOnlySpan : Frame.Span;
                if (slots == "0")
                {
                    // Nothing is recorded; code in loops that never run may still name the tape.
                    if (UsesTape)
                    {
                        Code.Line(type + " " + name + " = default;");
                        Spans[SpanRole.Tape] = name;
                    }

                    return;
                }

                Code.Line(type + " " + name + " = " + tape + ".Slice(" + Product(s, slots) + ", " + slots + ");");
                Spans[SpanRole.Tape] = name;
            }

            /// <summary>Whether the member's program names the tape at all.</summary>
            public bool UsesTape => owner.roles.Uses(owner.body.Primal.Concat(owner.body.Restores).Concat(owner.body.AdjointBoth)
                .Concat(owner.body.AdjointW).Concat(owner.body.AdjointX), SpanRole.Tape);

            /// <summary>Binds the tape to an empty span (nothing is recorded, but code in loops that never run names it).</summary>
            public void EmptyTape(IrType? elementType = null)
            {
                string elementName = elementType is null ? Frame.T : CSharpPrinter.TypeName(elementType);
                string name = Names.Fresh("tape_s");
                Code.Line("global::System.Span<" + elementName + "> " + name + " = default;");
                Spans[SpanRole.Tape] = name;
            }
        }
    }
}
