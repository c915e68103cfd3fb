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

    private protected override T Backward(ReadOnlySpan<T> w, IMoreauObjective<T> objective, ChainWorkspace<T> workspace, Span<T> direction) =>
        Backward(w, objective, workspace, direction, Span<T>.Empty, T.Zero, out _, out _);

    /// <summary>
    /// The backward pass with gradient descent's update fused in (<see cref="FusedDescent"/>): right after layer t's
    /// pullback, whose products read w_t, one sweep writes w_t ← w_t − η·(∇ + μw_t) in place and keeps the old w_t in
    /// <paramref name="scratch"/>; the layers before t read only their own parameters. The same values as
    /// <see cref="ChainOracle{T}.Evaluate"/> and the separate update; on a non-finite multiplier, gradient or update, or an
    /// exception from a layer, the layers already updated are restored and the call returns false (or rethrows).
    /// </summary>
    internal override bool TryDescend(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, Span<T> scratch, T stepScale, out T value)
    {
        ChainWorkspace<T> workspace = ForwardBeforeDescent(w, x0, objective, scratch);
        T h = Backward(w, objective, workspace, scratch, w, -stepScale, out bool completed, out T squares);
        value = completed ? h + ParameterL2 / (T.One + T.One) * squares : T.Zero;
        return completed;
    }

    /// <summary>
    /// The backward pass; with a non-empty <paramref name="descend"/> (w itself, writable) each layer's update is written
    /// at once (<see cref="LayerSweeps{T}"/>); <paramref name="completed"/> is false, with w restored, when a value on the
    /// way was not finite.
    /// </summary>
    private T Backward(ReadOnlySpan<T> w, IMoreauObjective<T> objective, ChainWorkspace<T> workspace, Span<T> direction,
                       Span<T> descend, T minusStep, out bool completed, out T sumOfSquares)
    {
        completed = false;
        sumOfSquares = T.Zero;
        Chain<T> chain = Chain;
        int count = chain.Length;
        int current = 0;
        Span<T> lambda = workspace.Multiplier(current, workspace.StateLength(count));
        T value = objective.ValueAndGradient(workspace.Output, lambda);
        CheckValue(value, objective);
        NonFinite.CheckObjective(lambda, chain, objective, NonFiniteQuantity.ObjectiveGradient);

        // One sweep per layer after its pullback checks ∇, adds μw and records ‖w‖² and the bounds the optimiser's
        // in-place update needs (ParameterUpdate), or writes the update itself: no further pass over the parameters.
        var sweeps = new LayerSweeps<T>(chain, ParameterL2, !T.IsZero(ParameterL2), direction, descend, minusStep);
        try
        {
            for (int i = count - 1; i >= 0; i--)
            {
                ReadOnlySpan<T> parameters = chain.Parameters(w, i);
                Span<T> gradient = chain.Parameters(direction, i);
                Span<T> previous = i > 0 ? workspace.Multiplier(1 - current, workspace.StateLength(i)) : Span<T>.Empty;
                chain[i].Pullback(parameters, workspace.State(i), workspace.Tape(i), lambda, gradient, previous);
                if (!sweeps.Finish(i, parameters, gradient, previous))
                    return T.Zero; // fused: w restored below; the separate passes report it
                lambda = previous;
                current = 1 - current;
            }

            completed = true;
        }
        finally
        {
            if (!completed)
                sweeps.Restore();
        }

        sumOfSquares = sweeps.SumOfSquares;
        if (!sweeps.Fused)
            LastSweep = sweeps.Sweep;
        return value;
    }
}
