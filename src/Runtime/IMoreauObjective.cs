using System.Numerics;

namespace MoreauGen;

/// <summary>
/// An objective h on the last state of a chain, evaluated over a batch. Implemented by the generator
/// for a method marked <see cref="MoreauObjectiveAttribute"/>, or by hand.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public interface IMoreauObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>|x| of one sample.</summary>
    int InputCount { get; }

    /// <summary>h over the batch held in <paramref name="x"/>.</summary>
    T Value(ReadOnlySpan<T> x);

    /// <summary>h over the batch, with ∇h written into <paramref name="grad"/> (same length as <paramref name="x"/>).</summary>
    T ValueAndGradient(ReadOnlySpan<T> x, Span<T> grad);
}

/// <summary>
/// An objective whose Moreau gradient ∇env(γh)(x) = −argmin_y { γh(x + y) + ½‖y‖² } has a closed form.
/// The runtime uses it instead of an inner solver.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public interface IMoreauEnvelope<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Writes ∇env(γh)(x) into <paramref name="result"/> (same length as <paramref name="x"/>).</summary>
    void MoreauGradient(ReadOnlySpan<T> x, T gamma, Span<T> result);
}
