using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace MoreauGen.Generated;

/// <summary>
/// Argument checks that generated <see cref="IMoreauLayer{T}"/> and <see cref="IMoreauObjective{T}"/> members call at entry. Not meant to be called
/// by hand. Each check throws an <see cref="ArgumentException"/> naming the span and the length it expected.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LayerChecks
{
    /// <summary>
    /// The batch size m: the number of samples of <paramref name="inputCount"/> values in x. A layer that reads no
    /// input (<paramref name="inputCount"/> = 0) takes m from the other batched span (y or λ) instead, and 0 if that
    /// has no values per sample either.
    /// </summary>
    /// <param name="xLength">x.Length.</param>
    /// <param name="inputCount">|x| of one sample.</param>
    /// <param name="otherLength">The length of y (Forward) or λ (the other members).</param>
    /// <param name="otherCount">|y| of one sample.</param>
    /// <param name="otherName">The name of that span, for the message.</param>
    /// <returns>m ≥ 0.</returns>
    public static int BatchSize(int xLength, int inputCount, int otherLength, int otherCount, string otherName)
    {
        if (inputCount > 0)
        {
            if (xLength % inputCount != 0)
            {
                ThrowNotWholeSamples("x", xLength, inputCount);
            }

            return xLength / inputCount;
        }

        if (xLength != 0)
        {
            ThrowLength("x", xLength, 0);
        }

        if (otherCount > 0)
        {
            if (otherLength % otherCount != 0)
            {
                ThrowNotWholeSamples(otherName, otherLength, otherCount);
            }

            return otherLength / otherCount;
        }

        return 0;
    }

    /// <summary>Checks that a batch of <paramref name="length"/> values holds whole samples of <paramref name="perSample"/> values (objectives).</summary>
    /// <param name="length">x.Length.</param>
    /// <param name="perSample">|x| of one sample.</param>
    /// <param name="name">The span's name, for the message.</param>
    public static void WholeSamples(int length, int perSample, string name)
    {
        if (perSample > 0 ? length % perSample != 0 : length != 0)
        {
            ThrowNotWholeSamples(name, length, perSample);
        }
    }

    /// <summary>Checks that a span has exactly <paramref name="expected"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int length, int expected, string name)
    {
        if (length != expected)
        {
            ThrowLength(name, length, expected);
        }
    }

    /// <summary>Checks that a gradient span has <paramref name="expected"/> values, or none (skip that gradient).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LengthOrEmpty(int length, int expected, string name)
    {
        if (length != expected && length != 0)
        {
            ThrowLengthOrEmpty(name, length, expected);
        }
    }

    [DoesNotReturn]
    private static void ThrowLength(string name, int length, int expected) =>
        throw new ArgumentException($"{name} has {length} values; expected {expected}.", name);

    [DoesNotReturn]
    private static void ThrowLengthOrEmpty(string name, int length, int expected) =>
        throw new ArgumentException($"{name} has {length} values; expected {expected}, or none to skip this gradient.", name);

    [DoesNotReturn]
    private static void ThrowNotWholeSamples(string name, int length, int perSample) =>
        throw new ArgumentException($"{name} has {length} values, not a whole number of samples of {perSample}.", name);
}
