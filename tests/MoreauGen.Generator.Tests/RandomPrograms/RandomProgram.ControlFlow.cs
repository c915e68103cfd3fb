using System.Globalization;

namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>
/// The control flow a random program may contain besides for and if/else: break, continue, early return, switch
/// statements and expressions, foreach over x, an int count and bool carried across iterations, and while/do loops
/// bounded by a counter (RandomProgram.Loops.cs) or by nothing (RandomProgram.UnboundedLoops.cs). The reference
/// prints the same C# (its conditions on values go through the trace, as the other branches do).
/// </summary>
internal sealed partial class RandomProgram
{
    private int switchDepth;

    /// <summary>One control-flow statement, when one fits here; false when none does (the caller picks another statement).</summary>
    private bool ControlFlowStatement(int depth, bool instanceBound)
    {
        switch (random.Next(9))
        {
            case 0 when loops.Count > 0 && switchDepth == 0:
                Jump("break;", Construct.Break);
                return true;
            case 1 when loops.Count > 0:
                Jump("continue;", Construct.Continue);
                return true;
            case 2:
                Jump("return;", Construct.EarlyReturn);
                return true;
            case 3 when loops.Count > 0 && depth < MaxDepth:
                SwitchStatement(depth, instanceBound);
                return true;
            case 4:
                SwitchExpression();
                return true;
            case 5 when depth < MaxDepth:
                ForEach(depth, instanceBound);
                return true;
            case 6 when depth < MaxDepth:
                CarriedCount(depth, instanceBound);
                return true;
            case 7 when depth < MaxDepth:
                CountedLoop(depth, instanceBound);
                return true;
            case 8 when depth < MaxDepth:
                UnboundedLoop(depth, instanceBound);
                return true;
            default:
                return false;
        }
    }

    private void Jump(string jump, Construct construct)
    {
        Constructs |= construct;
        Code condition = Condition();
        Emit(new Code($"if ({condition.Layer})", $"if ({condition.Reference})"));
        Line("{");
        indent++;
        if (construct == Construct.EarlyReturn && random.Next(2) == 0)
        {
            // An output written by the returning arm (after the loops when it reads only values that outlive them).
            Constructs |= Construct.OutputWrittenBeforeReturn;
            string index = Index(Outputs);
            Code value = Expression(2);
            Emit(new Code($"y[{index}] = 0.5 * y[{index}] + {value.Layer};", $"y[{index}] = t.V(0.5 * y[{index}] + {value.Reference});"));
        }

        Line(jump);
        indent--;
        Line("}");
    }

    private void SwitchStatement(int depth, bool instanceBound)
    {
        Constructs |= Construct.Switch;
        Loop loop = loops[random.Next(loops.Count)];
        Line($"switch ({loop.Index} % 3)");
        Line("{");
        indent++;
        switchDepth++;
        string[] labels = random.Next(2) == 0 ? ["case 0:", "case 1:\n case 2:", "default:"] : ["case 1:", "default:"];
        foreach (string label in labels)
        {
            foreach (string part in label.Split('\n'))
            {
                Line(part.Trim());
            }

            indent++;
            Line("{");
            indent++;
            Block(depth + 1, instanceBound);
            indent--;
            Line("}");
            Line("break;");
            indent--;
        }

        switchDepth--;
        indent--;
        Line("}");
    }

    private void SwitchExpression()
    {
        Constructs |= Construct.SwitchExpression;
        string name = "v" + nameCounter++;
        Code a = Expression(2), b = Expression(2);
        if (loops.Count > 0 && random.Next(2) == 0)
        {
            Loop loop = loops[random.Next(loops.Count)];
            Code c = Expression(1);
            Emit(new Code($"double {name} = ({loop.Index} % 3) switch {{ 0 => {a.Layer}, 1 or 2 => {b.Layer}, _ => {c.Layer} }};",
                          $"double {name} = t.V(({loop.Index} % 3) switch {{ 0 => {a.Reference}, 1 or 2 => {b.Reference}, _ => {c.Reference} }});"));
        }
        else
        {
            Code value = Expression(2);
            string constant = Constant(-0.5, 0.5);
            Emit(new Code($"double {name} = ({value.Layer}) switch {{ < {constant} => {a.Layer}, _ => {b.Layer} }};",
                          $"double {name} = t.V(t.Compare({value.Reference}, {constant}, false) ? {a.Reference} : {b.Reference});"));
        }

        locals.Add(name);
        carriedCandidates.Add(name);
    }

    private void ForEach(int depth, bool instanceBound)
    {
        Constructs |= Construct.ForEach | Construct.Loop;
        string element = "e" + nameCounter++;
        string name = "v" + nameCounter++;
        Line($"foreach (double {element} in x)");
        Line("{");
        indent++;
        Code factor = Bounded(1);
        Emit(new Code($"double {name} = {element} * (0.6 + 0.3 * Math.Tanh({factor.Layer}));", $"double {name} = t.V({element} * (0.6 + 0.3 * Math.Tanh({factor.Reference})));"));
        int scopeStart = locals.Count;
        locals.Add(name);
        Block(depth + 1, instanceBound);
        locals.RemoveRange(scopeStart, locals.Count - scopeStart);
        indent--;
        Line("}");
    }

    private void CarriedCount(int depth, bool instanceBound)
    {
        Constructs |= Construct.CarriedIntAndBool | Construct.Loop;
        string count = "c" + nameCounter++;
        string seen = "b" + nameCounter++;
        string index = "i" + nameCounter++;
        int bound = random.Next(1, 4);
        Line($"int {count} = 0;");
        Line($"bool {seen} = false;");
        Line($"for (int {index} = 0; {index} < {bound.ToString(CultureInfo.InvariantCulture)}; {index}++)");
        Line("{");
        indent++;
        loops.Add(new Loop(index, bound));
        Code condition = Condition();
        Emit(new Code($"if ({condition.Layer})", $"if ({condition.Reference})"));
        Line("{");
        indent++;
        Line($"{count}++;");
        Line($"{seen} = true;");
        indent--;
        Line("}");
        Block(depth + 1, instanceBound);
        loops.RemoveAt(loops.Count - 1);
        indent--;
        Line("}");
        string output = Index(Outputs);
        Code value = Expression(2);
        Line($"if ({seen} && {count} > {random.Next(2).ToString(CultureInfo.InvariantCulture)})");
        Line("{");
        indent++;
        Emit(new Code($"y[{output}] += 0.25 * {count} * {value.Layer};", $"y[{output}] = t.V(y[{output}] + 0.25 * {count} * {value.Reference});"));
        indent--;
        Line("}");
    }
}
