using System.Numerics;

namespace MoreauGen.Tests.TestLayers;

/// <summary>φ(w, x) = tanh(W·x + b) per sample in any precision (the tape holds the outputs); allocation-free.</summary>
internal sealed class GenericTanhLayer<T>(int inputs, int outputs) : IMoreauLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public int ParameterCount => inputs * outputs + outputs;
    public int InputCount => inputs;
    public int OutputCount => outputs;
    public int TapeLength(int batch) => batch * outputs;

    public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)
    {
        int m = x.Length / inputs;
        for (int s = 0; s < m; s++)
            for (int o = 0; o < outputs; o++)
            {
                T sum = w[inputs * outputs + o];
                for (int i = 0; i < inputs; i++) sum += w[o * inputs + i] * x[s * inputs + i];
                y[s * outputs + o] = T.Tanh(sum);
            }
    }

    public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape)
    {
        Forward(w, x, y);
        y.CopyTo(tape);
    }

    public void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
    {
        int m = x.Length / inputs;
        gradW.Clear();
        gradX.Clear();
        for (int s = 0; s < m; s++)
            for (int o = 0; o < outputs; o++)
            {
                T y = tape[s * outputs + o];
                T delta = lambda[s * outputs + o] * (T.One - y * y);
                if (!gradW.IsEmpty) gradW[inputs * outputs + o] += delta;
                for (int i = 0; i < inputs; i++)
                {
                    if (!gradW.IsEmpty) gradW[o * inputs + i] += delta * x[s * inputs + i];
                    if (!gradX.IsEmpty) gradX[s * inputs + i] += delta * w[o * inputs + i];
                }
            }
    }

    public T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> v, Span<T> grad)
    {
        Span<T> shifted = stackalloc T[w.Length];
        for (int i = 0; i < w.Length; i++) shifted[i] = w[i] + v[i];
        Span<T> y = stackalloc T[lambda.Length];
        Forward(shifted, x, y);
        T value = T.Zero;
        for (int i = 0; i < y.Length; i++) value += lambda[i] * y[i];
        for (int i = 0; i < v.Length; i++) value += v[i] * v[i] / (T.One + T.One);
        if (!grad.IsEmpty)
        {
            Pullback(shifted, x, y, lambda, grad, Span<T>.Empty);
            for (int i = 0; i < v.Length; i++) grad[i] += v[i];
        }
        return value;
    }

    public T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> u, Span<T> grad)
    {
        Span<T> shifted = stackalloc T[x.Length];
        for (int i = 0; i < x.Length; i++) shifted[i] = x[i] + u[i];
        Span<T> y = stackalloc T[lambda.Length];
        Forward(w, shifted, y);
        T value = T.Zero;
        for (int i = 0; i < y.Length; i++) value += lambda[i] * y[i];
        for (int i = 0; i < u.Length; i++) value += u[i] * u[i] / (T.One + T.One);
        if (!grad.IsEmpty)
        {
            Pullback(w, shifted, y, lambda, Span<T>.Empty, grad);
            for (int i = 0; i < u.Length; i++) grad[i] += u[i];
        }
        return value;
    }
}
