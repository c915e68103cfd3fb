using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Products whose operands are blocks of columns of wider matrices (<see cref="GemmOptions.LeadingDimensionA"/>, B, C): on
/// every packed path and storage order, in float and double, the bits of the same product on dense copies of the blocks,
/// those within the reference's rounding bound, C's other columns untouched, the fused bias, ReLU and column sums on the
/// block, and leading dimensions that do not fit refused.
/// </summary>
public sealed class GemmLeadingDimensionTests
{
    public static TheoryData<string> Paths => GemmTests.Paths;

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_block_of_columns_gives_the_bits_of_its_dense_copy(string path)
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
                    // Each operand as stored, inside a wider matrix: extra columns before (offset) and after.
                    (int aRows, int aCols) = transA ? (k, m) : (m, k);
                    (int bRows, int bCols) = transB ? (n, k) : (k, n);
                    (T[] a, int aOffset, int lda) = Wide<T>(random, aRows, aCols);
                    (T[] b, int bOffset, int ldb) = Wide<T>(random, bRows, bCols);
                    (T[] c, int cOffset, int ldc) = Wide<T>(random, m, n);
                    T[] aDense = Block(a, aOffset, lda, aRows, aCols), bDense = Block(b, bOffset, ldb, bRows, bCols);
                    T[] expected = Block(c, cOffset, ldc, m, n);
                    T[] before = (T[])c.Clone();

                    Gemm.Multiply<T>(aDense, bDense, expected, m, k, n, transA, transB, accumulate, dense);
                    Gemm.Multiply<T>(a.AsSpan(aOffset), b.AsSpan(bOffset), c.AsSpan(cOffset), m, k, n, transA, transB, accumulate,
                                     dense with { LeadingDimensionA = lda, LeadingDimensionB = ldb, LeadingDimensionC = ldc });

                    string where = $"{path} {typeof(T).Name} {m}×{k}×{n} transA={transA} transB={transB} accumulate={accumulate}";
                    Assert.True(expected.AsSpan().SequenceEqual(Block(c, cOffset, ldc, m, n)), where); // bit for bit
                    for (int i = 0; i < c.Length; i++)
                    {
                        int row = (i - cOffset) / ldc, column = (i - cOffset) % ldc;
                        if (i < cOffset || row >= m || column >= n)
                            Assert.True(before[i].Equals(c[i]), $"{where}: C[{i}] outside the block changed");
                    }
                }
            }
        }

        // The dense product itself against the double-precision reference, on the same path.
        Assert.Null(new GemmCheck(37, 41, 29, new Random(3)).Verify<T>(dense));
    }

    [Fact]
    public void Bias_relu_and_column_sums_act_on_the_block_alone()
    {
        var random = new Random(5);
        const int m = 70, k = 33, n = 45;
        (float[] a, int aOffset, int lda) = Wide<float>(random, k, m); // op(A) = Aᵀ, A's columns a block of a wider matrix
        (float[] b, int bOffset, int ldb) = Wide<float>(random, k, n);
        (float[] c, int cOffset, int ldc) = Wide<float>(random, m, n);
        float[] bias = [.. Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] expected = new float[m * n], expectedSums = new float[n], sums = new float[n];
        float[] aDense = Block(a, aOffset, lda, k, m), bDense = Block(b, bOffset, ldb, k, n);
        var options = new GemmOptions { AllowDirect = false };
        Gemm.MultiplyFused<float>(aDense, bDense, expected, m, k, n, true, false, options, bias, relu: true, expectedSums);
        Gemm.MultiplyFused<float>(a.AsSpan(aOffset), b.AsSpan(bOffset), c.AsSpan(cOffset), m, k, n, true, false,
                                  options with { LeadingDimensionA = lda, LeadingDimensionB = ldb, LeadingDimensionC = ldc }, bias, relu: true, sums);
        Assert.Equal(expected, Block(c, cOffset, ldc, m, n));
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
        // C's rows 9 apart need 5·9 + 8 = 53 values: 48 are too few.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, 6, 10, 8, false, false, false, options with { LeadingDimensionC = 9 }));
        // B transposed (8×10 stored) with rows 12 apart: 7·12 + 10 = 94 values, 80 given.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, 6, 10, 8, false, true, false, options with { LeadingDimensionB = 12 }));
        // Depth 0 has no packed product to take the leading dimension.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, 6, 0, 8, false, false, false, options with { LeadingDimensionC = 8 }));
        // The dense leading dimensions themselves are accepted and change nothing.
        float[] expected = new float[c.Length];
        for (int i = 0; i < a.Length; i++)
            a[i] = i % 7 - 3;
        for (int i = 0; i < b.Length; i++)
            b[i] = i % 5 - 2;
        Gemm.Multiply<float>(a, b, expected, 6, 10, 8, false, false, false, options with { AllowDirect = false });
        Gemm.Multiply<float>(a, b, c, 6, 10, 8, false, false, false, options with { LeadingDimensionA = 10, LeadingDimensionB = 8, LeadingDimensionC = 8 });
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
