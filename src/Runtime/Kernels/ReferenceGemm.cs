using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The plain triple-loop matrix product, kept as the reference the fast kernels are tested against.
/// y[m×n] += op(a)·op(b), row-major.
/// </summary>
internal static class ReferenceGemm
{
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n,
                                   bool transposeA, bool transposeB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T aip = transposeA ? a[p * m + i] : a[i * k + p];
                    T bpj = transposeB ? b[j * k + p] : b[p * n + j];
                    sum += aip * bpj;
                }
                y[i * n + j] += sum;
            }
        }
    }
}
