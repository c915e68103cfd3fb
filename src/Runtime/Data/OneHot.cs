using System.Numerics;

namespace MoreauGen.Data;

/// <summary>One-hot targets for squared-loss classification.</summary>
public static class OneHot
{
    /// <summary>
    /// Writes the one-hot rows of <paramref name="labels"/> into <paramref name="destination"/>
    /// (labels.Length × <paramref name="classCount"/>, row-major): 1 at each sample's class, 0 elsewhere.
    /// </summary>
    public static void Encode<T>(ReadOnlySpan<int> labels, int classCount, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if ((long)labels.Length * classCount != destination.Length)
            throw new ArgumentException(
                $"destination has {destination.Length} values; {labels.Length} labels of {classCount} classes need {(long)labels.Length * classCount}.",
                nameof(destination));
        destination.Clear();
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classCount)
                throw new ArgumentException($"labels[{i}] = {label} is outside the {classCount} classes 0..{classCount - 1}.", nameof(labels));
            destination[i * classCount + label] = T.One;
        }
    }
}
