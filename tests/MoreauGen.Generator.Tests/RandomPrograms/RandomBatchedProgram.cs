using System.Globalization;
using System.Text;
using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>
/// A random <c>[MoreauLayer(Batched = true)]</c> body: a chain of <c>Ops</c> calls over m × width matrices (products with
/// and without transposed weights, biases, activations in place and out of place, sums and products of two values,
/// scalings by a constant or by w[i]), on constant slices of w that may overlap or leave parameters unused, with
/// temporaries, values read by several calls, and the last call writing y. Written with the corpus aliases (T, M), so it
/// compiles as a double and as a float layer and is checked like a corpus entry: against the user's own method.
/// </summary>
internal sealed class RandomBatchedProgram
{
    private readonly Random random;
    private readonly StringBuilder body = new();
    private readonly List<(string Name, int Width, bool Writable)> values = new();
    private int parameters;
    private int counter;

    private RandomBatchedProgram(int seed) => random = new Random(seed);

    /// <summary>
    /// The Ops methods the bodies call. An operation added to the tensor rules is not called until it is added here
    /// (and to <see cref="Call"/>); its own corpus entry and the mutation tests cover it meanwhile.
    /// </summary>
    public static IReadOnlyList<string> Methods { get; } = ["MatMul", "AddBias", "Relu", "Tanh", "Sigmoid", "Add", "Multiply", "Scale"];

    /// <summary>The program of <paramref name="seed"/> as a corpus entry named <c>B{seed}</c>.</summary>
    public static CorpusEntry Create(int seed)
    {
        var program = new RandomBatchedProgram(seed);
        return program.Build("B" + seed.ToString(CultureInfo.InvariantCulture));
    }

    private CorpusEntry Build(string name)
    {
        int inputs = random.Next(1, 5), outputs = random.Next(1, 4);
        values.Add(("x", inputs, false));
        int calls = random.Next(1, 6);
        for (int c = 0; c < calls; c++)
        {
            Call();
        }

        // The last call writes y: a product into the output width, then, now and then, an activation or a scaling of y.
        (string source, int width, _) = Pick();
        Product(source, width, "y", outputs);
        if (random.Next(2) == 0)
        {
            Line(random.Next(3) switch
            {
                0 => "Ops.Tanh(y, y);",
                1 => "Ops.Sigmoid(y, y);",
                _ => $"Ops.Scale(y, w[{Parameter(1)}], y);",
            });
        }

        string template = $$"""
            public partial class {{name}}
            {
                public int ParameterCount => {{Math.Max(1, parameters)}};
                public int InputCount => {{inputs}};
                public int OutputCount => {{outputs}};

                [MoreauLayer(Batched = true)]
                public void Apply(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)
                {
                    int m = x.Length / {{inputs}};
            {{body}}    }
            }
            """;
        return new CorpusEntry(name, template);
    }

    private (string Name, int Width, bool Writable) Pick() => values[random.Next(values.Count)];

    private void Call()
    {
        (string a, int width, bool writable) = Pick();
        switch (random.Next(8))
        {
            case 0 or 1:
            {
                int next = random.Next(1, 5);
                string t = Temporary(next);
                Product(a, width, t, next);
                break;
            }

            case 2 when writable:
                Line($"Ops.AddBias({a}, w.Slice({Parameter(width)}, {width}), m, {width});");
                break;
            case 3 or 4:
            {
                string op = random.Next(3) switch { 0 => "Relu", 1 => "Tanh", _ => "Sigmoid" };
                if (writable && random.Next(2) == 0)
                {
                    Line($"Ops.{op}({a}, {a});");
                }
                else
                {
                    string t = Temporary(width);
                    Line($"Ops.{op}({a}, {t});");
                }

                break;
            }

            case 5:
            {
                string t = Temporary(width);
                string factor = random.Next(2) == 0 ? $"w[{Parameter(1)}]" : "(T)0.75";
                Line($"Ops.Scale({a}, {factor}, {t});");
                break;
            }

            default:
            {
                // Two values of one width: their sum or product (the same value twice is allowed).
                var same = values.Where(v => v.Width == width).ToList();
                string b = same[random.Next(same.Count)].Name;
                string t = Temporary(width);
                Line($"Ops.{(random.Next(2) == 0 ? "Add" : "Multiply")}({a}, {b}, {t});");
                break;
            }
        }
    }

    /// <summary>target (m × n) = source (m × k) · W, W a slice of w stored k × n, or n × k with transposeB.</summary>
    private void Product(string source, int k, string target, int n)
    {
        int offset = Parameter(k * n);
        string transpose = random.Next(3) == 0 ? ", transposeB: true" : string.Empty;
        Line($"Ops.MatMul({source}, w.Slice({offset}, {k * n}), {target}, m, {k}, {n}{transpose});");
    }

    private string Temporary(int width)
    {
        string name = "t" + counter++;
        Line($"Span<T> {name} = new T[m * {width}];");
        values.Add((name, width, true));
        return name;
    }

    /// <summary>The offset of <paramref name="count"/> parameters: fresh ones, or (now and then) ones already used.</summary>
    private int Parameter(int count)
    {
        if (parameters >= count && random.Next(4) == 0)
        {
            return random.Next(parameters - count + 1);
        }

        int offset = parameters;
        parameters += count;
        return offset;
    }

    private void Line(string text) => body.Append("        ").AppendLine(text);
}
