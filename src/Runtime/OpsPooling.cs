using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// 2-D max- and average-pooling, NCHW row-major: x is batch × channels × height × width, y is
/// batch × channels × outHeight × outWidth with square kernel × kernel windows every <c>stride</c> values, no padding,
/// outHeight = ⌊(height − kernel) / stride⌋ + 1 (<see cref="Conv2dOutputSize"/> with padding 0), likewise outWidth.
/// </summary>
public static partial class Ops
{
    /// <summary>y = the maximum of each window of x. y must not overlap x.</summary>
    public static void MaxPool2d<T>(ReadOnlySpan<T> x, Span<T> y, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        PoolingShape s = CheckPooling(x, y, batch, channels, height, width, kernel, stride, nameof(x), nameof(y));
        Pooling.MaxForward(x, y, s);
    }

    /// <summary>
    /// The reverse of <see cref="MaxPool2d{T}"/>: dx = ∂⟨dy, y⟩/∂x, each window's adjoint going to its first maximum
    /// in row-major order (recomputed from the forward input <paramref name="x"/>; ties broken the same way every time).
    /// dx must not overlap x or dy.
    /// </summary>
    public static void MaxPool2dBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        PoolingShape s = CheckMaxPoolBackward(x, dy, dx, batch, channels, height, width, kernel, stride);
        Pooling.MaxBackward(x, dy, dx, s, accumulate: false);
    }

    /// <summary>dx += ∂⟨dy, y⟩/∂x, the accumulating <see cref="MaxPool2dBackward{T}"/>.</summary>
    public static void MaxPool2dBackwardAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        PoolingShape s = CheckMaxPoolBackward(x, dy, dx, batch, channels, height, width, kernel, stride);
        Pooling.MaxBackward(x, dy, dx, s, accumulate: true);
    }

    /// <summary>y = the mean of each window of x. y must not overlap x.</summary>
    public static void AvgPool2d<T>(ReadOnlySpan<T> x, Span<T> y, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        PoolingShape s = CheckPooling(x, y, batch, channels, height, width, kernel, stride, nameof(x), nameof(y));
        Pooling.AverageForward(x, y, s);
    }

    /// <summary>The reverse of <see cref="AvgPool2d{T}"/>: dx = ∂⟨dy, y⟩/∂x, each window's adjoint spread evenly over it. dx must not overlap dy.</summary>
    public static void AvgPool2dBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        PoolingShape s = CheckPooling(dx, dy, batch, channels, height, width, kernel, stride, nameof(dx), nameof(dy));
        Pooling.AverageBackward(dy, dx, s, accumulate: false);
    }

    /// <summary>dx += ∂⟨dy, y⟩/∂x, the accumulating <see cref="AvgPool2dBackward{T}"/>.</summary>
    public static void AvgPool2dBackwardAdd<T>(ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        PoolingShape s = CheckPooling(dx, dy, batch, channels, height, width, kernel, stride, nameof(dx), nameof(dy));
        Pooling.AverageBackward(dy, dx, s, accumulate: true);
    }

    private static PoolingShape CheckMaxPoolBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, int batch, int channels, int height, int width, int kernel, int stride)
    {
        PoolingShape s = CheckPooling(x, dy, batch, channels, height, width, kernel, stride, nameof(x), nameof(dy));
        CheckLength(dx, s.InputLength, nameof(dx));
        CheckDisjoint(dx, x, nameof(dx), nameof(x));
        return s;
    }

    /// <summary>Checks the sizes, that <paramref name="input"/> is x-shaped and <paramref name="output"/> y-shaped, and that they are disjoint.</summary>
    private static PoolingShape CheckPooling<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, int batch, int channels, int height, int width,
                                                int kernel, int stride, string inputName, string outputName)
    {
        if (batch < 0 || channels < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"Need batch ≥ 0 and channels ≥ 1 (batch = {batch}, channels = {channels}).");
        _ = Conv2dOutputSize(height, kernel, stride, padding: 0);
        _ = Conv2dOutputSize(width, kernel, stride, padding: 0);
        if ((long)batch * channels * height * width > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(batch), "The pooling's sizes exceed the span length limit.");
        var s = new PoolingShape(batch, channels, height, width, kernel, stride);
        CheckLength(input, s.InputLength, inputName);
        CheckLength(output, s.OutputLength, outputName);
        CheckDisjoint(output, input, outputName, inputName);
        return s;
    }
}
