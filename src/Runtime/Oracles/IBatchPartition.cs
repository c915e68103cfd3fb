using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The processes that together hold one mini-batch, each a block of its rows (data parallelism). Set as
/// <see cref="MoreauBackpropagation{T}.Partition"/>, it makes every Φw subproblem (paper Alg. 1 line 4, eq. 52) the
/// subproblem of the whole batch: λᵀφ(w + v, x) is a sum over the samples, so each evaluation of it and of its
/// gradient is summed over the processes. The λ- and x-passes keep their vectors on the local rows; where a step of
/// theirs needs the inner solver (a Φx subproblem or the objective's envelope without a closed form), the solver reduces
/// every scalar it computes through this partition as an <see cref="IBatchReduction{T}"/>, so it solves the subproblem
/// of the whole batch.
/// </summary>
/// <remarks>
/// Every process must make the same sequence of calls: the sums are identical on all of them, so the inner solver
/// takes the same decisions everywhere. Implemented over MPI by the MoreauGen.Distributed package; the runtime itself
/// has no native dependency.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public interface IBatchPartition<T> : IBatchReduction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// True on exactly one process: the one that keeps the terms that do not depend on the batch (½‖v‖² and the ℓ2
    /// term of a Φw subproblem); the others remove them before summing.
    /// </summary>
    bool HoldsSharedTerms { get; }

    /// <summary>
    /// Replaces <paramref name="values"/> (any length, possibly empty) on every process by its element-wise sum over
    /// the processes, and returns the sum of <paramref name="scalar"/>.
    /// </summary>
    T Sum(Span<T> values, T scalar);
}
