using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// 2-D convolution, NCHW row-major (paper App. D, "Convolutional layer": a convolution is bi-affine in its weights and
/// its input, so a conv layer fits the Moreau machinery as a dense one does). Sizes: x is
/// batch × inChannels × height × width, weights outChannels × inChannels × kernelHeight × kernelWidth, y
/// batch × outChannels × outHeight × outWidth with outHeight = ⌊(height + 2·padding − kernelHeight) / stride⌋ + 1
/// (<see cref="Conv2dOutputSize"/>), likewise outWidth. The bias is a separate operation,
/// <see cref="AddChannelBias{T}"/>. Each sample is lowered to a column matrix (im2col) and multiplied by the packed
/// GEMM, the samples shared among the kernel threads; no allocation once the per-thread buffers have grown.
/// </summary>
public static partial class Ops
{
    /// <summary>⌊(size + 2·padding − kernel) / stride⌋ + 1: an output side of <see cref="Conv2d{T}"/> (or of a pooling, padding 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or the kernel does not fit the padded input.</exception>
    public static int Conv2dOutputSize(int size, int kernel, int stride, int padding)
    {
        if (size < 1 || kernel < 1 || stride < 1 || padding < 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"Need size ≥ 1, kernel ≥ 1, stride ≥ 1, padding ≥ 0 (size = {size}, kernel = {kernel}, stride = {stride}, padding = {padding}).");
        if (kernel > size + 2 * padding)
            throw new ArgumentOutOfRangeException(nameof(kernel), $"The kernel ({kernel}) is larger than the padded input ({size} + 2·{padding}).");
        return (size + 2 * padding - kernel) / stride + 1;
    }

    /// <summary>
    /// y[n, o, r, q] = Σ_{c, i, j} weights[o, c, i, j] · x[n, c, r·stride + i − padding, q·stride + j − padding], the
    /// input read as 0 outside its bounds. y must not overlap x or the weights; its previous contents are ignored.
    /// </summary>
    public static unsafe void Conv2d<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, int batch, int inChannels, int height, int width,
                                        int outChannels, int kernelHeight, int kernelWidth, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ConvolutionShape s = CheckConvolution(batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding);
        CheckLength(x, s.Batch * s.InputSize, nameof(x));
        CheckLength(weights, s.WeightSize, nameof(weights));
        CheckLength(y, s.Batch * s.OutputSize, nameof(y));
        CheckDisjoint(y, x, nameof(y), nameof(x));
        CheckDisjoint(y, weights, nameof(y), nameof(weights));
        fixed (T* px = x)
        fixed (T* pw = weights)
        fixed (T* py = y)
            Convolution.Run(ConvolutionPass.Forward, px, pw, py, null, s, accumulate: false);
    }

    /// <summary>
    /// The reverse of <see cref="Conv2d{T}"/> with respect to its input: dx = ∂⟨dy, y⟩/∂x (batch × inChannels × height ×
    /// width) for dy shaped like y. dx must not overlap the weights or dy.
    /// </summary>
    public static void Conv2dBackwardInput<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> dy, Span<T> dx, int batch, int inChannels, int height, int width,
                                              int outChannels, int kernelHeight, int kernelWidth, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv2dInputGradient(weights, dy, dx, batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding, accumulate: false);

    /// <summary>dx += ∂⟨dy, y⟩/∂x, the accumulating <see cref="Conv2dBackwardInput{T}"/>.</summary>
    public static void Conv2dBackwardInputAdd<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> dy, Span<T> dx, int batch, int inChannels, int height, int width,
                                                 int outChannels, int kernelHeight, int kernelWidth, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv2dInputGradient(weights, dy, dx, batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding, accumulate: true);

    /// <summary>
    /// The reverse of <see cref="Conv2d{T}"/> with respect to its weights: dweights = ∂⟨dy, y⟩/∂weights (outChannels ×
    /// inChannels × kernelHeight × kernelWidth), summed over the batch in a fixed order (the same result on every run
    /// with the same number of kernel threads). dweights must not overlap x or dy.
    /// </summary>
    public static void Conv2dBackwardWeights<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dweights, int batch, int inChannels, int height, int width,
                                                int outChannels, int kernelHeight, int kernelWidth, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv2dWeightGradient(x, dy, dweights, batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding, accumulate: false);

    /// <summary>dweights += ∂⟨dy, y⟩/∂weights, the accumulating <see cref="Conv2dBackwardWeights{T}"/>.</summary>
    public static void Conv2dBackwardWeightsAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dweights, int batch, int inChannels, int height, int width,
                                                   int outChannels, int kernelHeight, int kernelWidth, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Conv2dWeightGradient(x, dy, dweights, batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding, accumulate: true);

    // ---------------------------------------------------------------- per-channel bias

    /// <summary>y[n, c, p] += bias[c] for y of batch × channels × size (size = the values of one channel plane).</summary>
    public static void AddChannelBias<T>(Span<T> y, ReadOnlySpan<T> bias, int batch, int channels, int size)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckChannels(batch, channels, size);
        CheckLength(y, batch * channels * size, nameof(y));
        CheckLength(bias, channels, nameof(bias));
        CheckDisjoint(y, bias, nameof(y), nameof(bias));
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                Span<T> plane = y.Slice((n * channels + c) * size, size);
                TensorPrimitives.Add(plane, bias[c], plane);
            }
        }
    }

    /// <summary>result[c] = Σ_{n, p} y[n, c, p] (the reverse of <see cref="AddChannelBias{T}"/>), summed in a fixed order.</summary>
    public static void SumChannels<T>(ReadOnlySpan<T> y, Span<T> result, int batch, int channels, int size)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSumChannels(y, result, batch, channels, size);
        result.Clear();
        AddChannelSums(y, result, batch, channels, size);
    }

    /// <summary>result[c] += Σ_{n, p} y[n, c, p], the accumulating <see cref="SumChannels{T}"/>.</summary>
    public static void SumChannelsAdd<T>(ReadOnlySpan<T> y, Span<T> result, int batch, int channels, int size)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSumChannels(y, result, batch, channels, size);
        AddChannelSums(y, result, batch, channels, size);
    }

    private static void AddChannelSums<T>(ReadOnlySpan<T> y, Span<T> result, int batch, int channels, int size)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
                result[c] += TensorPrimitives.Sum(y.Slice((n * channels + c) * size, size));
        }
    }

    private static unsafe void Conv2dInputGradient<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> dy, Span<T> dx, int batch, int inChannels, int height, int width,
                                                      int outChannels, int kernelHeight, int kernelWidth, int stride, int padding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ConvolutionShape s = CheckConvolution(batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding);
        CheckLength(weights, s.WeightSize, nameof(weights));
        CheckLength(dy, s.Batch * s.OutputSize, nameof(dy));
        CheckLength(dx, s.Batch * s.InputSize, nameof(dx));
        CheckDisjoint(dx, weights, nameof(dx), nameof(weights));
        CheckDisjoint(dx, dy, nameof(dx), nameof(dy));
        fixed (T* pw = weights)
        fixed (T* pdy = dy)
        fixed (T* pdx = dx)
            Convolution.Run(ConvolutionPass.InputGradient, null, pw, pdy, pdx, s, accumulate);
    }

    private static unsafe void Conv2dWeightGradient<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dweights, int batch, int inChannels, int height, int width,
                                                       int outChannels, int kernelHeight, int kernelWidth, int stride, int padding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ConvolutionShape s = CheckConvolution(batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding);
        CheckLength(x, s.Batch * s.InputSize, nameof(x));
        CheckLength(dy, s.Batch * s.OutputSize, nameof(dy));
        CheckLength(dweights, s.WeightSize, nameof(dweights));
        CheckDisjoint(dweights, x, nameof(dweights), nameof(x));
        CheckDisjoint(dweights, dy, nameof(dweights), nameof(dy));
        fixed (T* px = x)
        fixed (T* pdy = dy)
        fixed (T* pdw = dweights)
            Convolution.Run(ConvolutionPass.WeightGradient, px, null, pdy, pdw, s, accumulate);
    }

    private static ConvolutionShape CheckConvolution(int batch, int inChannels, int height, int width, int outChannels,
                                                     int kernelHeight, int kernelWidth, int stride, int padding)
    {
        if (batch < 0 || inChannels < 1 || outChannels < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"Need batch ≥ 0 and at least one input and one output channel (batch = {batch}, inChannels = {inChannels}, outChannels = {outChannels}).");
        int outHeight = Conv2dOutputSize(height, kernelHeight, stride, padding);
        int outWidth = Conv2dOutputSize(width, kernelWidth, stride, padding);
        long patch = (long)inChannels * kernelHeight * kernelWidth;
        if ((long)batch * inChannels * height * width > int.MaxValue || (long)batch * outChannels * outHeight * outWidth > int.MaxValue
            || patch * outChannels > int.MaxValue || patch * outHeight * outWidth > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(batch), "The convolution's sizes exceed the span length limit.");
        return new ConvolutionShape(batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding);
    }

    private static void CheckChannels(int batch, int channels, int size)
    {
        if (batch < 0 || channels < 0 || size < 0)
            throw new ArgumentOutOfRangeException(nameof(batch), $"Sizes must be non-negative (batch = {batch}, channels = {channels}, size = {size}).");
        if ((long)batch * channels * size > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(batch), "The sizes exceed the span length limit.");
    }

    private static void CheckSumChannels<T>(ReadOnlySpan<T> y, Span<T> result, int batch, int channels, int size)
    {
        CheckChannels(batch, channels, size);
        CheckLength(y, batch * channels * size, nameof(y));
        CheckLength(result, channels, nameof(result));
        CheckDisjoint(result, y, nameof(result), nameof(y));
    }
}
