namespace MoreauGen.Kernels;

/// <summary>
/// The sizes of one 2-D convolution over a batch, NCHW row-major: x is batch × InChannels × Height × Width, the
/// weights OutChannels × InChannels × KernelHeight × KernelWidth, y batch × OutChannels × OutHeight × OutWidth.
/// Both spatial axes share one stride and one zero padding.
/// </summary>
internal readonly record struct ConvolutionShape(int Batch, int InChannels, int Height, int Width, int OutChannels,
                                                 int KernelHeight, int KernelWidth, int Stride, int Padding)
{
    /// <summary>⌊(Height + 2·Padding − KernelHeight) / Stride⌋ + 1.</summary>
    public int OutHeight => (Height + 2 * Padding - KernelHeight) / Stride + 1;

    /// <summary>⌊(Width + 2·Padding − KernelWidth) / Stride⌋ + 1.</summary>
    public int OutWidth => (Width + 2 * Padding - KernelWidth) / Stride + 1;

    /// <summary>K = InChannels·KernelHeight·KernelWidth: the rows of one sample's column matrix (the weights' columns).</summary>
    public int Patch => InChannels * KernelHeight * KernelWidth;

    /// <summary>P = OutHeight·OutWidth: the columns of one sample's column matrix.</summary>
    public int Pixels => OutHeight * OutWidth;

    /// <summary>Values of one input sample.</summary>
    public int InputSize => InChannels * Height * Width;

    /// <summary>Values of one output sample.</summary>
    public int OutputSize => OutChannels * Pixels;

    /// <summary>Values of the weights.</summary>
    public int WeightSize => OutChannels * Patch;

    /// <summary>A 1×1 kernel with stride 1 and no padding: a sample's column matrix is the sample itself.</summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && Stride == 1 && Padding == 0;

    /// <summary>Multiply-adds of the whole convolution (batch·OutChannels·K·P).</summary>
    public long Work => (long)Batch * OutChannels * Patch * Pixels;
}
