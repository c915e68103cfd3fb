using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// <see cref="Ops.Conv2d{T}"/> against a naive loop reference, and its reverse members (input, weights) and the
/// per-channel bias against central finite differences, in double and float, over every combination of odd sizes:
/// H and W from 1 to 12, C_in 1 and 3, kernels 1/3/5 (and a 3×5 one), padding 0/1/2, stride 1/2, batches 1 and 3.
/// </summary>
public sealed class ConvolutionTests
{
    /// <summary>One convolution's sizes: m, C_in, H, W, C_out, kh, kw, stride, padding.</summary>
    public readonly record struct Shape(int M, int Cin, int H, int W, int Cout, int Kh, int Kw, int S, int P)
    {
        public int Oh => (H + 2 * P - Kh) / S + 1;
        public int Ow => (W + 2 * P - Kw) / S + 1;
        public int XLength => M * Cin * H * W;
        public int WLength => Cout * Cin * Kh * Kw;
        public int YLength => M * Cout * Oh * Ow;
        public override string ToString() => $"m={M} Cin={Cin} {H}×{W} Cout={Cout} k={Kh}×{Kw} s={S} p={P}";
    }

    /// <summary>The grid of the class summary (shapes whose kernel does not fit the padded input are left out).</summary>
    public static IEnumerable<Shape> Grid()
    {
        int cout = 2;
        foreach (int m in new[] { 1, 3 })
        foreach (int cin in new[] { 1, 3 })
        foreach (int h in new[] { 1, 2, 5, 12 })
        foreach (int w in new[] { 1, 3, 7, 12 })
        foreach ((int kh, int kw) in new[] { (1, 1), (3, 3), (5, 5), (3, 5) })
        foreach (int p in new[] { 0, 1, 2 })
        foreach (int s in new[] { 1, 2 })
        {
            if (kh > h + 2 * p || kw > w + 2 * p)
                continue;
            cout = cout % 5 + 1; // 1..5 output channels in turn
            yield return new Shape(m, cin, h, w, cout, kh, kw, s, p);
        }
    }

    /// <summary>Larger shapes that take the packed GEMM and share the batch among the kernel threads.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> LargeShapes() => new()
    {
        { 3, 4, 12, 12, 17, 3, 3, 1, 1 },
        { 5, 3, 12, 12, 20, 5, 5, 1, 2 },
        { 4, 16, 11, 9, 13, 5, 5, 2, 2 },
        { 6, 8, 10, 10, 24, 1, 1, 1, 0 },
    };

    [Fact]
    public void Forward_matches_the_naive_loops_on_the_whole_grid()
    {
        var random = new Random(1);
        int count = 0;
        foreach (Shape shape in Grid())
        {
            AssertForward<double>(shape, random, 1e-12);
            AssertForward<float>(shape, random, 1e-5);
            count++;
        }
        Assert.True(count > 500, $"Only {count} shapes in the grid.");
    }

    [Theory]
    [MemberData(nameof(LargeShapes))]
    public void Forward_matches_the_naive_loops_on_larger_shapes(int m, int cin, int h, int w, int cout, int kh, int kw, int s, int p)
    {
        var shape = new Shape(m, cin, h, w, cout, kh, kw, s, p);
        AssertForward<double>(shape, new Random(2), 1e-12);
        AssertForward<float>(shape, new Random(3), 1e-5);
    }

    [Fact]
    public void Reverse_products_match_the_naive_loops_on_the_whole_grid()
    {
        var random = new Random(10);
        foreach (Shape shape in Grid())
        {
            AssertReverse<double>(shape, random, 1e-12);
            AssertReverse<float>(shape, random, 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(LargeShapes))]
    public void Reverse_products_match_the_naive_loops_on_larger_shapes(int m, int cin, int h, int w, int cout, int kh, int kw, int s, int p)
    {
        var shape = new Shape(m, cin, h, w, cout, kh, kw, s, p);
        AssertReverse<double>(shape, new Random(11), 1e-12);
        AssertReverse<float>(shape, new Random(12), 1e-5);
    }

    [Fact]
    public void Gradients_match_finite_differences_in_double_on_the_whole_grid()
    {
        var random = new Random(4);
        foreach (Shape shape in Grid())
            AssertGradients<double>(shape, random, step: 1e-5, tolerance: 1e-7);
    }

    [Fact]
    public void Gradients_match_finite_differences_in_float_on_the_whole_grid()
    {
        var random = new Random(5);
        foreach (Shape shape in Grid())
            AssertGradients<float>(shape, random, step: 1e-2, tolerance: 1e-3);
    }

    [Theory]
    [MemberData(nameof(LargeShapes))]
    public void Gradients_match_finite_differences_on_larger_shapes(int m, int cin, int h, int w, int cout, int kh, int kw, int s, int p)
    {
        var shape = new Shape(m, cin, h, w, cout, kh, kw, s, p);
        AssertGradients<double>(shape, new Random(6), step: 1e-5, tolerance: 1e-7);
        AssertGradients<float>(shape, new Random(7), step: 1e-2, tolerance: 1e-3);
    }

    [Fact]
    public void The_weight_gradient_does_not_depend_on_whether_the_worker_pool_is_free()
    {
        var shape = new Shape(7, 3, 12, 12, 20, 5, 5, 1, 2);
        var random = new Random(9);
        float[] x = ConvolutionChecks.Random<float>(random, shape.XLength);
        float[] dy = ConvolutionChecks.Random<float>(random, shape.YLength);
        var free = new float[shape.WLength];
        var busy = new float[shape.WLength];
        WorkerPool pool = WorkerPool.Shared;
        // Hold the pool as another caller would; wait for a concurrent test to let go of it first.
        SpinWait.SpinUntil(pool.TryReserve);
        try
        {
            Ops.Conv2dBackwardWeights<float>(x, dy, busy, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        }
        finally
        {
            pool.Release();
        }

        Ops.Conv2dBackwardWeights<float>(x, dy, free, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        Assert.Equal(free, busy);
    }

    [Fact]
    public void The_weight_gradient_is_the_same_on_every_call()
    {
        var shape = new Shape(7, 3, 12, 12, 20, 5, 5, 1, 2);
        var random = new Random(8);
        float[] x = ConvolutionChecks.Random<float>(random, shape.XLength);
        float[] dy = ConvolutionChecks.Random<float>(random, shape.YLength);
        var first = new float[shape.WLength];
        var again = new float[shape.WLength];
        Ops.Conv2dBackwardWeights<float>(x, dy, first, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        for (int i = 0; i < 5; i++)
        {
            Ops.Conv2dBackwardWeights<float>(x, dy, again, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
            Assert.Equal(first, again);
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 4, 7)]
    [InlineData(2, 5, 64)]
    public void The_channel_bias_and_its_sum_match_finite_differences(int batch, int channels, int size)
    {
        var random = new Random(9);
        double[] y0 = FiniteDifferences.RandomVector(random, batch * channels * size);
        double[] bias = FiniteDifferences.RandomVector(random, channels);
        double[] lambda = FiniteDifferences.RandomVector(random, y0.Length);
        double F(double[] b)
        {
            double[] y = (double[])y0.Clone();
            Ops.AddChannelBias<double>(y, b, batch, channels, size);
            return FiniteDifferences.Dot(lambda, y);
        }

        var gradient = new double[channels];
        Ops.SumChannels<double>(lambda, gradient, batch, channels, size);
        FiniteDifferences.AssertGradient(F, bias, gradient, random, "bias");

        double[] start = FiniteDifferences.RandomVector(random, channels);
        double[] sum = (double[])start.Clone();
        Ops.SumChannelsAdd<double>(lambda, sum, batch, channels, size);
        for (int c = 0; c < channels; c++)
            Assert.Equal(start[c] + gradient[c], sum[c], 1e-12);
    }

    [Fact]
    public void Sizes_that_do_not_fit_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Conv2d<float>(new float[4], new float[25], new float[1], 1, 1, 2, 2, 1, 5, 5, 1, 1));
        Assert.Throws<ArgumentException>(() => Ops.Conv2d<float>(new float[5], new float[9], new float[4], 1, 1, 2, 2, 1, 3, 3, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Conv2d<float>(new float[4], new float[9], new float[4], 1, 1, 2, 2, 1, 3, 3, 0, 1));
        float[] shared = new float[8];
        Assert.Throws<ArgumentException>(() => Ops.Conv2d<float>(shared.AsSpan(0, 4), new float[1], shared.AsSpan(2, 4), 1, 1, 2, 2, 1, 1, 1, 1, 0));
    }

    private static void AssertForward<T>(Shape shape, Random random, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = ConvolutionChecks.Random<T>(random, shape.XLength);
        T[] w = ConvolutionChecks.Random<T>(random, shape.WLength);
        var y = new T[shape.YLength];
        y.AsSpan().Fill(T.NaN); // previous contents must be ignored
        Ops.Conv2d<T>(x, w, y, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        double[] expected = ConvolutionChecks.Naive(shape, ConvolutionChecks.ToDouble(x), ConvolutionChecks.ToDouble(w));
        for (int i = 0; i < expected.Length; i++)
        {
            double actual = double.CreateChecked(y[i]);
            Assert.True(Math.Abs(actual - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{typeof(T).Name} {shape}: y[{i}] = {actual}, expected {expected[i]}");
        }
    }

    /// <summary>dx and dW, written and accumulated, against <see cref="ConvolutionChecks.NaiveReverse"/>.</summary>
    private static void AssertReverse<T>(Shape shape, Random random, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = ConvolutionChecks.Random<T>(random, shape.XLength);
        T[] w = ConvolutionChecks.Random<T>(random, shape.WLength);
        T[] dy = ConvolutionChecks.Random<T>(random, shape.YLength);
        (double[] dx, double[] dw) = ConvolutionChecks.NaiveReverse(shape, ConvolutionChecks.ToDouble(x), ConvolutionChecks.ToDouble(w), ConvolutionChecks.ToDouble(dy));
        var actualDx = new T[shape.XLength];
        var actualDw = new T[shape.WLength];
        actualDx.AsSpan().Fill(T.NaN); // previous contents must be ignored
        actualDw.AsSpan().Fill(T.NaN);
        Ops.Conv2dBackwardInput<T>(w, dy, actualDx, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        Ops.Conv2dBackwardWeights<T>(x, dy, actualDw, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        AssertClose(actualDx, dx, 1, tolerance, $"{typeof(T).Name} {shape}: dx");
        AssertClose(actualDw, dw, 1, tolerance, $"{typeof(T).Name} {shape}: dW");
        // The accumulating members add the same products once more.
        Ops.Conv2dBackwardInputAdd<T>(w, dy, actualDx, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        Ops.Conv2dBackwardWeightsAdd<T>(x, dy, actualDw, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        AssertClose(actualDx, dx, 2, tolerance, $"{typeof(T).Name} {shape}: dx, accumulated");
        AssertClose(actualDw, dw, 2, tolerance, $"{typeof(T).Name} {shape}: dW, accumulated");
    }

    private static void AssertClose<T>(T[] actual, double[] expected, double factor, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double value = double.CreateChecked(actual[i]), want = factor * expected[i];
            Assert.True(Math.Abs(value - want) <= tolerance * (1 + Math.Abs(want)), $"{what}[{i}] = {value}, expected {want}");
        }
    }

    private static void AssertGradients<T>(Shape shape, Random random, double step, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = ConvolutionChecks.Random<T>(random, shape.XLength);
        T[] w = ConvolutionChecks.Random<T>(random, shape.WLength);
        T[] lambda = ConvolutionChecks.Random<T>(random, shape.YLength);
        double Value(T[] xs, T[] ws)
        {
            var y = new T[shape.YLength];
            Ops.Conv2d<T>(xs, ws, y, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
            return ConvolutionChecks.Inner(lambda, y);
        }

        var dx = new T[x.Length];
        var dw = new T[w.Length];
        dx.AsSpan().Fill(T.NaN);
        dw.AsSpan().Fill(T.NaN);
        Ops.Conv2dBackwardInput<T>(w, lambda, dx, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        Ops.Conv2dBackwardWeights<T>(x, lambda, dw, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        FiniteDifferences.AssertDirectional(v => Value(v, w), x, dx, random, step, tolerance, $"{typeof(T).Name} {shape} dx");
        FiniteDifferences.AssertDirectional(v => Value(x, v), w, dw, random, step, tolerance, $"{typeof(T).Name} {shape} dW");

        // The accumulating forms add exactly these gradients.
        T[] startX = ConvolutionChecks.Random<T>(random, x.Length), startW = ConvolutionChecks.Random<T>(random, w.Length);
        T[] sumX = (T[])startX.Clone(), sumW = (T[])startW.Clone();
        Ops.Conv2dBackwardInputAdd<T>(w, lambda, sumX, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        Ops.Conv2dBackwardWeightsAdd<T>(x, lambda, sumW, shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        ConvolutionChecks.AssertSum(startX, dx, sumX, $"{shape} dx accumulate");
        ConvolutionChecks.AssertSum(startW, dw, sumW, $"{shape} dW accumulate");
    }
}
