using System.Numerics;

namespace MoreauGen;

/// <summary>
/// A Φw subproblem F(v) = λᵀφ(w + v, x) + ½‖v‖² + (κ/2)‖w + v‖² whose batch is split over the processes of an
/// <see cref="IBatchPartition{T}"/>: each process evaluates its rows (<typeparamref name="TLocal"/>), removes the
/// terms that do not depend on the batch unless it holds them, and the values and gradients are summed, so every
/// process sees F of the whole batch (paper Alg. 1 line 4 on the global mini-batch).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TLocal">The subproblem over the local rows, e.g. <see cref="LayerParameterSubproblem{T}"/>.</typeparam>
public readonly ref struct PartitionedSubproblem<T, TLocal> : ISmoothFunction<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TLocal : ISmoothFunction<T>, allows ref struct
{
    private readonly TLocal _local;
    private readonly IBatchPartition<T> _partition;
    private readonly ReadOnlySpan<T> _w;
    private readonly T _l2;

    /// <summary>
    /// Wraps <paramref name="local"/>, the subproblem at parameters <paramref name="w"/> (|w|) with ℓ2 weight
    /// <paramref name="l2"/> (κ ≥ 0) over this process's rows.
    /// </summary>
    public PartitionedSubproblem(TLocal local, IBatchPartition<T> partition, ReadOnlySpan<T> w, T l2)
    {
        _local = local;
        _partition = partition ?? throw new ArgumentNullException(nameof(partition));
        _w = w;
        _l2 = l2;
    }

    /// <inheritdoc/>
    public T Evaluate(ReadOnlySpan<T> y, Span<T> gradient)
    {
        T value = _local.Evaluate(y, gradient);
        if (!_partition.HoldsSharedTerms)
        {
            // R(v) = ½‖v‖² + (κ/2)‖w + v‖², ∇R = (1 + κ)·v + κ·w; ‖w + v‖² = ‖w‖² + 2wᵀv + ‖v‖².
            T half = T.One / (T.One + T.One);
            T vv = Vectors.SumOfSquares(y);
            T shared = half * vv;
            if (!T.IsZero(_l2))
                shared += half * _l2 * (Vectors.SumOfSquares(_w) + (T.One + T.One) * Vectors.Dot(_w, y) + vv);
            value -= shared;
            if (!gradient.IsEmpty)
            {
                Vectors.MultiplyAdd(y, -(T.One + _l2), gradient, gradient);
                if (!T.IsZero(_l2))
                    Vectors.MultiplyAdd(_w, -_l2, gradient, gradient);
            }
        }

        return _partition.Sum(gradient, value);
    }
}
