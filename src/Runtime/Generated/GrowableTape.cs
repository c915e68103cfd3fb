using System.Buffers;
using System.ComponentModel;

namespace MoreauGen.Generated;

/// <summary>
/// The pooled tape of a layer whose body has a <c>while</c> or <c>do</c> loop with no trip bound: the number of trips is
/// known only as the loop runs. The taped Forward records into a fixed reserve per sample of the call's tape; for a sample
/// whose trips overflow it, the generated reverse pass re-runs the sample's forward pass recording into an array rented
/// from <see cref="ArrayPool{T}.Shared"/> that grows (doubling) as the trips need room, then walks the records back. The
/// array is rented once per call and returned at its end: nothing is allocated per call once the pool holds an array of
/// the size the loops reach, and each call (each thread) has an array of its own. Not meant to be called by
/// hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GrowableTape
{
    /// <summary>Rents an array of at least <paramref name="length"/> values (at least 64).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">The values needed first.</param>
    /// <returns>The array; give it back with <see cref="Return{T}"/>.</returns>
    public static T[] Rent<T>(int length) => ArrayPool<T>.Shared.Rent(Math.Max(64, length));

    /// <summary>
    /// Makes room for <paramref name="needed"/> values: when <paramref name="array"/> is too short, its first
    /// <paramref name="used"/> values move to a rented array of at least twice its length and the old one goes back to
    /// the pool. Returns the whole array as a span.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="array">The tape's array (replaced when it grows).</param>
    /// <param name="used">The values recorded so far, kept.</param>
    /// <param name="needed">The values the tape must hold, <paramref name="used"/> included.</param>
    /// <returns>A span over the whole array.</returns>
    public static Span<T> Grow<T>(scoped ref T[] array, int used, int needed)
    {
        if (needed > array.Length)
        {
            T[] larger = ArrayPool<T>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * array.Length)));
            Array.Copy(array, larger, used);
            ArrayPool<T>.Shared.Return(array);
            array = larger;
        }

        return array;
    }

    /// <summary>Gives the tape's array back to the pool.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="array">The array <see cref="Rent{T}"/> or <see cref="Grow{T}"/> gave.</param>
    public static void Return<T>(T[] array) => ArrayPool<T>.Shared.Return(array);
}
