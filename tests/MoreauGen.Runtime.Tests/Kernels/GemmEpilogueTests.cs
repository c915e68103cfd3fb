using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// The fused products (bias and ReLU finished on each register tile, column sums taken from the packed B̃) against the
/// same product followed by the separate passes they replace (<see cref="Ops.AddBias{T}"/>, <see cref="Ops.Relu{T}"/>,
/// <see cref="Ops.SumRows{T}"/>): bit for bit equal, on every dispatch path, in every storage order, for sizes that
/// cross every block and tile edge, with NaN, ±0 and negative values where the ReLU and the sums meet them.
/// </summary>
public sealed class GemmEpilogueTests
{
    public static TheoryData<string> Paths => GemmTests.Paths;

    private static readonly (int M, int K, int N)[] Shapes =
    [
        (1, 1, 1), (3, 7, 5), (4, 9, 130), (5, 37, 41), (13, 130, 29), (37, 41, 70), (50, 19, 97), (97, 64, 33), (130, 3, 130),
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Bias_and_relu_inside_the_product_equal_the_separate_passes(string path)
    {
        GemmOptions options = GemmTests.Options(path);
        var random = new Random(17);
        foreach ((int m, int k, int n) in Shapes)
        {
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
            {
                foreach (bool relu in new[] { false, true })
                {
                    CheckFinish<float>(m, k, n, transA, transB, relu, options, random);
                    CheckFinish<double>(m, k, n, transA, transB, relu, options, random);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Column_sums_taken_while_packing_equal_sum_rows_of_op_b(string path)
    {
        GemmOptions options = GemmTests.Options(path);
        var random = new Random(23);
        foreach ((int m, int k, int n) in Shapes)
        {
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
            {
                CheckSums<float>(m, k, n, transA, transB, options, random);
                CheckSums<double>(m, k, n, transA, transB, options, random);
            }
        }
    }

    [Fact]
    public void The_public_fused_ops_equal_the_calls_they_replace()
    {
        var random = new Random(5);
        const int m = 256, k = 300, n = 100;
        float[] x = Fill<float>(random, m * k), w = Fill<float>(random, k * n), bias = Fill<float>(random, n);

        var fused = new float[m * n];
        var separate = new float[m * n];
        Ops.MatMulBiasRelu<float>(x, w, bias, fused, m, k, n);
        Ops.MatMul<float>(x, w, separate, m, k, n);
        Ops.AddBias<float>(separate, bias, m, n);
        Ops.Relu<float>(separate, separate);
        AssertSameBits(separate, fused, "MatMulBiasRelu");
        Assert.Contains(fused, v => v == 0f); // the ReLU cut something
        Assert.Contains(fused, v => v > 0f);

        var tape = new float[m * n + 3]; // longer than y, as a tape slice may be: the first m·n values receive y
        Array.Fill(tape, 7f);
        Array.Fill(fused, 1f);
        Ops.MatMulBiasReluAndCopy<float>(x, w, bias, fused, tape, m, k, n);
        AssertSameBits(separate, fused, "MatMulBiasReluAndCopy");
        AssertSameBits(separate, tape[..(m * n)], "MatMulBiasReluAndCopy copy");
        Assert.All(tape[(m * n)..], v => Assert.Equal(7f, v));

        Ops.MatMulBias<float>(x, w, bias, fused, m, k, n);
        Ops.MatMul<float>(x, w, separate, m, k, n);
        Ops.AddBias<float>(separate, bias, m, n);
        AssertSameBits(separate, fused, "MatMulBias");

        // The reverse pass of a dense layer: dW = xᵀ·dz (k×n) and db = Σ_rows dz, dz of m×n.
        float[] dz = Fill<float>(random, m * n);
        var gradW = new float[k * n];
        var gradB = new float[n];
        var gradWSeparate = new float[k * n];
        var gradBSeparate = new float[n];
        Ops.MatMulSumRows<float>(x, dz, gradW, gradB, k, m, n, transposeA: true);
        Ops.SumRows<float>(dz, gradBSeparate, m, n);
        Ops.MatMul<float>(x, dz, gradWSeparate, k, m, n, transposeA: true);
        AssertSameBits(gradWSeparate, gradW, "MatMulSumRows product");
        AssertSameBits(gradBSeparate, gradB, "MatMulSumRows sums");
    }

    [Fact]
    public void The_fused_ops_check_their_extra_spans()
    {
        var a = new float[6];
        var b = new float[12];
        var y = new float[8];
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => Ops.MatMulBiasRelu<float>(a, b, new float[3], y, 2, 3, 4)).ParamName);
        Assert.Equal("copy", Assert.Throws<ArgumentException>(() => Ops.MatMulBiasReluAndCopy<float>(a, b, new float[4], y, new float[7], 2, 3, 4)).ParamName);
        Assert.Equal("copy", Assert.Throws<ArgumentException>(() => Ops.MatMulBiasReluAndCopy<float>(a, b, new float[4], y, y, 2, 3, 4)).ParamName);
        Assert.Equal("sums", Assert.Throws<ArgumentException>(() => Ops.MatMulSumRows<float>(a, b, y, new float[5], 2, 3, 4)).ParamName);
        Assert.Equal("sums", Assert.Throws<ArgumentException>(() => Ops.MatMulSumRows<float>(a, b, y, y.AsSpan(0, 4), 2, 3, 4)).ParamName);
    }

    private static void CheckFinish<T>(int m, int k, int n, bool transA, bool transB, bool relu, in GemmOptions options, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Fill<T>(random, m * k), b = Fill<T>(random, k * n), bias = Fill<T>(random, n);
        bias[0] = T.NaN;                     // a NaN column: the ReLU must keep it NaN
        if (n > 2)
            bias[2] = T.NegativeZero;
        var expected = new T[m * n];
        Gemm.Multiply<T>(a, b, expected, m, k, n, transA, transB, accumulate: false, options);
        Ops.AddBias<T>(expected, bias, m, n);
        if (relu)
            Ops.Relu<T>(expected, expected);

        var actual = new T[m * n];
        Array.Fill(actual, T.One); // overwritten, not accumulated
        Gemm.MultiplyFused<T>(a, b, actual, m, k, n, transA, transB, options, bias, relu, Span<T>.Empty);
        string where = $"{typeof(T).Name} {m}×{k}×{n} transA={transA} transB={transB} relu={relu}";
        AssertSameBits(expected, actual, where);

        // With a copy of the finished C written from the same registers (a taped forward's record of y).
        var copy = new T[m * n];
        Array.Fill(actual, T.One);
        Gemm.MultiplyFused<T>(a, b, actual, m, k, n, transA, transB, options, bias, relu, Span<T>.Empty, copy);
        AssertSameBits(expected, actual, where + " (copying)");
        AssertSameBits(expected, copy, where + " copy");
    }

    private static void CheckSums<T>(int m, int k, int n, bool transA, bool transB, in GemmOptions options, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Fill<T>(random, m * k), b = Fill<T>(random, k * n);
        b[0] = T.NegativeZero;
        var expectedY = new T[m * n];
        Gemm.Multiply<T>(a, b, expectedY, m, k, n, transA, transB, accumulate: false, options);
        var opB = new T[k * n]; // op(B) as a k×n matrix
        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++)
                opB[p * n + j] = transB ? b[j * k + p] : b[p * n + j];
        }
        var expectedSums = new T[n];
        Ops.SumRows<T>(opB, expectedSums, k, n);

        var y = new T[m * n];
        T[] sums = [.. Enumerable.Repeat(T.One, n)]; // overwritten, not accumulated
        Gemm.MultiplyFused<T>(a, b, y, m, k, n, transA, transB, options, ReadOnlySpan<T>.Empty, relu: false, sums);
        string where = $"{typeof(T).Name} {m}×{k}×{n} transA={transA} transB={transB}";
        AssertSameBits(expectedY, y, where + " product");
        AssertSameBits(expectedSums, sums, where + " sums");
    }

    private static T[] Fill<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];

    private static void AssertSameBits<T>(T[] expected, T[] actual, string where) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = T.IsNaN(expected[i]) ? T.IsNaN(actual[i])
                : expected[i] == actual[i] && T.IsNegative(expected[i]) == T.IsNegative(actual[i]);
            Assert.True(same, $"{where}: element {i} is {actual[i]}, separately {expected[i]}");
        }
    }
}
