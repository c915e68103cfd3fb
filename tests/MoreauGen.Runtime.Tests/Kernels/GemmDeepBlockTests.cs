using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// A depth block deeper than KC (m in (MC, 2·MC], or above 2·MC with <see cref="GemmBlocking.DeepKC"/>) keeps the packed B̃
/// block within KC·NC elements of the kernel's default blocking (6 MB of floats, twice that double-buffered) instead of growing
/// with the depth: the pack buffers are pinned and never shrink.
/// </summary>
public sealed class GemmDeepBlockTests
{
    [Theory]
    [InlineData(300, 1100, 4000)] // m in (MC, 2·MC]: two depth blocks of 550 (Ã of 300 rows within 1 MB)
    [InlineData(500, 1024, 4000)] // above 2·MC: one depth block of 1024 on the AVX-512 float kernel
    public void The_packed_B_block_stays_within_the_default_KC_times_NC(int m, int k, int n)
    {
        var random = new Random(m + k);
        float[] a = [.. Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] b = [.. Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5))];
        var c = new float[m * n];
        GemmKernel kernel = Gemm.Resolve<float>(GemmKernel.Auto, n);
        Gemm.Multiply<float>(a, b, c, m, k, n, transA: false, transB: false, accumulate: false, GemmTests.Packed(kernel, blocking: null, threads: 1));

        nint elements = kernel switch
        {
            GemmKernel.Avx512 => GemmTask<float, Avx512Kernel<float>>.Local.BBlockElements,
            GemmKernel.Avx2 => GemmTask<float, Avx2Kernel<float>>.Local.BBlockElements,
            _ => GemmTask<float, PortableKernel<float>>.Local.BBlockElements,
        };
        GemmBlocking blocking = Gemm.DefaultBlocking<float>(kernel);
        Assert.InRange(elements, 1, (nint)blocking.KC * blocking.NC);

        // The product itself, spot-checked in double on a few elements.
        for (int probe = 0; probe < 16; probe++)
        {
            int i = random.Next(m), j = random.Next(n);
            double sum = 0, bound = 0;
            for (int p = 0; p < k; p++)
            {
                sum += (double)a[i * k + p] * b[p * n + j];
                bound += Math.Abs((double)a[i * k + p] * b[p * n + j]);
            }
            Assert.True(Math.Abs(c[i * n + j] - sum) <= 2 * (k + 1) * 6e-8 * bound, $"C[{i}, {j}] = {c[i * n + j]}, expected {sum}");
        }
    }
}
