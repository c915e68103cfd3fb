namespace MoreauGen;

/// <summary>The element-wise activation σ of a dense layer y = σ(x·W + 1bᵀ) (<see cref="DenseStructure"/>).</summary>
public enum DenseActivation
{
    /// <summary>σ(z) = z.</summary>
    Identity,

    /// <summary>σ(z) = max(z, 0); σ'(z) = 1 where z &gt; 0, else 0 (the mask <see cref="Ops.ReluBackward{T}"/> takes).</summary>
    Relu,
}

/// <summary>
/// The structure of a dense layer φ(w, x) = σ(x·W + 1bᵀ) over a batch: x is m×k (k = <see cref="Inputs"/>, row-major), W
/// is the k×n row-major block of w at <see cref="WeightOffset"/> (n = <see cref="Outputs"/>), b the n values at
/// <see cref="BiasOffset"/> (or none), σ element-wise. Declared by <see cref="IDenseStructure"/>.
/// </summary>
/// <param name="Inputs">k = the layer's InputCount.</param>
/// <param name="Outputs">n = the layer's OutputCount.</param>
/// <param name="WeightOffset">Where W (k·n values, row-major k×n) starts in w.</param>
/// <param name="BiasOffset">Where b (n values) starts in w, or −1 when the layer adds no bias.</param>
/// <param name="Activation">σ.</param>
/// <param name="PreActivationTapeOffset">
/// Where the taped forward records the pre-activation z = x·W + 1bᵀ (m·n values, row-major m×n) in the tape of a batch, or
/// −1 when it does not (allowed for <see cref="DenseActivation.Identity"/>, where z is the output y).
/// </param>
public readonly record struct DenseStructure(int Inputs, int Outputs, int WeightOffset, int BiasOffset, DenseActivation Activation, int PreActivationTapeOffset)
{
    /// <summary>Whether the layer adds a bias.</summary>
    public bool HasBias => BiasOffset >= 0;
}

/// <summary>
/// Declares that a layer is dense, y = σ(x·W + 1bᵀ) (<see cref="DenseStructure"/>): the generator implements it for a
/// batched body of the form <c>MatMul(x, W, y, …)</c> [+ <c>AddBias(y, b, …)</c>] [+ an element-wise activation of y]. The
/// Moreau back-propagation then may solve Φw in the m-dimensional space of the batch (the Gram form,
/// <see cref="MoreauBackpropagation{T}"/>) with the same iterates as on the parameters, and back-propagation on the batch's
/// two halves may run a dense first layer by rows of its weights (<see cref="BatchHalves{T}.FirstLayerByRows"/>).
/// </summary>
/// <remarks>
/// A declaration: declaring a structure the layer does not have makes Φw, and the first layer's forward pass and gradient
/// on the halves, wrong, not an error. So does a <see cref="DenseStructure.PreActivationTapeOffset"/> of 0 on a tape that
/// holds more than z: the other oracles' forward pass on the batch's halves then splits the tape by rows
/// (<see cref="ChainOracle{T}.ForwardHalves"/>).
/// </remarks>
public interface IDenseStructure
{
    /// <summary>The layer's structure at its current sizes, or null when it does not have that form at them.</summary>
    DenseStructure? DenseStructure { get; }
}
