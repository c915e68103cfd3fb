using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The generated source of representative layers, pinned by snapshots (Snapshots/*.verified.cs). Each layer's
/// generated code must also compile, with every warning on, without diagnostics.
/// </summary>
public sealed class SnapshotTests
{
    internal const string Usings = """
        using System;
        using MoreauGen;

        """;

    public static TheoryData<string> Layers => new(Sources.Keys);

    internal static readonly Dictionary<string, string> Sources = new()
    {
        ["Pendulum"] = """
            namespace Samples;

            /// <summary>One explicit Euler step of a pendulum driven by the torque w[0].</summary>
            public partial class Pendulum
            {
                private readonly double dt = 0.05;

                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2)]
                public void Step(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    const double g = 9.81;
                    double theta = x[0];
                    double omega = x[1];
                    double accel = -g * Math.Sin(theta) + w[0];
                    y[0] = theta + dt * omega;
                    y[1] = omega + dt * accel;
                }
            }
            """,
        ["FloatNeuron"] = """
            namespace Samples;

            public partial class FloatNeuron
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 1)]
                public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
                {
                    float z = w[0] * x[0] + w[1] * x[1] + w[2];
                    y[0] = MathF.Tanh(z);
                }
            }
            """,
        ["RuntimeSizes"] = """
            namespace Samples;

            /// <summary>Sizes known at run time: the type declares them.</summary>
            public partial class Scaled(int n)
            {
                private readonly double gain = 0.5;

                public int ParameterCount => n;

                public int InputCount => n;

                public int OutputCount => 2;

                [MoreauLayer]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    y[0] = gain * w[0] * x[n - 1];
                    y[1] = Math.Exp(w[n - 1]) + x[0];
                }
            }
            """,
        ["Reassigned"] = """
            namespace Samples;

            /// <summary>A local overwritten with its own square: the reverse pass needs the value before.</summary>
            public partial class Reassigned
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    var a = w[0] * x[0];
                    a = a * a;
                    a += Math.Sin(a);
                    y[0] = a;
                }
            }
            """,
        ["OutputsReadBack"] = """
            namespace Samples;

            public partial class OutputsReadBack
            {
                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    y[0] = Math.Exp(w[0] * x[0]);
                    y[0] *= w[1];
                    y[1] = y[0] / (1.0 + x[0] * x[0]);
                }
            }
            """,
        ["RuntimeOutputIndex"] = """
            namespace Samples;

            /// <summary>y indexed by a run-time expression: the adjoint of y lives in a buffer.</summary>
            public partial class Tail(int n)
            {
                public int ParameterCount => 1;

                public int InputCount => 1;

                public int OutputCount => n;

                [MoreauLayer]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    y[n - 1] = w[0] * x[0];
                    y[n - 1] += Math.Cos(x[0]);
                }
            }
            """,
        ["NestedStruct"] = """
            namespace Samples.Nested;

            public partial class Outer
            {
                internal readonly partial struct Inner
                {
                    [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y) => y[0] = w[0] * x[0] - w[1];
                }
            }
            """,
        ["Piecewise"] = """
            namespace Samples;

            public partial class Piecewise
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    y[0] = Math.Max(w[0] * x[0], 0.0) + Math.Abs(x[1] - w[1]);
                    y[1] = Math.Pow(1.5 + x[0] * x[0], w[1]) / Math.Min(2.0, 3.0 + x[1]);
                }
            }
            """,
        ["MixedPrecision"] = """
            public partial class MixedPrecision
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    const double tiny = -1e-7;
                    float f = (float)(w[0] * x[0]);
                    f = MathF.Sqrt(1f + f * f);
                    y[0] = (double)f + tiny * x[0];
                }
            }
            """,
        ["Linear"] = """
            namespace Samples;

            /// <summary>Affine in w and x: the reverse pass reads no forward values, so there is no tape.</summary>
            public partial class Linear
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    y[0] = w[0] * x[0] + w[1] * x[1] - (x[0] - x[1]) / 2.0;
                }
            }
            """,
        ["Loops"] = """
            namespace Samples;

            /// <summary>A recurrence, an accumulator, and outputs accumulated over an inner loop.</summary>
            public partial class Loops
            {
                [MoreauLayer(Parameters = 6, Inputs = 2, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double s = x[0];
                    double sum = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        s = Math.Cos(s) + w[i];
                        sum += s * x[1];
                    }

                    for (int j = 0; j < 2; j++)
                    {
                        y[j] = sum;
                        for (int k = 0; k <= j; k++)
                        {
                            y[j] += w[3 + j + k] * s;
                        }
                    }
                }
            }
            """,
        ["Branches"] = """
            namespace Samples;

            /// <summary>if/else and ?: on comparisons of values and indices.</summary>
            public partial class Branches
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double z = w[0] * x[0] + w[1];
                    double a;
                    if (z > 0)
                    {
                        a = Math.Exp(-z);
                    }
                    else
                    {
                        a = 1 - z;
                    }

                    y[0] = a * x[1];
                    y[1] = x[1] > 0.5 ? z * z : 0.1 * z;
                }
            }
            """,
        ["Helpers"] = """
            namespace Samples;

            public static class Activations
            {
                /// <summary>Differentiated from its body: a pullback is generated next to each caller.</summary>
                [Differentiable]
                public static double LeakyRelu(double a)
                {
                    if (a > 0)
                    {
                        return a;
                    }

                    return 0.01 * a;
                }

                /// <summary>With a derivative supplied by hand.</summary>
                [CustomPullback(nameof(SoftplusPullback))]
                public static double Softplus(double a) => Math.Log(1 + Math.Exp(a));

                public static void SoftplusPullback(double a, double adjoint, out double da) => da = adjoint / (1 + Math.Exp(-a));
            }

            public partial class Neuron
            {
                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double z = w[0] * x[0] + w[1] * x[1] + w[2];
                    y[0] = Activations.Softplus(Activations.LeakyRelu(z));
                }
            }
            """,
        ["Objective"] = """
            namespace Samples;

            /// <summary>A squared error against targets set per batch.</summary>
            public partial class SquaredError
            {
                public double[] Targets { get; set; } = [];

                [MoreauObjective(Inputs = 2)]
                public double Loss(ReadOnlySpan<double> x)
                {
                    double sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        double r = x[i] - Targets[i];
                        sum += r * r;
                    }

                    return 0.5 * sum;
                }
            }
            """,
        ["Dense"] = """
            namespace Samples;

            /// <summary>DESIGN.md's canonical dense layer, y = relu(x·W + b), batched.</summary>
            public partial class Dense(int inputs, int outputs)
            {
                public int ParameterCount => inputs * outputs + outputs;
                public int InputCount => inputs;
                public int OutputCount => outputs;

                [MoreauLayer(Batched = true)]
                public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
                {
                    int m = x.Length / inputs;
                    var weights = w[..(inputs * outputs)];
                    var bias = w[(inputs * outputs)..];
                    Ops.MatMul(x, weights, y, m, inputs, outputs);
                    Ops.AddBias(y, bias, m, outputs);
                    Ops.Relu(y, y);
                }
            }
            """,
        ["ConvBlock"] = """
            namespace Samples;

            /// <summary>The paper's conv layer: 5×5 convolution keeping the size, per-channel bias, ReLU, 2×2 max-pool (App. E.1.2).</summary>
            public partial class ConvBlock(int channels, int size, int filters)
            {
                public int ParameterCount => filters * channels * 25 + filters;
                public int InputCount => channels * size * size;
                public int OutputCount => filters * (size / 2) * (size / 2);

                [MoreauLayer(Batched = true)]
                public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
                {
                    int m = x.Length / InputCount;
                    int k = filters * channels * 25;
                    Span<float> z = new float[m * filters * size * size];
                    Ops.Conv2d(x, w[..k], z, m, channels, size, size, filters, 5, 5, 1, 2);
                    Ops.AddChannelBias(z, w[k..], m, filters, size * size);
                    Ops.Relu(z, z);
                    Ops.MaxPool2d(z, y, m, filters, size, size, 2, 2);
                }
            }
            """,
        ["AffineOutput"] = """
            namespace Samples;

            /// <summary>An output layer y = x·W + b: affine in w and in x, nothing recorded.</summary>
            public partial class Affine(int inputs, int outputs)
            {
                public int ParameterCount => inputs * outputs + outputs;
                public int InputCount => inputs;
                public int OutputCount => outputs;

                [MoreauLayer(Batched = true)]
                public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
                {
                    int m = x.Length / inputs;
                    Ops.MatMul(x, w[..(inputs * outputs)], y, m, inputs, outputs);
                    Ops.AddBias(y, w[(inputs * outputs)..], m, outputs);
                }
            }
            """,
        ["TwoLayerBlock"] = """
            namespace Samples;

            /// <summary>Two dense layers in one body: the hidden temporary lives in the tape; tanh and sigmoid reverse from their outputs.</summary>
            public partial class Block
            {
                [MoreauLayer(Batched = true, Parameters = 26, Inputs = 3, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    const int hidden = 4;
                    int m = x.Length / 3;
                    Span<double> h = new double[m * hidden];
                    Ops.MatMul(x, w[..12], h, m, 3, hidden);
                    Ops.AddBias(h, w[12..16], m, hidden);
                    Ops.Tanh(h, h);
                    Ops.MatMul(h, w[16..24], y, m, hidden, 2);
                    Ops.AddBias(y, w[24..], m, 2);
                    Ops.Sigmoid(y, y);
                }
            }
            """,
        ["FurtherMath"] = """
            namespace Samples;

            /// <summary>Atan2, Hypot, Asin/Acos, Clamp, FusedMultiplyAdd, Log10/Log2, and Floor and Sign (which add nothing to the reverse pass).</summary>
            public partial class Throw
            {
                private readonly double drag = 0.3;

                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double speed = double.Hypot(x[0], x[1]);
                    double angle = Math.Atan2(x[1], x[0]) + Math.Asin(0.5 * Math.Tanh(w[0]));
                    double bounded = Math.Clamp(speed * w[1], 0.1, 10.0);
                    double cells = Math.Floor(bounded * 4) / 4;
                    y[0] = Math.FusedMultiplyAdd(bounded, Math.Cos(angle), Math.Sign(x[0]) * drag);
                    y[1] = Math.Log10(1 + bounded * bounded) + cells * Math.Acos(0.5 * Math.Sin(angle)) + Math.Log2(2 + x[0] * x[0]);
                }
            }
            """,
        ["LossObjective"] = """
            namespace Samples;

            /// <summary>Softmax cross-entropy on labels set per batch.</summary>
            public partial class CrossEntropy(int classes)
            {
                public int InputCount => classes;

                public int[] Labels { get; set; } = [];

                [MoreauObjective]
                public float Loss(ReadOnlySpan<float> x) => Ops.SoftmaxCrossEntropy(x, Labels, classes);
            }
            """,
        ["OwnHelpers"] = """
            namespace Samples;

            /// <summary>A polar map through helpers of the type itself, without attributes: out and ref parameters, an instance helper.</summary>
            public partial class OwnHelpers
            {
                private readonly double gain = 0.5;

                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    SinCos(w[0] * x[0], out double s, out double c);
                    double r = Radius(s + w[1], c * x[1]);
                    Damp(ref r, x[0]);
                    y[0] = r * c;
                    y[1] = r * s;
                }

                private static void SinCos(double a, out double s, out double c)
                {
                    s = Math.Sin(a);
                    c = Math.Cos(a);
                }

                private static double Radius(double a, double b) => Math.Sqrt(1 + a * a + b * b);

                private void Damp(ref double r, double v) => r *= 1 - gain * Math.Tanh(v * v);
            }
            """,
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Generated_source_matches_the_snapshot(string name)
    {
        GeneratorResult result = GeneratorHarness.Run(Usings + Sources[name]);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Snapshot.Verify(name, Assert.Single(result.Sources).Value);
    }

    [Fact]
    public void There_are_at_least_eight_snapshots_and_no_stale_ones()
    {
        Assert.True(Sources.Count >= 8);
        string[] files = Directory.Exists(Snapshot.Directory)
            ? Directory.GetFiles(Snapshot.Directory, "*.verified.cs").Select(f => Path.GetFileName(f)[..^".verified.cs".Length]).ToArray()
            : [];
        Assert.Empty(files.Except(Sources.Keys).Except(ControlFlowSnapshotTests.Sources.Keys).Except(ScratchSnapshotTests.Sources.Keys).Except(WhileLoopSnapshotTests.Names).Except(UnboundedLoopSnapshotTests.Names));
    }
}
