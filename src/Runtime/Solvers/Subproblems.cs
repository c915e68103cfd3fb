using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The Φx subproblem of a layer, u ↦ λᵀφ(w, x + u) + ½‖u‖² (the layer's <see cref="IMoreauLayer{T}.SubproblemX"/>),
/// as a function an <see cref="InnerSolver{T}"/> minimises: −argmin is ∇env(λᵀφ(w, ·))(x), paper Alg. 1 line 4.
/// Step sizes are folded into λ. Holds the spans it is given; copies and allocates nothing.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct LayerInputSubproblem<T> : ISmoothFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IMoreauLayer<T> _layer;
    private readonly ReadOnlySpan<T> _w, _x, _lambda;

    /// <summary>Wraps <paramref name="layer"/> at parameters <paramref name="w"/> (|w|), batch <paramref name="x"/> (m·|x|) and multiplier <paramref name="lambda"/> (m·|y|).</summary>
    public LayerInputSubproblem(IMoreauLayer<T> layer, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda)
    {
        _layer = layer ?? throw new ArgumentNullException(nameof(layer));
        _w = w;
        _x = x;
        _lambda = lambda;
    }

    /// <inheritdoc/>
    public T Evaluate(ReadOnlySpan<T> y, Span<T> gradient) => _layer.SubproblemX(_w, _x, _lambda, y, gradient);
}

/// <summary>
/// The Φw subproblem of a layer, v ↦ λᵀφ(w + v, x) + ½‖v‖² (the layer's <see cref="IMoreauLayer{T}.SubproblemW"/>),
/// plus an optional ℓ2 term (κ/2)‖w + v‖² (paper App. D.6 with r(w) = μ/2‖w‖² and step α: κ = αμ), as a function an
/// <see cref="InnerSolver{T}"/> minimises: −argmin is ∇env(λᵀφ(·, x) + (κ/2)‖·‖²)(w), paper Alg. 1 line 4.
/// Step sizes are folded into λ and κ. Copies and allocates nothing.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct LayerParameterSubproblem<T> : ISmoothFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IMoreauLayer<T> _layer;
    private readonly ReadOnlySpan<T> _w, _x, _lambda;
    private readonly T _l2;
    private readonly Span<T> _scratch;

    /// <summary>Wraps <paramref name="layer"/> at parameters <paramref name="w"/> (|w|), batch <paramref name="x"/> (m·|x|) and multiplier <paramref name="lambda"/> (m·|y|), without an ℓ2 term.</summary>
    public LayerParameterSubproblem(IMoreauLayer<T> layer, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda)
        : this(layer, w, x, lambda, T.Zero, Span<T>.Empty)
    {
    }

    /// <summary>
    /// As the other constructor, plus the term (<paramref name="l2"/>/2)‖w + v‖²; <paramref name="scratch"/> (|w| values)
    /// holds w + v during an evaluation (unused when <paramref name="l2"/> is 0).
    /// </summary>
    public LayerParameterSubproblem(IMoreauLayer<T> layer, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, T l2, Span<T> scratch)
    {
        _layer = layer ?? throw new ArgumentNullException(nameof(layer));
        if (!T.IsZero(l2) && scratch.Length < w.Length)
            throw new ArgumentException($"scratch has {scratch.Length} values; the ℓ2 term needs {w.Length}.", nameof(scratch));
        _w = w;
        _x = x;
        _lambda = lambda;
        _l2 = l2;
        _scratch = scratch;
    }

    /// <inheritdoc/>
    public T Evaluate(ReadOnlySpan<T> y, Span<T> gradient)
    {
        T value = _layer.SubproblemW(_w, _x, _lambda, y, gradient);
        if (T.IsZero(_l2))
            return value;
        if (_w.Length <= Vectors.Small)
        {
            Span<T> shifted = _scratch[.._w.Length];
            Vectors.Add(_w, y, shifted);
            value += _l2 / (T.One + T.One) * Vectors.SumOfSquares(shifted);
            if (!gradient.IsEmpty)
                Vectors.MultiplyAdd(shifted, _l2, gradient, gradient);
            return value;
        }

        // (κ/2)‖w + v‖² and κ·(w + v) added to the gradient, in one pass without storing w + v.
        return value + _l2 / (T.One + T.One) * FusedVectors.ShiftedSquares(_w, y, _l2, gradient);
    }
}

/// <summary>
/// The subproblem y ↦ γ·h(x + y) + ½‖y‖² of an objective h, as a function an <see cref="InnerSolver{T}"/> minimises:
/// −argmin is ∇env(γh)(x), the start of the backward pass (paper Alg. 2 line 2). Used when h has no closed form
/// (<see cref="IMoreauEnvelope{T}"/>). Copies and allocates nothing.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct ObjectiveEnvelopeSubproblem<T> : ISmoothFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IMoreauObjective<T> _objective;
    private readonly ReadOnlySpan<T> _x;
    private readonly T _gamma;
    private readonly Span<T> _scratch;

    /// <summary>Wraps <paramref name="objective"/> at the batch <paramref name="x"/> with step <paramref name="gamma"/>; <paramref name="scratch"/> (|x| values) holds x + y during an evaluation.</summary>
    public ObjectiveEnvelopeSubproblem(IMoreauObjective<T> objective, ReadOnlySpan<T> x, T gamma, Span<T> scratch)
    {
        _objective = objective ?? throw new ArgumentNullException(nameof(objective));
        if (scratch.Length < x.Length)
            throw new ArgumentException($"scratch has {scratch.Length} values; x has {x.Length}.", nameof(scratch));
        _x = x;
        _gamma = gamma;
        _scratch = scratch;
    }

    /// <inheritdoc/>
    public T Evaluate(ReadOnlySpan<T> y, Span<T> gradient)
    {
        Span<T> point = _scratch[.._x.Length];
        Vectors.Add(_x, y, point);
        T half = T.One / (T.One + T.One);
        if (gradient.IsEmpty)
            return _gamma * _objective.Value(point) + half * Vectors.SumOfSquares(y);
        T value = _objective.ValueAndGradient(point, gradient);
        Vectors.MultiplyAdd(gradient, _gamma, y, gradient);
        return _gamma * value + half * Vectors.SumOfSquares(y);
    }
}
