using System.Buffers;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The MLP sample's hidden layer y = relu(x·W + b) written by hand with <see cref="Ops"/>, in float: the baseline the
/// sample's generated <see cref="Samples.Mlp.Dense"/> is measured against (same sizes, parameter layout and results).
/// </summary>
/// <remarks>
/// <para>
/// Parameters (the layout of DESIGN.md's canonical <c>Dense</c>): w = (W; b), W is <c>inputs × outputs</c> row-major
/// (w[i·outputs + j] multiplies input i into output j), then the <c>outputs</c> biases. x is m × inputs and y is
/// m × outputs, row-major, with m = x.Length / inputs.
/// </para>
/// <para>
/// Written by hand with <see cref="Ops"/> as one would without the generator (it was the sample's layer before the
/// generator handled batched bodies): the taped forward keeps the pre-activation z = x·W + b (what the in-place ReLU overwrites);
/// <see cref="Pullback"/> makes no forward product, only dW = xᵀ·dz and dx = dz·Wᵀ with dz = λ ⊙ 1[z &gt; 0];
/// <see cref="SubproblemW"/> and <see cref="SubproblemX"/> make one forward product and one reverse product each,
/// in buffers rented from <see cref="ArrayPool{T}.Shared"/> (nothing is allocated once the pool holds them).
/// </para>
/// </remarks>
public sealed class HandWrittenDense : IMoreauLayer<float>
{
    private readonly int _inputs, _outputs;

    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public HandWrittenDense(int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        _ = checked(inputs * outputs + outputs);
        _inputs = inputs;
        _outputs = outputs;
    }

    /// <inheritdoc/>
    public int ParameterCount => _inputs * _outputs + _outputs;

    /// <inheritdoc/>
    public int InputCount => _inputs;

    /// <inheritdoc/>
    public int OutputCount => _outputs;

    /// <summary>The pre-activation z = x·W + b: m × outputs values.</summary>
    public int TapeLength(int batch) => checked(batch * _outputs);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = HandWrittenLayerSpans.Batch(x, _inputs);
        HandWrittenLayerSpans.Check(w, ParameterCount, nameof(w));
        HandWrittenLayerSpans.Check(y, m * _outputs, nameof(y));
        int weights = _inputs * _outputs;
        Ops.MatMul(x, w[..weights], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[weights..], m, _outputs);
        Ops.Relu<float>(y, y);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, Span<float> tape)
    {
        int m = HandWrittenLayerSpans.Batch(x, _inputs);
        HandWrittenLayerSpans.Check(w, ParameterCount, nameof(w));
        HandWrittenLayerSpans.Check(y, m * _outputs, nameof(y));
        HandWrittenLayerSpans.Check(tape, m * _outputs, nameof(tape));
        int weights = _inputs * _outputs;
        Ops.MatMul(x, w[..weights], tape, m, _inputs, _outputs);
        Ops.AddBias(tape, w[weights..], m, _outputs);
        Ops.Relu<float>(tape, y);
    }

    /// <inheritdoc/>
    public void Pullback(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> tape,
                         ReadOnlySpan<float> lambda, Span<float> gradW, Span<float> gradX)
    {
        int m = HandWrittenLayerSpans.Batch(x, _inputs);
        HandWrittenLayerSpans.Check(w, ParameterCount, nameof(w));
        HandWrittenLayerSpans.Check(tape, m * _outputs, nameof(tape));
        HandWrittenLayerSpans.Check(lambda, m * _outputs, nameof(lambda));
        HandWrittenLayerSpans.CheckOrEmpty(gradW, ParameterCount, nameof(gradW));
        HandWrittenLayerSpans.CheckOrEmpty(gradX, x.Length, nameof(gradX));
        if (gradW.IsEmpty && gradX.IsEmpty)
            return;
        float[] buffer = ArrayPool<float>.Shared.Rent(m * _outputs);
        try
        {
            Span<float> dz = buffer.AsSpan(0, m * _outputs);
            Ops.ReluBackward(tape, lambda, dz);
            Reverse(w, x, dz, m, gradW, gradX);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public float SubproblemW(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda,
                             ReadOnlySpan<float> v, Span<float> grad)
    {
        int m = HandWrittenLayerSpans.Batch(x, _inputs);
        HandWrittenLayerSpans.Check(w, ParameterCount, nameof(w));
        HandWrittenLayerSpans.Check(lambda, m * _outputs, nameof(lambda));
        HandWrittenLayerSpans.Check(v, ParameterCount, nameof(v));
        HandWrittenLayerSpans.CheckOrEmpty(grad, ParameterCount, nameof(grad));
        float[] shiftedBuffer = ArrayPool<float>.Shared.Rent(ParameterCount);
        float[] buffer = ArrayPool<float>.Shared.Rent(m * _outputs);
        try
        {
            Span<float> shifted = shiftedBuffer.AsSpan(0, ParameterCount);
            Ops.Add(w, v, shifted);
            Span<float> dz = buffer.AsSpan(0, m * _outputs);
            float value = ForwardValue(shifted, x, lambda, dz, m) + 0.5f * Ops.Dot(v, v);
            if (!grad.IsEmpty)
            {
                Reverse(shifted, x, dz, m, grad, Span<float>.Empty);
                Ops.Add(grad, v, grad);
            }

            return value;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
            ArrayPool<float>.Shared.Return(shiftedBuffer);
        }
    }

    /// <inheritdoc/>
    public float SubproblemX(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda,
                             ReadOnlySpan<float> u, Span<float> grad)
    {
        int m = HandWrittenLayerSpans.Batch(x, _inputs);
        HandWrittenLayerSpans.Check(w, ParameterCount, nameof(w));
        HandWrittenLayerSpans.Check(lambda, m * _outputs, nameof(lambda));
        HandWrittenLayerSpans.Check(u, x.Length, nameof(u));
        HandWrittenLayerSpans.CheckOrEmpty(grad, x.Length, nameof(grad));
        float[] shiftedBuffer = ArrayPool<float>.Shared.Rent(x.Length);
        float[] buffer = ArrayPool<float>.Shared.Rent(m * _outputs);
        try
        {
            Span<float> shifted = shiftedBuffer.AsSpan(0, x.Length);
            Ops.Add(x, u, shifted);
            Span<float> dz = buffer.AsSpan(0, m * _outputs);
            float value = ForwardValue(w, shifted, lambda, dz, m) + 0.5f * Ops.Dot(u, u);
            if (!grad.IsEmpty)
            {
                Reverse(w, shifted, dz, m, Span<float>.Empty, grad);
                Ops.Add(grad, u, grad);
            }

            return value;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
            ArrayPool<float>.Shared.Return(shiftedBuffer);
        }
    }

    /// <summary>
    /// λᵀrelu(x·W + b), leaving dz = λ ⊙ 1[x·W + b &gt; 0] in <paramref name="dz"/> (m × outputs). The value is
    /// Σ λ ⊙ relu(z), taken before relu(z) is overwritten by dz (both have the sign pattern of z).
    /// </summary>
    private float ForwardValue(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, Span<float> dz, int m)
    {
        int weights = _inputs * _outputs;
        Ops.MatMul(x, w[..weights], dz, m, _inputs, _outputs);
        Ops.AddBias(dz, w[weights..], m, _outputs);
        Ops.Relu<float>(dz, dz);
        float value = Ops.Dot(lambda, dz);
        Ops.ReluBackward(dz, lambda, dz);
        return value;
    }

    /// <summary>gradW = (xᵀ·dz; Σ_rows dz) and gradX = dz·Wᵀ; an empty span skips that gradient.</summary>
    private void Reverse(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> dz, int m, Span<float> gradW, Span<float> gradX)
    {
        int weights = _inputs * _outputs;
        if (!gradW.IsEmpty)
        {
            Ops.MatMul(x, dz, gradW[..weights], _inputs, m, _outputs, transposeA: true);
            Ops.SumRows(dz, gradW[weights..], m, _outputs);
        }

        if (!gradX.IsEmpty)
            Ops.MatMul(dz, w[..weights], gradX, m, _outputs, _inputs, transposeB: true);
    }
}
