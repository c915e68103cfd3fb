using System.Collections.Generic;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// Members of a body with a <c>while</c> or <c>do</c> loop that has no trip bound (<see cref="DifferentiatedBody.GrowableTape"/>):
    /// a call's tape holds nothing (its length is fixed before the trips are known), and each member that runs the reverse
    /// pass first runs the sample's forward pass recording on a pooled tape that grows with the trips
    /// (<c>MoreauGen.Generated.GrowableTape</c>), rented once per call and returned at its end. Part of <see cref="LayerEmitter"/>.
    /// </summary>
    internal sealed partial class LayerEmitter
    {
        /// <summary>A growable tape: the span the statements record on and the pooled array under it.</summary>
        private sealed record GrowingTape(string Span, string Array);

        private const string Growable = "global::MoreauGen.Generated.GrowableTape";

        private void GrowableTapeLength() => frame.TapeLength(
            "Nothing is recorded: a loop's trips are known only as it runs, so Pullback re-runs the forward pass on a pooled tape that grows with them.", "0");

        /// <summary>Rents the growable tape, with room for the records outside the loops' trips to start with.</summary>
        private GrowingTape GrowingTapeBuffer(Member member)
        {
            string slots = member.TapeSlots();
            string array = member.Local("tape_array");
            string span = member.Local("tape_s");
            code.Line("// A pooled tape for one sample that grows with the trips of the loops with no trip bound.");
            code.Line(t + "[] " + array + " = " + Growable + ".Rent<" + t + ">(" + slots + ");");
            code.Line(Span + " " + span + " = " + array + ";");
            return new GrowingTape(span, array);
        }

        private static void Bind(Member member, GrowingTape tape)
        {
            member.Bind(SpanRole.Tape, tape.Span);
            member.Bind(SpanRole.TapeArray, tape.Array);
        }

        private void Return(GrowingTape? tape)
        {
            if (tape is not null)
            {
                code.Line(Growable + ".Return(" + tape.Array + ");");
            }
        }

        /// <summary>Pullback's sample: the forward pass recording on the growable tape, y into a scratch buffer (the reverse pass then reads the tape back from its end).</summary>
        private void RecordForward(Member member, GrowingTape tape, ScratchSpan outputs)
        {
            Bind(member, tape);
            member.Bind(SpanRole.Y, outputs.Name);
            if (!body.WritesEveryOutput)
            {
                code.Line(outputs.Name + ".Clear();");
            }

            code.Line("// Forward pass, recording on the pooled tape.");
            code.OpenBlock();
            member.Statements(body.Primal);
            code.Close();
        }

        private void CloseIf(GrowingTape? tape)
        {
            if (tape is not null)
            {
                code.Close();
            }
        }

        /// <summary>The statements Pullback prints: with a growable tape, the forward pass's too.</summary>
        private IEnumerable<Stmt> PullbackStatements(IEnumerable<Stmt> reverse) => body.GrowableTape ? System.Linq.Enumerable.Concat(body.Primal, reverse) : reverse;
    }
}
