using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen.Kernels;

/// <summary>
/// The lowering of one sample's convolution to a matrix product (im2col): the column matrix col[K × P] holds in
/// row (c, i, j) and column (oh, ow) the input value x[c, oh·s + i − p, ow·s + j − p], or 0 in the padding, so that
/// y = W[C_out × K] · col. <see cref="Scatter"/> is its transpose (col2im), for the gradient with respect to x.
/// </summary>
internal static class Im2Col
{
    /// <summary>col[K × P] from one input sample x[C_in × H × W] (the shape's sizes; lengths checked by the caller).</summary>
    public static void Gather<T>(ReadOnlySpan<T> x, Span<T> col, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        int s = shape.Stride, p = shape.Padding, kh = shape.KernelHeight, kw = shape.KernelWidth;
        int row = 0;
        for (int c = 0; c < shape.InChannels; c++)
        {
            ReadOnlySpan<T> plane = x.Slice(c * h * w, h * w);
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++, row++)
                {
                    Span<T> target = col.Slice(row * oh * ow, oh * ow);
                    (int first, int end) = ValidRange(j, s, p, w, ow);
                    for (int r = 0; r < oh; r++)
                    {
                        Span<T> line = target.Slice(r * ow, ow);
                        int ih = r * s + i - p;
                        if ((uint)ih >= (uint)h || first >= end)
                        {
                            line.Clear();
                            continue;
                        }

                        line[..first].Clear();
                        line[end..].Clear();
                        ReadOnlySpan<T> source = plane.Slice(ih * w, w);
                        int iw = first * s + j - p;
                        if (s == 1)
                        {
                            source.Slice(iw, end - first).CopyTo(line[first..end]);
                        }
                        else
                        {
                            for (int q = first; q < end; q++, iw += s)
                                line[q] = source[iw];
                        }
                    }
                }
            }
        }
    }

    /// <summary>dx[C_in × H × W] += col2im(dcol[K × P]) for one sample: each column entry is added to the input value it was gathered from.</summary>
    public static void Scatter<T>(ReadOnlySpan<T> dcol, Span<T> dx, in ConvolutionShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = shape.Height, w = shape.Width, oh = shape.OutHeight, ow = shape.OutWidth;
        int s = shape.Stride, p = shape.Padding, kh = shape.KernelHeight, kw = shape.KernelWidth;
        int row = 0;
        for (int c = 0; c < shape.InChannels; c++)
        {
            Span<T> plane = dx.Slice(c * h * w, h * w);
            for (int i = 0; i < kh; i++)
            {
                for (int j = 0; j < kw; j++, row++)
                {
                    ReadOnlySpan<T> source = dcol.Slice(row * oh * ow, oh * ow);
                    (int first, int end) = ValidRange(j, s, p, w, ow);
                    if (first >= end)
                        continue;
                    for (int r = 0; r < oh; r++)
                    {
                        int ih = r * s + i - p;
                        if ((uint)ih >= (uint)h)
                            continue;
                        ReadOnlySpan<T> line = source.Slice(r * ow, ow);
                        Span<T> target = plane.Slice(ih * w, w);
                        int iw = first * s + j - p;
                        if (s == 1)
                        {
                            Span<T> span = target.Slice(iw, end - first);
                            TensorPrimitives.Add(span, line[first..end], span);
                        }
                        else
                        {
                            for (int q = first; q < end; q++, iw += s)
                                target[iw] += line[q];
                        }
                    }
                }
            }
        }
    }

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
