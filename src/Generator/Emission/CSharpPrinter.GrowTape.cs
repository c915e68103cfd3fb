using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// The growable tape of a body with an unbounded loop (<see cref="GrowTape"/>): a pooled array that grows
    /// (<see cref="SpanRole.TapeArray"/> bound), or the sample's fixed reserve in the call's tape with a mark before it
    /// (<see cref="SpanRole.TapeMark"/> bound). Part of <see cref="CSharpPrinter"/>.
    /// </summary>
    internal sealed partial class CSharpPrinter
    {
        private void WriteGrowTape(CodeWriter code, GrowTape grow)
        {
            if (!spans.ContainsKey(SpanRole.TapeArray) && spans.TryGetValue(SpanRole.TapeMark, out string? mark))
            {
                WriteReservedTape(code, grow, mark);
                return;
            }

            string tape = spans[SpanRole.Tape];
            string array = spans[SpanRole.TapeArray];
            string cursor = Identifier(grow.Cursor);
            string grown = tape + " = global::MoreauGen.Generated.GrowableTape.Grow(ref " + array + ", ";
            switch (grow.Growth)
            {
                case TapeGrowth.Start:
                    code.Line(grown + "0, " + Expression(grow.Reserve) + ");");
                    break;
                case TapeGrowth.Trip:
                {
                    string needed = cursor + " + " + Operand(grow.Reserve, AdditiveLevel + 1);
                    code.Open("if (" + needed + " > " + tape + ".Length)");
                    code.Line(grown + cursor + ", " + needed + ");");
                    code.Close();
                    break;
                }

                default:
                    code.Line(tape + " = " + tape + ".Slice(0, " + cursor + ");");
                    break;
            }
        }

        /// <summary>
        /// The sample's reserve in the call's tape: the mark starts at 0; a trip without room for Reserve more values sets
        /// it to −1 (overflowed: Pullback records this sample again on a pooled tape) and sends the cursor back to the
        /// reserve's start, so that the forward pass runs on in bounds; the end writes the cursor unless the mark is −1.
        /// </summary>
        private void WriteReservedTape(CodeWriter code, GrowTape grow, string mark)
        {
            string cursor = Identifier(grow.Cursor);
            switch (grow.Growth)
            {
                case TapeGrowth.Start:
                    code.Line(mark + " = 0;");
                    break;
                case TapeGrowth.Trip:
                    code.Open("if (" + cursor + " + " + Operand(grow.Reserve, AdditiveLevel + 1) + " > " + spans[SpanRole.Tape] + ".Length)");
                    code.Line(mark + " = -1;");
                    code.Line(cursor + " = 0;");
                    code.Close();
                    break;
                default:
                    code.Open("if (" + mark + " >= 0)");
                    code.Line(mark + " = " + cursor + ";");
                    code.Close();
                    break;
            }
        }
    }
}
