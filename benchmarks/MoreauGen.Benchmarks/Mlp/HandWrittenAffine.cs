using System.Buffers;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The MLP sample's output layer y = x·W + b (scores, no activation) written by hand with <see cref="Ops"/>, in float:
/// the baseline the sample's generated <see cref="Samples.Mlp.Affine"/> is measured against.
/// </summary>
/// <remarks>
/// <para>
/// Parameters as in <see cref="HandWrittenDense"/>: w = (W; b), W is <c>inputs × outputs</c> row-major, then the <c>outputs</c>
/// biases; x is m × inputs and y is m × outputs, row-major.
/// </para>
/// <para>
/// φ is affine in w and in x, so both Moreau gradients have closed forms (∇env of an affine function is its
/// gradient): the layer declares <see cref="IAffineInParameters"/> and <see cref="IAffineInInputs"/>, and the
/// Moreau back-propagation takes Φw and Φx from <see cref="Pullback"/> instead of an inner solver.
/// <see cref="SubproblemW"/> and <see cref="SubproblemX"/> are still implemented (for solvers and tests). The
/// pullback needs no tape: dW = xᵀ·λ, db = Σ_rows λ, dx = λ·Wᵀ.
/// </para>
/// </remarks>
public sealed class HandWrittenAffine : IMoreauLayer<float>, IAffineInParameters, IAffineInInputs
{
    private readonly int _inputs, _outputs;

    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public HandWrittenAffine(int inputs, int outputs)
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

    /// <summary>0: the pullback of an affine map needs nothing from the forward pass.</summary>
    public int TapeLength(int batch) => 0;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = HandWrittenLayerSpans.Batch(x, _inputs);
        HandWrittenLayerSpans.Check(w, ParameterCount, nameof(w));
        HandWrittenLayerSpans.Check(y, m * _outputs, nameof(y));
        int weights = _inputs * _outputs;
        Ops.MatMul(x, w[..weights], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[weights..], m, _outputs);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, Span<float> tape)
    {
        HandWrittenLayerSpans.Check(tape, 0, nameof(tape));
        Forward(w, x, y);
    }

    /// <inheritdoc/>
    public void Pullback(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> tape,
                         ReadOnlySpan<float> lambda, Span<float> gradW, Span<float> gradX)
    {
        int m = HandWrittenLayerSpans.Batch(x, _inputs);
        HandWrittenLayerSpans.Check(w, ParameterCount, nameof(w));
        HandWrittenLayerSpans.Check(tape, 0, nameof(tape));
        HandWrittenLayerSpans.Check(lambda, m * _outputs, nameof(lambda));
        HandWrittenLayerSpans.CheckOrEmpty(gradW, ParameterCount, nameof(gradW));
        HandWrittenLayerSpans.CheckOrEmpty(gradX, x.Length, nameof(gradX));
        Reverse(w, x, lambda, m, gradW, gradX);
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
            Span<float> y = buffer.AsSpan(0, m * _outputs);
            Forward(shifted, x, y);
            float value = Ops.Dot(lambda, y) + 0.5f * Ops.Dot(v, v);
            if (!grad.IsEmpty)
            {
                // The gradient of λᵀφ(·, x) does not depend on the parameters.
                Reverse(w, x, lambda, m, grad, Span<float>.Empty);
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
            Span<float> y = buffer.AsSpan(0, m * _outputs);
            Forward(w, shifted, y);
            float value = Ops.Dot(lambda, y) + 0.5f * Ops.Dot(u, u);
            if (!grad.IsEmpty)
            {
                // The gradient of λᵀφ(w, ·) does not depend on the inputs.
                Reverse(w, x, lambda, m, Span<float>.Empty, grad);
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

    /// <summary>gradW = (xᵀ·λ; Σ_rows λ) and gradX = λ·Wᵀ; an empty span skips that gradient.</summary>
    private void Reverse(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> lambda, int m, Span<float> gradW, Span<float> gradX)
    {
        int weights = _inputs * _outputs;
        if (!gradW.IsEmpty)
        {
            Ops.MatMul(x, lambda, gradW[..weights], _inputs, m, _outputs, transposeA: true);
            Ops.SumRows(lambda, gradW[weights..], m, _outputs);
        }

        if (!gradX.IsEmpty)
            Ops.MatMul(lambda, w[..weights], gradX, m, _outputs, _inputs, transposeB: true);
    }
}
