namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>
/// <c>while</c> and <c>do</c> loops that no int counter bounds: a value that starts from the data and falls by a fixed
/// positive step each trip (before anything may continue), tested directly (<c>while (r &gt; 0)</c>, <c>do … while (r &gt; 0)</c>)
/// or through a bool flag (<c>while (!done)</c>), so every loop ends and its trip count differs per sample. A trip counter
/// with no bound is read as an index (<c>int j = c; c++;</c>). The reference prints the same loop, its tests on the
/// falling value through the trace.
/// </summary>
internal sealed partial class RandomProgram
{
    /// <summary>The most trips such a loop runs: it starts below 1.5 and falls by 0.4.</summary>
    private const int UnboundedTrips = 4;

    private void UnboundedLoop(int depth, bool instanceBound)
    {
        string falling = "r" + nameCounter++;
        string counter = "c" + nameCounter++;
        string index = "j" + nameCounter++;
        string done = "done" + nameCounter++;
        Code start = Expression(2);
        int shape = random.Next(3);
        Constructs |= Construct.Loop | Construct.UnboundedLoop | Construct.MathCall | Construct.IndexLocal;
        Emit(new Code($"double {falling} = 1.0 + 0.5 * Math.Tanh({start.Layer});", $"double {falling} = t.V(1.0 + 0.5 * Math.Tanh({start.Reference}));"));
        Line($"int {counter} = 0;");
        switch (shape)
        {
            case 0:
                Emit(new Code($"while ({falling} > 0.0)", $"while (t.Compare({falling}, 0.0, true))"));
                break;
            case 1:
                Line("do");
                break;
            default:
                Line($"bool {done} = false;");
                Line($"while (!{done})");
                break;
        }

        Line("{");
        indent++;
        Line($"{falling} -= 0.4;");
        if (shape == 2)
        {
            Emit(new Code($"if ({falling} < 0.0)", $"if (t.Compare({falling}, 0.0, false))"));
            Line("{");
            Line($"    {done} = true;");
            Line("}");
        }

        Line($"int {index} = {counter};");
        Line($"{counter}++;");
        loops.Add(new Loop(index, UnboundedTrips, Counted: true));
        Block(depth + 1, instanceBound);
        loops.RemoveAt(loops.Count - 1);
        indent--;
        Line("}");
        if (shape == 1)
        {
            Emit(new Code($"while ({falling} > 0.0);", $"while (t.Compare({falling}, 0.0, true));"));
        }
    }
}
