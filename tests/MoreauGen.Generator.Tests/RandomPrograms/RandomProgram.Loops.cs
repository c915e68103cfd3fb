using System.Globalization;

namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>
/// <c>while</c> and <c>do</c> loops bounded by an int counter, their conditions on values (so the trip count differs
/// per sample), and the counter read as an index: <c>int j = k; k++;</c> opens each iteration and the body indexes
/// with j like a loop index (never as a loop bound: the tape is sized before the data is seen, MG0029).
/// </summary>
internal sealed partial class RandomProgram
{
    private void CountedLoop(int depth, bool instanceBound)
    {
        string counter = "k" + nameCounter++;
        string index = "j" + nameCounter++;
        int bound = random.Next(0, 4);
        string limit = bound.ToString(CultureInfo.InvariantCulture);
        Code condition = Condition();
        int shape = random.Next(3);
        Constructs |= Construct.Loop | Construct.CounterIndex | Construct.IndexLocal | (shape == 1 ? Construct.DoLoop : Construct.WhileLoop);
        Line($"int {counter} = 0;");
        switch (shape)
        {
            case 0:
                Emit(new Code($"while ({condition.Layer} && {counter} < {limit})", $"while (({condition.Reference}) & {counter} < {limit})"));
                break;
            case 1:
                Line("do");
                break;
            default:
                Line("while (true)");
                break;
        }

        Line("{");
        indent++;
        if (shape == 2)
        {
            Emit(new Code($"if ({counter} >= {limit} || {condition.Layer})", $"if ({counter} >= {limit} | ({condition.Reference}))"));
            Line("{");
            indent++;
            Line("break;");
            indent--;
            Line("}");
        }

        // The counter as the iteration's index, then advanced before anything may continue.
        Line($"int {index} = {counter};");
        Line($"{counter}++;");
        loops.Add(new Loop(index, Math.Max(bound, 1), Counted: true));
        Block(depth + 1, instanceBound);
        loops.RemoveAt(loops.Count - 1);
        indent--;
        Line("}");
        if (shape == 1)
        {
            Emit(new Code($"while ({condition.Layer} && {counter} < {limit});", $"while (({condition.Reference}) & {counter} < {limit});"));
        }
    }
}
