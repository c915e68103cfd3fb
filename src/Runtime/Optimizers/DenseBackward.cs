using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// The reverse pass of a dense layer y = σ(x·W + 1bᵀ) (<see cref="IDenseStructure"/>) in gradient descent's fused step
/// (paper Alg. 3–4), taken by the oracle instead of the layer's pullback so that the ReLU's reverse pass of the layer
/// below is done where λ_{t−1} is written: the input-gradient product writes dz_{t−1} = λ_{t−1} ⊙ 1[z_{t−1} &gt; 0] and
/// checks λ_{t−1} in its final write (<see cref="GemmMaskedFinish"/>), and the layer below multiplies dz_{t−1} as it is.
/// A ReLU layer whose λ arrives unmasked (the top dense layer) masks it while its products pack it, as its pullback does.
/// </summary>
/// <remarks>
/// The products are the generated pullback's: ∇W = xᵀ·dz with db = Σ_rows dz summed from the packed dz, and dx = dz·Wᵀ,
/// on the same operands; dz is bit for bit what the pullback's masked packing reads (the mask is the operation of
/// <see cref="Ops.ReluBackward{T}"/> in both), so ∇, λ and the iterates are those of the pullbacks, and a non-finite
/// λ_{t−1} is found where the separate check would find it (before the mask).
/// </remarks>
internal static class DenseBackward
{
    /// <summary>
    /// Writes ∇_w of λᵀφ into <paramref name="gradient"/> and, when <paramref name="previous"/> is not empty, λ_{t−1} into
    /// it, or dz_{t−1} when <paramref name="maskBelow"/> is not empty. Returns false when λ_{t−1} holds a NaN or an infinity.
    /// </summary>
    /// <param name="s">The layer's structure, consistent with its sizes and tape (<see cref="DenseGramSolve{T}.Declared"/>).</param>
    /// <param name="w">The layer's parameters.</param>
    /// <param name="x">Its input batch x_{t−1}, m×k.</param>
    /// <param name="tape">Its tape from the taped forward pass at (w, x).</param>
    /// <param name="lambda">λ_t (m×n), or dz_t when <paramref name="lambdaIsDz"/>.</param>
    /// <param name="lambdaIsDz">Whether the ReLU's mask is already applied to <paramref name="lambda"/> (by the layer above).</param>
    /// <param name="gradient">|w| values: the gradient.</param>
    /// <param name="previous">m×k values for λ_{t−1} or dz_{t−1}, or empty for the first layer.</param>
    /// <param name="maskBelow">The pre-activation z_{t−1} of the ReLU layer below (m×k), or empty to write λ_{t−1}.</param>
    public static unsafe bool TryPullback<T>(in DenseStructure s, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda,
                                             bool lambdaIsDz, Span<T> gradient, Span<T> previous, ReadOnlySpan<T> maskBelow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = s.Inputs, n = s.Outputs, m = lambda.Length / n;
        ReadOnlySpan<T> weights = w.Slice(s.WeightOffset, k * n);
        ReadOnlySpan<T> mask = s.Activation == DenseActivation.Relu && !lambdaIsDz ? tape.Slice(s.PreActivationTapeOffset, m * n) : ReadOnlySpan<T>.Empty;
        Span<T> biasGradient = s.HasBias ? gradient.Slice(s.BiasOffset, n) : Span<T>.Empty;
        var options = new GemmOptions();

        // ∇W = xᵀ·dz (k×n) and db = Σ_rows dz.
        GemmOperandMask.Multiply(x, lambda, gradient.Slice(s.WeightOffset, k * n), k, m, n, transA: true, transB: false, options,
                                 ReadOnlySpan<T>.Empty, mask, biasGradient);
        if (previous.IsEmpty)
            return true;

        // λ_{t−1} = dz·Wᵀ (m×k), masked into dz_{t−1} as it is finished when the layer below is a ReLU.
        int notFinite = 0;
        fixed (T* pmask = mask)
        fixed (T* pbelow = maskBelow)
        {
            var epilogue = new GemmEpilogue<T>(null, false, null)
            {
                MaskA = mask.IsEmpty ? null : pmask,
                MaskC = maskBelow.IsEmpty ? null : pbelow,
                NotFinite = &notFinite,
            };
            Gemm.Multiply(lambda, weights, previous, m, n, k, transA: false, transB: true, accumulate: false, options, epilogue);
        }
        return maskBelow.IsEmpty ? NonFinite.AllFinite<T>(previous) : notFinite == 0;
    }
}
