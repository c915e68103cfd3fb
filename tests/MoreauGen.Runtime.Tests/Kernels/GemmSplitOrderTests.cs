using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// One thread and every split of two threads give the same bits. In the collection that runs alone, so that no other test
/// holds the worker pool and the two-thread products do share their work (a busy pool would fall back to one thread and the
/// test would compare one thread with itself).
/// </summary>
[Collection(nameof(AllocationCollection))]
public class GemmSplitOrderTests
{
    [Theory]
    [InlineData(300, 1100, 70)]  // float m in (MC, 2·MC]: depth blocks up to 4·KC (two of 550 floats); for doubles m > 2·MC
    [InlineData(200, 1100, 70)]  // double m in (MC, 2·MC]: the doubles' deeper depth blocks; for floats m ≤ MC
    [InlineData(256, 784, 500)]  // the batch-256 shapes: one depth block
    [InlineData(256, 500, 784)]  // 25 NR-panels on two column blocks: the panel left over shared out by Ã panels
    [InlineData(460, 700, 90)]   // Ã of all rows at the 1 MB bound: two depth blocks of 350 floats
    [InlineData(1000, 800, 40)]  // m above 2·MC: one depth block of 800 floats (DeepKC), MC shrunk to 108; doubles keep KC
    [InlineData(600, 1100, 40)]  // two deep depth blocks of 550 floats
    [InlineData(490, 1000, 1600)] // one deep block of 1000 floats: NC shrunk to 1568, so n = 1600 is two column blocks
    public void Every_split_sums_in_the_same_order(int m, int k, int n)
    {
        // The blocking depends on the shape alone, so one thread and every split of two threads add the same products in the
        // same order: the results agree bit for bit (the fused epilogues and the step's single-thread fallback rely on it).
        var random = new Random(m + k + n);
        foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
        {
            SameOnEverySplit<float>(m, k, n, transA, transB, random);
            SameOnEverySplit<double>(m, k, n, transA, transB, random);
        }
    }

    private static void SameOnEverySplit<T>(int m, int k, int n, bool transA, bool transB, Random random)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T[] a = [.. Enumerable.Range(0, m * k).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
        T[] b = [.. Enumerable.Range(0, k * n).Select(_ => T.CreateChecked(random.NextDouble() - 0.5))];
        foreach (GemmKernel kernel in new[] { GemmKernel.Avx512, GemmKernel.Avx2 })
        {
            var expected = new T[m * n];
            Gemm.Multiply<T>(a, b, expected, m, k, n, transA, transB, accumulate: false, GemmTests.Packed(kernel, blocking: null, threads: 1));
            foreach (GemmSplit split in new[] { GemmSplit.Auto, GemmSplit.Tiles, GemmSplit.Rows, GemmSplit.Columns })
            {
                var actual = new T[m * n];
                Gemm.Multiply<T>(a, b, actual, m, k, n, transA, transB, accumulate: false, GemmTests.Packed(kernel, blocking: null, threads: 2) with { Split = split });
                int differ = Enumerable.Range(0, m * n).FirstOrDefault(i => actual[i] != expected[i], -1);
                Assert.True(differ < 0, $"{typeof(T).Name} {kernel} {split} transA={transA} transB={transB}: element {differ} differs from one thread's");
            }
        }
    }
}
