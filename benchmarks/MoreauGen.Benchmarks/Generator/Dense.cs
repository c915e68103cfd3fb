namespace MoreauGen.Benchmarks.Generator;

/// <summary>
/// DESIGN.md's canonical dense layer, y = relu(x·W + b), written exactly as there: W is <c>inputs × outputs</c>
/// row-major in w, then b (<c>outputs</c>); x holds m samples of <c>inputs</c> values. The generator emits its
/// <see cref="IMoreauLayer{T}"/> members from <see cref="Apply"/>.
/// </summary>
public partial class Dense(int inputs, int outputs)
{
    /// <summary>|w| = inputs·outputs + outputs.</summary>
    public int ParameterCount => inputs * outputs + outputs;

    /// <summary>|x| of one sample.</summary>
    public int InputCount => inputs;

    /// <summary>|y| of one sample.</summary>
    public int OutputCount => outputs;

    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = x.Length / inputs;
        var weights = w[..(inputs * outputs)];
        var bias = w[(inputs * outputs)..];
        Ops.MatMul(x, weights, y, m, inputs, outputs);
        Ops.AddBias(y, bias, m, outputs);
        Ops.Relu(y, y);
    }
}
