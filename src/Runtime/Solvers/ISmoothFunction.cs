using System.Numerics;

namespace MoreauGen;

/// <summary>
/// A smooth function F: ℝⁿ → ℝ that an <see cref="InnerSolver{T}"/> minimises, typically a Moreau subproblem
/// y ↦ f(z + y) + ½‖y‖² whose minimiser gives the Moreau gradient ∇env(f)(z) = −argmin.
/// </summary>
/// <remarks>
/// Implemented by the ref structs <see cref="LayerInputSubproblem{T}"/>, <see cref="LayerParameterSubproblem{T}"/> and
/// <see cref="ObjectiveEnvelopeSubproblem{T}"/>, which wrap the generated oracles without copying or allocating; a
/// user may implement it on any struct, ref struct or class. The solvers take it as a generic argument, so a struct
/// implementation is called without boxing or virtual dispatch.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public interface ISmoothFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Returns F(<paramref name="y"/>) and writes ∇F(<paramref name="y"/>) into <paramref name="gradient"/> (same length as
    /// <paramref name="y"/>); an empty <paramref name="gradient"/> asks for the value only.
    /// </summary>
    T Evaluate(ReadOnlySpan<T> y, Span<T> gradient);
}
