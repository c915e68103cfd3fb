using System.Numerics;

namespace MoreauGen;

/// <summary>
/// Gradient back-propagation (paper Alg. 3–4): the exact gradient ∇_{w_t}(h∘f)(w, x₀) for every layer, plus μ·w_t
/// when <see cref="ChainOracle{T}.ParameterL2"/> is set. The baseline the Moreau oracle is compared with; it
/// shares the same forward pass.
/// </summary>
/// <remarks>
/// λ_τ = ∇h(x_τ); for t = τ..1: g_t = ∇_w(λ_tᵀφ_t)(w_t, x_{t−1}), λ_{t−1} = ∇_x(λ_tᵀφ_t)(w_t, x_{t−1}), each from
/// the layer's <see cref="IMoreauLayer{T}.Pullback"/> at the tape of the forward pass (λ₀ is not computed).
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class Backpropagation<T> : ChainOracle<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the oracle for <paramref name="chain"/>.</summary>
    public Backpropagation(Chain<T> chain)
        : base(chain)
    {
    }

    private protected override T Backward(ReadOnlySpan<T> w, IMoreauObjective<T> objective, ChainWorkspace<T> workspace, Span<T> direction)
    {
        Chain<T> chain = Chain;
        int count = chain.Length;
        int current = 0;
        Span<T> lambda = workspace.Multiplier(current, workspace.StateLength(count));
        T value = objective.ValueAndGradient(workspace.Output, lambda);
        CheckValue(value, objective);
        NonFinite.CheckObjective(lambda, chain, objective, NonFiniteQuantity.ObjectiveGradient);

        for (int i = count - 1; i >= 0; i--)
        {
            Span<T> gradient = chain.Parameters(direction, i);
            Span<T> previous = i > 0 ? workspace.Multiplier(1 - current, workspace.StateLength(i)) : Span<T>.Empty;
            chain[i].Pullback(chain.Parameters(w, i), workspace.State(i), workspace.Tape(i), lambda, gradient, previous);
            NonFinite.Check(gradient, chain, i, NonFiniteQuantity.Direction);
            NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
            lambda = previous;
            current = 1 - current;
        }

        if (!T.IsZero(ParameterL2))
            Vectors.MultiplyAdd(w, ParameterL2, direction, direction);
        return value;
    }
}
