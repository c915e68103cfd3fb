using System.Globalization;

namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>
/// Scratch state a random program may contain: a scratch array (<c>stackalloc</c> or <c>new double[n]</c>, of a constant
/// length or <c>x.Length</c>) filled in a loop, sometimes first from a slice of w or x (<c>CopyTo</c>) or with a value
/// (<c>Fill</c>), and read through views (<c>a[i..j]</c>, <c>Slice</c>, <c>AsSpan</c>) of it, of w or of x, or by
/// <c>foreach</c>. The reference prints the same C# on arrays (<c>AsSpan</c> where the layer slices a span).
/// </summary>
internal sealed partial class RandomProgram
{
    private void ScratchStatement()
    {
        Constructs |= Construct.ScratchArray | Construct.Loop | (loops.Count > 0 ? Construct.NestedLoop : Construct.None);
        bool stack = random.Next(2) == 0;
        bool inputLength = random.Next(4) == 0;
        int length = inputLength ? Inputs : random.Next(2, 5);
        string lengthCode = inputLength ? "x.Length" : Int(length);
        string scratch = "s" + nameCounter++;
        Line(stack ? $"Span<double> {scratch} = stackalloc double[{lengthCode}];" : $"double[] {scratch} = new double[{lengthCode}];");

        switch (random.Next(4))
        {
            case 0:
            {
                // Part of w or x copied in: a view of the layer's span (a span of the reference's array).
                Constructs |= Construct.SpanCopy | Construct.View;
                (string span, int size) = random.Next(2) == 0 ? ("w", Parameters) : ("x", Inputs);
                int count = Math.Min(size, length);
                int start = random.Next(size - count + 1);
                Emit(new Code($"{span}.Slice({Int(start)}, {Int(count)}).CopyTo({scratch});", $"{span}.AsSpan({Int(start)}, {Int(count)}).CopyTo({scratch});"));
                break;
            }

            case 1:
            {
                Constructs |= Construct.SpanCopy;
                Code value = Bounded(1);
                string target = stack ? scratch : scratch + ".AsSpan()";
                Emit(new Code($"{target}.Fill({value.Layer});", $"{target}.Fill(t.V({value.Reference}));"));
                break;
            }
        }

        // Every element written in a loop (reading what was there), now and then the next one updated from it.
        string index = "i" + nameCounter++;
        Line($"for (int {index} = 0; {index} < {scratch}.Length; {index}++)");
        Line("{");
        indent++;
        loops.Add(new Loop(index, length));
        Code element = Expression(2);
        Emit(new Code($"{scratch}[{index}] = 0.5 * {scratch}[{index}] + {element.Layer};", $"{scratch}[{index}] = t.V(0.5 * {scratch}[{index}] + {element.Reference});"));
        if (random.Next(3) == 0)
        {
            Code factor = Bounded(1);
            string next = $"{scratch}[({index} + 1) % {Int(length)}]";
            Emit(new Code($"{next} += 0.25 * {factor.Layer} * {scratch}[{index}];", $"{next} = t.V({next} + 0.25 * {factor.Reference} * {scratch}[{index}]);"));
        }

        loops.RemoveAt(loops.Count - 1);
        indent--;
        Line("}");

        string name = "v" + nameCounter++;
        if (random.Next(2) == 0)
        {
            ForEachOverView(scratch, length, name);
        }
        else
        {
            ReadThroughView(scratch, stack, length, name);
        }

        locals.Add(name);
    }

    /// <summary><c>foreach</c> over the scratch array or a range of it, summing a bounded function of the elements.</summary>
    private void ForEachOverView(string scratch, int length, string name)
    {
        Constructs |= Construct.ForEachView;
        int start = random.Next(length);
        string collection = start == 0 && random.Next(2) == 0 ? scratch : $"{scratch}[{Int(start)}..]";
        if (collection != scratch)
        {
            Constructs |= Construct.View;
        }

        string element = "e" + nameCounter++;
        Line($"double {name} = 0;");
        Line($"foreach (double {element} in {collection})");
        Line("{");
        indent++;
        Code factor = Bounded(1);
        Emit(new Code($"{name} += {element} * (0.6 + 0.3 * Math.Tanh({factor.Layer}));", $"{name} = t.V({name} + {element} * (0.6 + 0.3 * Math.Tanh({factor.Reference})));"));
        indent--;
        Line("}");
    }

    /// <summary>A named view of the scratch array, of w or of x, read at a constant index and at its last element.</summary>
    private void ReadThroughView(string scratch, bool stack, int length, string name)
    {
        Constructs |= Construct.View;
        (string span, int size, bool layerSpan) = random.Next(3) switch
        {
            0 => ("w", Parameters, true),
            1 => ("x", Inputs, true),
            _ => (scratch, length, stack),
        };
        int start = random.Next(size);
        int count = random.Next(1, size - start + 1);
        string view = "r" + nameCounter++;
        Code slice = random.Next(3) switch
        {
            0 => Code.Same($"{span}[{Int(start)}..{Int(start + count)}]"),
            1 when layerSpan && span == scratch => Code.Same($"{span}.Slice({Int(start)}, {Int(count)})"),
            1 when layerSpan => new Code($"{span}.Slice({Int(start)}, {Int(count)})", $"{span}.AsSpan({Int(start)}, {Int(count)})"),
            _ => span == scratch ? Code.Same($"{span}{(stack ? string.Empty : ".AsSpan()")}.Slice({Int(start)}, {Int(count)})") : Code.Same($"{span}[{Int(start)}..{Int(start + count)}]"),
        };
        Emit(new Code($"var {view} = {slice.Layer};", $"var {view} = {slice.Reference};"));
        Code factor = Bounded(1);
        string at = Int(random.Next(count));
        Emit(new Code($"double {name} = {view}[{at}] * {factor.Layer} + 0.5 * {view}[{view}.Length - 1];",
                      $"double {name} = t.V({view}[{at}] * {factor.Reference} + 0.5 * {view}[{view}.Length - 1]);"));
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
