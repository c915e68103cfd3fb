using System.Numerics;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The Gram form of Φw for dense layers (<see cref="DenseGramSolve{T}"/>) and their Φx on the pre-activations
/// (<see cref="DenseInputSolve{T}"/>): the same Moreau back-propagation iterates as the two-step solves through the layer,
/// and line-search forms equal to the layer's own Φw objective.
/// </summary>
public sealed class DenseGramFormTests
{
    private const int Batch = 16;

    /// <summary>40 → 30 → 24 (both may take the Gram form: m(k + n) &lt; 2kn at m = 16) → 5 (never: it does not pay).</summary>
    private static (Chain<T> Chain, DenseTestLayer<T>[] Layers) Network<T>(bool declare, DenseActivation activation, bool bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        DenseTestLayer<T>[] layers =
        [
            new(40, 30, bias, activation, declare),
            new(30, 24, bias, activation, declare),
            new(24, 5, bias, DenseActivation.Identity, declare),
        ];
        return (new Chain<T>(layers), layers);
    }

    private static T[] Random<T>(Random random, int length, double scale) where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() - 0.5) * 2 * scale))];

    private static double RelativeDifference<T>(T[] a, T[] b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = double.CreateChecked(a[i]) - double.CreateChecked(b[i]);
            difference += d * d;
            norm += double.CreateChecked(b[i]) * double.CreateChecked(b[i]);
        }
        return Math.Sqrt(difference / norm);
    }

    /// <summary>Several Moreau steps with the Gram form and with the solve on the parameters from the same w: directions equal to 1e-5.</summary>
    private static void SameIterates<T>(DenseActivation activation, bool bias, double l2, int steps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(17);
        (Chain<T> gramChain, DenseTestLayer<T>[] gramLayers) = Network<T>(declare: true, activation, bias);
        (Chain<T> plainChain, DenseTestLayer<T>[] plainLayers) = Network<T>(declare: false, activation, bias);
        T[] w = Random<T>(random, gramChain.ParameterCount, 0.3);
        T[] x = Random<T>(random, Batch * 40, 1.0);
        var objective = new SquaredDistance<T>(5, Random<T>(random, Batch * 5, 1.0));
        MoreauSchedule<T> schedule = MoreauSchedule<T>.Constant(T.CreateChecked(0.05), T.CreateChecked(0.5));
        var gram = new MoreauBackpropagation<T>(gramChain, schedule) { ParameterL2 = T.CreateChecked(l2) };
        var plain = new MoreauBackpropagation<T>(plainChain, schedule) { ParameterL2 = T.CreateChecked(l2) };
        T[] wGram = (T[])w.Clone(), wPlain = (T[])w.Clone();
        var dGram = new T[w.Length];
        var dPlain = new T[w.Length];
        for (int step = 0; step < steps; step++)
        {
            T valueGram = gram.Evaluate(wGram, x, objective, dGram);
            T valuePlain = plain.Evaluate(wPlain, x, objective, dPlain);
            Assert.True(RelativeDifference(dGram, dPlain) <= 1e-5, $"step {step}: directions differ by {RelativeDifference(dGram, dPlain):E2} (relative)");
            Assert.Equal(double.CreateChecked(valuePlain), double.CreateChecked(valueGram), 1e-5 * Math.Abs(double.CreateChecked(valuePlain)));
            Assert.Equal(plain.LastStatistics.Evaluations, gram.LastStatistics.Evaluations);
            Assert.Equal(plain.LastStatistics.Failures, gram.LastStatistics.Failures);
            for (int i = 0; i < w.Length; i++)
            {
                wGram[i] -= dGram[i];
                wPlain[i] -= dPlain[i];
            }
            Assert.True(RelativeDifference(wGram, wPlain) <= 1e-5, $"after step {step}: iterates differ by {RelativeDifference(wGram, wPlain):E2}");
        }

        // The Gram form ran on the first two layers (no call of their SubproblemW), the solve on the parameters elsewhere;
        // Φx of every declared layer ran on its pre-activations (DenseInputSolve: no call of SubproblemX).
        Assert.Equal([0, 0], gramLayers[..2].Select(l => l.SubproblemWCalls));
        Assert.True(gramLayers[2].SubproblemWCalls > 0);
        Assert.All(plainLayers, l => Assert.True(l.SubproblemWCalls > 0));
        Assert.All(gramLayers, l => Assert.Equal(0, l.SubproblemXCalls));
        Assert.All(plainLayers[1..], l => Assert.True(l.SubproblemXCalls > 0));
    }

    [Theory]
    [InlineData(DenseActivation.Relu, true, 0.0)]
    [InlineData(DenseActivation.Relu, true, 0.1)]
    [InlineData(DenseActivation.Relu, false, 0.0)]
    [InlineData(DenseActivation.Relu, false, 0.1)]
    [InlineData(DenseActivation.Identity, true, 0.0)]
    [InlineData(DenseActivation.Identity, true, 0.1)]
    [InlineData(DenseActivation.Identity, false, 0.0)]
    [InlineData(DenseActivation.Identity, false, 0.1)]
    public void Moreau_steps_through_the_Gram_form_equal_the_solve_on_the_parameters(DenseActivation activation, bool bias, double l2) =>
        SameIterates<double>(activation, bias, l2, steps: 4);

    [Theory]
    [InlineData(DenseActivation.Relu, true, 0.0)]
    [InlineData(DenseActivation.Relu, true, 0.1)]
    [InlineData(DenseActivation.Identity, false, 0.1)]
    public void In_single_precision_the_Gram_form_iterates_agree_to_1e_5(DenseActivation activation, bool bias, double l2) =>
        SameIterates<float>(activation, bias, l2, steps: 3);

    /// <summary>
    /// F(−s·g₀) and F′ as the Gram form computes them equal the layer's own Φw objective (plus the ℓ2 term) at v = −s·g₀ with
    /// g₀ from its pullback, and F′ equals the central difference of F in s.
    /// </summary>
    [Theory]
    [InlineData(DenseActivation.Relu, true, 0.0)]
    [InlineData(DenseActivation.Relu, true, 0.3)]
    [InlineData(DenseActivation.Relu, false, 0.3)]
    [InlineData(DenseActivation.Identity, true, 0.3)]
    [InlineData(DenseActivation.Identity, false, 0.0)]
    public void The_line_search_forms_equal_the_layers_objective_and_its_finite_differences(DenseActivation activation, bool bias, double kappa)
    {
        const int m = 7, k = 9, n = 6;
        var random = new Random(5);
        var layer = new DenseTestLayer<double>(k, n, bias, activation, declare: true);
        double[] w = Random<double>(random, layer.ParameterCount, 0.5);
        double[] x = Random<double>(random, m * k, 1.0);
        double[] lambda = Random<double>(random, m * n, 0.4);
        var y = new double[m * n];
        var z0 = new double[m * n];
        layer.Forward(w, x, y, z0);
        DenseStructure structure = layer.DenseStructure!.Value;
        double startValue = Ops.Dot<double>(lambda, y);

        // g₀ = ∇_w λᵀφ + κw from the pullback.
        var g0 = new double[w.Length];
        layer.Pullback(w, x, z0, lambda, g0, Span<double>.Empty);
        for (int i = 0; i < w.Length; i++)
            g0[i] += kappa * w[i];

        double Objective(double s, Span<double> gradient)
        {
            var v = new double[w.Length];
            for (int i = 0; i < w.Length; i++)
                v[i] = -s * g0[i];
            double value = layer.SubproblemW(w, x, lambda, v, gradient);
            for (int i = 0; i < w.Length; i++)
            {
                value += kappa / 2 * (w[i] + v[i]) * (w[i] + v[i]);
                gradient[i] += kappa * (w[i] + v[i]);
            }
            return value;
        }

        var scratch = new double[m * m + 3 * m * n + 4];
        foreach (double s in new[] { 0.0, 0.37, 1.0, 2.5 })
        {
            (double value, double slope) = DenseGramSolve<double>.AlongFirstStep(structure, w, x, z0, lambda, kappa, startValue, s, scratch);
            var gradient = new double[w.Length];
            double reference = Objective(s, gradient);
            double referenceSlope = -Ops.Dot<double>(gradient, g0);
            Assert.Equal(reference, value, 1e-10 * Math.Max(1, Math.Abs(reference)));
            Assert.Equal(referenceSlope, slope, 1e-9 * Math.Max(1, Math.Abs(referenceSlope)));

            const double h = 1e-6;
            double plus = DenseGramSolve<double>.AlongFirstStep(structure, w, x, z0, lambda, kappa, startValue, s + h, scratch).Value;
            double minus = DenseGramSolve<double>.AlongFirstStep(structure, w, x, z0, lambda, kappa, startValue, s - h, scratch).Value;
            double central = (plus - minus) / (2 * h);
            Assert.Equal(central, slope, 1e-6 * Math.Max(1, Math.Abs(slope)));
        }
    }

    [Fact]
    public void A_structure_that_does_not_match_the_layers_sizes_is_not_used()
    {
        var random = new Random(2);
        var misdeclared = new MisdeclaredDense(new DenseTestLayer<double>(40, 30, true, DenseActivation.Relu, declare: false));
        var chain = new Chain<double>([misdeclared, new DenseTestLayer<double>(30, 5, true, DenseActivation.Identity, declare: false)]);
        double[] w = Random<double>(random, chain.ParameterCount, 0.3);
        double[] x = Random<double>(random, Batch * 40, 1.0);
        var objective = new SquaredDistance<double>(5, Random<double>(random, Batch * 5, 1.0));
        var oracle = new MoreauBackpropagation<double>(chain, MoreauSchedule<double>.Constant(0.05, 0.5));
        oracle.Evaluate(w, x, objective, new double[w.Length]);
        Assert.True(misdeclared.Dense.SubproblemWCalls > 0);
    }

    /// <summary>Declares 39 inputs for a 40-input layer.</summary>
    private sealed class MisdeclaredDense(DenseTestLayer<double> inner) : UndeclaredLayer(inner), IDenseStructure
    {
        public DenseTestLayer<double> Dense { get; } = inner;
        public DenseStructure? DenseStructure => new DenseStructure(39, 30, 0, 39 * 30, DenseActivation.Relu, 0);
    }
}
