using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// One dense layer's part of gradient descent's fused step (paper Alg. 3–4 with the ℓ2 term of App. D.6), for a layer
/// that declares y = σ(x·W + 1bᵀ) (<see cref="IDenseStructure"/>): its pullback's two products, the input gradient first
/// (it reads the old W), then the weight gradient ∇W = xᵀ·dz with the update w ← w − η(∇ + μw) done in that product's
/// final write (<see cref="GemmDescent{T}"/>), so neither ∇W nor W is swept again after the product; the bias, whose
/// gradient the same product sums from the packed dz, takes <see cref="FusedDescent"/>.
/// </summary>
/// <remarks>
/// The products are the ones the generated pullback of such a layer calls (dz = λ ⊙ 1[z &gt; 0] applied as λ is packed for
/// a ReLU, λ itself for the identity), with the same operands, so ∇, λ_{t−1} and the iterates are bit for bit those of
/// the pullback followed by <see cref="FusedDescent"/>. Only ‖w‖² is summed in another order (see
/// <see cref="GemmDescent{T}"/>).
/// </remarks>
internal sealed class DenseDescent<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _slots = []; // the ‖w‖² slots of the last weight product; only grows

    /// <summary>
    /// The layer's step: writes λ_{t−1} into <paramref name="previous"/> (when not empty), w ← w − η(∇ + μw) into
    /// <paramref name="w"/> and the old w into <paramref name="scratch"/>. Returns false with <paramref name="w"/> as it was
    /// when λ_{t−1}, ∇ or the update holds a NaN or an infinity (the caller then takes the separate passes, which name it).
    /// </summary>
    /// <param name="s">The layer's structure, consistent with its sizes and tape (<see cref="DenseGramSolve{T}.Declared"/>).</param>
    /// <param name="w">The layer's parameters, updated in place.</param>
    /// <param name="x">Its input batch x_{t−1}, m×k.</param>
    /// <param name="tape">Its tape from the taped forward pass at (w, x).</param>
    /// <param name="lambda">λ_t, m×n.</param>
    /// <param name="scratch">|w| values: the old w on return.</param>
    /// <param name="previous">λ_{t−1}, m×k, or empty for the first layer.</param>
    /// <param name="mu">μ of the ℓ2 term.</param>
    /// <param name="addL2">Whether d = ∇ + μw (μ ≠ 0).</param>
    /// <param name="minusStep">−η.</param>
    /// <param name="squares">‖w‖² of the old w, when the call returns true.</param>
    public unsafe bool TryStep(in DenseStructure s, Span<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> scratch,
                               Span<T> previous, T mu, bool addL2, T minusStep, out T squares)
    {
        squares = T.Zero;
        int k = s.Inputs, n = s.Outputs, m = lambda.Length / n;
        bool relu = s.Activation == DenseActivation.Relu;
        Span<T> weights = w.Slice(s.WeightOffset, k * n);
        Span<T> gradient = scratch.Slice(s.WeightOffset, k * n);
        ReadOnlySpan<T> mask = relu ? tape.Slice(s.PreActivationTapeOffset, m * n) : ReadOnlySpan<T>.Empty;
        if (!previous.IsEmpty)
        {
            // λ_{t−1} = dz·Wᵀ, while W is the old one.
            if (relu)
                Ops.MatMulReluMask<T>(lambda, mask, weights, previous, m, n, k, transposeA: false, transposeB: true);
            else
                Ops.MatMul<T>(lambda, weights, previous, m, n, k, transposeA: false, transposeB: true);
            if (!NonFinite.AllFinite<T>(previous))
                return false;
        }

        var options = new GemmOptions();
        int slotWidth = GemmDescentKernels.SlotWidth<T>(n, options);
        int slotCount = addL2 ? k * ((n + slotWidth - 1) / slotWidth) : 0;
        if (_slots.Length < slotCount)
            _slots = new T[slotCount];
        Span<T> biasGradient = s.HasBias ? scratch.Slice(s.BiasOffset, n) : Span<T>.Empty;
        int notFinite = 0;
        fixed (T* pw = weights)
        fixed (T* pslots = _slots)
        fixed (T* pmask = mask)
        fixed (T* psums = biasGradient)
        {
            var epilogue = new GemmEpilogue<T>(null, false, s.HasBias ? psums : null)
            {
                MaskB = relu ? pmask : null,
                Descent = new GemmDescent<T>
                {
                    Parameters = pw, Mu = mu, AddL2 = addL2, MinusStep = minusStep,
                    Squares = addL2 ? pslots : null, SlotWidth = slotWidth, NotFinite = &notFinite,
                },
            };
            // ∇W = xᵀ·dz (k×n), and db = Σ_rows dz as dz is packed; the update in the final write.
            Gemm.Multiply(x, lambda, gradient, k, m, n, transA: true, transB: false, accumulate: false, options, epilogue);
            if (notFinite != 0)
            {
                FusedDescent.Restore<T>(gradient, weights);
                return false;
            }
            squares = GemmDescentKernels.SumOfSquares(epilogue.Descent, k, n);
        }

        if (s.HasBias)
        {
            DescentSweep<T> bias = FusedDescent.Run(w.Slice(s.BiasOffset, n), mu, biasGradient, addL2, minusStep);
            if (!bias.Completed)
            {
                FusedDescent.Restore<T>(gradient, weights);
                return false;
            }
            squares += bias.SumOfSquares;
        }
        return true;
    }
}
