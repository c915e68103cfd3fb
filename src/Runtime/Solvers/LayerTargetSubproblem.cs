using System.Numerics;

namespace MoreauGen;

/// <summary>Which argument of a layer φ_t(w_t, x_{t−1}) a subproblem moves.</summary>
public enum LayerArgument
{
    /// <summary>The input x_{t−1} (the paper's Φx subproblems).</summary>
    Input,

    /// <summary>The parameters w_t (the paper's Φw subproblems).</summary>
    Parameters,
}

/// <summary>
/// The layer subproblem shared by the augmented-Lagrangian, target-propagation and proximal passes (paper Alg. 8, 10,
/// 12), in the offset u of one argument z of φ_t from its forward-pass value z₀ (z = x_{t−1} or w_t):
/// F(u) = s·[β·rᵀφ_t(z₀ + u) + (κ/2)‖φ_t(z₀ + u) − x⁺_t‖² + (μ/2)‖z₀ + u‖²] + (ρ/2)‖u‖²,
/// with r = φ_t(w_t, x_{t−1}) − x⁺_t the residual of the forward pass (so βr is the multiplier λ⁺_t of Fact D.3),
/// μ the ℓ2 weight (parameters only, App. D.6), s the step folded in and ρ ∈ {0, 1} (0: no proximal term, target
/// propagation). Built from the layer's <see cref="IMoreauLayer{T}.Forward(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T})"/>
/// and <see cref="IMoreauLayer{T}.Pullback"/> only: ∇F(u) = s·Jᵀ(βr + κ(φ_t(z₀ + u) − x⁺_t)) + sμ(z₀ + u) + ρu.
/// </summary>
/// <remarks>Holds the spans it is given; copies nothing and allocates nothing. The scratch spans must not overlap.</remarks>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct LayerTargetSubproblem<T> : ISmoothFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IMoreauLayer<T> _layer;
    private readonly LayerArgument _argument;
    private readonly ReadOnlySpan<T> _w, _x, _residual, _target;
    private readonly T _beta, _kappa, _mu, _scale, _rho;
    private readonly Span<T> _point, _output, _tape, _multiplier;

    /// <summary>
    /// Wraps <paramref name="layer"/> at its forward-pass arguments <paramref name="w"/> (|w|) and <paramref name="x"/>
    /// (m·|x|), moving <paramref name="argument"/>. <paramref name="residual"/> r and <paramref name="target"/> x⁺ hold
    /// m·|y| values; <paramref name="scratch"/> provides four buffers: the moved argument (its length), the output and
    /// the multiplier (m·|y| each) and the tape (exactly <see cref="IMoreauLayer{T}.TapeLength"/>(m) values).
    /// </summary>
    public LayerTargetSubproblem(IMoreauLayer<T> layer, LayerArgument argument, ReadOnlySpan<T> w, ReadOnlySpan<T> x,
                                 ReadOnlySpan<T> residual, ReadOnlySpan<T> target, T beta, T kappa, T mu, T scale, T rho,
                                 TargetScratch<T> scratch)
    {
        _layer = layer ?? throw new ArgumentNullException(nameof(layer));
        int outputLength = residual.Length;
        if (target.Length != outputLength)
            throw new ArgumentException($"target has {target.Length} values; residual has {outputLength}.", nameof(target));
        _argument = argument;
        _w = w;
        _x = x;
        _residual = residual;
        _target = target;
        _beta = beta;
        _kappa = kappa;
        _mu = mu;
        _scale = scale;
        _rho = rho;
        _point = scratch.Point[..(argument == LayerArgument.Parameters ? w.Length : x.Length)];
        _output = scratch.Output[..outputLength];
        _multiplier = scratch.Multiplier[..outputLength];
        _tape = scratch.Tape;
    }

    /// <inheritdoc/>
    public T Evaluate(ReadOnlySpan<T> u, Span<T> gradient)
    {
        bool moveParameters = _argument == LayerArgument.Parameters;
        ReadOnlySpan<T> z0 = moveParameters ? _w : _x;
        Vectors.Add(z0, u, _point);
        ReadOnlySpan<T> w = moveParameters ? _point : _w;
        ReadOnlySpan<T> x = moveParameters ? _x : _point;
        if (gradient.IsEmpty)
            _layer.Forward(w, x, _output);
        else
            _layer.Forward(w, x, _output, _tape);

        T half = T.One / (T.One + T.One);
        T linear = T.IsZero(_beta) ? T.Zero : _beta * Vectors.Dot(_residual, _output);
        Vectors.Subtract(_output, _target, _output); // φ(z₀ + u) − x⁺
        T inner = linear + _kappa * half * Vectors.SumOfSquares<T>(_output);
        if (!T.IsZero(_mu))
            inner += _mu * half * Vectors.SumOfSquares<T>(_point);
        T value = _scale * inner + _rho * half * Vectors.SumOfSquares(u);
        if (gradient.IsEmpty)
            return value;

        // ∇F = Jᵀ(s·(βr + κ(φ − x⁺))) + sμ(z₀ + u) + ρu.
        Vectors.Multiply(_output, _scale * _kappa, _multiplier);
        if (!T.IsZero(_beta))
            Vectors.MultiplyAdd(_residual, _scale * _beta, _multiplier, _multiplier);
        if (moveParameters)
            _layer.Pullback(w, x, _tape, _multiplier, gradient, Span<T>.Empty);
        else
            _layer.Pullback(w, x, _tape, _multiplier, Span<T>.Empty, gradient);
        if (!T.IsZero(_mu))
            Vectors.MultiplyAdd(_point, _scale * _mu, gradient, gradient);
        if (!T.IsZero(_rho))
            Vectors.MultiplyAdd(u, _rho, gradient, gradient);
        return value;
    }
}

/// <summary>The scratch buffers of a <see cref="LayerTargetSubproblem{T}"/> (see its constructor for their lengths).</summary>
/// <param name="Point">The moved argument z₀ + u.</param>
/// <param name="Output">φ_t at the trial point.</param>
/// <param name="Multiplier">The multiplier handed to the pullback.</param>
/// <param name="Tape">The tape of the forward pass at the trial point.</param>
public readonly ref struct TargetScratch<T>(Span<T> Point, Span<T> Output, Span<T> Multiplier, Span<T> Tape) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The moved argument z₀ + u.</summary>
    public Span<T> Point { get; } = Point;

    /// <summary>φ_t at the trial point.</summary>
    public Span<T> Output { get; } = Output;

    /// <summary>The multiplier handed to the pullback.</summary>
    public Span<T> Multiplier { get; } = Multiplier;

    /// <summary>The tape of the forward pass at the trial point.</summary>
    public Span<T> Tape { get; } = Tape;
}
