using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// Φx of a dense layer solved on its pre-activations (<see cref="DenseInputSolve{T}"/>) against the paper's two-step solve
/// through the layer's own <see cref="IMoreauLayer{T}.SubproblemX"/>: the same Moreau gradient, evaluations, status and final
/// gradient norm, with δ·Wᵀ formed from the gathered columns of W and by a product; a start the solver would rescale is
/// declined with nothing written.
/// </summary>
public sealed class DenseInputFormTests
{
    private static double[] Random(Random random, int length, double scale) =>
        [.. Enumerable.Range(0, length).Select(_ => (random.NextDouble() - 0.5) * 2 * scale)];

    private static double Relative(double[] a, double[] b)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            difference += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        return Math.Sqrt(difference / norm);
    }

    [Theory]
    [InlineData(7, 9, 6, 0.3, DenseActivation.Relu, true)]    // few flips of the mask
    [InlineData(7, 9, 6, 20.0, DenseActivation.Relu, true)]   // many flips
    [InlineData(4, 5, 12, 20.0, DenseActivation.Relu, false)] // flips in more columns than rows: W gathered in several sweeps
    [InlineData(33, 17, 10, 3.0, DenseActivation.Relu, true)] // lengths that are not multiples of the vector width
    [InlineData(5, 8, 3, 2.0, DenseActivation.Identity, true)]
    public void The_solve_on_the_pre_activations_equals_the_two_step_solve_through_the_layer(int m, int k, int n, double c, DenseActivation activation, bool bias)
    {
        (DenseTestLayer<double> layer, double[] w, double[] x, double[] lambda, double[] y, double[] tape, double[] pullback) =
            Layer(m, k, n, activation, bias, seed: m * 100 + n);
        DenseStructure structure = layer.DenseStructure!.Value;
        double[] z0 = activation == DenseActivation.Relu ? tape : y;
        double[] scaled = [.. lambda.Select(v => c * v)];
        double startValue = c * Ops.Dot<double>(lambda, y);

        var solver = new TwoStepSolver<double>();
        double[] g0 = [.. pullback.Select(v => c * v)];
        var subproblem = new LayerInputSubproblem<double>(layer, w, x, scaled);
        var expected = new double[m * k];
        SolverReport<double> reference = solver.MoreauGradient(ref subproblem, expected, startValue, g0, solver.CreateWorkspace(m * k));
        Assert.Equal(SolverStatus.Completed, reference.Status);

        if (activation == DenseActivation.Relu && c > 1)
            Assert.True(MaskFlipsAtUnitStep(layer, w, x, g0, z0) > 0, "the case is meant to flip masks");
        foreach (int sparseLimit in new[] { 0, m * n })
        {
            double[] g = (double[])pullback.Clone();
            var result = new double[m * k];
            var scratch = new double[DenseInputSolve<double>.ScratchLength(m, k, n)];
            var indices = new int[2 * n + m * n + 1];
            Assert.True(DenseInputSolve<double>.TrySolve(solver, structure, w, z0, scaled, g, c, startValue, result, scratch, indices, sparseLimit,
                                                         out SolverReport<double> report));
            Assert.True(Relative(result, expected) <= 1e-10, $"limit {sparseLimit}: results differ by {Relative(result, expected):E2} (relative)");
            Assert.Equal(reference.Status, report.Status);
            Assert.Equal(reference.Evaluations, report.Evaluations);
            Assert.Equal(reference.GradientNorm, report.GradientNorm, 1e-9 * Math.Max(1, reference.GradientNorm));
            Assert.Equal(reference.InitialGradientNorm, report.InitialGradientNorm, 1e-12 * Math.Max(1, reference.InitialGradientNorm));
        }
    }

    [Fact]
    public void A_start_the_solver_would_rescale_is_declined_with_nothing_written()
    {
        const int m = 3, k = 4, n = 5;
        (DenseTestLayer<double> layer, double[] w, _, double[] lambda, double[] y, double[] tape, double[] pullback) =
            Layer(m, k, n, DenseActivation.Relu, bias: true, seed: 9);
        const double c = 1e-90; // |c·g₀| below 2^−255: σ ≠ 1
        double[] g = (double[])pullback.Clone();
        double[] result = [.. Enumerable.Repeat(7.0, m * k)];
        Assert.False(DenseInputSolve<double>.TrySolve(new TwoStepSolver<double>(), layer.DenseStructure!.Value, w, tape, [.. lambda.Select(v => c * v)], g, c,
                                                      c * Ops.Dot<double>(lambda, y), result, new double[DenseInputSolve<double>.ScratchLength(m, k, n)],
                                                      new int[DenseInputSolve<double>.IndexLength(m, n)], DenseInputSolve<double>.SparseLimit(m, n), out _));
        Assert.Equal(pullback, g);
        Assert.All(result, v => Assert.Equal(7.0, v));
    }

    /// <summary>A random layer, batch and multiplier, its taped forward pass and its pullback's dz₀·Wᵀ.</summary>
    private static (DenseTestLayer<double> Layer, double[] W, double[] X, double[] Lambda, double[] Y, double[] Tape, double[] Pullback) Layer(
        int m, int k, int n, DenseActivation activation, bool bias, int seed)
    {
        var random = new Random(seed);
        var layer = new DenseTestLayer<double>(k, n, bias, activation, declare: true);
        double[] w = Random(random, layer.ParameterCount, 0.6);
        double[] x = Random(random, m * k, 1.0);
        double[] lambda = Random(random, m * n, 0.5);
        var y = new double[m * n];
        var tape = new double[layer.TapeLength(m)];
        layer.Forward(w, x, y, tape);
        var pullback = new double[m * k];
        layer.Pullback(w, x, tape, lambda, Span<double>.Empty, pullback);
        return (layer, w, x, lambda, y, tape, pullback);
    }

    /// <summary>How many pre-activations change sign between z₀ and z at x − g₀ (the line search's first trial).</summary>
    private static int MaskFlipsAtUnitStep(DenseTestLayer<double> layer, double[] w, double[] x, double[] g0, double[] z0)
    {
        double[] shifted = [.. x.Select((v, i) => v - g0[i])];
        var y = new double[z0.Length];
        var z = new double[layer.TapeLength(x.Length / layer.InputCount)];
        layer.Forward(w, shifted, y, z);
        return z0.Select((v, i) => (v > 0) != (z[i] > 0) ? 1 : 0).Sum();
    }
}
