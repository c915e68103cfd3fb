namespace MoreauGen.Tests.TestLayers;

/// <summary>φ(w, x) = w: reads no input, outputs its parameters (d of them).</summary>
internal sealed class ParameterLayer(int size) : IMoreauLayer<double>, IAffineInParameters
{
    public int ParameterCount => size;
    public int InputCount => 0;
    public int OutputCount => size;
    public int TapeLength(int batch) => 0;
    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => w.CopyTo(y);
    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape) => w.CopyTo(y);

    public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape, ReadOnlySpan<double> lambda,
                         Span<double> gradW, Span<double> gradX)
    {
        if (!gradW.IsEmpty) lambda.CopyTo(gradW);
    }

    public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> grad)
    {
        double value = 0;
        for (int i = 0; i < size; i++)
        {
            value += lambda[i] * (w[i] + v[i]) + 0.5 * v[i] * v[i];
            if (!grad.IsEmpty) grad[i] = lambda[i] + v[i];
        }
        return value;
    }

    public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u, Span<double> grad)
    {
        double value = 0;
        for (int i = 0; i < size; i++) value += lambda[i] * w[i];
        return value;
    }
}

/// <summary>
/// φ(W, x) = W·x per sample, W stored row-major (outputs × inputs): linear in W and in x. Declares neither
/// affinity, so the Moreau oracle solves its subproblems with the inner solver.
/// </summary>
internal class LinearLayer(int inputs, int outputs) : IMoreauLayer<double>
{
    public int ParameterCount => inputs * outputs;
    public int InputCount => inputs;
    public int OutputCount => outputs;
    public int TapeLength(int batch) => 0;

    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int m = x.Length / inputs;
        for (int s = 0; s < m; s++)
            for (int o = 0; o < outputs; o++)
            {
                double sum = 0;
                for (int i = 0; i < inputs; i++) sum += w[o * inputs + i] * x[s * inputs + i];
                y[s * outputs + o] = sum;
            }
    }

    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape) => Forward(w, x, y);

    public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape, ReadOnlySpan<double> lambda,
                         Span<double> gradW, Span<double> gradX)
    {
        int m = x.Length / inputs;
        gradW.Clear();
        gradX.Clear();
        for (int s = 0; s < m; s++)
            for (int o = 0; o < outputs; o++)
                for (int i = 0; i < inputs; i++)
                {
                    if (!gradW.IsEmpty) gradW[o * inputs + i] += lambda[s * outputs + o] * x[s * inputs + i];
                    if (!gradX.IsEmpty) gradX[s * inputs + i] += lambda[s * outputs + o] * w[o * inputs + i];
                }
    }

    public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> grad)
    {
        var shifted = new double[w.Length];
        for (int i = 0; i < w.Length; i++) shifted[i] = w[i] + v[i];
        var y = new double[lambda.Length];
        Forward(shifted, x, y);
        double value = 0;
        for (int i = 0; i < y.Length; i++) value += lambda[i] * y[i];
        for (int i = 0; i < v.Length; i++) value += 0.5 * v[i] * v[i];
        if (!grad.IsEmpty)
        {
            Pullback(shifted, x, [], lambda, grad, Span<double>.Empty);
            for (int i = 0; i < v.Length; i++) grad[i] += v[i];
        }
        return value;
    }

    public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u, Span<double> grad)
    {
        var shifted = new double[x.Length];
        for (int i = 0; i < x.Length; i++) shifted[i] = x[i] + u[i];
        var y = new double[lambda.Length];
        Forward(w, shifted, y);
        double value = 0;
        for (int i = 0; i < y.Length; i++) value += lambda[i] * y[i];
        for (int i = 0; i < u.Length; i++) value += 0.5 * u[i] * u[i];
        if (!grad.IsEmpty)
        {
            Pullback(w, shifted, [], lambda, Span<double>.Empty, grad);
            for (int i = 0; i < u.Length; i++) grad[i] += u[i];
        }
        return value;
    }
}

/// <summary>The same linear layer, declared affine in W and in x (closed-form Φw and Φx).</summary>
internal sealed class DeclaredLinearLayer(int inputs, int outputs) : LinearLayer(inputs, outputs), IAffineInParameters, IAffineInInputs;

/// <summary>
/// φ(w, x) = tanh(W·x + b) per sample, w = (W row-major outputs × inputs, b): a nonlinear layer of a small network.
/// The tape holds the outputs (tanh' = 1 − y²).
/// </summary>
internal sealed class TanhLayer(int inputs, int outputs) : IMoreauLayer<double>
{
    public int ParameterCount => inputs * outputs + outputs;
    public int InputCount => inputs;
    public int OutputCount => outputs;
    public int TapeLength(int batch) => batch * outputs;

    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        int m = x.Length / inputs;
        for (int s = 0; s < m; s++)
            for (int o = 0; o < outputs; o++)
            {
                double sum = w[inputs * outputs + o];
                for (int i = 0; i < inputs; i++) sum += w[o * inputs + i] * x[s * inputs + i];
                y[s * outputs + o] = Math.Tanh(sum);
            }
    }

    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape)
    {
        Forward(w, x, y);
        y.CopyTo(tape);
    }

    public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape, ReadOnlySpan<double> lambda,
                         Span<double> gradW, Span<double> gradX)
    {
        int m = x.Length / inputs;
        gradW.Clear();
        gradX.Clear();
        for (int s = 0; s < m; s++)
            for (int o = 0; o < outputs; o++)
            {
                double y = tape[s * outputs + o];
                double delta = lambda[s * outputs + o] * (1 - y * y);
                if (!gradW.IsEmpty) gradW[inputs * outputs + o] += delta;
                for (int i = 0; i < inputs; i++)
                {
                    if (!gradW.IsEmpty) gradW[o * inputs + i] += delta * x[s * inputs + i];
                    if (!gradX.IsEmpty) gradX[s * inputs + i] += delta * w[o * inputs + i];
                }
            }
    }

    private double LambdaDotPhi(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, Span<double> tape)
    {
        var y = new double[lambda.Length];
        Forward(w, x, y, tape);
        double value = 0;
        for (int i = 0; i < y.Length; i++) value += lambda[i] * y[i];
        return value;
    }

    public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> grad)
    {
        var shifted = new double[w.Length];
        for (int i = 0; i < w.Length; i++) shifted[i] = w[i] + v[i];
        var tape = new double[lambda.Length];
        double value = LambdaDotPhi(shifted, x, lambda, tape);
        for (int i = 0; i < v.Length; i++) value += 0.5 * v[i] * v[i];
        if (!grad.IsEmpty)
        {
            Pullback(shifted, x, tape, lambda, grad, Span<double>.Empty);
            for (int i = 0; i < v.Length; i++) grad[i] += v[i];
        }
        return value;
    }

    public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u, Span<double> grad)
    {
        var shifted = new double[x.Length];
        for (int i = 0; i < x.Length; i++) shifted[i] = x[i] + u[i];
        var tape = new double[lambda.Length];
        double value = LambdaDotPhi(w, shifted, lambda, tape);
        for (int i = 0; i < u.Length; i++) value += 0.5 * u[i] * u[i];
        if (!grad.IsEmpty)
        {
            Pullback(w, shifted, tape, lambda, Span<double>.Empty, grad);
            for (int i = 0; i < u.Length; i++) grad[i] += u[i];
        }
        return value;
    }
}

/// <summary>
/// φ(w, x) = x·√w (one parameter, d inputs and outputs): NaN when w &lt; 0, an infinity when w overflows. For the
/// tests of the non-finite errors.
/// </summary>
internal sealed class SquareRootGainLayer(int size) : IMoreauLayer<double>, IAffineInInputs
{
    public int ParameterCount => 1;
    public int InputCount => size;
    public int OutputCount => size;
    public int TapeLength(int batch) => 0;

    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        double gain = Math.Sqrt(w[0]);
        for (int i = 0; i < x.Length; i++) y[i] = gain * x[i];
    }

    public void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape) => Forward(w, x, y);

    public void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape, ReadOnlySpan<double> lambda,
                         Span<double> gradW, Span<double> gradX)
    {
        double gain = Math.Sqrt(w[0]);
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += lambda[i] * x[i];
            if (!gradX.IsEmpty) gradX[i] = lambda[i] * gain;
        }
        if (!gradW.IsEmpty) gradW[0] = sum * 0.5 / gain;
    }

    public double SubproblemW(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> grad)
    {
        double shifted = w[0] + v[0];
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += lambda[i] * x[i];
        if (!grad.IsEmpty) grad[0] = sum * 0.5 / Math.Sqrt(shifted) + v[0];
        return sum * Math.Sqrt(shifted) + 0.5 * v[0] * v[0];
    }

    public double SubproblemX(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u, Span<double> grad)
    {
        double gain = Math.Sqrt(w[0]);
        double value = 0;
        for (int i = 0; i < x.Length; i++)
        {
            value += lambda[i] * gain * (x[i] + u[i]) + 0.5 * u[i] * u[i];
            if (!grad.IsEmpty) grad[i] = lambda[i] * gain + u[i];
        }
        return value;
    }
}
