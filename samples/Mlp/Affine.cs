namespace MoreauGen.Samples.Mlp;

/// <summary>
/// The output layer of the network: y = x·W + b for every sample of a batch (scores, no activation), in float.
/// </summary>
/// <remarks>
/// <para>
/// Parameters as in <see cref="Dense"/>: w = (W; b), W is <c>inputs × outputs</c> row-major, then the <c>outputs</c>
/// biases; x is m × inputs and y is m × outputs, row-major.
/// </para>
/// <para>
/// Only <see cref="Apply"/> is written here; the MoreauGen generator emits the <see cref="IMoreauLayer{T}"/> members
/// from its body. φ is affine in w and in x, so the generator also declares <see cref="IAffineInParameters"/> and
/// <see cref="IAffineInInputs"/>: both Moreau gradients have closed forms (∇env of an affine function is its gradient)
/// and the Moreau back-propagation takes Φw and Φx from the pullback instead of an inner solver. The pullback needs no
/// tape: dW = xᵀ·λ, db = Σ_rows λ, dx = λ·Wᵀ.
/// </para>
/// </remarks>
public sealed partial class Affine
{
    private readonly int _inputs, _outputs;

    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1.</exception>
    /// <exception cref="OverflowException">The parameter count inputs·outputs + outputs does not fit an int.</exception>
    public Affine(int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        _ = checked(inputs * outputs + outputs);
        _inputs = inputs;
        _outputs = outputs;
    }

    /// <summary>|w| = inputs·outputs + outputs.</summary>
    public int ParameterCount => _inputs * _outputs + _outputs;

    /// <summary>|x| of one sample.</summary>
    public int InputCount => _inputs;

    /// <summary>|y| of one sample.</summary>
    public int OutputCount => _outputs;

    /// <summary>y = x·W + b for the m samples of <paramref name="x"/> (m × inputs) into <paramref name="y"/> (m × outputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = x.Length / _inputs;
        var weights = w[..(_inputs * _outputs)];
        var bias = w[(_inputs * _outputs)..];
        Ops.MatMul(x, weights, y, m, _inputs, _outputs);
        Ops.AddBias(y, bias, m, _outputs);
    }
}
