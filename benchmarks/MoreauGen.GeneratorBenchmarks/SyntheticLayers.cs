using System.Globalization;
using System.Text;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>The body shapes the harness times.</summary>
internal enum Shape
{
    /// <summary>Every statement declares a new local from the previous ones.</summary>
    Fresh,

    /// <summary>Four locals overwritten in rotation (every assignment a new version of a name).</summary>
    Overwrite,

    /// <summary>The overwrite rotation in sibling for loops of ten statements (every loop reuses the index name i).</summary>
    Loop,

    /// <summary>A batched body of Ops calls: an in-place tanh/bias rotation whose every tanh output is taped.</summary>
    Batched,
}

/// <summary>
/// C# sources of synthetic <c>[MoreauLayer]</c> types. <c>variant</c> changes one literal (or one call) of a body, for
/// the in-layer edit; the statement count is the number of statements the body holds (a for loop counts with the
/// statements inside it).
/// </summary>
internal static class SyntheticLayers
{
    private const string Usings = "using System;\nusing MoreauGen;\n\nnamespace Bench;\n\n";

    /// <summary>A file the unrelated edit changes: no layer reads it.</summary>
    public static string Unrelated(int variant) =>
        Usings + "public static class Unrelated\n{\n    public static int Value() => " + variant.ToString(CultureInfo.InvariantCulture) + ";\n}\n";

    public static string Layer(string typeName, Shape shape, int statements, int variant)
    {
        var body = new StringBuilder();
        string attribute = shape == Shape.Batched
            ? "[MoreauLayer(Batched = true, Parameters = 24, Inputs = 4, Outputs = 1)]"
            : "[MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 1)]";
        switch (shape)
        {
            case Shape.Fresh:
                Fresh(body, statements, variant);
                break;
            case Shape.Overwrite:
                Overwrite(body, statements, variant, loops: false);
                break;
            case Shape.Loop:
                Overwrite(body, statements, variant, loops: true);
                break;
            case Shape.Batched:
                Batched(body, statements, variant);
                break;
        }

        return Usings + "public partial class " + typeName + "\n{\n    " + attribute + "\n" +
               "    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)\n    {\n" +
               body + "    }\n}\n";
    }

    private static string Lit(int variant) => (variant + 1.5).ToString("R", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder body, string indent, string statement) => body.Append(indent).Append(statement).Append('\n');

    private static void Fresh(StringBuilder body, int statements, int variant)
    {
        const string Indent = "        ";
        Line(body, Indent, "double t0 = w[0] * x[0] + " + Lit(variant) + ";");
        Line(body, Indent, "double t1 = w[1] * x[1];");
        for (int k = 2; k < statements - 1; k++)
        {
            int j = k % 4;
            string value = (k % 3) switch
            {
                0 => $"Math.Sin(t{k - 1}) * w[{j}]",
                1 => $"t{k - 1} * t{k - 2} + x[{j}]",
                _ => $"Math.Tanh(t{k - 1} + w[{j}])",
            };
            Line(body, Indent, $"double t{k} = {value};");
        }

        Line(body, Indent, $"y[0] = t{Math.Max(statements - 2, 1)};");
    }

    private static readonly string[] Rotation = { "a", "b", "c", "d" };

    private static string Update(int k, string index)
    {
        string target = Rotation[k % 4];
        string first = Rotation[(k + 1) % 4];
        string second = Rotation[(k + 2) % 4];
        return (k % 3) switch
        {
            0 => $"{target} = Math.Sin({first}) * {second} + w[{index}];",
            1 => $"{target} = {target} * {first} + x[{index}];",
            _ => $"{target} = Math.Tanh({first} + {second} * w[{index}]);",
        };
    }

    private static void Overwrite(StringBuilder body, int statements, int variant, bool loops)
    {
        const string Indent = "        ";
        Line(body, Indent, "double a = w[0] * x[0] + " + Lit(variant) + ";");
        Line(body, Indent, "double b = w[1] * x[1];");
        Line(body, Indent, "double c = w[2] * x[2];");
        Line(body, Indent, "double d = w[3] * x[3];");
        int remaining = statements - 5;
        int k = 0;
        while (remaining > 0)
        {
            if (loops && remaining >= 10)
            {
                Line(body, Indent, "for (int i = 0; i < 4; i++)");
                Line(body, Indent, "{");
                for (int inner = 0; inner < 9; inner++, k++)
                {
                    Line(body, Indent + "    ", Update(k, "i"));
                }

                Line(body, Indent, "}");
                remaining -= 10;
            }
            else
            {
                Line(body, Indent, Update(k, (k % 4).ToString(CultureInfo.InvariantCulture)));
                k++;
                remaining--;
            }
        }

        Line(body, Indent, "y[0] = a + b + c + d;");
    }

    private static void Batched(StringBuilder body, int statements, int variant)
    {
        const string Indent = "        ";
        Line(body, Indent, "int m = x.Length / 4;");
        Line(body, Indent, "Span<double> h = new double[m * 4];");
        Line(body, Indent, "Ops.MatMul(x, w[..16], h, m, 4, 4);");
        for (int k = 3; k < statements - 1; k++)
        {
            string call = (k % 2) == 1
                ? (variant != 0 && k == 3 ? "Ops.Sigmoid(h, h);" : "Ops.Tanh(h, h);")
                : "Ops.AddBias(h, w[16..20], m, 4);";
            Line(body, Indent, call);
        }

        Line(body, Indent, "Ops.MatMul(h, w[20..24], y, m, 4, 1);");
    }
}
