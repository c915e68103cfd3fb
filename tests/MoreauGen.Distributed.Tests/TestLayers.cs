namespace MoreauGen.Distributed.Tests;

/// <summary>The sizes of a dense layer from inputs to outputs per sample, with w = (W row-major inputs × outputs; b).</summary>
public abstract class DenseSizes
{
    private protected readonly int _inputs, _outputs;

    private protected DenseSizes(int inputs, int outputs)
    {
        _inputs = inputs;
        _outputs = outputs;
    }

    /// <summary>|w| = inputs·outputs + outputs.</summary>
    public int ParameterCount => _inputs * _outputs + _outputs;

    /// <summary>|x| of one sample.</summary>
    public int InputCount => _inputs;

    /// <summary>|y| of one sample.</summary>
    public int OutputCount => _outputs;
}

/// <summary>y = tanh(x·W + b) per sample in double: Φw is not affine, so MorSGD solves it with the inner solver.</summary>
public sealed partial class TanhDense : DenseSizes
{
    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public TanhDense(int inputs, int outputs)
        : base(inputs, outputs)
    {
    }

    /// <summary>y = tanh(x·W + b) for the m samples of x (m × inputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int m = x.Length / _inputs;
        Ops.MatMul(x, w[..(_inputs * _outputs)], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[(_inputs * _outputs)..], m, _outputs);
        Ops.Tanh(y, y);
    }
}

/// <summary>y = x·W + b per sample in double: affine in x and in w, both Moreau gradients in closed form.</summary>
public sealed partial class Linear : DenseSizes
{
    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public Linear(int inputs, int outputs)
        : base(inputs, outputs)
    {
    }

    /// <summary>y = x·W + b for the m samples of x (m × inputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int m = x.Length / _inputs;
        Ops.MatMul(x, w[..(_inputs * _outputs)], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[(_inputs * _outputs)..], m, _outputs);
    }
}

/// <summary>As <see cref="TanhDense"/>, in float.</summary>
public sealed partial class TanhDenseSingle : DenseSizes
{
    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public TanhDenseSingle(int inputs, int outputs)
        : base(inputs, outputs)
    {
    }

    /// <summary>y = tanh(x·W + b) for the m samples of x (m × inputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = x.Length / _inputs;
        Ops.MatMul(x, w[..(_inputs * _outputs)], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[(_inputs * _outputs)..], m, _outputs);
        Ops.Tanh(y, y);
    }
}

/// <summary>As <see cref="Linear"/>, in float.</summary>
public sealed partial class LinearSingle : DenseSizes
{
    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public LinearSingle(int inputs, int outputs)
        : base(inputs, outputs)
    {
    }

    /// <summary>y = x·W + b for the m samples of x (m × inputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = x.Length / _inputs;
        Ops.MatMul(x, w[..(_inputs * _outputs)], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[(_inputs * _outputs)..], m, _outputs);
    }
}

/// <summary>y = max(0, x·W + b) per sample in double: neither Φx nor Φw is affine, so MorSGD solves both with the inner solver.</summary>
public sealed partial class ReluDense : DenseSizes
{
    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public ReluDense(int inputs, int outputs)
        : base(inputs, outputs)
    {
    }

    /// <summary>y = max(0, x·W + b) for the m samples of x (m × inputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int m = x.Length / _inputs;
        Ops.MatMul(x, w[..(_inputs * _outputs)], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[(_inputs * _outputs)..], m, _outputs);
        Ops.Relu(y, y);
    }
}

/// <summary>As <see cref="ReluDense"/>, in float.</summary>
public sealed partial class ReluDenseSingle : DenseSizes
{
    /// <summary>A layer from <paramref name="inputs"/> to <paramref name="outputs"/> values per sample.</summary>
    public ReluDenseSingle(int inputs, int outputs)
        : base(inputs, outputs)
    {
    }

    /// <summary>y = max(0, x·W + b) for the m samples of x (m × inputs).</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = x.Length / _inputs;
        Ops.MatMul(x, w[..(_inputs * _outputs)], y, m, _inputs, _outputs);
        Ops.AddBias(y, w[(_inputs * _outputs)..], m, _outputs);
        Ops.Relu(y, y);
    }
}
