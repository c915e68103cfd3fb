using System.Numerics;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// <see cref="Ops.MaxPool2d{T}"/> and <see cref="Ops.AvgPool2d{T}"/> against naive loops, their reverses against
/// central finite differences in double and float (inputs whose values are far apart, so no step crosses a tie),
/// and ties: the first maximum of a window in row-major order takes the whole adjoint.
/// </summary>
public sealed class PoolingTests
{
    public static IEnumerable<(int M, int C, int H, int W, int K, int S)> Grid()
    {
        foreach (int m in new[] { 1, 3 })
        foreach (int c in new[] { 1, 2 })
        foreach (int h in new[] { 1, 2, 5, 8, 11 })
        foreach (int w in new[] { 1, 3, 6, 12 })
        foreach (int k in new[] { 1, 2, 3 })
        foreach (int s in new[] { 1, 2, 3 })
        {
            if (k <= h && k <= w)
                yield return (m, c, h, w, k, s);
        }
    }

    [Fact]
    public void Forward_matches_the_naive_loops()
    {
        var random = new Random(1);
        foreach (var g in Grid())
        {
            double[] x = Separated(random, g.M * g.C * g.H * g.W);
            int oh = (g.H - g.K) / g.S + 1, ow = (g.W - g.K) / g.S + 1;
            var max = new double[g.M * g.C * oh * ow];
            var mean = new double[max.Length];
            Ops.MaxPool2d<double>(x, max, g.M, g.C, g.H, g.W, g.K, g.S);
            Ops.AvgPool2d<double>(x, mean, g.M, g.C, g.H, g.W, g.K, g.S);
            for (int plane = 0; plane < g.M * g.C; plane++)
            for (int r = 0; r < oh; r++)
            for (int q = 0; q < ow; q++)
            {
                double best = double.NegativeInfinity, sum = 0;
                for (int i = 0; i < g.K; i++)
                for (int j = 0; j < g.K; j++)
                {
                    double v = x[(plane * g.H + r * g.S + i) * g.W + q * g.S + j];
                    best = Math.Max(best, v);
                    sum += v;
                }
                int at = (plane * oh + r) * ow + q;
                Assert.Equal(best, max[at]);
                Assert.Equal(sum / (g.K * g.K), mean[at], 1e-12);
            }
        }
    }

    [Fact]
    public void Reverses_match_finite_differences_in_double()
    {
        var random = new Random(2);
        foreach (var g in Grid())
            AssertReverses<double>(g, random, step: 1e-5, tolerance: 1e-7);
    }

    [Fact]
    public void Reverses_match_finite_differences_in_float()
    {
        var random = new Random(3);
        foreach (var g in Grid())
            AssertReverses<float>(g, random, step: 1e-3, tolerance: 1e-3);
    }

    [Fact]
    public void A_tie_sends_the_adjoint_to_the_first_maximum_in_row_major_order()
    {
        // One 4×4 plane, 2×2 windows with stride 2; every window has a tie at its maximum.
        double[] x =
        [
            1, 5,   2, 2,
            5, 0,   0, 1,

            3, 3,   7, 4,
            3, 3,   7, 7,
        ];
        double[] dy = [10, 20, 30, 40];
        var y = new double[4];
        var dx = new double[16];
        Ops.MaxPool2d<double>(x, y, 1, 1, 4, 4, 2, 2);
        Ops.MaxPool2dBackward<double>(x, dy, dx, 1, 1, 4, 4, 2, 2);
        Assert.Equal([5, 2, 3, 7], y);
        double[] expected =
        [
            0, 10,  20, 0,
            0, 0,   0, 0,

            30, 0,  40, 0,
            0, 0,   0, 0,
        ];
        Assert.Equal(expected, dx);

        // Overlapping windows (stride 1) that share a tied maximum each send their adjoint to the same first one.
        double[] flat = [2, 2, 2, 2, 2, 2, 2, 2];
        var dFlat = new double[8];
        Ops.MaxPool2dBackward<double>(flat, [1, 1, 1], dFlat, 1, 1, 2, 4, 2, 1);
        Assert.Equal([1, 1, 1, 0, 0, 0, 0, 0], dFlat);
    }

    [Theory]
    [InlineData(1, 1, 2, 16)]
    [InlineData(2, 3, 5, 17)]
    [InlineData(3, 2, 8, 34)]
    [InlineData(2, 2, 7, 40)]
    [InlineData(1, 2, 4, 6)]
    public void Float_2x2_windows_match_the_first_maximum_rule_bit_for_bit_with_ties_zeros_and_NaN(int m, int c, int h, int w)
    {
        // Values from a small set, so most windows hold ties (also between −0 and +0), and a few NaN.
        var random = new Random(h * 100 + w);
        float[] choices = [0f, -0f, 1f, 2f, -1f, float.NaN];
        var x = new float[m * c * h * w];
        for (int i = 0; i < x.Length; i++)
            x[i] = random.Next(20) == 0 ? float.NaN : choices[random.Next(choices.Length - 1)];
        int oh = h / 2, ow = w / 2;
        float[] dy = ConvolutionChecks.Random<float>(random, m * c * oh * ow);
        var expectedY = new float[dy.Length];
        float[] start = ConvolutionChecks.Random<float>(random, x.Length);
        var expectedDx = (float[])start.Clone();
        for (int plane = 0; plane < m * c; plane++)
        for (int r = 0; r < oh; r++)
        for (int q = 0; q < ow; q++)
        {
            // The rule by its definition: the first strictly greater value in row-major order replaces the maximum.
            int best = (plane * h + 2 * r) * w + 2 * q;
            foreach (int at in new[] { best + 1, best + w, best + w + 1 })
            {
                if (x[at] > x[best])
                    best = at;
            }
            int o = (plane * oh + r) * ow + q;
            expectedY[o] = x[best];
            expectedDx[best] += dy[o];
        }

        var y = new float[dy.Length];
        Ops.MaxPool2d<float>(x, y, m, c, h, w, 2, 2);
        Assert.Equal(expectedY.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
        float[] dx = (float[])start.Clone();
        Ops.MaxPool2dBackwardAdd<float>(x, dy, dx, m, c, h, w, 2, 2);
        Assert.Equal(expectedDx.Select(BitConverter.SingleToInt32Bits), dx.Select(BitConverter.SingleToInt32Bits));
        Ops.MaxPool2dBackward<float>(x, dy, dx, m, c, h, w, 2, 2);
        for (int i = 0; i < dx.Length; i++)
            Assert.Equal(expectedDx[i] - start[i], dx[i], 1e-6f);
    }

    /// <summary>Distinct values at least 1/(2·length) apart, shuffled: a finite-difference step never reorders a window.</summary>
    private static double[] Separated(Random random, int length)
    {
        double[] values = [.. Enumerable.Range(0, length).Select(i => (double)i / length - 0.5)];
        random.Shuffle(values);
        return values;
    }

    private static void AssertReverses<T>((int M, int C, int H, int W, int K, int S) g, Random random, double step, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = [.. Separated(random, g.M * g.C * g.H * g.W).Select(T.CreateChecked)];
        int outLength = g.M * g.C * ((g.H - g.K) / g.S + 1) * ((g.W - g.K) / g.S + 1);
        T[] lambda = ConvolutionChecks.Random<T>(random, outLength);
        double Max(T[] v)
        {
            var y = new T[outLength];
            Ops.MaxPool2d<T>(v, y, g.M, g.C, g.H, g.W, g.K, g.S);
            return ConvolutionChecks.Inner(lambda, y);
        }
        double Mean(T[] v)
        {
            var y = new T[outLength];
            Ops.AvgPool2d<T>(v, y, g.M, g.C, g.H, g.W, g.K, g.S);
            return ConvolutionChecks.Inner(lambda, y);
        }

        // The step must not reorder a window: directions are scaled so that h·|t| stays below half the spacing.
        double spacing = 1.0 / x.Length;
        double safeStep = Math.Min(step, spacing / 4);
        var dMax = new T[x.Length];
        var dMean = new T[x.Length];
        dMax.AsSpan().Fill(T.NaN);
        dMean.AsSpan().Fill(T.NaN);
        Ops.MaxPool2dBackward<T>(x, lambda, dMax, g.M, g.C, g.H, g.W, g.K, g.S);
        Ops.AvgPool2dBackward<T>(lambda, dMean, g.M, g.C, g.H, g.W, g.K, g.S);
        string what = $"{typeof(T).Name} m={g.M} C={g.C} {g.H}×{g.W} k={g.K} s={g.S}";
        FiniteDifferences.AssertDirectional(Max, x, dMax, random, safeStep, tolerance, what + " max");
        FiniteDifferences.AssertDirectional(Mean, x, dMean, random, safeStep, tolerance, what + " mean");

        T[] start = ConvolutionChecks.Random<T>(random, x.Length);
        T[] sumMax = (T[])start.Clone(), sumMean = (T[])start.Clone();
        Ops.MaxPool2dBackwardAdd<T>(x, lambda, sumMax, g.M, g.C, g.H, g.W, g.K, g.S);
        Ops.AvgPool2dBackwardAdd<T>(lambda, sumMean, g.M, g.C, g.H, g.W, g.K, g.S);
        ConvolutionChecks.AssertSum(start, dMax, sumMax, what + " max accumulate");
        ConvolutionChecks.AssertSum(start, dMean, sumMean, what + " mean accumulate");
    }
}
