using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// The implicit-GEMM forward convolution (<see cref="ImplicitGemm"/>) with every micro-kernel this machine runs, not
/// only the one <see cref="Ops.Conv2d{T}"/> picks: against the naive loops on the whole odd-shape grid of
/// <see cref="ConvolutionTests"/>, and on shapes that reach its other paths — output channels that are not a multiple
/// of MR, pixel panels that end inside an output row or part-way through the last panel, a depth K above the KC block
/// (several depth blocks), C_in = 1 with padding 2 (the ConvNet's first layer) and stride 2 (the strided gather).
/// </summary>
public sealed class ImplicitGemmTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, int> PathShapes() => new()
    {
        { 2, 1, 32, 32, 16, 5, 5, 1, 2 },   // conv1 of the ConvNet: C_in = 1, one 32-pixel output row per AVX-512 panel
        { 2, 20, 8, 8, 20, 5, 5, 1, 2 },    // conv3: K = 500 in two depth blocks, rows of 8 pixels
        { 2, 16, 16, 16, 20, 5, 5, 1, 2 },  // conv2
        { 1, 3, 11, 13, 25, 3, 3, 1, 1 },   // runs of 13 cut by the panels; 25 = 2·12 + 1 channel rows
        { 2, 13, 9, 7, 7, 5, 3, 2, 2 },     // stride 2, K = 195 in one block, a rectangular kernel
        { 1, 12, 10, 10, 13, 5, 5, 1, 0 },  // K = 300 with no padding
        { 3, 1, 17, 5, 33, 1, 5, 1, 2 },    // a 1×5 kernel, 33 channel rows
    };

    [Fact]
    public void Every_kernel_matches_the_naive_loops_on_the_whole_grid()
    {
        var random = new Random(21);
        int count = 0;
        foreach (ConvolutionTests.Shape shape in ConvolutionTests.Grid())
        {
            foreach (GemmKernel kernel in Kernels())
            {
                AssertForward<double>(kernel, shape, random, 1e-12);
                AssertForward<float>(kernel, shape, random, 1e-5);
            }
            count++;
        }
        Assert.True(count > 500, $"Only {count} shapes in the grid.");
    }

    [Theory]
    [MemberData(nameof(PathShapes))]
    public void Every_kernel_matches_the_naive_loops_on_the_paths_shapes(int m, int cin, int h, int w, int cout, int kh, int kw, int s, int p)
    {
        var shape = new ConvolutionTests.Shape(m, cin, h, w, cout, kh, kw, s, p);
        var random = new Random(22);
        foreach (GemmKernel kernel in Kernels())
        {
            AssertForward<double>(kernel, shape, random, 1e-12);
            AssertForward<float>(kernel, shape, random, 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(PathShapes))]
    public void Conv2d_matches_the_naive_loops_on_the_paths_shapes(int m, int cin, int h, int w, int cout, int kh, int kw, int s, int p)
    {
        var shape = new ConvolutionTests.Shape(m, cin, h, w, cout, kh, kw, s, p);
        var random = new Random(23);
        float[] x = ConvolutionChecks.Random<float>(random, shape.XLength);
        float[] weights = ConvolutionChecks.Random<float>(random, shape.WLength);
        var y = new float[shape.YLength];
        y.AsSpan().Fill(float.NaN);
        Ops.Conv2d<float>(x, weights, y, m, cin, h, w, cout, kh, kw, s, p);
        AssertClose(y, ConvolutionChecks.Naive(shape, ConvolutionChecks.ToDouble(x), ConvolutionChecks.ToDouble(weights)), 1e-5, $"Conv2d {shape}");
    }

    /// <summary>The portable kernel always, and each SIMD kernel the hardware has.</summary>
    private static IEnumerable<GemmKernel> Kernels()
    {
        yield return GemmKernel.Portable;
        if (Avx2Kernel<float>.IsSupported)
            yield return GemmKernel.Avx2;
        if (Avx512Kernel<float>.IsSupported)
            yield return GemmKernel.Avx512;
        if (Avx512WideKernel<float>.IsSupported)
            yield return GemmKernel.Avx512Wide;
    }

    private static void AssertForward<T>(GemmKernel kernel, ConvolutionTests.Shape shape, Random random, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = ConvolutionChecks.Random<T>(random, shape.XLength);
        T[] w = ConvolutionChecks.Random<T>(random, shape.WLength);
        var y = new T[shape.YLength];
        y.AsSpan().Fill(T.NaN); // previous contents must be ignored
        var s = new ConvolutionShape(shape.M, shape.Cin, shape.H, shape.W, shape.Cout, shape.Kh, shape.Kw, shape.S, shape.P);
        ImplicitGemm.ForwardBatch<T>(kernel, x, w, y, s);
        double[] expected = ConvolutionChecks.Naive(shape, ConvolutionChecks.ToDouble(x), ConvolutionChecks.ToDouble(w));
        AssertClose(y, expected, tolerance, $"{kernel} {typeof(T).Name} {shape}");
    }

    private static void AssertClose<T>(T[] actual, double[] expected, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double value = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(value - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what}: y[{i}] = {value}, expected {expected[i]}");
        }
    }
}
