namespace MoreauGen.Tests;

/// <summary>PullbackW/PullbackX (forward with a pooled tape, then Pullback) on a hand-written layer.</summary>
public sealed class MoreauLayerExtensionsTests
{
    /// <summary>φ(w, x) = (w0·x0·x1, sin(w1 + x0)) per sample, with a hand-written pullback that keeps nothing on its tape.</summary>
    private sealed class ProductLayer : IMoreauLayer<double>
    {
        public int ParameterCount => 2;
        public int InputCount => 2;
        public int OutputCount => 2;
        public int TapeLength(int batch) => 0;

        public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
        {
            for (int s = 0; s < x.Length / 2; s++)
            {
                y[2 * s] = w[0] * x[2 * s] * x[2 * s + 1];
                y[2 * s + 1] = Math.Sin(w[1] + x[2 * s]);
            }
        }

        public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape) => Forward(w, x, y);

        public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape,
                             ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
        {
            gradW.Clear();
            for (int s = 0; s < x.Length / 2; s++)
            {
                double x0 = x[2 * s], x1 = x[2 * s + 1], l0 = lambda[2 * s], l1 = lambda[2 * s + 1];
                double c = Math.Cos(w[1] + x0);
                if (!gradW.IsEmpty)
                {
                    gradW[0] += l0 * x0 * x1;
                    gradW[1] += l1 * c;
                }
                if (!gradX.IsEmpty)
                {
                    gradX[2 * s] = l0 * w[0] * x1 + l1 * c;
                    gradX[2 * s + 1] = l0 * w[0] * x0;
                }
            }
        }

        public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> grad) =>
            throw new InvalidOperationException("not used by these tests");

        public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u, Span<double> grad) =>
            throw new InvalidOperationException("not used by these tests");
    }

    private static readonly double[] W = [0.7, -0.3];
    private static readonly double[] X = [0.5, -1.2, 2.0, 0.25, -0.4, 1.5];
    private static readonly double[] Lambda = [1.0, -2.0, 0.5, 0.3, -1.1, 0.8];

    private static double LambdaDotPhi(double[] w, double[] x)
    {
        var y = new double[Lambda.Length];
        new ProductLayer().Forward(w, x, y);
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += Lambda[i] * y[i];
        return sum;
    }

    [Fact]
    public void PullbackW_matches_central_differences_summed_over_the_batch()
    {
        var grad = new double[2];
        new ProductLayer().PullbackW(W, X, Lambda, grad);
        double[] fd = FiniteDifferences.Gradient(p => LambdaDotPhi(p, X), W);
        for (int i = 0; i < W.Length; i++)
            Assert.Equal(fd[i], grad[i], 1e-7);
    }

    [Fact]
    public void PullbackX_matches_central_differences_per_sample()
    {
        var grad = new double[X.Length];
        new ProductLayer().PullbackX(W, X, Lambda, grad);
        double[] fd = FiniteDifferences.Gradient(p => LambdaDotPhi(W, p), X);
        for (int i = 0; i < X.Length; i++)
            Assert.Equal(fd[i], grad[i], 1e-7);
    }

    [Fact]
    public void PullbackX_rejects_a_partial_sample_and_names_the_span()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ProductLayer().PullbackX(W, X.AsSpan(0, 5), Lambda, new double[5]));
        Assert.Equal("x", ex.ParamName);
    }

    [Fact]
    public void PullbackW_rejects_a_wrong_lambda_length()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ProductLayer().PullbackW(W, X, Lambda.AsSpan(0, 4), new double[2]));
        Assert.Equal("lambda", ex.ParamName);
    }
}
