using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Products whose operand is masked while it is packed (<see cref="GemmOperandMask"/>: op(A) or op(B) read as
/// mask &gt; 0 ? value : 0) against <see cref="Ops.ReluBackward{T}"/> into a buffer followed by the plain product: bit
/// for bit equal, on every dispatch path, in every storage order, for sizes that cross every block and tile edge, with
/// masks holding +0, −0, NaN and negatives and values holding NaN under a positive and a cut mask.
/// </summary>
public sealed class GemmOperandMaskTests
{
    public static TheoryData<string> Paths => GemmTests.Paths;

    private static readonly (int M, int K, int N)[] Shapes =
    [
        (1, 1, 1), (3, 7, 5), (4, 9, 130), (5, 37, 41), (13, 130, 29), (37, 41, 70), (50, 19, 97), (97, 64, 33), (130, 3, 130),
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_masked_while_packed_equals_relu_backward_then_the_product(string path)
    {
        GemmOptions options = GemmTests.Options(path);
        var random = new Random(29);
        foreach ((int m, int k, int n) in Shapes)
        {
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
            {
                CheckMaskedA<float>(m, k, n, transA, transB, options, random);
                CheckMaskedA<double>(m, k, n, transA, transB, options, random);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void B_masked_while_packed_equals_relu_backward_then_the_product_and_its_sums(string path)
    {
        GemmOptions options = GemmTests.Options(path);
        var random = new Random(31);
        foreach ((int m, int k, int n) in Shapes)
        {
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
            {
                foreach (bool sums in new[] { false, true })
                {
                    CheckMaskedB<float>(m, k, n, transA, transB, sums, options, random);
                    CheckMaskedB<double>(m, k, n, transA, transB, sums, options, random);
                }
            }
        }
    }

    [Fact]
    public void The_public_masked_ops_equal_relu_backward_then_the_products_of_a_dense_reverse_pass()
    {
        var random = new Random(7);
        foreach ((int batch, int inputs, int outputs) in new[] { (256, 500, 300), (256, 300, 100), (3, 4, 5), (37, 13, 29) })
        {
            float[] x = Fill<float>(random, batch * inputs), w = Fill<float>(random, inputs * outputs);
            float[] lambda = Fill<float>(random, batch * outputs), y = Mask<float>(random, batch * outputs);
            var dz = new float[batch * outputs];
            Ops.ReluBackward<float>(y, lambda, dz);
            string where = $"{batch}×{inputs}→{outputs}";

            // dW = xᵀ·dz and db = Σ_rows dz.
            var gradW = new float[inputs * outputs];
            var gradB = new float[outputs];
            var gradWSeparate = new float[inputs * outputs];
            var gradBSeparate = new float[outputs];
            Ops.MatMulSumRows<float>(x, dz, gradWSeparate, gradBSeparate, inputs, batch, outputs, transposeA: true);
            Ops.MatMulSumRowsReluMask<float>(x, lambda, y, gradW, gradB, inputs, batch, outputs, transposeA: true);
            AssertSameBits(gradWSeparate, gradW, where + " dW");
            AssertSameBits(gradBSeparate, gradB, where + " db");

            // dx = dz·Wᵀ.
            var gradX = new float[batch * inputs];
            var gradXSeparate = new float[batch * inputs];
            Ops.MatMul<float>(dz, w, gradXSeparate, batch, outputs, inputs, transposeA: false, transposeB: true);
            Ops.MatMulReluMask<float>(lambda, y, w, gradX, batch, outputs, inputs, transposeA: false, transposeB: true);
            AssertSameBits(gradXSeparate, gradX, where + " dx");
        }
    }

    [Fact]
    public void The_masked_ops_check_the_mask()
    {
        var a = new float[6];
        var b = new float[12];
        var y = new float[8];
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => Ops.MatMulReluMask<float>(a, new float[5], b, y, 2, 3, 4)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.MatMulReluMask<float>(a, y.AsSpan(0, 6), b, y, 2, 3, 4)).ParamName);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => Ops.MatMulSumRowsReluMask<float>(a, b, new float[11], y, new float[4], 2, 3, 4)).ParamName);
        Assert.Equal("sums", Assert.Throws<ArgumentException>(() => Ops.MatMulSumRowsReluMask<float>(a, b, new float[12], y, new float[5], 2, 3, 4)).ParamName);
        float[] shared = new float[16];
        Assert.Equal("sums", Assert.Throws<ArgumentException>(() => Ops.MatMulSumRowsReluMask<float>(a, b, shared.AsSpan(0, 12), y, shared.AsSpan(10, 4), 2, 3, 4)).ParamName);
    }

    private static void CheckMaskedA<T>(int m, int k, int n, bool transA, bool transB, in GemmOptions options, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Fill<T>(random, m * k), b = Fill<T>(random, k * n), mask = Mask<T>(random, m * k);
        a[0] = T.NaN; // under a mask that keeps it (Mask keeps index 0) and, below, one that cuts it
        if (a.Length > 4)
            a[4] = T.NaN;
        var masked = new T[m * k];
        Ops.ReluBackward<T>(mask, a, masked);
        var expected = new T[m * n];
        Gemm.Multiply<T>(masked, b, expected, m, k, n, transA, transB, accumulate: false, options);

        var actual = new T[m * n];
        Array.Fill(actual, T.One); // overwritten, not accumulated
        GemmOperandMask.Multiply<T>(a, b, actual, m, k, n, transA, transB, options, mask, ReadOnlySpan<T>.Empty, Span<T>.Empty);
        AssertSameBits(expected, actual, $"{typeof(T).Name} {m}×{k}×{n} transA={transA} transB={transB} masked A");
    }

    private static void CheckMaskedB<T>(int m, int k, int n, bool transA, bool transB, bool withSums, in GemmOptions options, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Fill<T>(random, m * k), b = Fill<T>(random, k * n), mask = Mask<T>(random, k * n);
        if (b.Length > 4)
            b[4] = T.NaN; // cut by the mask
        var masked = new T[k * n];
        Ops.ReluBackward<T>(mask, b, masked);
        var expected = new T[m * n];
        Gemm.Multiply<T>(a, masked, expected, m, k, n, transA, transB, accumulate: false, options);
        var opB = new T[k * n]; // op(dz) as a k×n matrix
        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++)
                opB[p * n + j] = transB ? masked[j * k + p] : masked[p * n + j];
        }
        var expectedSums = new T[n];
        Ops.SumRows<T>(opB, expectedSums, k, n);

        var actual = new T[m * n];
        T[] sums = [.. Enumerable.Repeat(T.One, n)]; // overwritten, not accumulated
        Array.Fill(actual, T.One);
        GemmOperandMask.Multiply<T>(a, b, actual, m, k, n, transA, transB, options, ReadOnlySpan<T>.Empty, mask, withSums ? sums : Span<T>.Empty);
        string where = $"{typeof(T).Name} {m}×{k}×{n} transA={transA} transB={transB} sums={withSums} masked B";
        AssertSameBits(expected, actual, where);
        if (withSums)
            AssertSameBits(expectedSums, sums, where + " sums");
    }

    private static T[] Fill<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];

    /// <summary>A ReLU output with its cut values: positives and +0, with −0, NaN and negatives (pre-activations) mixed in; index 0 is kept.</summary>
    private static T[] Mask<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] mask = [.. Enumerable.Range(0, length).Select(_ => random.Next(3) == 0 ? T.Zero : T.CreateChecked(random.NextDouble() - 0.3))];
        mask[0] = T.One;
        T[] specials = [T.NegativeZero, T.NaN, T.Zero, -T.One];
        for (int i = 1; i < Math.Min(length, 5); i++)
            mask[i] = specials[i - 1];
        return mask;
    }

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
