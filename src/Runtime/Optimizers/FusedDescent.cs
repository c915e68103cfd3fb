using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MoreauGen.Kernels;

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
    /// sits in <paramref name="direction"/> (see <see cref="Restore"/>).
    /// </summary>
    public static unsafe DescentSweep<T> Run<T>(Span<T> w, T mu, Span<T> direction, bool addL2, T minusStep)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Length != direction.Length)
            throw new ArgumentException($"w has {w.Length} values and the direction {direction.Length}.", nameof(direction));
        if (ParameterUpdate.ChunkCount(w.Length) <= 1)
            return Chunk(w, mu, direction, addL2, minusStep);

        fixed (T* pw = w)
        fixed (T* pd = direction)
            return DescentJob<T>.Run(pw, pd, w.Length, mu, addL2, minusStep);
    }

    /// <summary>
    /// Undoes a completed <see cref="Run"/> of a layer: w ← the old values kept in <paramref name="direction"/>.
    /// </summary>
    public static void Restore<T>(ReadOnlySpan<T> direction, Span<T> w) where T : unmanaged, IFloatingPointIeee754<T> =>
        direction.CopyTo(w);

    /// <summary><see cref="Run"/> on one chunk of at most <see cref="ParameterUpdate.Chunk"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static DescentSweep<T> Chunk<T>(Span<T> w, T mu, Span<T> direction, bool addL2, T minusStep)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T squares = T.Zero;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
        {
            Span<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(direction);
            var vmu = new Vector<T>(mu);
            var s = new Vector<T>(minusStep);
            var infinity = new Vector<T>(T.PositiveInfinity);
            Vector<T> accumulated = Vector<T>.Zero;
            for (int v = 0; v < vw.Length; v++)
            {
                Vector<T> wv = vw[v], g = vd[v];
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
            T wi = w[i], g = direction[i];
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

/// <summary>
/// A <see cref="FusedDescent.Run"/> sweep shared by the <see cref="WorkerPool"/>'s threads, chunk by chunk as in
/// <see cref="ParameterJob{T}"/>; when a chunk fails, the chunks that completed are copied back before returning, so a
/// failed sweep leaves the layer as it was.
/// </summary>
internal sealed unsafe class DescentJob<T> : ParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static DescentJob<T>? t_local;
    private static DescentJob<T>? s_shared;

    private DescentSweep<T>[] _results = [];
    private PaddedCounter _next;
    private T* _w, _d;
    private int _length, _chunks;
    private T _mu, _minusStep;
    private bool _addL2;

    /// <summary>Runs the sweep on [w, w + length) and [d, d + length) and combines the chunks in chunk order.</summary>
    public static DescentSweep<T> Run(T* w, T* d, int length, T mu, bool addL2, T minusStep)
    {
        WorkerPool pool = WorkerPool.Shared;
        if (pool.TryReserve())
        {
            DescentJob<T> shared = s_shared ??= new DescentJob<T>();
            try
            {
                shared.Prepare(w, d, length, mu, addL2, minusStep);
                pool.RunReserved(shared);
                return shared.Combine();
            }
            finally
            {
                shared._w = shared._d = null;
                pool.Release();
            }
        }

        DescentJob<T> local = t_local ??= new DescentJob<T>();
        local.Prepare(w, d, length, mu, addL2, minusStep);
        local.Run(0);
        try
        {
            return local.Combine();
        }
        finally
        {
            local._w = local._d = null;
        }
    }

    private DescentSweep<T> Combine()
    {
        bool completed = true;
        T squares = T.Zero;
        for (int c = 0; c < _chunks; c++)
        {
            completed &= _results[c].Completed;
            squares += _results[c].SumOfSquares;
        }

        if (completed)
            return new DescentSweep<T>(true, squares);
        for (int c = 0; c < _chunks; c++)
        {
            if (_results[c].Completed)
            {
                int start = c * ParameterUpdate.Chunk;
                int count = Math.Min(ParameterUpdate.Chunk, _length - start);
                FusedDescent.Restore<T>(new ReadOnlySpan<T>(_d + start, count), new Span<T>(_w + start, count));
            }
        }
        return default;
    }

    private void Prepare(T* w, T* d, int length, T mu, bool addL2, T minusStep)
    {
        _w = w; _d = d; _length = length; _mu = mu; _addL2 = addL2; _minusStep = minusStep;
        _chunks = ParameterUpdate.ChunkCount(length);
        if (_results.Length < _chunks)
            _results = new DescentSweep<T>[_chunks];
        _next.Value = 0;
    }

    public override void Run(int thread)
    {
        for (long c = Interlocked.Increment(ref _next.Value) - 1; c < _chunks; c = Interlocked.Increment(ref _next.Value) - 1)
        {
            int start = (int)c * ParameterUpdate.Chunk;
            int count = Math.Min(ParameterUpdate.Chunk, _length - start);
            _results[c] = FusedDescent.Chunk<T>(new Span<T>(_w + start, count), _mu, new Span<T>(_d + start, count), _addL2, _minusStep);
        }
    }
}
