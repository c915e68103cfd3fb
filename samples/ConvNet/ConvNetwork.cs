using System.Globalization;
using MoreauGen.Data;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.ConvNet;

/// <summary>
/// The paper's ConvNet (§4, Fig. 4 bottom; App. E.1.2): three <see cref="ConvPool"/> layers of 16, 20 and 20 filters,
/// then an affine output layer (the MLP sample's <see cref="Affine"/>) giving 10 scores. On Fashion-MNIST padded to
/// 32 × 32: Conv[16×32×32]→ReLU→Pool[16×16×16]→Conv[20×16×16]→ReLU→Pool[20×8×8]→Conv[20×8×8]→ReLU→Pool[20×4×4]→FC.
/// </summary>
public static class ConvNetwork
{
    /// <summary>Filters of the three convolutional layers.</summary>
    public static readonly IReadOnlyList<int> Filters = [16, 20, 20];

    /// <summary>
    /// The network for square grey images of <paramref name="side"/> × <paramref name="side"/> (a multiple of 8) and
    /// <paramref name="classes"/> classes. With <paramref name="init"/> = <see cref="InitializationKind.He"/> (the
    /// default) the convolutions, each followed by a ReLU, start from He's U(±√(6/fan_in)) with zero biases, which keeps
    /// the activations' scale through the three layers; the output layer keeps U(±1/√fan_in).
    /// <see cref="InitializationKind.Default"/> draws every layer from U(±1/√fan_in).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The side is not a positive multiple of 8.</exception>
    public static Network Create(int side, int classes, InitializationKind init = InitializationKind.He)
    {
        if (side < 8 || side % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(side), side, "The three 2×2 poolings need a side that is a multiple of 8.");
        var layers = new List<IMoreauLayer<float>>();
        var names = new List<string>();
        var fanIns = new List<int>();
        var inits = new List<LayerInitialization>();
        int channels = 1, size = side;
        var inv = CultureInfo.InvariantCulture;
        foreach (int filters in Filters)
        {
            var layer = new ConvPool(channels, size, filters);
            layers.Add(layer);
            names.Add(string.Create(inv, $"Conv {filters}×{size}×{size} + pool"));
            fanIns.Add(layer.FanIn);
            inits.Add(new LayerInitialization(init, layer.ParameterCount - filters));
            channels = filters;
            size /= 2;
        }

        int features = channels * size * size;
        layers.Add(new Affine(features, classes));
        names.Add(string.Create(inv, $"Affine {features}→{classes}"));
        fanIns.Add(features);
        inits.Add(LayerInitialization.Default);
        string shape = string.Create(inv, $"conv{side}x{side}-{string.Join('-', Filters)}-fc{classes}");
        return new Network(layers, names, fanIns, shape, inits);
    }

    /// <summary>The side an image of <paramref name="side"/> pixels is padded to: the next multiple of 8 (28 → 32).</summary>
    public static int PaddedSide(int side) => (side + 7) / 8 * 8;

    /// <summary>
    /// Pads every square image of both sets to <see cref="PaddedSide"/>, centred, with the value a black pixel has after
    /// the standardisation (so the padding is the images' own background, as zero-padding the raw images would give).
    /// </summary>
    /// <exception cref="ArgumentException">The images are not square.</exception>
    public static TrainTestSplit<float> Pad(TrainTestSplit<float> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int side = (int)Math.Round(Math.Sqrt(data.Train.FeatureCount));
        if (side * side != data.Train.FeatureCount)
            throw new ArgumentException($"The images have {data.Train.FeatureCount} pixels, not a square number.", nameof(data));
        float black = (float)((0 - data.Standardization.Mean) / data.Standardization.StandardDeviation);
        return data with { Train = Pad(data.Train, side, black), Test = Pad(data.Test, side, black) };
    }

    private static LabeledDataset<float> Pad(LabeledDataset<float> set, int side, float background)
    {
        int padded = PaddedSide(side), offset = (padded - side) / 2;
        var features = new float[checked(set.Count * padded * padded)];
        features.AsSpan().Fill(background);
        for (int i = 0; i < set.Count; i++)
        {
            ReadOnlySpan<float> image = set.Sample(i);
            Span<float> target = features.AsSpan(i * padded * padded, padded * padded);
            for (int r = 0; r < side; r++)
                image.Slice(r * side, side).CopyTo(target.Slice((r + offset) * padded + offset, side));
        }

        return new LabeledDataset<float>(features, set.Labels, padded * padded, set.ClassCount);
    }
}
