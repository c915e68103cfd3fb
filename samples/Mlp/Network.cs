using System.Globalization;
using MoreauGen.Data;

namespace MoreauGen.Samples.Mlp;

/// <summary>
/// The multi-layer perceptron of paper §4 / App. E.1.2: hidden layers affine + ReLU (<see cref="Dense"/>), an affine
/// output layer (<see cref="Affine"/>) giving one score per class, all parameters in one flat float vector
/// (layer after layer, each W row-major then b).
/// </summary>
public sealed class Network
{
    /// <summary>Builds the network <paramref name="inputs"/> → <paramref name="hidden"/>… → <paramref name="classes"/>.</summary>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public Network(int inputs, IReadOnlyList<int> hidden, int classes)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        int[] sizes = [inputs, .. hidden, classes];
        for (int i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] < 1)
                throw new ArgumentException($"Layer widths must be positive: {string.Join('-', sizes)}.", nameof(hidden));
        }

        Sizes = sizes;
        var layers = new IMoreauLayer<float>[sizes.Length - 1];
        var names = new string[layers.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            bool output = l == layers.Length - 1;
            layers[l] = output ? new Affine(sizes[l], sizes[l + 1]) : new Dense(sizes[l], sizes[l + 1]);
            names[l] = string.Create(CultureInfo.InvariantCulture, $"{(output ? "Affine" : "Dense")} {sizes[l]}→{sizes[l + 1]}");
        }

        Chain = new Chain<float>(layers, names);
        _fanIns = sizes[..^1];
        Shape = Checkpoint.ShapeOf([.. Sizes]);
    }

    /// <summary>
    /// A network of any <paramref name="layers"/> (e.g. convolutions, samples/ConvNet): <see cref="Sizes"/> are the input
    /// width then each layer's output width, <paramref name="fanIns"/> the inputs each output of a layer reads (for
    /// <see cref="InitialParameters"/>), <paramref name="shape"/> the signature stored in checkpoints.
    /// </summary>
    /// <param name="layers">The layers, input first.</param>
    /// <param name="names">One display name per layer.</param>
    /// <param name="fanIns">The inputs each output of a layer reads.</param>
    /// <param name="shape">The signature stored in checkpoints.</param>
    /// <param name="initializations">Per layer, how <see cref="InitialParameters"/> draws it; null: every layer <see cref="LayerInitialization.Default"/>.</param>
    /// <exception cref="ArgumentException">The lists disagree in length, or a fan-in is not positive.</exception>
    public Network(IReadOnlyList<IMoreauLayer<float>> layers, IReadOnlyList<string> names, IReadOnlyList<int> fanIns, string shape,
                   IReadOnlyList<LayerInitialization>? initializations = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(fanIns);
        ArgumentException.ThrowIfNullOrWhiteSpace(shape);
        if (fanIns.Count != layers.Count || fanIns.Any(f => f < 1))
            throw new ArgumentException("Give one positive fan-in per layer.", nameof(fanIns));
        if (initializations is not null && initializations.Count != layers.Count)
            throw new ArgumentException("Give one initialisation per layer.", nameof(initializations));
        Chain = new Chain<float>(layers, names);
        Sizes = [Chain.InputCount, .. layers.Select(l => l.OutputCount)];
        _fanIns = [.. fanIns];
        _initializations = initializations is null ? null : [.. initializations];
        Shape = shape;
    }

    private readonly int[] _fanIns;
    private readonly LayerInitialization[]? _initializations;

    /// <summary>The widths from the input to the output, e.g. 784, 500, 300, 100, 10.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>The chain of layers x_t = φ_t(w_t, x_{t−1}).</summary>
    public Chain<float> Chain { get; }

    /// <summary>
    /// The number of parameters of <paramref name="inputs"/> → <paramref name="hidden"/>… → <paramref name="classes"/>,
    /// Σ (n_in + 1)·n_out, as a long: a network too large for an int (65536,65536) is told, not overflowed.
    /// </summary>
    public static long CountParameters(int inputs, IReadOnlyList<int> hidden, int classes)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        long count = 0;
        int previous = inputs;
        foreach (int width in hidden.Append(classes))
        {
            count += ((long)previous + 1) * width;
            previous = width;
        }

        return count;
    }

    /// <summary>|w|, the number of parameters.</summary>
    public int ParameterCount => Chain.ParameterCount;

    /// <summary>The shape signature stored in checkpoints, e.g. "784-500-300-100-10".</summary>
    public string Shape { get; }

    /// <summary>
    /// The initial parameters for <paramref name="seed"/>, from a SplitMix64 stream that depends on the seed only: by
    /// default every weight and bias of a layer with fan-in n drawn from U(−1/√n, 1/√n) (the default of PyTorch's
    /// <c>nn.Linear</c> and <c>nn.Conv2d</c>); a layer given <see cref="InitializationKind.He"/> draws its weights from
    /// U(−√(6/n), √(6/n)) (He et al. 2015, variance 2/n for ReLU) and starts its biases at 0.
    /// </summary>
    public float[] InitialParameters(int seed)
    {
        float[] w = Chain.CreateParameters();
        ulong state = 0x5EED_0000_0000_0000UL ^ (ulong)(uint)seed;
        for (int l = 0; l < Chain.Length; l++)
        {
            Span<float> layer = Chain.Parameters(w.AsSpan(), l);
            LayerInitialization init = _initializations?[l] ?? LayerInitialization.Default;
            bool he = init.Kind == InitializationKind.He;
            int weights = he ? init.WeightCount : layer.Length;
            float bound = he ? MathF.Sqrt(6f / _fanIns[l]) : 1f / MathF.Sqrt(_fanIns[l]);
            for (int i = 0; i < layer.Length; i++)
            {
                float u = 2f * Uniform(ref state) - 1f;
                layer[i] = i < weights ? bound * u : 0f;
            }
        }

        return w;
    }

    /// <summary>A uniform float in [0, 1) from a SplitMix64 step (24 random bits).</summary>
    private static float Uniform(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 40) * (1f / (1 << 24));
    }
}

/// <summary>How <see cref="Network.InitialParameters"/> draws a layer's parameters.</summary>
public enum InitializationKind
{
    /// <summary>Weights and biases from U(±1/√fan_in) (PyTorch's default for <c>nn.Linear</c> and <c>nn.Conv2d</c>).</summary>
    Default,

    /// <summary>Weights from U(±√(6/fan_in)), i.e. variance 2/fan_in (He et al. 2015, for layers followed by a ReLU); biases 0.</summary>
    He,
}

/// <summary>A layer's initialisation: its kind and, for <see cref="InitializationKind.He"/>, how many of its parameters (the first) are weights; the rest are biases.</summary>
/// <param name="Kind">How the layer is drawn.</param>
/// <param name="WeightCount">The layer's weights (its parameters start with them); used by <see cref="InitializationKind.He"/>.</param>
public readonly record struct LayerInitialization(InitializationKind Kind, int WeightCount)
{
    /// <summary>U(±1/√fan_in) for every parameter.</summary>
    public static LayerInitialization Default => new(InitializationKind.Default, 0);
}

/// <summary>The loss and accuracy of a network over a whole data set.</summary>
/// <param name="Loss">The mean of L over the samples (the objective h of the whole set, without the ℓ2 term).</param>
/// <param name="Accuracy">The fraction of samples whose highest score is their label, in [0, 1].</param>
public readonly record struct Evaluation(double Loss, double Accuracy);

/// <summary>
/// Evaluates a network on a data set in chunks (forward passes without tapes, into buffers allocated once): the mean
/// loss and the accuracy. Not safe to use from two threads at once.
/// </summary>
public sealed class Evaluator
{
    private readonly Network _network;
    private readonly ClassificationObjective _objective;
    private readonly float[] _even, _odd;
    private readonly int _chunk;

    /// <summary>An evaluator of <paramref name="network"/> with the loss <paramref name="objective"/>, <paramref name="chunk"/> samples per forward pass.</summary>
    public Evaluator(Network network, ClassificationObjective objective, int chunk = 1000)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        _network = network;
        _objective = objective;
        _chunk = chunk;
        int widest = network.Sizes.Skip(1).Max();
        _even = new float[checked(chunk * widest)];
        _odd = new float[checked(chunk * widest)];
    }

    /// <summary>The loss and accuracy of the network at parameters <paramref name="w"/> on <paramref name="data"/>.</summary>
    public Evaluation Evaluate(ReadOnlySpan<float> w, LabeledDataset<float> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Chain<float> chain = _network.Chain;
        if (data.FeatureCount != chain.InputCount)
            throw new ArgumentException($"The data have {data.FeatureCount} features per sample; the network reads {chain.InputCount}.", nameof(data));
        int classes = chain.OutputCount;
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += _chunk)
        {
            int m = Math.Min(_chunk, data.Count - start);
            ReadOnlySpan<float> x = data.Features.AsSpan(start * data.FeatureCount, m * data.FeatureCount);
            for (int l = 0; l < chain.Length; l++)
            {
                Span<float> y = (l % 2 == 0 ? _even : _odd).AsSpan(0, m * chain[l].OutputCount);
                chain[l].Forward(chain.Parameters(w, l), x, y);
                x = y;
            }

            ReadOnlySpan<int> labels = data.Labels.AsSpan(start, m);
            lossSum += (double)_objective.Loss(x, labels, Span<float>.Empty) * m;
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<float> scores = x.Slice(i * classes, classes);
                int best = 0;
                for (int j = 1; j < classes; j++)
                {
                    if (scores[j] > scores[best])
                        best = j;
                }

                if (best == labels[i])
                    correct++;
            }
        }

        return data.Count == 0 ? new Evaluation(double.NaN, double.NaN) : new Evaluation(lossSum / data.Count, (double)correct / data.Count);
    }
}
