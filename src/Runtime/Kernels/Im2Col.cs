using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen.Kernels;

/// <summary>
/// The lowering of one sample's convolution to a matrix product (im2col): the column matrix col[K × P] holds in
/// row (c, i, j) and column (oh, ow) the input value x[c, oh·s + i − p, ow·s + j − p], or 0 in the padding, so that
/// y = W[C_out × K] · col. <see cref="Scatter"/> is its transpose (col2im), for the gradient with respect to x.
/// </summary>
/// <remarks>
/// Stride 1 with OutWidth = Width (a "same" convolution, 2·p = kw − 1, as in the paper's ConvNet) takes the row path:
/// row (c, i, j) of col is then the input plane shifted by d = (i − p)·W + (j − p), i.e. one contiguous copy of all
/// its in-range output rows, after which the at most |j − p| values per output row that wrapped around from the
/// neighbouring input row are zeroed. The padding is handled by index ranges, never by a branch per element. Other
/// shapes take the line path (one output row at a time).
/// </remarks>
internal static unsafe class Im2Col
{
    /// <summary>col[K × P] from one input sample x[C_in × H × W] (the shape's sizes; lengths checked by the caller).</summary>
    public static void Gather<T>(ReadOnlySpan<T> x, Span<T> col, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* px = x)
        fixed (T* pcol = col)
        {
            if (IsRowShape(shape))
                GatherRows(px, pcol, shape);
            else
                GatherLines(px, pcol, shape);
        }
    }

    /// <summary>
    /// dx[C_in × H × W] += col2im(dcol[K × P]) for one sample: each column entry is added to the input value it was
    /// gathered from. On the row path the entries of <paramref name="dcol"/> that belong to the padding are set to 0
    /// first (dcol is the caller's scratch), so that each row is one contiguous vector addition.
    /// </summary>
    public static void Scatter<T>(Span<T> dcol, Span<T> dx, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pcol = dcol)
        fixed (T* pdx = dx)
        {
            if (IsRowShape(shape))
                ScatterRows(pcol, pdx, shape);
            else
                ScatterLines(pcol, pdx, shape);
        }
    }

    /// <summary>Stride 1 and OutWidth = Width: each column row is the input plane shifted by a constant.</summary>
    private static bool IsRowShape(in ConvolutionShape s) => s.Stride == 1 && s.OutWidth == s.Width;

    private static void GatherRows<T>(T* x, T* col, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, pixels = shape.Pixels;
        int p = shape.Padding, kh = shape.KernelHeight, kw = shape.KernelWidth;
        T* target = col;
        for (int c = 0; c < shape.InChannels; c++)
        {
            T* plane = x + (nint)c * h * w;
            for (int i = 0; i < kh; i++)
            {
                // Output rows r with input row r + i − p inside [0, h).
                int rFirst = Math.Clamp(p - i, 0, oh), rEnd = Math.Clamp(h + p - i, rFirst, oh);
                for (int j = 0; j < kw; j++, target += pixels)
                {
                    (int first, int end) = RowRange(j, p, w);
                    // target[t] = plane[t + d] for t in [rFirst·w, rEnd·w), clamped to the plane's extent.
                    nint d = (nint)(i - p) * w + (j - p);
                    nint start = Math.Max((nint)rFirst * w, -d), stop = Math.Min((nint)rEnd * w, (nint)h * w - d);
                    Zero(target, rFirst * w);
                    if (stop > start)
                    {
                        Zero(target + (nint)rFirst * w, (int)(start - (nint)rFirst * w));
                        new ReadOnlySpan<T>(plane + start + d, (int)(stop - start)).CopyTo(new Span<T>(target + start, (int)(stop - start)));
                        Zero(target + stop, (int)((nint)rEnd * w - stop));
                    }
                    else
                    {
                        Zero(target + (nint)rFirst * w, (rEnd - rFirst) * w);
                    }
                    Zero(target + (nint)rEnd * w, (oh - rEnd) * w);
                    // The columns outside [first, end) read across a row edge: zero them.
                    if (first > 0 || end < w)
                    {
                        for (int r = rFirst; r < rEnd; r++)
                        {
                            T* line = target + (nint)r * w;
                            for (int q = 0; q < first; q++)
                                line[q] = T.Zero;
                            for (int q = end; q < w; q++)
                                line[q] = T.Zero;
                        }
                    }
                }
            }
        }
    }

    private static void ScatterRows<T>(T* dcol, T* dx, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, pixels = shape.Pixels;
        int p = shape.Padding, kh = shape.KernelHeight, kw = shape.KernelWidth;
        T* source = dcol;
        for (int c = 0; c < shape.InChannels; c++)
        {
            T* plane = dx + (nint)c * h * w;
            for (int i = 0; i < kh; i++)
            {
                int rFirst = Math.Clamp(p - i, 0, oh), rEnd = Math.Clamp(h + p - i, rFirst, oh);
                for (int j = 0; j < kw; j++, source += pixels)
                {
                    (int first, int end) = RowRange(j, p, w);
                    nint d = (nint)(i - p) * w + (j - p);
                    nint start = Math.Max((nint)rFirst * w, -d), stop = Math.Min((nint)rEnd * w, (nint)h * w - d);
                    if (stop <= start)
                        continue;
                    if (first > 0 || end < w)
                    {
                        for (int r = rFirst; r < rEnd; r++)
                        {
                            T* line = source + (nint)r * w;
                            for (int q = 0; q < first; q++)
                                line[q] = T.Zero;
                            for (int q = end; q < w; q++)
                                line[q] = T.Zero;
                        }
                    }
                    var into = new Span<T>(plane + start + d, (int)(stop - start));
                    TensorPrimitives.Add(into, new ReadOnlySpan<T>(source + start, (int)(stop - start)), into);
                }
            }
        }
    }

    private static void GatherLines<T>(T* x, T* col, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        int s = shape.Stride, p = shape.Padding, kh = shape.KernelHeight, kw = shape.KernelWidth;
        T* target = col;
        for (int c = 0; c < shape.InChannels; c++)
        {
            T* plane = x + (nint)c * h * w;
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++)
                {
                    (int first, int end) = ValidRange(j, s, p, w, ow);
                    for (int r = 0; r < oh; r++, target += ow)
                    {
                        int ih = r * s + i - p;
                        if ((uint)ih >= (uint)h || first >= end)
                        {
                            Zero(target, ow);
                            continue;
                        }

                        for (int q = 0; q < first; q++)
                            target[q] = T.Zero;
                        for (int q = end; q < ow; q++)
                            target[q] = T.Zero;
                        T* source = plane + (nint)ih * w + (first * s + j - p);
                        for (int q = first; q < end; q++, source += s)
                            target[q] = *source;
                    }
                }
            }
        }
    }

    private static void ScatterLines<T>(T* dcol, T* dx, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        int s = shape.Stride, p = shape.Padding, kh = shape.KernelHeight, kw = shape.KernelWidth;
        T* source = dcol;
        for (int c = 0; c < shape.InChannels; c++)
        {
            T* plane = dx + (nint)c * h * w;
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++)
                {
                    (int first, int end) = ValidRange(j, s, p, w, ow);
                    for (int r = 0; r < oh; r++, source += ow)
                    {
                        int ih = r * s + i - p;
                        if ((uint)ih >= (uint)h || first >= end)
                            continue;
                        T* target = plane + (nint)ih * w + (first * s + j - p);
                        for (int q = first; q < end; q++, target += s)
                            *target += source[q];
                    }
                }
            }
        }
    }

    private static void Zero<T>(T* start, int count)
        where T : unmanaged
    {
        if (count > 0)
            new Span<T>(start, count).Clear();
    }

    /// <summary>On the row path: the columns [first, end) whose input column q + j − p lies inside [0, width).</summary>
    private static (int First, int End) RowRange(int j, int p, int width)
        => (Math.Min(Math.Max(p - j, 0), width), Math.Max(Math.Min(width, width + p - j), 0));

    /// <summary>The output columns [first, end) whose input column q·s + j − p lies inside [0, width).</summary>
    private static (int First, int End) ValidRange(int j, int s, int p, int width, int outWidth)
    {
        // q·s + j − p ≥ 0  ⇔  q ≥ ⌈(p − j) / s⌉;  q·s + j − p ≤ width − 1  ⇔  q ≤ ⌊(width − 1 + p − j) / s⌋.
        int first = p - j <= 0 ? 0 : (p - j + s - 1) / s;
        int lastNumerator = width - 1 + p - j;
        int end = lastNumerator < 0 ? 0 : Math.Min(outWidth, lastNumerator / s + 1);
        return (Math.Min(first, outWidth), end);
    }
}
