namespace MoreauGen.Benchmarks.Generator;

/// <summary>
/// A dense tanh layer y = tanh(W x + b) written as plain loops (784 → 100), whose oracles the generator derives:
/// w holds W row-major (100 × 784), then b (100).
/// </summary>
public sealed partial class LoopDenseTanh
{
    /// <summary>|x| of one sample.</summary>
    public const int InputSize = 784;

    /// <summary>|y| of one sample.</summary>
    public const int OutputSize = 100;

    [MoreauLayer(Parameters = InputSize * OutputSize + OutputSize, Inputs = InputSize, Outputs = OutputSize)]
    private void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int j = 0; j < OutputSize; j++)
        {
            double sum = w[InputSize * OutputSize + j];
            for (int k = 0; k < InputSize; k++)
            {
                sum += w[j * InputSize + k] * x[k];
            }

            y[j] = Math.Tanh(sum);
        }
    }
}
