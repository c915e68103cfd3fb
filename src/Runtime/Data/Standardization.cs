using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen.Data;

/// <summary>
/// One scalar mean and standard deviation, measured over every value of a training set and applied as
/// x ↦ (x − Mean) / StandardDeviation to training and test data alike.
/// </summary>
/// <param name="Mean">Mean of all values.</param>
/// <param name="StandardDeviation">Population standard deviation (divided by N) of all values; 1 when they are all equal.</param>
public readonly record struct Standardization(double Mean, double StandardDeviation)
{
    /// <summary>
    /// Measures the mean and population standard deviation of <paramref name="values"/> (two passes, accumulated in
    /// double). A set whose values are all equal gets StandardDeviation = 1, so applying it only centres the data.
    /// </summary>
    public static Standardization Measure<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (values.IsEmpty)
            throw new ArgumentException("Cannot measure the mean of no values.", nameof(values));
        double sum = 0;
        foreach (T v in values)
            sum += double.CreateChecked(v);
        double mean = sum / values.Length;
        double squares = 0;
        foreach (T v in values)
        {
            double d = double.CreateChecked(v) - mean;
            squares += d * d;
        }
        double std = Math.Sqrt(squares / values.Length);
        return new Standardization(mean, std > 0 ? std : 1.0);
    }

    /// <summary>Replaces each value x of <paramref name="values"/> by (x − Mean) / StandardDeviation.</summary>
    public void Apply<T>(Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(values, T.CreateChecked(Mean), values);
        TensorPrimitives.Divide(values, T.CreateChecked(StandardDeviation), values);
    }
}
