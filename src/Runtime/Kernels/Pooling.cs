using System.Numerics;

namespace MoreauGen.Kernels;

/// <summary>
/// The sizes of one 2-D pooling over a batch, NCHW row-major: x is batch × Channels × Height × Width and y is
/// batch × Channels × OutHeight × OutWidth, with square Kernel × Kernel windows every Stride values and no padding.
/// </summary>
internal readonly record struct PoolingShape(int Batch, int Channels, int Height, int Width, int Kernel, int Stride)
{
    /// <summary>⌊(Height − Kernel) / Stride⌋ + 1.</summary>
    public int OutHeight => (Height - Kernel) / Stride + 1;

    /// <summary>⌊(Width − Kernel) / Stride⌋ + 1.</summary>
    public int OutWidth => (Width - Kernel) / Stride + 1;

    /// <summary>Planes (batch·Channels), each pooled on its own.</summary>
    public int Planes => Batch * Channels;

    /// <summary>Values of x.</summary>
    public int InputLength => Planes * Height * Width;

    /// <summary>Values of y.</summary>
    public int OutputLength => Planes * OutHeight * OutWidth;
}

/// <summary>
/// Max- and average-pooling kernels, plane by plane. The max-pooling reverse recomputes each window's maximum from
/// the forward input rather than keeping indices: the first maximum in row-major window order wins a tie (a strict
/// comparison), the same one the forward pass picks, so exactly one input of a window receives its adjoint.
/// </summary>
internal static unsafe class Pooling
{
    /// <summary>y = the maximum of each window of x.</summary>
    public static void MaxForward<T>(ReadOnlySpan<T> x, Span<T> y, in PoolingShape s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (PoolingMax2x2.Applies<T>(s))
        {
            fixed (T* px = x)
            fixed (T* py = y)
                PoolingMax2x2.Forward((float*)px, (float*)py, s);
            return;
        }

        int h = s.Height, w = s.Width, oh = s.OutHeight, ow = s.OutWidth;
        for (int plane = 0; plane < s.Planes; plane++)
        {
            ReadOnlySpan<T> input = x.Slice(plane * h * w, h * w);
            Span<T> output = y.Slice(plane * oh * ow, oh * ow);
            for (int r = 0; r < oh; r++)
            {
                for (int q = 0; q < ow; q++)
                    output[r * ow + q] = input[ArgMax(input, w, r * s.Stride, q * s.Stride, s.Kernel)];
            }
        }
    }

    /// <summary>dx (+)= dy routed to the first maximum of each window of x (dx cleared first unless <paramref name="accumulate"/>).</summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, in PoolingShape s, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!accumulate)
            dx.Clear();
        if (PoolingMax2x2.Applies<T>(s))
        {
            fixed (T* px = x)
            fixed (T* pdy = dy)
            fixed (T* pdx = dx)
                PoolingMax2x2.BackwardAdd((float*)px, (float*)pdy, (float*)pdx, s);
            return;
        }

        int h = s.Height, w = s.Width, oh = s.OutHeight, ow = s.OutWidth;
        for (int plane = 0; plane < s.Planes; plane++)
        {
            ReadOnlySpan<T> input = x.Slice(plane * h * w, h * w);
            ReadOnlySpan<T> adjoint = dy.Slice(plane * oh * ow, oh * ow);
            Span<T> target = dx.Slice(plane * h * w, h * w);
            for (int r = 0; r < oh; r++)
            {
                for (int q = 0; q < ow; q++)
                    target[ArgMax(input, w, r * s.Stride, q * s.Stride, s.Kernel)] += adjoint[r * ow + q];
            }
        }
    }

    /// <summary>y = the mean of each window of x.</summary>
    public static void AverageForward<T>(ReadOnlySpan<T> x, Span<T> y, in PoolingShape s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = s.Height, w = s.Width, oh = s.OutHeight, ow = s.OutWidth, k = s.Kernel;
        T scale = T.One / T.CreateChecked(k * k);
        for (int plane = 0; plane < s.Planes; plane++)
        {
            ReadOnlySpan<T> input = x.Slice(plane * h * w, h * w);
            Span<T> output = y.Slice(plane * oh * ow, oh * ow);
            for (int r = 0; r < oh; r++)
            {
                for (int q = 0; q < ow; q++)
                {
                    T sum = T.Zero;
                    int start = r * s.Stride * w + q * s.Stride;
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                            sum += input[start + i * w + j];
                    }
                    output[r * ow + q] = sum * scale;
                }
            }
        }
    }

    /// <summary>dx (+)= dy / k² spread over each window (dx cleared first unless <paramref name="accumulate"/>).</summary>
    public static void AverageBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, in PoolingShape s, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!accumulate)
            dx.Clear();
        int h = s.Height, w = s.Width, oh = s.OutHeight, ow = s.OutWidth, k = s.Kernel;
        T scale = T.One / T.CreateChecked(k * k);
        for (int plane = 0; plane < s.Planes; plane++)
        {
            ReadOnlySpan<T> adjoint = dy.Slice(plane * oh * ow, oh * ow);
            Span<T> target = dx.Slice(plane * h * w, h * w);
            for (int r = 0; r < oh; r++)
            {
                for (int q = 0; q < ow; q++)
                {
                    T share = adjoint[r * ow + q] * scale;
                    int start = r * s.Stride * w + q * s.Stride;
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                            target[start + i * w + j] += share;
                    }
                }
            }
        }
    }

    /// <summary>The index in <paramref name="plane"/> of the first maximum of the k×k window at (top, left).</summary>
    private static int ArgMax<T>(ReadOnlySpan<T> plane, int width, int top, int left, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = top * width + left;
        T max = plane[best];
        for (int i = 0; i < k; i++)
        {
            int row = (top + i) * width + left;
            for (int j = 0; j < k; j++)
            {
                if (plane[row + j] > max)
                {
                    max = plane[row + j];
                    best = row + j;
                }
            }
        }
        return best;
    }
}
