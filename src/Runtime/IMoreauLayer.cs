using System.Numerics;

namespace MoreauGen;

/// <summary>
/// A layer φ(w, x) of a chain, with the oracles a Moreau-style training loop needs. Implemented by the
/// generator for a method marked <see cref="MoreauLayerAttribute"/>; may also be written by hand.
/// </summary>
/// <remarks>
/// A call takes a batch: <c>x</c> holds m = x.Length / <see cref="InputCount"/> samples back to back
/// (row-major) and <c>y</c> holds m·<see cref="OutputCount"/> values; <c>w</c> is shared by all samples.
/// The oracles are pure functions of their arguments (no state between calls, safe from several threads).
/// Lengths are checked at entry (<see cref="ArgumentException"/> naming the span); spans must not overlap.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public interface IMoreauLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>|w|, shared by all samples.</summary>
    int ParameterCount { get; }

    /// <summary>|x| of one sample.</summary>
    int InputCount { get; }

    /// <summary>|y| of one sample.</summary>
    int OutputCount { get; }

    /// <summary>How many values the taped <see cref="Forward(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T})"/> records for a batch of <paramref name="batch"/> samples.</summary>
    int TapeLength(int batch);

    /// <summary>y = φ(w, x) for every sample of the batch. <paramref name="y"/> need not be zeroed.</summary>
    void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y);

    /// <summary>y = φ(w, x), recording in <paramref name="tape"/> (length <see cref="TapeLength"/>) what <see cref="Pullback"/> needs (paper Alg. 1, "store").</summary>
    void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape);

    /// <summary>
    /// Gradients of the scalar λᵀφ(w, x), summed over the batch, written (not accumulated) into
    /// <paramref name="gradW"/> (length |w|) and <paramref name="gradX"/> (length m·|x|).
    /// <paramref name="tape"/> comes from the taped Forward at the same (w, x). An empty gradient span skips that gradient.
    /// </summary>
    void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape,
                  ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX);

    /// <summary>
    /// The Φw subproblem objective v ↦ λᵀφ(w + v, x) + ½‖v‖²: returns its value and writes its gradient
    /// into <paramref name="grad"/> (an empty span asks for the value only). Step sizes are folded into λ.
    /// </summary>
    T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda,
                  ReadOnlySpan<T> v, Span<T> grad);

    /// <summary>The Φx subproblem objective u ↦ λᵀφ(w, x + u) + ½‖u‖², value and gradient as for <see cref="SubproblemW"/>.</summary>
    T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda,
                  ReadOnlySpan<T> u, Span<T> grad);
}
