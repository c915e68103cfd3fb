using System.Numerics;

namespace MoreauGen.Tests.TestLayers;

/// <summary>
/// A layer that hands every oracle to <see cref="Inner"/>; a test layer overrides what it changes (a poisoned pullback, a
/// refused tape length, a spy) and keeps the rest. It declares no affinity, whatever the inner layer declares.
/// </summary>
internal abstract class DelegatingLayer<T>(IMoreauLayer<T> inner) : IMoreauLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The layer every oracle is handed to.</summary>
    protected IMoreauLayer<T> Inner => inner;

    public int ParameterCount => inner.ParameterCount;
    public int InputCount => inner.InputCount;
    public int OutputCount => inner.OutputCount;
    public virtual int TapeLength(int batch) => inner.TapeLength(batch);
    public virtual void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y) => inner.Forward(w, x, y);
    public virtual void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape) => inner.Forward(w, x, y, tape);

    public virtual void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX) =>
        inner.Pullback(w, x, tape, lambda, gradW, gradX);

    public virtual T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> v, Span<T> grad) =>
        inner.SubproblemW(w, x, lambda, v, grad);

    public virtual T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> u, Span<T> grad) =>
        inner.SubproblemX(w, x, lambda, u, grad);
}
