using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ParameterSweep<T> AddL2<T>(ReadOnlySpan<T> w, T mu, Span<T> direction, bool addL2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Length != direction.Length)
            throw new ArgumentException($"w has {w.Length} values and the direction {direction.Length}.", nameof(direction));
        int i = 0;
        T squares = T.Zero, maxW = T.Zero, maxD = T.Zero;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(direction);
            var vmu = new Vector<T>(mu);
            var infinity = new Vector<T>(T.PositiveInfinity);
            Vector<T> accumulated = Vector<T>.Zero, largestW = Vector<T>.Zero, largestD = Vector<T>.Zero;
            bool finite = true; // every |w| and |d| below infinity (false for NaN); the maxima hold only finite values
            for (int v = 0; v < vw.Length; v++)
            {
                Vector<T> wv = vw[v], g = vd[v];
                if (!Vector.LessThanAll(Vector.Abs(g), infinity))
                    return new ParameterSweep<T>(false, squares, maxW, maxD);
                Vector<T> d = g;
                if (addL2)
                {
                    d = wv * vmu + g;
                    vd[v] = d;
                }
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
            T g = direction[i];
            if (!T.IsFinite(g))
                return new ParameterSweep<T>(false, squares, maxW, maxD);
            T d = g;
            if (addL2)
            {
                d = w[i] * mu + g;
                direction[i] = d;
            }
            squares += w[i] * w[i];
            maxW = Larger(maxW, T.Abs(w[i]));
            maxD = Larger(maxD, T.Abs(d));
        }

        return new ParameterSweep<T>(true, squares, maxW, maxD);
    }

    /// <summary>Σ wᵢ², summed in the same order as <see cref="AddL2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T SumOfSquares<T>(ReadOnlySpan<T> w) where T : unmanaged, IFloatingPointIeee754<T>
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Descend<T>(ReadOnlySpan<T> direction, T minusStep, Span<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Length != direction.Length)
            throw new ArgumentException($"w has {w.Length} values and the direction {direction.Length}.", nameof(direction));
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

    /// <summary>The larger of two magnitudes, NaN when either is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Larger<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(a) || T.IsNaN(b) ? T.NaN : T.Max(a, b);
}
