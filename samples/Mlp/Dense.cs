namespace MoreauGen.Samples.Mlp;

/// <summary>
/// A hidden layer of the network: y = relu(x·W + b) for every sample of a batch, in float.
/// </summary>
/// <remarks>
/// <para>
/// Parameters (the layout of DESIGN.md's canonical <c>Dense</c>): w = (W; b), W is <c>inputs × outputs</c> row-major
/// (w[i·outputs + j] multiplies input i into output j), then the <c>outputs</c> biases. x is m × inputs and y is
/// m × outputs, row-major, with m = x.Length / inputs.
/// </para>
/// <para>
/// Only <see cref="Apply"/> is written here. The MoreauGen generator emits the <see cref="IMoreauLayer{T}"/> members from
/// its body at compile time: the forward passes (the taped one keeps what the reverse pass of the in-place ReLU reads),
/// a pullback with no forward product (dW = xᵀ·dz, db = Σ_rows dz, dx = dz·Wᵀ with dz = λ ⊙ 1[z &gt; 0]), and the Φw
/// and Φx subproblems with their gradients in buffers rented from the shared array pool.
/// </para>
/// </remarks>
public sealed partial class Dense
{
    private readonly int _inputs, _outputs;

    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1.</exception>
    /// <exception cref="OverflowException">The parameter count inputs·outputs + outputs does not fit an int.</exception>
    public Dense(int inputs, int outputs)
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

    /// <summary>y = relu(x·W + b) for the m samples of <paramref name="x"/> (m × inputs) into <paramref name="y"/> (m × outputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = x.Length / _inputs;
        var weights = w[..(_inputs * _outputs)];
        var bias = w[(_inputs * _outputs)..];
        Ops.MatMul(x, weights, y, m, _inputs, _outputs);
        Ops.AddBias(y, bias, m, _outputs);
        Ops.Relu(y, y);
    }
}
