using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// Matrix products with a dense layer's neighbouring passes done inside them: the generator emits these for a batched
/// body's <c>MatMul; AddBias; Relu</c> (forward) and <c>SumRows; MatMul</c> (the reverse pass's db and dW), so a step
/// makes no separate sweep over its activations for them. Each gives bit for bit the values of the calls it replaces.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// y[m×n] = op(a)·op(b) + bias, with bias[n] added to every row: <see cref="MatMul{T}"/> then <see cref="AddBias{T}"/>,
    /// the bias added to each register tile of y as it is finished.
    /// </summary>
    public static void MatMulBias<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> y, int m, int k, int n,
                                            bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MatMulFinished(a, b, bias, y, m, k, n, transposeA, transposeB, relu: false);

    /// <summary>
    /// y[m×n] = max(op(a)·op(b) + bias, 0), with bias[n] added to every row: <see cref="MatMul{T}"/>, <see cref="AddBias{T}"/>
    /// and <see cref="Relu{T}"/> in one pass, each register tile of y finished while it is in cache.
    /// </summary>
    public static void MatMulBiasRelu<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> y, int m, int k, int n,
                                                bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MatMulFinished(a, b, bias, y, m, k, n, transposeA, transposeB, relu: true);

    /// <summary>
    /// <see cref="MatMulBiasRelu{T}"/> that also writes y into the first m×n values of <paramref name="copy"/> (as
    /// <c>y.CopyTo(copy)</c> would) from the same registers: the taped forward of a dense layer, which records y for its
    /// reverse pass, without a pass that re-reads y.
    /// </summary>
    public static void MatMulBiasReluAndCopy<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> y, Span<T> copy,
                                                int m, int k, int n, bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        CheckLength(bias, n, nameof(bias));
        CheckDisjoint(y, bias, nameof(y), nameof(bias));
        if (copy.Length < m * n)
            throw new ArgumentException($"copy has {copy.Length} values; y has {m * n}.", nameof(copy));
        copy = copy[..(m * n)];
        CheckDisjoint(copy, y, nameof(copy), nameof(y));
        CheckDisjoint(copy, a, nameof(copy), nameof(a));
        CheckDisjoint(copy, b, nameof(copy), nameof(b));
        CheckDisjoint(copy, bias, nameof(copy), nameof(bias));
        Gemm.MultiplyFused(a, b, y, m, k, n, transposeA, transposeB, new GemmOptions(), bias, relu: true, Span<T>.Empty, copy);
    }

    /// <summary>
    /// <see cref="MatMulBiasRelu{T}"/> that also writes the pre-activation z = op(a)·op(b) + bias into the first m×n values of
    /// <paramref name="preActivation"/> from the same registers, before the ReLU: the taped forward of a dense layer that
    /// records z (whose mask z &gt; 0 is the ReLU's reverse pass, and which the Gram-form Φw solve of the Moreau
    /// back-propagation reads, <see cref="IDenseStructure"/>), without a pass that re-reads y.
    /// </summary>
    public static void MatMulBiasReluAndCopyPreActivation<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> y, Span<T> preActivation,
                                                             int m, int k, int n, bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        CheckLength(bias, n, nameof(bias));
        CheckDisjoint(y, bias, nameof(y), nameof(bias));
        if (preActivation.Length < m * n)
            throw new ArgumentException($"preActivation has {preActivation.Length} values; y has {m * n}.", nameof(preActivation));
        preActivation = preActivation[..(m * n)];
        CheckDisjoint(preActivation, y, nameof(preActivation), nameof(y));
        CheckDisjoint(preActivation, a, nameof(preActivation), nameof(a));
        CheckDisjoint(preActivation, b, nameof(preActivation), nameof(b));
        CheckDisjoint(preActivation, bias, nameof(preActivation), nameof(bias));
        Gemm.MultiplyFused(a, b, y, m, k, n, transposeA, transposeB, new GemmOptions(), bias, relu: true, Span<T>.Empty, preActivation, copyBeforeRelu: true);
    }

    /// <summary>
    /// y[m×n] = op(a)·b and sums[j] = Σ_p b[p, j] over the k rows of b (k×n, not transposed): <see cref="SumRows{T}"/> of b
    /// then <see cref="MatMul{T}"/>, the sums taken from b as it is packed. In a dense layer's reverse pass b is dz, y the
    /// weight gradient xᵀ·dz and sums the bias gradient.
    /// </summary>
    public static void MatMulSumRows<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, Span<T> sums, int m, int k, int n,
                                               bool transposeA = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        CheckLength(sums, n, nameof(sums));
        CheckDisjoint(sums, a, nameof(sums), nameof(a));
        CheckDisjoint(sums, b, nameof(sums), nameof(b));
        CheckDisjoint(sums, y, nameof(sums), nameof(y));
        Gemm.MultiplyFused(a, b, y, m, k, n, transposeA, false, new GemmOptions(), ReadOnlySpan<T>.Empty, relu: false, sums);
    }

    /// <summary>
    /// y[m×n] = op(dz)·op(b) with dz = a ⊙ 1[mask &gt; 0]: <see cref="ReluBackward{T}"/>(mask, a, dz) then
    /// <see cref="MatMul{T}"/>(dz, b, y, …), the mask applied to each panel of a as it is packed, so dz is never written.
    /// In a dense layer's reverse pass a is the multiplier λ (m × outputs), mask the layer's ReLU output (or its
    /// pre-activation; stored like a) and y the input gradient dx = dz·Wᵀ. Bit for bit the values of the two calls.
    /// </summary>
    public static void MatMulReluMask<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> mask, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n,
                                         bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        CheckLength(mask, m * k, nameof(mask));
        CheckDisjoint(y, mask, nameof(y), nameof(mask));
        GemmOperandMask.Multiply(a, b, y, m, k, n, transposeA, transposeB, new GemmOptions(), mask, ReadOnlySpan<T>.Empty, Span<T>.Empty);
    }

    /// <summary>
    /// y[m×n] = op(a)·dz and sums[j] = Σ_p dz[p, j] with dz = b ⊙ 1[mask &gt; 0] (k×n, not transposed):
    /// <see cref="ReluBackward{T}"/>(mask, b, dz) then <see cref="MatMulSumRows{T}"/>(a, dz, y, sums, …), the mask applied to
    /// each panel of b as it is packed, so dz is never written. In a dense layer's reverse pass b is the multiplier λ,
    /// mask the layer's ReLU output (or its pre-activation; stored like b), y the weight gradient xᵀ·dz and sums the bias
    /// gradient. Bit for bit the values of the two calls.
    /// </summary>
    public static void MatMulSumRowsReluMask<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> mask, Span<T> y, Span<T> sums,
                                                int m, int k, int n, bool transposeA = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        CheckLength(mask, k * n, nameof(mask));
        CheckDisjoint(y, mask, nameof(y), nameof(mask));
        CheckLength(sums, n, nameof(sums));
        CheckDisjoint(sums, a, nameof(sums), nameof(a));
        CheckDisjoint(sums, b, nameof(sums), nameof(b));
        CheckDisjoint(sums, y, nameof(sums), nameof(y));
        CheckDisjoint(sums, mask, nameof(sums), nameof(mask));
        GemmOperandMask.Multiply(a, b, y, m, k, n, transposeA, false, new GemmOptions(), ReadOnlySpan<T>.Empty, mask, sums);
    }

    private static void MatMulFinished<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> y, int m, int k, int n,
                                                 bool transposeA, bool transposeB, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        CheckLength(bias, n, nameof(bias));
        CheckDisjoint(y, bias, nameof(y), nameof(bias));
        Gemm.MultiplyFused(a, b, y, m, k, n, transposeA, transposeB, new GemmOptions(), bias, relu, Span<T>.Empty);
    }
}
