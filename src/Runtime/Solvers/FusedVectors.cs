using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoreauGen;

/// <summary>
/// Passes that compute several of the solvers' and oracles' vector quantities in one sweep over memory. On a large
/// layer (millions of parameters) every pass over a parameter vector costs about as much as a small matrix product, and
/// the Moreau backward pass made some 45 of them per Φw solve; each method here replaces two to four
/// <see cref="Vectors"/> calls. The sums are accumulated in a different order than <see cref="Vectors"/>'s, so results
/// agree with the separate calls to rounding, not bit for bit.
/// </summary>
internal static class FusedVectors
{
    /// <summary>
    /// Σ g₀ᵢ·(g₁ᵢ − g₀ᵢ) and Σ g₁ᵢ²: with d = −g₀ and r = g₁ − g₀, −dᵀr and ‖g₁‖² (the Barzilai–Borwein step and the final
    /// gradient norm of <see cref="TwoStepSolver{T}"/>).
    /// </summary>
    public static (T StartDotChange, T TrialSquared) StepSums<T>(ReadOnlySpan<T> g0, ReadOnlySpan<T> g1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(g0.Length, g1.Length);
        int i = 0;
        T dotChange = T.Zero, squared = T.Zero;
        if (Vector.IsHardwareAccelerated && g0.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> a = MemoryMarshal.Cast<T, Vector<T>>(g0), b = MemoryMarshal.Cast<T, Vector<T>>(g1);
            Vector<T> accumulatedDot = Vector<T>.Zero, accumulatedSquares = Vector<T>.Zero;
            for (int v = 0; v < a.Length; v++)
            {
                Vector<T> x = a[v], y = b[v];
                accumulatedDot += x * (y - x);
                accumulatedSquares += y * y;
            }

            dotChange = Vector.Sum(accumulatedDot);
            squared = Vector.Sum(accumulatedSquares);
            i = a.Length * Vector<T>.Count;
        }

        for (; i < g0.Length; i++)
        {
            dotChange += g0[i] * (g1[i] - g0[i]);
            squared += g1[i] * g1[i];
        }

        return (dotChange, squared);
    }

    /// <summary>destination = a·x + b·y.</summary>
    public static void Combine<T>(T a, ReadOnlySpan<T> x, T b, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, y.Length);
        CheckLengths(x.Length, destination.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vx = MemoryMarshal.Cast<T, Vector<T>>(x), vy = MemoryMarshal.Cast<T, Vector<T>>(y);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(destination);
            var va = new Vector<T>(a);
            var vb = new Vector<T>(b);
            for (int v = 0; v < vx.Length; v++)
                vd[v] = va * vx[v] + vb * vy[v];
            i = vx.Length * Vector<T>.Count;
        }

        for (; i < x.Length; i++)
            destination[i] = a * x[i] + b * y[i];
    }

    /// <summary>
    /// destination = a·x + b·w, returning Σ wᵢ² (the start of a Φw solve with an ℓ2 term: α·∇_wλᵀφ + κ·w, and ‖w‖² for its
    /// value).
    /// </summary>
    public static T CombineWithSquares<T>(T a, ReadOnlySpan<T> x, T b, ReadOnlySpan<T> w, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, w.Length);
        CheckLengths(x.Length, destination.Length);
        int i = 0;
        T squared = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vx = MemoryMarshal.Cast<T, Vector<T>>(x), vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(destination);
            var va = new Vector<T>(a);
            var vb = new Vector<T>(b);
            Vector<T> accumulated = Vector<T>.Zero;
            for (int v = 0; v < vx.Length; v++)
            {
                Vector<T> wv = vw[v];
                vd[v] = va * vx[v] + vb * wv;
                accumulated += wv * wv;
            }

            squared = Vector.Sum(accumulated);
            i = vx.Length * Vector<T>.Count;
        }

        for (; i < x.Length; i++)
        {
            destination[i] = a * x[i] + b * w[i];
            squared += w[i] * w[i];
        }

        return squared;
    }

    /// <summary>
    /// Σ (wᵢ + yᵢ)², adding κ·(w + y) to <paramref name="gradient"/> unless it is empty: the ℓ2 term (κ/2)‖w + y‖² of a Φw
    /// subproblem and its gradient, without storing w + y.
    /// </summary>
    public static T ShiftedSquares<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> y, T kappa, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(w.Length, y.Length);
        bool withGradient = !gradient.IsEmpty;
        if (withGradient)
            CheckLengths(w.Length, gradient.Length);
        int i = 0;
        T squared = T.Zero;
        if (Vector.IsHardwareAccelerated && w.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w), vy = MemoryMarshal.Cast<T, Vector<T>>(y);
            Vector<T> accumulated = Vector<T>.Zero;
            if (withGradient)
            {
                Span<Vector<T>> vg = MemoryMarshal.Cast<T, Vector<T>>(gradient);
                var vk = new Vector<T>(kappa);
                for (int v = 0; v < vw.Length; v++)
                {
                    Vector<T> shifted = vw[v] + vy[v];
                    accumulated += shifted * shifted;
                    vg[v] += vk * shifted;
                }
            }
            else
            {
                for (int v = 0; v < vw.Length; v++)
                {
                    Vector<T> shifted = vw[v] + vy[v];
                    accumulated += shifted * shifted;
                }
            }

            squared = Vector.Sum(accumulated);
            i = vw.Length * Vector<T>.Count;
        }

        for (; i < w.Length; i++)
        {
            T shifted = w[i] + y[i];
            squared += shifted * shifted;
            if (withGradient)
                gradient[i] += kappa * shifted;
        }

        return squared;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckLengths(int expected, int actual)
    {
        if (actual != expected)
            Throw(expected, actual);
    }

    private static void Throw(int expected, int actual) =>
        throw new ArgumentException($"The vectors have {expected} and {actual} values; they must have the same length.");
}
