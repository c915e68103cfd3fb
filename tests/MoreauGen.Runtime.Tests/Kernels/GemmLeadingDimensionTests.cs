using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Products whose A is a block of columns of a wider stored matrix (<see cref="GemmOptions.LeadingDimensionA"/>): on every
/// packed path and storage order, in float and double, the bits of the same product on a dense copy of the block (itself
/// checked against the reference's rounding bound), with the fused bias, ReLU and column sums too, and leading dimensions
/// that do not fit refused.
/// </summary>
public sealed class GemmLeadingDimensionTests
{
    public static TheoryData<string> Paths => GemmTests.Paths;

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_block_of_columns_of_a_gives_the_bits_of_its_dense_copy(string path)
    {
        Check<float>(path);
        Check<double>(path);
    }

    private static void Check<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmOptions dense = GemmTests.Options(path) with { AllowDirect = false }; // a strided product is always packed
        var random = new Random(11);
        foreach ((int m, int k, int n) in new[] { (1, 1, 1), (37, 41, 29), (64, 130, 50), (130, 17, 90) })
        {
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
            {
                foreach (bool accumulate in new[] { false, true })
                {
                    // A as stored, inside a wider matrix: extra columns before (the offset) and after.
                    (int aRows, int aCols) = transA ? (k, m) : (m, k);
                    (T[] a, int aOffset, int lda) = Wide<T>(random, aRows, aCols);
                    T[] b = [.. Enumerable.Range(0, k * n).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
                    T[] c0 = [.. Enumerable.Range(0, m * n).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
                    T[] expected = [.. c0], actual = [.. c0];

                    Gemm.Multiply<T>(Block(a, aOffset, lda, aRows, aCols), b, expected, m, k, n, transA, transB, accumulate, dense);
                    Gemm.Multiply<T>(a.AsSpan(aOffset), b, actual, m, k, n, transA, transB, accumulate, dense with { LeadingDimensionA = lda });

                    string where = $"{path} {typeof(T).Name} {m}×{k}×{n} transA={transA} transB={transB} accumulate={accumulate}";
                    Assert.True(expected.AsSpan().SequenceEqual(actual), where); // bit for bit
                }
            }
        }

        // The dense product itself against the double-precision reference, on the same path.
        Assert.Null(new GemmCheck(37, 41, 29, new Random(3)).Verify<T>(dense));
    }

    [Fact]
    public void Bias_relu_and_column_sums_are_those_of_the_dense_copy()
    {
        var random = new Random(5);
        const int m = 70, k = 33, n = 45;
        (float[] a, int aOffset, int lda) = Wide<float>(random, k, m); // op(A) = Aᵀ, A's columns a block of a wider matrix
        float[] b = [.. Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] bias = [.. Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] expected = new float[m * n], actual = new float[m * n], expectedSums = new float[n], sums = new float[n];
        var options = new GemmOptions { AllowDirect = false };
        Gemm.MultiplyFused<float>(Block(a, aOffset, lda, k, m), b, expected, m, k, n, true, false, options, bias, relu: true, expectedSums);
        Gemm.MultiplyFused<float>(a.AsSpan(aOffset), b, actual, m, k, n, true, false, options with { LeadingDimensionA = lda }, bias, relu: true, sums);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedSums, sums);
        Assert.Contains(expected, v => v == 0); // the ReLU clipped some
    }

    [Fact]
    public void Leading_dimensions_that_do_not_fit_are_refused()
    {
        float[] a = new float[6 * 10], b = new float[10 * 8], c = new float[6 * 8];
        var options = new GemmOptions();
        // A 6×10 stored with rows 9 apart: shorter than a row.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, 6, 10, 8, false, false, false, options with { LeadingDimensionA = 9 }));
        // A 6×10 with rows 11 apart needs 5·11 + 10 = 65 values: 60 are too few.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, 6, 10, 8, false, false, false, options with { LeadingDimensionA = 11 }));
        // Transposed (10×6 stored) with rows 7 apart: 9·7 + 6 = 69 values, 60 given.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, 6, 10, 8, true, false, false, options with { LeadingDimensionA = 7 }));
        // Depth 0 has no packed product to take the leading dimension.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, 6, 0, 8, false, false, false, options with { LeadingDimensionA = 10 }));
        // The dense leading dimension itself is accepted and changes nothing.
        float[] expected = new float[c.Length];
        for (int i = 0; i < a.Length; i++)
            a[i] = i % 7 - 3;
        for (int i = 0; i < b.Length; i++)
            b[i] = i % 5 - 2;
        Gemm.Multiply<float>(a, b, expected, 6, 10, 8, false, false, false, options with { AllowDirect = false });
        Gemm.Multiply<float>(a, b, c, 6, 10, 8, false, false, false, options with { LeadingDimensionA = 10 });
        Assert.Equal(expected, c);
    }

    /// <summary>A rows×columns block inside a wider random matrix: the values, where the block starts and the row distance.</summary>
    private static (T[] Values, int Offset, int Ld) Wide<T>(Random random, int rows, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int before = random.Next(1, 6), after = random.Next(0, 6), ld = before + columns + after;
        T[] values = [.. Enumerable.Range(0, rows * ld).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
        return (values, before, ld);
    }

    private static T[] Block<T>(T[] values, int offset, int ld, int rows, int columns)
    {
        var block = new T[rows * columns];
        for (int i = 0; i < rows; i++)
            Array.Copy(values, offset + i * ld, block, i * columns, columns);
        return block;
    }
}
