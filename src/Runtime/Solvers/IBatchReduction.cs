using System.Numerics;

namespace MoreauGen;

/// <summary>
/// How an <see cref="InnerSolver{T}"/> combines the scalars it computes when the vectors it works on are split over
/// several processes by blocks of rows (data parallelism). The function is then a sum F(y) = Σ_p F_p(y_p) of functions
/// of disjoint blocks y_p of the unknowns (e.g. a Φx subproblem λᵀφ(w, x + u) + ½‖u‖², paper Alg. 1 line 4, whose rows
/// are the samples of the batch): each process holds its block of every vector, evaluates its F_p, and every scalar
/// the solver computes from vectors (values, inner products, norms, the largest magnitude) is a sum, or a maximum, of
/// the processes' parts.
/// </summary>
/// <remarks>
/// <para>
/// A solve given a reduction reduces each such scalar before using it, so every process takes the same decisions
/// (line-search tests, step lengths, stopping tests) and the blocks together are the one-process iterate on the whole
/// batch, up to the order of the additions. Without one (null, the default) the solver works on the vectors it holds.
/// </para>
/// <para>
/// Every process must make the same sequence of calls (they are collective). Implemented over MPI by the
/// MoreauGen.Distributed package; the runtime itself has no native dependency.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public interface IBatchReduction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Replaces each value of <paramref name="partials"/> (one to a few scalars) by its sum over the processes.</summary>
    void Sum(Span<T> partials);

    /// <summary>The largest of <paramref name="partial"/> (never NaN) over the processes.</summary>
    T Max(T partial);
}
