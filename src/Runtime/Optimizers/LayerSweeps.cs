using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoreauGen;

/// <summary>
/// The end of each layer's step in a backward pass (<see cref="Backpropagation{T}"/>, <see cref="MoreauBackpropagation{T}"/>):
/// the one sweep over the layer's parameters and direction, and what it learns. Without an update to fuse, the sweep of
/// <see cref="ParameterUpdate.AddL2"/>: d = ∇ + μw checked, ‖w‖² and the bounds the optimiser's in-place update needs, and
/// the check of the multiplier passed back, each failure thrown naming the layer. With one
/// (<see cref="ChainOracle{T}.TryDescend"/>), the sweep of <see cref="FusedDescent"/>: w_t ← w_t + (−η)·d written at once,
/// the old w_t kept in the direction buffer; a failure makes <see cref="Finish"/> return false and <see cref="Restore"/> puts
/// back the layers already updated, so that the caller can take the separate passes, which report it.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal ref struct LayerSweeps<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Chain<T> _chain;
    private readonly Span<T> _direction;
    private readonly Span<T> _descend;
    private readonly T _mu, _minusStep;
    private readonly bool _addL2;
    private int _updated;
    private T _squares, _maxParameter, _maxDirection;

    /// <param name="chain">The chain.</param>
    /// <param name="mu">μ of d = ∇ + μw (with <paramref name="addL2"/>).</param>
    /// <param name="addL2">Whether the sweep adds μw to the direction.</param>
    /// <param name="direction">The flat direction buffer, |w| values.</param>
    /// <param name="descend">Empty, or w itself (writable) to update in place, layer by layer.</param>
    /// <param name="minusStep">−η of the fused update.</param>
    public LayerSweeps(Chain<T> chain, T mu, bool addL2, Span<T> direction, Span<T> descend, T minusStep)
    {
        _chain = chain;
        _mu = mu;
        _addL2 = addL2;
        _direction = direction;
        _descend = descend;
        _minusStep = minusStep;
        _updated = chain.Length;
    }

    /// <summary>Whether the update is fused (a non-empty w to update was given).</summary>
    public readonly bool Fused => !_descend.IsEmpty;

    /// <summary>Σ‖w_t‖² over the layers finished so far (the parameters before the step).</summary>
    public readonly T SumOfSquares => _squares;

    /// <summary>What the sweeps learned, for <see cref="ChainOracle{T}.LastSweep"/> (unfused only).</summary>
    public readonly ParameterSweep<T> Sweep => new(true, _squares, _maxParameter, _maxDirection);

    /// <summary>
    /// Ends the step of the layer at <paramref name="index"/>, whose direction is in <paramref name="direction"/> (its view
    /// of the direction buffer) and which passes <paramref name="previous"/> back. Unfused: throws on a non-finite direction
    /// or multiplier. Fused: false when either or the update is not finite (the layer left as it was).
    /// </summary>
    /// <param name="index">The layer (t − 1).</param>
    /// <param name="parameters">w_t, the layer's view of w (of the span to update, when fused).</param>
    /// <param name="direction">The layer's view of the direction buffer.</param>
    /// <param name="previous">The multiplier the layer passed back (empty for the first layer).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once per layer; a pendulum iteration has 100 of them
    public bool Finish(int index, ReadOnlySpan<T> parameters, Span<T> direction, ReadOnlySpan<T> previous)
    {
        if (Fused)
        {
            if (!NonFinite.AllFinite(previous))
                return false;
            // parameters is the layer's view of the span being updated (w itself): written through without slicing it again,
            // a cost that shows on a control problem's one-parameter time steps.
            Debug.Assert(parameters.Overlaps(_descend));
            Span<T> target = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(parameters), parameters.Length);
            DescentSweep<T> fused = FusedDescent.Run(target, _mu, direction, _addL2, _minusStep);
            if (!fused.Completed)
                return false;
            _updated = index;
            _squares += fused.SumOfSquares;
            return true;
        }

        ParameterSweep<T> sweep = ParameterUpdate.AddL2(parameters, _mu, direction, _addL2);
        if (!sweep.GradientFinite)
            NonFinite.Check(direction, _chain, index, NonFiniteQuantity.Direction);
        NonFinite.Check(previous, _chain, index, NonFiniteQuantity.Multiplier);
        _squares += sweep.SumOfSquares;
        _maxParameter = T.IsNaN(sweep.MaxParameter) ? sweep.MaxParameter : T.Max(_maxParameter, sweep.MaxParameter);
        _maxDirection = T.IsNaN(sweep.MaxDirection) ? sweep.MaxDirection : T.Max(_maxDirection, sweep.MaxDirection);
        return true;
    }

    /// <summary>Fused: puts back the parameters of every layer already updated (from the old values in the direction buffer).</summary>
    public readonly void Restore()
    {
        if (!Fused)
            return;
        for (int j = _updated; j < _chain.Length; j++)
            FusedDescent.Restore<T>(_chain.Parameters(_direction, j), _chain.Parameters(_descend, j));
    }
}
