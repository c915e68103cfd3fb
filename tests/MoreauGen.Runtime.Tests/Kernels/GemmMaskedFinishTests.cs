using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Products whose finished C is checked and masked (<see cref="GemmEpilogue{T}.MaskC"/>, <see cref="GemmMaskedFinish"/>)
/// against the plain product followed by <see cref="Ops.ReluBackward{T}"/>: bit for bit on every dispatch path and storage
/// order, for sizes that cross every block and tile edge, with masks holding +0, −0, NaN and negatives; the flag raised
/// exactly when the product before the mask holds a NaN or an infinity, also under a cut mask.
/// </summary>
public sealed class GemmMaskedFinishTests
{
    public static TheoryData<string> Paths => GemmTests.Paths;

    private static readonly (int M, int K, int N)[] Shapes =
    [
        (1, 1, 1), (3, 7, 5), (4, 9, 130), (5, 37, 41), (13, 130, 29), (37, 41, 70), (50, 19, 97), (97, 64, 33), (130, 3, 130),
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_masked_finish_equals_the_product_then_relu_backward(string path)
    {
        GemmOptions options = GemmTests.Options(path);
        var random = new Random(47);
        foreach ((int m, int k, int n) in Shapes)
        {
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
            {
                foreach (string poison in new[] { "none", "under a kept unit", "under a cut unit" })
                {
                    Check<float>(m, k, n, transA, transB, poison, options, random);
                    Check<double>(m, k, n, transA, transB, poison, options, random);
                }
            }
        }
    }

    private static unsafe void Check<T>(int m, int k, int n, bool transA, bool transB, string poison, GemmOptions options, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Fill<T>(random, m * k), b = Fill<T>(random, k * n), mask = Mask<T>(random, m * n);
        int row = random.Next(m), col = random.Next(n);
        if (poison != "none")
        {
            // One value of op(A) makes row `row` of C NaN or infinite; the mask keeps C[row, col], or cuts the whole row.
            int p = random.Next(k);
            a[transA ? p * m + row : row * k + p] = random.Next(2) == 0 ? T.NaN : T.PositiveInfinity;
            if (poison == "under a kept unit")
                mask[row * n + col] = T.One;
            else
                mask.AsSpan(row * n, n).Fill(-T.One); // every value of the row cut: C after the mask is finite
        }
        var plain = new T[m * n];
        Gemm.Multiply<T>(a, b, plain, m, k, n, transA, transB, accumulate: false, options);
        var expected = new T[m * n];
        Ops.ReluBackward<T>(mask, plain, expected);

        var c = new T[m * n];
        int notFinite = 0;
        fixed (T* pmask = mask)
        {
            var epilogue = new GemmEpilogue<T>(null, false, null) { MaskC = pmask, NotFinite = &notFinite };
            Gemm.Multiply<T>(a, b, c, m, k, n, transA, transB, accumulate: false, options, epilogue);
        }

        string where = $"{m}×{k}×{n} transA {transA} transB {transB} poison {poison} {typeof(T).Name}";
        Assert.Equal(plain.Any(v => !T.IsFinite(v)) ? 1 : 0, notFinite);
        Assert.True(poison == "none" ? notFinite == 0 : notFinite == 1, where);
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = T.IsNaN(expected[i]) ? T.IsNaN(c[i]) : expected[i] == c[i] && T.IsNegative(expected[i]) == T.IsNegative(c[i]);
            Assert.True(same, $"{where}: element {i} is {c[i]}, separately {expected[i]}");
        }
    }

    private static T[] Fill<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];

    /// <summary>A pre-activation: values of both signs with +0, −0 and NaN mixed in.</summary>
    private static T[] Mask<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] mask = Fill<T>(random, length);
        T[] specials = [T.Zero, T.NegativeZero, T.NaN];
        for (int i = 0; i < length; i += 7)
            mask[i] = specials[random.Next(specials.Length)];
        return mask;
    }
}
