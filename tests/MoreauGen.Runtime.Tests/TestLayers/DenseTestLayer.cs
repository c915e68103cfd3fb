using System.Numerics;

namespace MoreauGen.Tests.TestLayers;

/// <summary>
/// y = σ(x·W [+ 1bᵀ]) written by hand on the runtime's Ops (W first in w, then b), with the pre-activation z on the tape.
/// Declares its <see cref="DenseStructure"/> only when <paramref name="declare"/> is set, so the same layer runs the
/// Moreau oracle's Gram form of Φw and its Φx on the pre-activations, or the solves through the layer; counts its
/// <see cref="SubproblemW"/> and <see cref="SubproblemX"/> calls.
/// </summary>
internal sealed class DenseTestLayer<T>(int inputs, int outputs, bool bias, DenseActivation activation, bool declare)
    : IMoreauLayer<T>, IDenseStructure where T : unmanaged, IFloatingPointIeee754<T>
{
    public int ParameterCount => inputs * outputs + (bias ? outputs : 0);
    public int InputCount => inputs;
    public int OutputCount => outputs;

    /// <summary>How many times <see cref="SubproblemW"/> ran.</summary>
    public int SubproblemWCalls { get; private set; }

    /// <summary>How many times <see cref="SubproblemX"/> ran.</summary>
    public int SubproblemXCalls { get; private set; }

    public DenseStructure? DenseStructure => declare
        ? new DenseStructure(inputs, outputs, 0, bias ? inputs * outputs : -1, activation, activation == DenseActivation.Relu ? 0 : -1)
        : null;

    public int TapeLength(int batch) => batch * outputs;

    public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y) => Forward(w, x, y, new T[y.Length]);

    public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape)
    {
        int m = x.Length / inputs;
        Span<T> z = tape[..(m * outputs)];
        Ops.MatMul(x, w[..(inputs * outputs)], z, m, inputs, outputs);
        if (bias)
            Ops.AddBias(z, w[(inputs * outputs)..], m, outputs);
        if (activation == DenseActivation.Relu)
            Ops.Relu(z, y);
        else
            z.CopyTo(y);
    }

    public void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
    {
        int m = x.Length / inputs;
        var dz = new T[lambda.Length];
        if (activation == DenseActivation.Relu)
            Ops.ReluBackward(tape[..lambda.Length], lambda, dz);
        else
            lambda.CopyTo(dz);
        if (!gradW.IsEmpty)
        {
            Ops.MatMul<T>(x, dz, gradW[..(inputs * outputs)], inputs, m, outputs, transposeA: true);
            if (bias)
                Ops.SumRows<T>(dz, gradW[(inputs * outputs)..], m, outputs);
        }
        if (!gradX.IsEmpty)
            Ops.MatMul<T>(dz, w[..(inputs * outputs)], gradX, m, outputs, inputs, transposeB: true);
    }

    public T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> v, Span<T> grad)
    {
        SubproblemWCalls++;
        var shifted = new T[w.Length];
        Ops.Add(w, v, shifted);
        var y = new T[lambda.Length];
        var tape = new T[lambda.Length];
        Forward(shifted, x, y, tape);
        T value = Ops.Dot<T>(lambda, y) + Ops.Dot(v, v) / (T.One + T.One);
        if (!grad.IsEmpty)
        {
            Pullback(shifted, x, tape, lambda, grad, Span<T>.Empty);
            Ops.Add(grad, v, grad);
        }
        return value;
    }

    public T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> u, Span<T> grad)
    {
        SubproblemXCalls++;
        var shifted = new T[x.Length];
        Ops.Add(x, u, shifted);
        var y = new T[lambda.Length];
        var tape = new T[lambda.Length];
        Forward(w, shifted, y, tape);
        T value = Ops.Dot<T>(lambda, y) + Ops.Dot(u, u) / (T.One + T.One);
        if (!grad.IsEmpty)
        {
            Pullback(w, shifted, tape, lambda, Span<T>.Empty, grad);
            Ops.Add(grad, u, grad);
        }
        return value;
    }
}
