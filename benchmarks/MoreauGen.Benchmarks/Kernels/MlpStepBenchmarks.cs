using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// One SGD step of a ReLU MLP on a batch of 256 (hidden layers affine + ReLU, output affine, the paper's
/// squared loss), written by hand with <see cref="Ops"/> only: forward with the pre-activations kept,
/// loss gradient, reverse pass (2 products per layer, 1 for the first), and the update w −= η·g.
/// This is the kernel side of the MLP sample's speed goal; the sample's generated layers and its
/// side-by-side comparison with PyTorch are measured by the sample's own benchmark. Must allocate nothing.
/// GFLOP/s counts the matrix products only (2·batch·in·out per product).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class MlpStepBenchmarks
{
    private const int Batch = 256;
    private const float LearningRate = 0.01f;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(KernelJobs.Measured);
            AddColumn(new GflopsColumn(b => Flops((string)b.Parameters["Network"])));
        }
    }

    [Params("784-500-300-100-10", "784-4000-1000-4000-10")]
    public string Network { get; set; } = "784-500-300-100-10";

    private int[] _sizes = [];
    private float[][] _parameters = [], _gradients = [], _preActivations = [], _activations = [], _activationGradients = [];
    private float[] _preActivationGradient = [];
    private int[] _labels = [];

    private static int[] Sizes(string network) => [.. network.Split('-').Select(int.Parse)];

    private static double Flops(string network)
    {
        int[] sizes = Sizes(network);
        double flops = 0;
        for (int l = 0; l + 1 < sizes.Length; l++)
            flops += 2.0 * Batch * sizes[l] * sizes[l + 1] * (l == 0 ? 2 : 3); // forward, dW, and dX except for the input layer
        return flops;
    }

    [GlobalSetup]
    public void Setup()
    {
        _sizes = Sizes(Network);
        int layers = _sizes.Length - 1;
        var random = new Random(7);
        _parameters = new float[layers][];
        _gradients = new float[layers][];
        _preActivations = new float[layers][];
        _activations = new float[layers + 1][];
        _activationGradients = new float[layers + 1][];
        for (int l = 0; l < layers; l++)
        {
            int inputs = _sizes[l], outputs = _sizes[l + 1];
            float bound = 1f / MathF.Sqrt(inputs); // U(±1/√fan_in)
            _parameters[l] = [.. Enumerable.Range(0, inputs * outputs + outputs).Select(_ => bound * (2 * random.NextSingle() - 1))];
            _gradients[l] = new float[inputs * outputs + outputs];
            _preActivations[l] = new float[Batch * outputs];
        }
        for (int l = 0; l <= layers; l++)
        {
            _activations[l] = new float[Batch * _sizes[l]];
            _activationGradients[l] = new float[Batch * _sizes[l]];
        }
        for (int i = 0; i < _activations[0].Length; i++)
            _activations[0][i] = random.NextSingle() * 2 - 1;
        _preActivationGradient = new float[Batch * _sizes.Max()];
        _labels = [.. Enumerable.Range(0, Batch).Select(_ => random.Next(_sizes[^1]))];
    }

    [Benchmark(Description = "SGD step (hand-written with Ops)")]
    public float SgdStep()
    {
        int layers = _sizes.Length - 1;

        // Forward: z_l = a_l·W_l + b_l (kept for the reverse pass), a_{l+1} = relu(z_l); the last layer is affine.
        for (int l = 0; l < layers; l++)
        {
            int inputs = _sizes[l], outputs = _sizes[l + 1];
            ReadOnlySpan<float> w = _parameters[l];
            Ops.MatMul(_activations[l], w[..(inputs * outputs)], _preActivations[l], Batch, inputs, outputs);
            Ops.AddBias(_preActivations[l], w[(inputs * outputs)..], Batch, outputs);
            if (l < layers - 1)
                Ops.Relu<float>(_preActivations[l], _activations[l + 1]);
        }

        // Loss and its gradient with respect to the output scores.
        float loss = Ops.SquaredLoss<float>(_preActivations[^1], _labels, _sizes[^1], _activationGradients[^1]);

        // Reverse pass, then the update.
        for (int l = layers - 1; l >= 0; l--)
        {
            int inputs = _sizes[l], outputs = _sizes[l + 1];
            Span<float> dz = _preActivationGradient.AsSpan(0, Batch * outputs);
            if (l == layers - 1)
                _activationGradients[^1].CopyTo(dz);
            else
                Ops.ReluBackward<float>(_preActivations[l], _activationGradients[l + 1], dz);

            Span<float> g = _gradients[l];
            ReadOnlySpan<float> w = _parameters[l];
            Ops.SumRows<float>(dz, g[(inputs * outputs)..], Batch, outputs);
            Ops.MatMul<float>(_activations[l], dz, g[..(inputs * outputs)], inputs, Batch, outputs, transposeA: true);
            if (l > 0)
                Ops.MatMul<float>(dz, w[..(inputs * outputs)], _activationGradients[l], Batch, outputs, inputs, transposeB: true);
            Ops.ScaleAdd<float>(g, -LearningRate, _parameters[l]);
        }
        return loss;
    }
}
