using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoreauGen;

/// <summary>
/// The parameter sweep of a gradient-descent step fused with its update (paper Alg. 3–4 with the ℓ2 term of App. D.6):
/// for one layer, right after its pullback has written ∇ into the direction buffer, one pass forms d = ∇ + μw, sums
/// ‖w‖², writes w ← w − η·d in place and keeps the old wᵢ in the direction buffer, so that the step can be undone.
/// It replaces <see cref="ParameterUpdate.AddL2"/> (read w and ∇, write d) followed by
/// <see cref="ParameterUpdate.Descend"/> over all layers (read d and w, write w): four streams over the parameters
/// instead of six, and one pool hand-off per layer fewer.
/// </summary>
/// <remarks>
/// <para>
/// Every element is computed with the same operations, in the same order, as the two passes it replaces
/// (d = w·μ + ∇, then d·(−η) + w), so the iterates are bit for bit those of the separate passes, and ‖w‖² is summed
/// chunk by chunk in the order of <see cref="ParameterUpdate.SumOfSquares"/>.
/// </para>
/// <para>
/// A sweep stops at the first vector whose ∇ or whose updated w is not finite; it then copies back the old values it had
/// written in that chunk (<see cref="DescentSweep{T}.Completed"/> false) and leaves the rest of the chunk untouched.
/// The caller restores the layers already updated with <see cref="Restore"/> and falls back to the separate passes, which
/// name the failure (same exception as before).
/// </para>
/// </remarks>
internal static class FusedDescent
{
    /// <summary>
    /// One layer's sweep: d = w·μ + ∇ (d = ∇ without <paramref name="addL2"/>), w ← d·(−η) + w with −η =
    /// <paramref name="minusStep"/>, the old w left in <paramref name="direction"/>. On failure every value of
    /// <paramref name="w"/> and <paramref name="direction"/> this call changed is as it was, except that a chunk's old w
    /// sits in <paramref name="direction"/> (see <see cref="Restore"/>). With a non-empty <paramref name="addend"/> (the
    /// gradient of the batch's other half, <see cref="BatchHalves{T}"/>) the gradient is ∇ = direction + addend.
    /// </summary>
    public static unsafe DescentSweep<T> Run<T>(Span<T> w, T mu, Span<T> direction, bool addL2, T minusStep, ReadOnlySpan<T> addend = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Length != direction.Length)
            throw new ArgumentException($"w has {w.Length} values and the direction {direction.Length}.", nameof(direction));
        ParameterUpdate.CheckAddend(addend, w.Length);
        if (ParameterUpdate.ChunkCount(w.Length) <= 1)
            return Chunk(w, mu, direction, addL2, minusStep, addend);

        fixed (T* pw = w)
        fixed (T* pd = direction)
        fixed (T* pa = addend)
        {
            ParameterSweep<T> sweep = ParameterJob<T>.Run(pw, pd, w.Length, mu, addL2 ? ParameterJobKind.FusedDescentL2 : ParameterJobKind.FusedDescent, minusStep, pa);
            return new DescentSweep<T>(sweep.GradientFinite, sweep.GradientFinite ? sweep.SumOfSquares : T.Zero);
        }
    }

    /// <summary>
    /// Undoes a completed <see cref="Run"/> of a layer: w ← the old values kept in <paramref name="direction"/>.
    /// </summary>
    public static void Restore<T>(ReadOnlySpan<T> direction, Span<T> w) where T : unmanaged, IFloatingPointIeee754<T> =>
        direction.CopyTo(w);

    /// <summary>
    /// <see cref="Run"/> on one chunk of at most <see cref="ParameterUpdate.Chunk"/> values, or on any span on one thread
    /// (‖w‖² then summed in one pass over it, not chunk by chunk: <see cref="BatchHalves{T}"/>'s first layer by rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static DescentSweep<T> Chunk<T>(Span<T> w, T mu, Span<T> direction, bool addL2, T minusStep, ReadOnlySpan<T> addend = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        bool sum = !addend.IsEmpty;
        T squares = T.Zero;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
        {
            Span<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(direction);
            ReadOnlySpan<Vector<T>> va = MemoryMarshal.Cast<T, Vector<T>>(addend);
            var vmu = new Vector<T>(mu);
            var s = new Vector<T>(minusStep);
            var infinity = new Vector<T>(T.PositiveInfinity);
            Vector<T> accumulated = Vector<T>.Zero;
            for (int v = 0; v < vw.Length; v++)
            {
                Vector<T> wv = vw[v], g = sum ? vd[v] + va[v] : vd[v];
                Vector<T> d = addL2 ? wv * vmu + g : g;  // the values of AddL2
                Vector<T> next = d * s + wv;              // the values of Descend
                if (!(Vector.LessThanAll(Vector.Abs(g), infinity) & Vector.LessThanAll(Vector.Abs(next), infinity)))
                {
                    vd[..v].CopyTo(vw);
                    return default;
                }
                accumulated += wv * wv;
                vd[v] = wv;
                vw[v] = next;
            }

            squares = Vector.Sum(accumulated);
            i = vw.Length * Vector<T>.Count;
        }

        for (; i < w.Length; i++)
        {
            T wi = w[i], g = sum ? direction[i] + addend[i] : direction[i];
            T d = addL2 ? wi * mu + g : g;
            T next = d * minusStep + wi;
            if (!T.IsFinite(g) || !T.IsFinite(next))
            {
                direction[..i].CopyTo(w);
                return default;
            }
            squares += wi * wi;
            direction[i] = wi;
            w[i] = next;
        }

        return new DescentSweep<T>(true, squares);
    }
}

/// <summary>What one <see cref="FusedDescent.Run"/> sweep did.</summary>
/// <param name="Completed">Whether every ∇ᵢ and every updated wᵢ was finite, so that w holds the update and the direction buffer the old w.</param>
/// <param name="SumOfSquares">Σ wᵢ² of the old w (for the ℓ2 value (μ/2)‖w‖²), when completed.</param>
internal readonly record struct DescentSweep<T>(bool Completed, T SumOfSquares);
