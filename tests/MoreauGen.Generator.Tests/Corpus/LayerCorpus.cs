using System.Text;

namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// One layer of the compile-and-run corpus. The template is C# written against aliases: T is the layer's element
/// type and M its Math class (Math or MathF); U and N are the other precision and its Math class. Each template is
/// compiled as a double layer (namespace Corpus.Double) and a float layer (Corpus.Single); templates that mix
/// precisions are also compiled all in double (Corpus.Reference) as the function finite differences are taken of.
/// </summary>
/// <param name="Name">The (metadata) name of the layer type, e.g. <c>Outer+Inner</c> for a nested type.</param>
/// <param name="Template">The type declaration(s).</param>
/// <param name="Arguments">Constructor arguments, if any.</param>
/// <param name="Mixed">Uses U/N, so the double layer is not its own all-double reference.</param>
/// <param name="Low">Lower end of the range w and x are drawn from.</param>
/// <param name="High">Upper end of that range.</param>
internal sealed record CorpusEntry(string Name, string Template, object[]? Arguments = null, bool Mixed = false, double Low = -1, double High = 1);

/// <summary>The straight-line layers every generated oracle is checked on (each construct of the supported subset appears).</summary>
internal static class LayerCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Composite =
    [
        new("Affine", $$"""
            public partial class Affine
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = w[0] * x[0] + w[1] * x[1] + w[2];
                }
            }
            """),
        new("Pendulum", $$"""
            public partial class Pendulum
            {
                private readonly T dt = 0.05f;

                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2)]
                public void Step{{Span3}}
                {
                    const T g = 9.81f;
                    const T length = 1.5f;
                    T theta = x[0];
                    T omega = x[1];
                    T accel = -g / length * M.Sin(theta) + w[0];
                    y[0] = theta + dt * omega;
                    y[1] = omega + dt * accel;
                }
            }
            """),
        new("Arithmetic", $$"""
            public partial class Arithmetic
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = (w[0] - x[0]) / (2f + x[1] * x[1]);
                    y[1] = -(w[1] * x[0]) * (x[1] + w[0]) - x[0] / (3f + w[2]) + -x[1] - (w[2] - (x[0] - w[1]));
                }
            }
            """),
        new("Trigonometry", $$"""
            public partial class Trigonometry
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Sin(w[0] * x[0]) + M.Cos(w[1] - x[1]);
                    y[1] = M.Tan(0.5f * w[0] * x[1]) * M.Atan(x[0] + w[1]);
                }
            }
            """),
        new("ExpLogSqrt", $$"""
            public partial class ExpLogSqrt
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Exp(w[0] * x[0]) - M.Log(2f + w[1] * x[1]);
                    y[1] = M.Sqrt(1.5f + x[0] * x[0] + w[0] * w[0]) * x[1];
                }
            }
            """),
        new("Hyperbolic", $$"""
            public partial class Hyperbolic
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Tanh(w[0] * x[0] + w[1]);
                    y[1] = M.Sinh(x[1] * w[1]) + M.Cosh(x[0] - w[0]);
                }
            }
            """),
        new("Powers", $$"""
            public partial class Powers
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Pow(1.5f + x[0] * x[0], w[0]);
                    y[1] = M.Pow(x[1] + 2f, 3f) * w[1];
                    y[2] = M.Pow(2f + w[1], x[0]);
                }
            }
            """),
        new("Piecewise", $$"""
            public partial class Piecewise
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Abs(w[0] - x[0]) + M.Max(w[1] * x[1], x[0]);
                    y[1] = M.Min(w[0], x[1]) * M.Abs(x[0]);
                }
            }
            """),
        new("ReassignedLocal", $$"""
            public partial class ReassignedLocal
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    var a = x[0] * w[0];
                    a = a * a;
                    a = M.Sin(a) + a;
                    a = a * x[1];
                    y[0] = a;
                }
            }
            """),
        new("CompoundLocal", $$"""
            public partial class CompoundLocal
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T s = w[0];
                    s += x[0];
                    s -= x[1] * w[1];
                    s *= x[0] + 2f;
                    s /= 2f + x[1] * x[1];
                    y[0] = s;
                    y[1] = s * w[0];
                }
            }
            """),
        new("CompoundOutput", $$"""
            public partial class CompoundOutput
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = x[0];
                    y[0] += w[0];
                    y[0] -= x[1];
                    y[0] *= w[1];
                    y[0] /= 1.5f + w[0] * w[0];
                    y[1] = y[0] * x[1];
                }
            }
            """),
        new("ReadBack", $$"""
            public partial class ReadBack
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Exp(w[0] * x[0]);
                    y[1] = y[0] * y[0] + x[1];
                    y[2] = y[1] - y[0] * w[1];
                }
            }
            """),
        new("VarAndConst", $$"""
            public partial class VarAndConst
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    const T k = 0.25f;
                    var p = x[0] * k;
                    var q = p + w[0];
                    y[0] = q * q;
                    y[1] = k;
                }
            }
            """),
        new("ConstantIndices", $$"""
            public partial class ConstantIndices
            {
                [MoreauLayer(Parameters = 3, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    const int K = 1;
                    y[K - 1] = x[2 * K] * w[K];
                    y[K] = x[K - 1] + w[2 * K - 2] * x[K];
                }
            }
            """),
        new("InstanceData", $$"""
            public partial class InstanceData
            {
                public const T Gain = 2f;
                private static readonly T Offset = -0.5f;
                private readonly T scale = 1.5f;

                public T Bias { get; } = 0.25f;

                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = scale * x[0] * w[1] + Bias * w[0] + Gain * x[1] * w[0] + Offset + this.scale * M.PI;
                }
            }
            """),
        new("Constants", $$"""
            public partial class Constants
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    const T negative = -0.5f;
                    const T tiny = 1e-7f;
                    const T big = 1.5e10f;
                    const T third = 1f / 3f;
                    y[0] = negative * x[0] + tiny * w[0] * big;
                    y[1] = third * x[1] * w[0] + -2.5f + 0.1f * x[0];
                }
            }
            """),
        new("RuntimeAffine", $$"""
            public partial class RuntimeAffine(int n)
            {
                public int ParameterCount => n + 1;

                public int InputCount => n;

                public int OutputCount => 1;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    y[0] = w[0] * x[0] + w[1] * x[1] + w[n];
                }
            }
            """, Arguments: [2]),
        new("RuntimeOutputIndices", $$"""
            public partial class RuntimeOutputIndices(int n)
            {
                public int ParameterCount => 2;

                public int InputCount => 2;

                public int OutputCount => n;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    y[0] = x[0] * w[0];
                    y[n - 1] = x[1] * w[1];
                    y[n - 1] += y[0] * x[0];
                    y[0] *= x[1];
                    y[n - 2] -= M.Sin(w[1]);
                    y[n - 2] /= 2f + y[n - 1] * y[n - 1];
                }
            }
            """, Arguments: [3]),
        new("RuntimeWide", $$"""
            public partial class RuntimeWide(int n)
            {
                public int ParameterCount => n;

                public int InputCount => n - 50;

                public int OutputCount => 2;

                [MoreauLayer]
                public void Apply{{Span3}}
                {
                    y[0] = w[0] * x[0] + w[n - 1] * x[n - 51];
                    y[1] = M.Tanh(w[n / 2] * x[1]);
                }
            }
            """, Arguments: [200]),
        new("FixedWide", $$"""
            public partial class FixedWide
            {
                [MoreauLayer(Parameters = 130, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = w[0] * x[0] + w[129] * x[1] + w[64];
                }
            }
            """),
        new("MixedPrecision", $$"""
            public partial class MixedPrecision
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    U a = (U)x[0];
                    U b = N.Sin(a * (U)w[0]);
                    y[0] = (T)b + x[1];
                    y[1] = (T)((U)x[1] * a) * w[1];
                }
            }
            """, Mixed: true),
        new("NestedCalls", $$"""
            public partial class NestedCalls
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Sin(M.Cos(M.Exp(x[0] * w[0]) * w[1]) + M.Tanh(x[1]));
                }
            }
            """),
        new("FanOut", $$"""
            public partial class FanOut
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 3)]
                public void Apply{{Span3}}
                {
                    var a = w[0] * x[0];
                    y[0] = a * a * a;
                    y[1] = a + M.Sin(a);
                    y[2] = a / (1f + a * a);
                }
            }
            """),
        new("NoParameters", $$"""
            public partial class NoParameters
            {
                [MoreauLayer(Parameters = 0, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = x[0] * x[1] + M.Exp(x[0]);
                }
            }
            """),
        new("NoInputs", $$"""
            public partial class NoInputs
            {
                [MoreauLayer(Parameters = 2, Inputs = 0, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = w[0] * w[1];
                    y[1] = M.Exp(w[0]);
                }
            }
            """),
        new("InactiveLocals", $$"""
            public partial class InactiveLocals
            {
                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T c = 2f;
                    T d = c * 3f;
                    y[0] = d * x[0] + c * w[0];
                    y[1] = M.Exp(d / 4f) * w[1];
                }
            }
            """),
        new("Outer+NestedStruct", $$"""
            public partial class Outer
            {
                public partial struct NestedStruct
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply{{Span3}}
                    {
                        y[0] = M.Tanh(w[0] * x[0]);
                    }
                }
            }
            """),
        new("RecordLayer", $$"""
            public partial record RecordLayer
            {
                public T Scale { get; init; } = 1.25f;

                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = Scale * w[0] * x[0] * x[0];
                }
            }
            """),
        new("ExpressionBodied", $$"""
            public partial class ExpressionBodied
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}} => y[0] = w[0] * M.Exp(x[0]);
            }
            """),
        new("DivisionChain", $$"""
            public partial class DivisionChain
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    y[0] = x[0] / (2f + w[0]) / (3f + x[1] * w[1]);
                    y[1] = 1f / (2f + x[0] * x[0]);
                }
            }
            """),
        new("OverwrittenOutput", $$"""
            public partial class OverwrittenOutput
            {
                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = w[0];
                    y[0] = x[0] * w[1];
                }
            }
            """),
        new("SiblingBlocks", $$"""
            public partial class SiblingBlocks
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    {
                        var a = x[0];
                        y[0] = a * w[0];
                    }
                    {
                        var a = x[1] * w[1];
                        y[1] = a + w[0];
                    }
                }
            }
            """),
        new("ScaffoldNames", $$"""
            public partial class ScaffoldNames
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    var v = x[0];
                    var grad = w[0];
                    var s = v * grad;
                    var m = s + 1f;
                    var lambda = m * m;
                    var tape = M.Sin(lambda);
                    var x_s = tape + v;
                    var d_v = x_s * x[1];
                    var t1 = d_v * w[1];
                    var needW = t1 + x_s;
                    var value = needW * 0.5f;
                    var u = w[1];
                    var i = u * u;
                    y[0] = value;
                    y[1] = t1 + lambda;
                    var y_s = i + value;
                    y[1] += y_s;
                }
            }
            """),
        new("IntFieldIndex", $$"""
            public partial class IntFieldIndex
            {
                private readonly int offset = 1;

                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = w[offset] * x[offset - 1] + w[0] * x[offset];
                }
            }
            """),
        new("DeferredInit", $$"""
            public partial class DeferredInit
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T a;
                    T b;
                    a = x[0] * w[0];
                    b = a + x[1];
                    a = b * b;
                    y[0] = a;
                    y[1] = b;
                }
            }
            """),
        new("IntData", $$"""
            public partial class IntData(int k)
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = k * x[0] * w[0] + x[k - 1];
                }
            }
            """, Arguments: [2]),
        new("GenericLayer`1", $$"""
            public partial class GenericLayer<TTag>
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = M.Cos(w[0]) * x[0];
                }
            }
            """),
    ];

    /// <summary>One small layer per primitive with a derivative rule: <c>Primitive_{Op}</c>, y[0] = op(w[0], x[0]).</summary>
    public static readonly CorpusEntry[] Primitives =
    [
        Primitive("Add", "w[0] + x[0]"),
        Primitive("Subtract", "w[0] - x[0]"),
        Primitive("Multiply", "w[0] * x[0]"),
        Primitive("Divide", "w[0] / x[0]", low: 0.5, high: 1.5),
        Primitive("Negate", "-w[0] + -x[0]"),
        Primitive("Convert", "(T)((U)w[0] * (U)x[0])", mixed: true),
        Primitive("Sin", "M.Sin(w[0] * x[0])"),
        Primitive("Cos", "M.Cos(w[0] * x[0])"),
        Primitive("Tan", "M.Tan(w[0] * x[0])"),
        Primitive("Exp", "M.Exp(w[0] * x[0])"),
        Primitive("Log", "M.Log(w[0] * x[0])", low: 0.5, high: 1.5),
        Primitive("Sqrt", "M.Sqrt(w[0] * x[0])", low: 0.5, high: 1.5),
        Primitive("Pow", "M.Pow(w[0], x[0])", low: 0.5, high: 1.5),
        Primitive("Tanh", "M.Tanh(w[0] * x[0])"),
        Primitive("Sinh", "M.Sinh(w[0] * x[0])"),
        Primitive("Cosh", "M.Cosh(w[0] * x[0])"),
        Primitive("Atan", "M.Atan(w[0] * x[0])"),
        Primitive("Cbrt", "M.Cbrt(w[0] * x[0])", low: 0.5, high: 1.5),
        Primitive("Abs", "M.Abs(w[0] - x[0])"),
        Primitive("Max", "M.Max(w[0], x[0])"),
        Primitive("Min", "M.Min(w[0], x[0])"),
        .. MathCorpus.Primitives,
    ];

    public static IEnumerable<CorpusEntry> All => Composite.Concat(StructuredCorpus.Entries).Concat(ControlFlowCorpus.Layers).Concat(LoopCorpus.Layers).Concat(UnboundedLoopCorpus.Layers).Concat(ScratchCorpus.Entries).Concat(TensorCorpus.Entries).Concat(MathCorpus.Entries).Concat(Primitives)
        .Concat(HelperCorpus.Entries);

    public static CorpusEntry Find(string name) => All.Single(e => e.Name == name);

    /// <summary>The whole corpus as one source file: double, float and (for mixed templates) all-double reference layers.</summary>
    public static string Source()
    {
        var source = new StringBuilder();
        source.AppendLine("using System;");
        source.AppendLine("using MoreauGen;");
        IEnumerable<string> objectives = ObjectiveCorpus.Entries.Select(e => e.Template);
        Namespace(source, "Double", "System.Double", "System.Math", "System.Single", "System.MathF", All.Select(e => e.Template).Concat(objectives));
        Namespace(source, "Single", "System.Single", "System.MathF", "System.Double", "System.Math", All.Select(e => e.Template).Concat(objectives));
        Namespace(source, "Reference", "System.Double", "System.Math", "System.Double", "System.Math", All.Where(e => e.Mixed).Select(e => e.Template));
        return source.ToString();
    }

    /// <summary><paramref name="entries"/> as double layers (and float ones when <paramref name="single"/>), with the all-double references of the mixed ones.</summary>
    public static string Source(IEnumerable<CorpusEntry> entries, bool single)
    {
        CorpusEntry[] chosen = entries.ToArray();
        var source = new StringBuilder();
        source.AppendLine("using System;");
        source.AppendLine("using MoreauGen;");
        Namespace(source, "Double", "System.Double", "System.Math", "System.Single", "System.MathF", chosen.Select(e => e.Template));
        if (single)
        {
            Namespace(source, "Single", "System.Single", "System.MathF", "System.Double", "System.Math", chosen.Select(e => e.Template));
        }

        Namespace(source, "Reference", "System.Double", "System.Math", "System.Double", "System.Math", chosen.Where(e => e.Mixed).Select(e => e.Template));
        return source.ToString();
    }

    /// <summary>One entry as a source file of its own, as a double or a float layer.</summary>
    public static string StandaloneSource(CorpusEntry entry, bool single)
    {
        var source = new StringBuilder();
        source.AppendLine("using System;");
        source.AppendLine("using MoreauGen;");
        if (single)
        {
            Namespace(source, "Single", "System.Single", "System.MathF", "System.Double", "System.Math", [entry.Template]);
        }
        else
        {
            Namespace(source, "Double", "System.Double", "System.Math", "System.Single", "System.MathF", [entry.Template]);
        }

        return source.ToString();
    }

    private static void Namespace(StringBuilder source, string name, string t, string m, string u, string n, IEnumerable<string> templates)
    {
        source.AppendLine($"namespace Corpus.{name}");
        source.AppendLine("{");
        source.AppendLine($"    using T = {t};");
        source.AppendLine($"    using M = {m};");
        source.AppendLine($"    using U = {u};");
        source.AppendLine($"    using N = {n};");
        foreach (string template in templates)
        {
            source.AppendLine();
            source.AppendLine(template);
        }

        source.AppendLine("}");
    }

    private static CorpusEntry Primitive(string op, string expression, double low = -1, double high = 1, bool mixed = false) =>
        new("Primitive_" + op, $$"""
            public partial class Primitive_{{op}}
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    y[0] = {{expression}};
                }
            }
            """, Mixed: mixed, Low: low, High: high);
}
