using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>The growable tape of a body with an unbounded loop (<see cref="GrowTape"/>). Part of <see cref="CSharpPrinter"/>.</summary>
    internal sealed partial class CSharpPrinter
    {
        private void WriteGrowTape(CodeWriter code, GrowTape grow)
        {
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
    }
}
