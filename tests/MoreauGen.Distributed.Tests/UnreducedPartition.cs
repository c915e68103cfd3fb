using System.Numerics;

namespace MoreauGen.Distributed.Tests;

/// <summary>
/// An MPI partition whose <see cref="IBatchReduction{T}"/> is the identity: the Φw subproblems are still summed over
/// the processes, but the inner solver's scalars in the λ/x-pass are not, so each process solves its Φx subproblems
/// (and the objective's envelope) on its own rows with its own decisions. What exact MorSGD was without the
/// reduction; the tests use it to show they can tell the difference.
/// </summary>
internal sealed class UnreducedPartition<T>(IBatchPartition<T> inner) : IBatchPartition<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public bool HoldsSharedTerms => inner.HoldsSharedTerms;

    public T Sum(Span<T> values, T scalar) => inner.Sum(values, scalar);

    public void Sum(Span<T> partials)
    {
    }

    public T Max(T partial) => partial;
}
