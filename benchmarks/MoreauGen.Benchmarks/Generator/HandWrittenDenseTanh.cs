namespace MoreauGen.Benchmarks.Generator;

/// <summary>
/// The hand-written scalar counterpart of <see cref="LoopDenseTanh"/>: the same loops, a tape of the tanh outputs,
/// and the adjoint loops a careful programmer writes (row slices, one pass per gradient asked for).
/// </summary>
public sealed class HandWrittenDenseTanh : IMoreauLayer<double>
{
    private const int Inputs = LoopDenseTanh.InputSize;
    private const int Outputs = LoopDenseTanh.OutputSize;
    private const int Weights = Inputs * Outputs;

    /// <inheritdoc/>
    public int ParameterCount => Weights + Outputs;

    /// <inheritdoc/>
    public int InputCount => Inputs;

    /// <inheritdoc/>
    public int OutputCount => Outputs;

    /// <inheritdoc/>
    public int TapeLength(int batch) => batch * Outputs;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int m = Check(w, x, y.Length, nameof(y));
        for (int s = 0; s < m; s++)
        {
            ReadOnlySpan<double> xs = x.Slice(s * Inputs, Inputs);
            Span<double> ys = y.Slice(s * Outputs, Outputs);
            for (int j = 0; j < ys.Length; j++)
            {
                ys[j] = Math.Tanh(Dot(w.Slice(j * Inputs, Inputs), xs, w[Weights + j]));
            }
        }
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape)
    {
        int m = Check(w, x, y.Length, nameof(y));
        if (tape.Length != m * Outputs)
            throw new ArgumentException("tape has the wrong length.", nameof(tape));
        for (int s = 0; s < m; s++)
        {
            ReadOnlySpan<double> xs = x.Slice(s * Inputs, Inputs);
            Span<double> ys = y.Slice(s * Outputs, Outputs);
            Span<double> ts = tape.Slice(s * Outputs, Outputs);
            for (int j = 0; j < ys.Length; j++)
            {
                double t = Math.Tanh(Dot(w.Slice(j * Inputs, Inputs), xs, w[Weights + j]));
                ys[j] = t;
                ts[j] = t;
            }
        }
    }

    /// <inheritdoc/>
    public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape,
                         ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        int m = Check(w, x, lambda.Length, nameof(lambda));
        if (tape.Length != m * Outputs)
            throw new ArgumentException("tape has the wrong length.", nameof(tape));
        if (gradW.Length != 0 && gradW.Length != w.Length)
            throw new ArgumentException("gradW has the wrong length.", nameof(gradW));
        if (gradX.Length != 0 && gradX.Length != x.Length)
            throw new ArgumentException("gradX has the wrong length.", nameof(gradX));
        gradW.Clear();
        gradX.Clear();
        for (int s = 0; s < m; s++)
        {
            ReadOnlySpan<double> xs = x.Slice(s * Inputs, Inputs);
            ReadOnlySpan<double> ts = tape.Slice(s * Outputs, Outputs);
            ReadOnlySpan<double> ls = lambda.Slice(s * Outputs, Outputs);
            for (int j = 0; j < Outputs; j++)
            {
                double t = ts[j];
                double d = ls[j] * (1 - t * t);
                if (!gradW.IsEmpty)
                {
                    gradW[Weights + j] += d;
                    Span<double> row = gradW.Slice(j * Inputs, Inputs);
                    for (int k = 0; k < row.Length; k++)
                    {
                        row[k] += d * xs[k];
                    }
                }

                if (!gradX.IsEmpty)
                {
                    Span<double> gxs = gradX.Slice(s * Inputs, Inputs);
                    ReadOnlySpan<double> weights = w.Slice(j * Inputs, Inputs);
                    for (int k = 0; k < gxs.Length; k++)
                    {
                        gxs[k] += d * weights[k];
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> grad) =>
        throw new NotSupportedException("The benchmark measures Forward and Pullback only.");

    /// <inheritdoc/>
    public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u, Span<double> grad) =>
        throw new NotSupportedException("The benchmark measures Forward and Pullback only.");

    private static double Dot(ReadOnlySpan<double> row, ReadOnlySpan<double> x, double sum)
    {
        for (int k = 0; k < row.Length; k++)
        {
            sum += row[k] * x[k];
        }

        return sum;
    }

    private static int Check(ReadOnlySpan<double> w, ReadOnlySpan<double> x, int otherLength, string otherName)
    {
        if (w.Length != Weights + Outputs)
            throw new ArgumentException("w has the wrong length.", nameof(w));
        if (x.Length % Inputs != 0)
            throw new ArgumentException("x is not a whole number of samples.", nameof(x));
        int m = x.Length / Inputs;
        if (otherLength != m * Outputs)
            throw new ArgumentException(otherName + " has the wrong length.", otherName);
        return m;
    }
}
