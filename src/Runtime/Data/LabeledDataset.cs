using System.Numerics;

namespace MoreauGen.Data;

/// <summary>
/// A classification data set held in memory: <see cref="Count"/> samples of <see cref="FeatureCount"/> values,
/// back to back row-major in <see cref="Features"/>, and one class index in 0..<see cref="ClassCount"/>−1 per sample
/// in <see cref="Labels"/>. The arrays are shared, not copied.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class LabeledDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Wraps <paramref name="features"/> (Count × <paramref name="featureCount"/>) and <paramref name="labels"/> (Count), checking lengths and label range.</summary>
    public LabeledDataset(T[] features, int[] labels, int featureCount, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException(
                $"features has {features.Length} values; {labels.Length} samples of {featureCount} features need {(long)labels.Length * featureCount}.",
                nameof(features));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"labels[{i}] = {labels[i]} is outside the {classCount} classes 0..{classCount - 1}.", nameof(labels));
        }
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>All samples, Count × FeatureCount, row-major.</summary>
    public T[] Features { get; }

    /// <summary>The class index of each sample, length Count.</summary>
    public int[] Labels { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Values per sample (784 for 28 × 28 images).</summary>
    public int FeatureCount { get; }

    /// <summary>Number of classes; labels lie in 0..ClassCount−1.</summary>
    public int ClassCount { get; }

    /// <summary>The features of sample <paramref name="index"/> (length FeatureCount).</summary>
    public ReadOnlySpan<T> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>A copy of the first <paramref name="count"/> samples (all of them if count ≥ Count).</summary>
    public LabeledDataset<T> Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = Math.Min(count, Count);
        return new LabeledDataset<T>(Features.AsSpan(0, count * FeatureCount).ToArray(), Labels.AsSpan(0, count).ToArray(),
                                     FeatureCount, ClassCount);
    }
}
