namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// <c>[MoreauObjective]</c> methods (T H(ReadOnlySpan&lt;T&gt; x) over a batch), compiled with the layer corpus in the
/// same namespaces. An objective with per-batch data has a <c>Prepare(int m)</c> method the test calls first.
/// </summary>
/// <param name="Name">The type's name.</param>
/// <param name="Template">The declarations (T, M, U, N as in <see cref="LayerCorpus"/>).</param>
/// <param name="Inputs">|x| of one sample.</param>
/// <param name="Low">Lower end of the range x is drawn from.</param>
/// <param name="High">Upper end of that range.</param>
internal sealed record ObjectiveEntry(string Name, string Template, int Inputs, double Low = -1, double High = 1);

internal static class ObjectiveCorpus
{
    public static readonly ObjectiveEntry[] Entries =
    [
        new("SquaredError", """
            public partial class SquaredError
            {
                public T[] Targets { get; set; } = [];

                public void Prepare(int m)
                {
                    Targets = new T[2 * m];
                    for (int i = 0; i < Targets.Length; i++)
                    {
                        Targets[i] = (T)(0.25 * i - 0.4);
                    }
                }

                [MoreauObjective(Inputs = 2)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    T sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        T r = x[i] - Targets[i];
                        sum += r * r;
                    }

                    return 0.5f * sum;
                }
            }
            """, Inputs: 2),
        new("SwingUpCost", """
            public partial class SwingUpCost
            {
                public const T TargetAngle = 3.14159274f;

                [MoreauObjective(Inputs = 2)]
                public T Cost(ReadOnlySpan<T> x)
                {
                    T sum = 0;
                    for (int i = 0; i < x.Length; i += 2)
                    {
                        T angle = x[i] - TargetAngle;
                        T velocity = x[i + 1];
                        sum += angle * angle + 0.1f * velocity * velocity;
                    }

                    return sum;
                }
            }
            """, Inputs: 2, Low: 0, High: 4),
        new("SoftmaxCrossEntropy", """
            public partial class SoftmaxCrossEntropy
            {
                public int[] Labels { get; set; } = [];

                public void Prepare(int m)
                {
                    Labels = new int[m];
                    for (int i = 0; i < m; i++)
                    {
                        Labels[i] = (i + 1) % 3;
                    }
                }

                [MoreauObjective(Inputs = 3)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    int m = x.Length / 3;
                    T total = 0;
                    for (int s = 0; s < m; s++)
                    {
                        T max = x[3 * s];
                        for (int k = 1; k < 3; k++)
                        {
                            if (x[3 * s + k] > max)
                            {
                                max = x[3 * s + k];
                            }
                        }

                        T sum = 0;
                        for (int k = 0; k < 3; k++)
                        {
                            sum += M.Exp(x[3 * s + k] - max);
                        }

                        total += M.Log(sum) + max - x[3 * s + Labels[s]];
                    }

                    return total / m;
                }
            }
            """, Inputs: 3),
        new("Huber", """
            public partial class Huber
            {
                public const T Delta = 0.5f;

                private readonly T offset = 0.1f;

                [MoreauObjective(Inputs = 1)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    T sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        T r = x[i] - offset;
                        if (M.Abs(r) <= Delta)
                        {
                            sum += 0.5f * r * r;
                        }
                        else
                        {
                            sum += Delta * (M.Abs(r) - 0.5f * Delta);
                        }
                    }

                    return sum;
                }
            }
            """, Inputs: 1),
        new("EarlyReturns", """
            public static class ObjectiveHelpers
            {
                [Differentiable]
                public static T Softplus(T a) => M.Log(1 + M.Exp(a));
            }

            public partial class EarlyReturns(T scale)
            {
                public int InputCount => 2;

                [MoreauObjective]
                public T Loss(ReadOnlySpan<T> x)
                {
                    if (x.Length == 0)
                    {
                        return 0;
                    }

                    T sum = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        sum += ObjectiveHelpers.Softplus(x[i] * scale);
                    }

                    if (sum > 1000)
                    {
                        return 1000;
                    }

                    return sum * x[0];
                }
            }
            """, Inputs: 2),
        new("SquaredLossObjective", """
            public partial class SquaredLossObjective
            {
                public int[] Labels { get; set; } = [];

                public void Prepare(int m)
                {
                    Labels = new int[m];
                    for (int i = 0; i < m; i++)
                    {
                        Labels[i] = (2 * i + 1) % 3;
                    }
                }

                [MoreauObjective(Inputs = 3)]
                public T Loss(ReadOnlySpan<T> x) => Ops.SquaredLoss(x, Labels, 3);
            }
            """, Inputs: 3),
        new("CrossEntropyObjective", """
            public partial class CrossEntropyObjective(int classes)
            {
                private int[] labels = [];

                public int InputCount => classes;

                public ReadOnlySpan<int> Labels => labels;

                public void Prepare(int m)
                {
                    labels = new int[m];
                    for (int i = 0; i < m; i++)
                    {
                        labels[i] = i % classes;
                    }
                }

                [MoreauObjective]
                public T Loss(ReadOnlySpan<T> x)
                {
                    return Ops.SoftmaxCrossEntropy(x, Labels, classes);
                }
            }
            """, Inputs: 4),
        new("CombinedLossObjective", """
            public partial class CombinedLossObjective
            {
                private const T Weight = 0.25f;

                public int[] Labels { get; set; } = [];

                public void Prepare(int m)
                {
                    Labels = new int[m];
                    for (int i = 0; i < m; i++)
                    {
                        Labels[i] = (i + 2) % 3;
                    }
                }

                [MoreauObjective(Inputs = 3)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    // Both losses in one objective with scalar code around them: their gradients are scaled and added.
                    T cross = Ops.SoftmaxCrossEntropy(x, Labels, 3);
                    T squared = Ops.SquaredLoss(x, Labels, 3);
                    return cross * cross + Weight * squared + x[0] * M.Sin(squared);
                }
            }
            """, Inputs: 3),
        new("StraightLineObjective", """
            public partial class StraightLineObjective
            {
                [MoreauObjective(Inputs = 2)]
                public T Loss(ReadOnlySpan<T> x) => x[0] * x[0] + M.Sin(x[1]) * M.Exp(x[0]);
            }
            """, Inputs: 2),
        new("ScratchSpanObjective", """
            public partial class ScratchSpanObjective
            {
                [MoreauObjective(Inputs = 2)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    // A stack scratch span of constant length, rewritten for every sample.
                    T total = 0;
                    Span<T> p = stackalloc T[2];
                    for (int s = 0; s < x.Length / 2; s++)
                    {
                        p[0] = M.Sin(x[2 * s]) * x[2 * s + 1];
                        p[1] = x[2 * s] * x[2 * s] - x[2 * s + 1];
                        p[0] += p[1];
                        total += p[0] * p[1] + M.Tanh(p[1]);
                    }

                    return total;
                }
            }
            """, Inputs: 2),
        new("ScratchArrayObjective", """
            public partial class ScratchArrayObjective
            {
                [MoreauObjective(Inputs = 3)]
                public T Loss(ReadOnlySpan<T> x)
                {
                    // A scratch array as long as the batch, filled through views of x, then read at run-time indices.
                    T[] h = new T[x.Length / 3];
                    for (int s = 0; s < h.Length; s++)
                    {
                        ReadOnlySpan<T> row = x.Slice(3 * s, 3);
                        h[s] = row[0] * row[1] + M.Exp(row[2] * 0.5f);
                    }

                    T sum = h[0] * h[0];
                    for (int s = 1; s < h.Length; s++)
                    {
                        sum += h[s] * h[s - 1];
                    }

                    return sum;
                }
            }
            """, Inputs: 3),
        .. ControlFlowCorpus.Objectives,
        .. LoopCorpus.Objectives,
    ];

    /// <summary>Constructor arguments by type name.</summary>
    public static object[] Arguments(ObjectiveEntry entry, Type type) =>
        entry.Name switch
        {
            "EarlyReturns" => [Convert.ChangeType(1.5, type.GetConstructors()[0].GetParameters()[0].ParameterType, System.Globalization.CultureInfo.InvariantCulture)],
            "CrossEntropyObjective" => [entry.Inputs],
            _ => [],
        };

    public static ObjectiveEntry Find(string name) => Entries.Single(e => e.Name == name);
}
