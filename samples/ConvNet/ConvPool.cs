namespace MoreauGen.Samples.ConvNet;

/// <summary>
/// One convolutional layer of the paper's ConvNet (§4, App. E.1.2, after Frerix et al. 2018): a 5×5 convolution with
/// padding 2 (the image keeps its size), a bias per filter, ReLU, then 2×2 max-pooling with stride 2, in float:
/// x is m × channels × size × size and y is m × filters × (size/2) × (size/2), NCHW row-major.
/// </summary>
/// <remarks>
/// Parameters: w = (W; b), W is filters × channels × 5 × 5 row-major, then the filters' biases. Only <see cref="Apply"/>
/// is written here; the generator emits the <see cref="IMoreauLayer{T}"/> members from its body (the taped forward keeps
/// the rectified convolution, which the pooling's and the ReLU's reverses read), and the Φw and Φx subproblems.
/// </remarks>
public sealed partial class ConvPool
{
    /// <summary>The side of the square kernel.</summary>
    public const int Kernel = 5;

    /// <summary>Zero padding on each side (keeps the size for a 5×5 kernel).</summary>
    public const int Padding = 2;

    private readonly int _channels, _size, _filters;

    /// <summary>A layer from <paramref name="channels"/> planes of <paramref name="size"/> × <paramref name="size"/> to <paramref name="filters"/> planes of half the side.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is less than 1, or the size is odd or less than 2.</exception>
    public ConvPool(int channels, int size, int filters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(filters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        if (size % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "The 2×2 pooling needs an even side.");
        _channels = channels;
        _size = size;
        _filters = filters;
    }

    /// <summary>|w| = filters·channels·25 + filters.</summary>
    public int ParameterCount => WeightCount + _filters;

    /// <summary>|x| of one sample: channels·size².</summary>
    public int InputCount => _channels * _size * _size;

    /// <summary>|y| of one sample: filters·(size/2)².</summary>
    public int OutputCount => _filters * (_size / 2) * (_size / 2);

    /// <summary>The inputs each output of the convolution reads: channels·25 (for the initialisation).</summary>
    public int FanIn => _channels * Kernel * Kernel;

    private int WeightCount => _filters * _channels * Kernel * Kernel;

    /// <summary>y = maxpool(relu(conv(x, W) + b)) for the m samples of <paramref name="x"/>.</summary>
    [MoreauLayer(Batched = true)]
    public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int m = x.Length / InputCount;
        int planes = _size * _size;
        Span<float> z = new float[m * _filters * planes];
        Ops.Conv2d(x, w[..WeightCount], z, m, _channels, _size, _size, _filters, Kernel, Kernel, 1, Padding);
        Ops.AddChannelBias(z, w[WeightCount..], m, _filters, planes);
        Ops.Relu(z, z);
        Ops.MaxPool2d(z, y, m, _filters, _size, _size, 2, 2);
    }
}
