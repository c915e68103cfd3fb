using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// What one sweep of <see cref="ParameterUpdate.AddL2"/> learned about a layer's parameters and direction, without
/// another pass over them.
/// </summary>
/// <param name="GradientFinite">Whether every gradient value read was finite (the sweep stops writing at the first that is not).</param>
/// <param name="SumOfSquares">Σ wᵢ² (for the ℓ2 value (μ/2)‖w‖²).</param>
/// <param name="MaxParameter">max |wᵢ| (NaN when some wᵢ is NaN).</param>
/// <param name="MaxDirection">max |dᵢ| of the direction written (NaN when some dᵢ is NaN).</param>
internal readonly record struct ParameterSweep<T>(bool GradientFinite, T SumOfSquares, T MaxParameter, T MaxDirection);

/// <summary>
/// The passes over the parameters of a gradient-descent step (paper Alg. 3–4 with the ℓ2 term of App. D.6), fused.
/// A step used to read or write a parameter-sized vector 11 times after its products (check ∇, d = ∇ + μw, ‖w‖²,
/// next = w − η·d, check next, copy next into w); on 784-4000-1000-4000-10 (11.2 M parameters, 45 MB a vector) that
/// memory traffic was most of the step's time beyond its products. With these, a step reads and writes each vector
/// 6 times: one sweep forms d, checks ∇, sums ‖w‖² and bounds |w| and |d| (<see cref="AddL2"/>), and when the bounds
/// prove w − η·d finite the update is written straight into w (<see cref="Descend"/>), with no check pass and no copy.
/// </summary>
/// <remarks>
/// Every element is computed with the same operations, in the same order, as the separate passes it replaces
/// (<c>TensorPrimitives.MultiplyAdd</c>: x·s + addend, two roundings), so the iterates are bit for bit the same; only
/// ‖w‖² is summed in another order (the objective's value agrees to rounding). <see cref="SumOfSquares"/> sums in the
/// same order as <see cref="AddL2"/>, so <see cref="ChainOracle{T}.Value"/> and <see cref="ChainOracle{T}.Evaluate"/>
/// agree bit for bit.
/// </remarks>
internal static class ParameterUpdate
{
    /// <summary>
    /// With <paramref name="addL2"/>: direction ← w·μ + direction (the gradient ∇ becomes d = ∇ + μw); without it
    /// direction is only read (d = ∇). One sweep; stops at the first vector of ∇ that holds a NaN or an infinity
    /// (<see cref="ParameterSweep{T}.GradientFinite"/> false; the values before it already hold d).
    /// With a non-empty <paramref name="addend"/> (the gradient of the batch's other half, <see cref="BatchHalves{T}"/>) the
    /// gradient is ∇ = direction + addend, written into direction with or without the ℓ2 term.
    /// </summary>
    public static unsafe ParameterSweep<T> AddL2<T>(ReadOnlySpan<T> w, T mu, Span<T> direction, bool addL2, ReadOnlySpan<T> addend = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Length != direction.Length)
            throw new ArgumentException($"w has {w.Length} values and the direction {direction.Length}.", nameof(direction));
        CheckAddend(addend, w.Length);
        int chunks = ChunkCount(w.Length);
        if (chunks <= 1)
            return AddL2Chunk(w, mu, direction, addL2, addend);

        fixed (T* pw = w)
        fixed (T* pd = direction)
        fixed (T* pa = addend)
            return ParameterJob<T>.Run(pw, pd, w.Length, mu, addL2 ? ParameterJobKind.AddL2 : ParameterJobKind.Sweep, addend: pa);
    }

    /// <summary>Checks that an addend gradient is empty or as long as the parameters.</summary>
    internal static void CheckAddend<T>(ReadOnlySpan<T> addend, int length)
    {
        if (!addend.IsEmpty && addend.Length != length)
            throw new ArgumentException($"The second gradient has {addend.Length} values and w {length}.", nameof(addend));
    }

    /// <summary>
    /// <see cref="AddL2"/> on one chunk of at most <see cref="Chunk"/> values, or on any span on one thread (‖w‖² then summed
    /// in one pass over it, not chunk by chunk: <see cref="BatchHalves{T}"/>'s first layer by rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static ParameterSweep<T> AddL2Chunk<T>(ReadOnlySpan<T> w, T mu, Span<T> direction, bool addL2, ReadOnlySpan<T> addend = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        bool sum = !addend.IsEmpty;
        T squares = T.Zero, maxW = T.Zero, maxD = T.Zero;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(direction);
            ReadOnlySpan<Vector<T>> va = MemoryMarshal.Cast<T, Vector<T>>(addend);
            var vmu = new Vector<T>(mu);
            var infinity = new Vector<T>(T.PositiveInfinity);
            Vector<T> accumulated = Vector<T>.Zero, largestW = Vector<T>.Zero, largestD = Vector<T>.Zero;
            bool finite = true; // every |w| and |d| below infinity (false for NaN); the maxima hold only finite values
            for (int v = 0; v < vw.Length; v++)
            {
                Vector<T> wv = vw[v], g = sum ? vd[v] + va[v] : vd[v];
                if (!Vector.LessThanAll(Vector.Abs(g), infinity))
                    return new ParameterSweep<T>(false, squares, maxW, maxD);
                Vector<T> d = g;
                if (addL2)
                    d = wv * vmu + g;
                if (addL2 || sum)
                    vd[v] = d;
                accumulated += wv * wv;
                Vector<T> absW = Vector.Abs(wv), absD = Vector.Abs(d);
                finite &= Vector.LessThanAll(absW, infinity) & Vector.LessThanAll(absD, infinity);
                largestW = Vector.ConditionalSelect(Vector.LessThanOrEqual(absW, largestW), largestW, absW);
                largestD = Vector.ConditionalSelect(Vector.LessThanOrEqual(absD, largestD), largestD, absD);
            }

            squares = Vector.Sum(accumulated);
            for (int lane = 0; lane < Vector<T>.Count; lane++)
            {
                maxW = Larger(maxW, largestW[lane]);
                maxD = Larger(maxD, largestD[lane]);
            }
            if (!finite)
                maxW = maxD = T.NaN;
            i = vw.Length * Vector<T>.Count;
        }

        for (; i < w.Length; i++)
        {
            T g = sum ? direction[i] + addend[i] : direction[i];
            if (!T.IsFinite(g))
                return new ParameterSweep<T>(false, squares, maxW, maxD);
            T d = g;
            if (addL2)
                d = w[i] * mu + g;
            if (addL2 || sum)
                direction[i] = d;
            squares += w[i] * w[i];
            maxW = Larger(maxW, T.Abs(w[i]));
            maxD = Larger(maxD, T.Abs(d));
        }

        return new ParameterSweep<T>(true, squares, maxW, maxD);
    }

    /// <summary>Σ wᵢ², summed in the same order as <see cref="AddL2"/> (chunk by chunk, on the calling thread).</summary>
    public static T SumOfSquares<T>(ReadOnlySpan<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T squares = T.Zero;
        for (int start = 0; start < w.Length; start += Chunk)
            squares += SumOfSquaresChunk(w.Slice(start, Math.Min(Chunk, w.Length - start)));
        return squares;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T SumOfSquaresChunk<T>(ReadOnlySpan<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T squares = T.Zero;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            Vector<T> accumulated = Vector<T>.Zero;
            for (int v = 0; v < vw.Length; v++)
                accumulated += vw[v] * vw[v];
            squares = Vector.Sum(accumulated);
            i = vw.Length * Vector<T>.Count;
        }

        for (; i < w.Length; i++)
            squares += w[i] * w[i];
        return squares;
    }

    /// <summary>
    /// Whether w − η·d is finite for every element, given max |wᵢ| and max |dᵢ| (false when either is NaN or the
    /// bound overflows): |fl(w + fl(d·(−η)))| ≤ (max|w| + η·max|d|)(1 + ε)², and half the largest value leaves room.
    /// </summary>
    public static bool UpdateStaysFinite<T>(T maxParameter, T maxDirection, T stepScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T bound = maxParameter + stepScale * maxDirection;
        return T.IsFinite(bound + bound); // bound ≤ half the largest finite value (false for NaN)
    }

    /// <summary>w ← d·(−η) + w in place (the values of <c>TensorPrimitives.MultiplyAdd(d, −η, w, ·)</c>).</summary>
    public static unsafe void Descend<T>(ReadOnlySpan<T> direction, T minusStep, Span<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Length != direction.Length)
            throw new ArgumentException($"w has {w.Length} values and the direction {direction.Length}.", nameof(direction));
        if (ChunkCount(w.Length) <= 1)
        {
            DescendChunk(direction, minusStep, w);
            return;
        }

        fixed (T* pw = w)
        fixed (T* pd = direction)
            ParameterJob<T>.Run(pw, pd, w.Length, minusStep, ParameterJobKind.Descend);
    }

    /// <summary><see cref="Descend"/> on one chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DescendChunk<T>(ReadOnlySpan<T> direction, T minusStep, Span<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(direction);
            Span<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            var s = new Vector<T>(minusStep);
            for (int v = 0; v < vw.Length; v++)
                vw[v] = vd[v] * s + vw[v];
            i = vw.Length * Vector<T>.Count;
        }

        for (; i < w.Length; i++)
            w[i] = direction[i] * minusStep + w[i];
    }

    /// <summary>
    /// Values per chunk of the sweeps: the unit the threads claim and the unit of the partial sums, fixed so that the
    /// sums do not depend on the number of threads (128 KB of floats per vector).
    /// </summary>
    internal const int Chunk = 1 << 15;

    internal static int ChunkCount(int length) => (length + Chunk - 1) / Chunk;

    /// <summary>The larger of two magnitudes, NaN when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Larger<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(a) || T.IsNaN(b) ? T.NaN : T.Max(a, b);
}

/// <summary>Which sweep a <see cref="ParameterJob{T}"/> runs.</summary>
internal enum ParameterJobKind
{
    /// <summary><see cref="ParameterUpdate.AddL2"/> without the ℓ2 term (the direction is only read).</summary>
    Sweep,
    /// <summary><see cref="ParameterUpdate.AddL2"/> with the ℓ2 term.</summary>
    AddL2,
    /// <summary><see cref="ParameterUpdate.Descend"/>.</summary>
    Descend,
    /// <summary><see cref="FusedDescent.Run"/> with the ℓ2 term.</summary>
    FusedDescentL2,
    /// <summary><see cref="FusedDescent.Run"/> without the ℓ2 term.</summary>
    FusedDescent,
}

/// <summary>
/// One sweep of <see cref="ParameterUpdate"/> shared by the <see cref="WorkerPool"/>'s threads: they claim chunks of
/// <see cref="ParameterUpdate.Chunk"/> values and write each chunk's result to its own slot, so the caller combines them
/// in chunk order. A sweep is memory-bound, and two cores draw more bandwidth than one. When the pool is busy (another
/// thread is multiplying) the calling thread runs every chunk alone, with the same results.
/// </summary>
internal sealed unsafe class ParameterJob<T> : ParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static ParameterJob<T>? t_local;
    private static ParameterJob<T>? s_shared;

    private ParameterSweep<T>[] _results = [];
    private PaddedCounter _next;
    private T* _w, _d, _addend;
    private int _length, _chunks;
    private T _scalar, _minusStep;
    private ParameterJobKind _kind;

    /// <summary>
    /// Runs the sweep on [w, w + length) and [d, d + length) and combines the chunks' results in chunk order, whichever
    /// thread computed them (the same sums every time).
    /// </summary>
    /// <remarks>
    /// For <see cref="FusedDescent.Run"/> (<paramref name="minusStep"/> = −η): <see cref="ParameterSweep{T}.GradientFinite"/>
    /// says whether every chunk completed; when one did not, the chunks that did are copied back first, so that a failed
    /// sweep leaves w as it was. A non-null <paramref name="addend"/> (length values) is added to the gradient in d
    /// (<see cref="ParameterUpdate.AddL2"/>, <see cref="FusedDescent.Run"/>).
    /// </remarks>
    public static ParameterSweep<T> Run(T* w, T* d, int length, T scalar, ParameterJobKind kind, T minusStep = default, T* addend = null)
    {
        WorkerPool pool = WorkerPool.Shared;
        if (pool.TryReserve())
        {
            ParameterJob<T> shared = s_shared ??= new ParameterJob<T>();
            try
            {
                shared.Prepare(w, d, length, scalar, kind, addend);
                shared._minusStep = minusStep;
                pool.RunReserved(shared);
                return shared.Combine();
            }
            finally
            {
                shared._w = shared._d = shared._addend = null;
                pool.Release();
            }
        }

        ParameterJob<T> local = t_local ??= new ParameterJob<T>();
        local.Prepare(w, d, length, scalar, kind, addend);
        local._minusStep = minusStep;
        local.Run(0);
        try
        {
            return local.Combine();
        }
        finally
        {
            local._w = local._d = local._addend = null;
        }
    }

    private ParameterSweep<T> Combine()
    {
        if (_kind == ParameterJobKind.Descend)
            return default;
        bool finite = true;
        T squares = T.Zero, maxW = T.Zero, maxD = T.Zero;
        for (int c = 0; c < _chunks; c++)
        {
            finite &= _results[c].GradientFinite;
            squares += _results[c].SumOfSquares;
            maxW = ParameterUpdate.Larger(maxW, _results[c].MaxParameter);
            maxD = ParameterUpdate.Larger(maxD, _results[c].MaxDirection);
        }

        if (!finite && _kind is ParameterJobKind.FusedDescent or ParameterJobKind.FusedDescentL2)
        {
            for (int c = 0; c < _chunks; c++)
            {
                if (_results[c].GradientFinite)
                {
                    int start = c * ParameterUpdate.Chunk;
                    int count = Math.Min(ParameterUpdate.Chunk, _length - start);
                    FusedDescent.Restore<T>(new ReadOnlySpan<T>(_d + start, count), new Span<T>(_w + start, count));
                }
            }
        }

        return new ParameterSweep<T>(finite, squares, maxW, maxD);
    }

    private void Prepare(T* w, T* d, int length, T scalar, ParameterJobKind kind, T* addend)
    {
        _w = w; _d = d; _addend = addend; _length = length; _scalar = scalar; _kind = kind;
        _chunks = ParameterUpdate.ChunkCount(length);
        if (_results.Length < _chunks)
            _results = new ParameterSweep<T>[_chunks];
        _next.Value = 0;
    }

    public override void Run(int thread)
    {
        for (long c = Interlocked.Increment(ref _next.Value) - 1; c < _chunks; c = Interlocked.Increment(ref _next.Value) - 1)
        {
            int start = (int)c * ParameterUpdate.Chunk;
            int count = Math.Min(ParameterUpdate.Chunk, _length - start);
            var w = new Span<T>(_w + start, count);
            var d = new Span<T>(_d + start, count);
            ReadOnlySpan<T> addend = _addend == null ? default : new ReadOnlySpan<T>(_addend + start, count);
            if (_kind == ParameterJobKind.Descend)
            {
                ParameterUpdate.DescendChunk<T>(d, _scalar, w);
            }
            else if (_kind is ParameterJobKind.FusedDescent or ParameterJobKind.FusedDescentL2)
            {
                DescentSweep<T> sweep = FusedDescent.Chunk<T>(w, _scalar, d, _kind == ParameterJobKind.FusedDescentL2, _minusStep, addend);
                _results[c] = new ParameterSweep<T>(sweep.Completed, sweep.SumOfSquares, T.Zero, T.Zero);
            }
            else
                _results[c] = ParameterUpdate.AddL2Chunk<T>(w, _scalar, d, _kind == ParameterJobKind.AddL2, addend);
        }
    }
}
