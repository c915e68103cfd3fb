using System.Collections.Generic;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// Members of a body with a <c>while</c> or <c>do</c> loop that has no trip bound (<see cref="DifferentiatedBody.GrowableTape"/>).
    /// A call's tape holds, per sample, a mark and a fixed reserve (<see cref="Reserved"/>) with room for
    /// <see cref="ReservedTrips"/> trips of every such loop. The taped Forward records the trips there while they fit and
    /// writes the number of values recorded to the mark (−1 when they did not fit); Pullback reverses straight from the
    /// call's tape when they fit, and only for a sample that overflowed re-runs the forward pass recording on a pooled tape
    /// that grows with the trips (<c>MoreauGen.Generated.GrowableTape</c>), rented once per call and returned at its end.
    /// SubproblemW and SubproblemX evaluate φ at w + v and x + u, so they always record on the pooled tape. Part of
    /// <see cref="LayerEmitter"/>.
    /// </summary>
    internal sealed partial class LayerEmitter
    {
        /// <summary>The trips of each unbounded loop a sample's reserve in the call's tape has room for (about 25 in the projectile benchmark).</summary>
        internal const int ReservedTrips = 64;

        /// <summary>
        /// The largest reserve a float tape may hold: the mark stores the number of values recorded as a tape value, and a
        /// float holds every int only up to 2^24.
        /// </summary>
        internal const int LargestFloatReserve = 1 << 24;

        /// <summary>A growable tape: the span the statements record on and the pooled array under it.</summary>
        private sealed record GrowingTape(string Span, string Array);

        /// <summary>A sample's part of the call's tape: the mark and the reserve after it, as C# (numbers when the sizes are fixed).</summary>
        private sealed record ReservedTape(string Reserve, string PerSample);

        private const string Growable = "global::MoreauGen.Generated.GrowableTape";

        /// <summary>
        /// The reserve L = S + <see cref="ReservedTrips"/> × Σ + R = 2R + (<see cref="ReservedTrips"/> − 1) × Σ values and
        /// the values per sample, one more (the mark); R = S + Σ (<see cref="DifferentiatedBody.TapeSlots"/>), S the records
        /// outside the unbounded loops' trips, Σ those of one trip of each (<see cref="DifferentiatedBody.TripSlots"/>).
        /// Why it is enough: each trip first checks that R values fit past the cursor (else the mark is −1 and the cursor
        /// goes back to 0, <c>CSharpPrinter.GrowTape.cs</c>). From a check to the next one (or to the end), the forward pass
        /// records the rest of that trip outside the unbounded loops it holds (each of their trips checks again), at most
        /// Σ, and records outside every unbounded trip, at most S in all: at most R, so a trip that passed its check, and
        /// the start (at most S before the first check, and L ≥ R), stay in bounds. When each unbounded loop makes at most
        /// <see cref="ReservedTrips"/> trips in the sample, the cursor at the check of any trip is at most S (outside the
        /// trips) + <see cref="ReservedTrips"/> × Σ (the trips before it, fewer than <see cref="ReservedTrips"/> of its own
        /// loop), so the check finds cursor + R ≤ L and the sample does not overflow. Declares the reserve in a local when it
        /// depends on the sizes (int arithmetic checked), and for a float tape throws when it exceeds
        /// <see cref="LargestFloatReserve"/>.
        /// </summary>
        private ReservedTape Reserved(Member member)
        {
            Expr room = ReserveRoom();
            if (FixedReserve(room) is ReservedTape fixedReserve)
            {
                return fixedReserve;
            }

            member.TapeSlots();
            string local = member.Local("tape_reserve");
            code.Line("// The sample's reserve: room for " + EmissionScaffold.Int(ReservedTrips) + " trips of each loop with no trip bound and for the check before each trip.");
            code.Line("int " + local + " = checked(" + member.Expression(room) + ");");
            if (t == "float")
            {
                code.Open("if (" + local + " > " + EmissionScaffold.Int(LargestFloatReserve) + ")");
                code.Line("throw new global::System.NotSupportedException(\"A sample's reserve in the tape would hold \" + " + local +
                    " + \" values, more than a float tape can count exactly (2^24): use double, or give the 'while' loop an int counter.\");");
                code.Close();
            }

            return new ReservedTape(local, "(1 + " + local + ")");
        }

        private Expr ReserveRoom() => IntMath.Add(
            IntMath.Multiply(new Literal(IrType.Int, 2), body.TapeSlots),
            IntMath.Multiply(new Literal(IrType.Int, ReservedTrips - 1), body.TripSlots));

        /// <summary>The reserve as numbers when the sizes fix it (and, for a float tape, the mark counts it exactly), else null.</summary>
        private ReservedTape? FixedReserve(Expr room)
        {
            if (room is not Literal { Value: var value } || (t == "float" && value > LargestFloatReserve))
            {
                return null;
            }

            int reserve = checked((int)value);
            return new ReservedTape(EmissionScaffold.Int(reserve), EmissionScaffold.Int(checked(reserve + 1)));
        }

        private void GrowableTapeLength()
        {
            string remarks = "The tape holds, per sample, the number of values the loops recorded (-1 when they overflowed) and a reserve for them, room for " +
                EmissionScaffold.Int(ReservedTrips) + " trips of each loop with no trip bound; Pullback re-runs the forward pass of a sample that overflowed on a pooled tape.";
            if (FixedReserve(ReserveRoom()) is ReservedTape fixedReserve)
            {
                frame.TapeLength(remarks, "checked(batch * " + fixedReserve.PerSample + ")");
                return;
            }

            var member = new Member(this, "batch");
            string batch = member.OpenTapeLength(remarks);
            code.Line("return checked(" + batch + " * " + Reserved(member).PerSample + ");");
            code.Close();
        }

        /// <summary>The taped Forward's sample: the reserve after the mark, the span the forward pass records on.</summary>
        private void SliceReserve(Member member, ReservedTape reserved)
        {
            string tape = member.Param("tape");
            string at = MemberFrame.Product(member.S, reserved.PerSample);
            string span = member.Local("tape_s");
            code.Line(Span + " " + span + " = " + tape + ".Slice(" + at + " + 1, " + reserved.Reserve + ");");
            member.Bind(SpanRole.Tape, span);
            member.Bind(SpanRole.TapeMark, tape + "[" + at + "]");
        }

        /// <summary>
        /// Pullback's sample: the records from the call's tape when they fitted its reserve, else the forward pass again on
        /// the pooled tape (<see cref="RecordForward"/>). Binds the tape to what the reverse pass reads.
        /// </summary>
        private void RecordsOf(Member member, ReservedTape reserved, GrowingTape tape, ScratchSpan outputs)
        {
            string callTape = member.Param("tape");
            string at = MemberFrame.Product(member.S, reserved.PerSample);
            string used = member.Local("tape_used");
            string records = member.Local("tape_r");
            code.Line("int " + used + " = (int)" + callTape + "[" + at + "];");
            code.Line(ReadOnlySpan + " " + records + ";");
            code.Open("if (" + used + " >= 0)");
            code.Line("// The taped Forward's records fitted the sample's reserve: the reverse pass reads them there.");
            code.Line(records + " = " + callTape + ".Slice(" + at + " + 1, " + used + ");");
            code.Close();
            code.Open("else");
            RecordForward(member, tape, outputs);
            code.Line(records + " = " + tape.Span + ";");
            code.Close();
            member.Bind(SpanRole.Tape, records);
        }

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

            code.Line("// The sample's trips overflowed its reserve in the call's tape: its forward pass again, recording on the pooled tape.");
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
