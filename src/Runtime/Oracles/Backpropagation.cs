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

        // One sweep per layer after its pullback checks ∇, adds μw and records ‖w‖² and the bounds the optimiser's
        // in-place update needs (ParameterUpdate): no further pass over the parameters in this oracle.
        bool addL2 = !T.IsZero(ParameterL2);
        T squares = T.Zero, maxParameter = T.Zero, maxDirection = T.Zero;
        for (int i = count - 1; i >= 0; i--)
        {
            Span<T> gradient = chain.Parameters(direction, i);
            ReadOnlySpan<T> parameters = chain.Parameters(w, i);
            Span<T> previous = i > 0 ? workspace.Multiplier(1 - current, workspace.StateLength(i)) : Span<T>.Empty;
            chain[i].Pullback(parameters, workspace.State(i), workspace.Tape(i), lambda, gradient, previous);
            ParameterSweep<T> sweep = ParameterUpdate.AddL2(parameters, ParameterL2, gradient, addL2);
            if (!sweep.GradientFinite)
                NonFinite.Check(gradient, chain, i, NonFiniteQuantity.Direction);
            NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
            squares += sweep.SumOfSquares;
            maxParameter = T.IsNaN(sweep.MaxParameter) ? sweep.MaxParameter : T.Max(maxParameter, sweep.MaxParameter);
            maxDirection = T.IsNaN(sweep.MaxDirection) ? sweep.MaxDirection : T.Max(maxDirection, sweep.MaxDirection);
            lambda = previous;
            current = 1 - current;
        }

        LastSweep = new ParameterSweep<T>(true, squares, maxParameter, maxDirection);
        return value;
    }
}
