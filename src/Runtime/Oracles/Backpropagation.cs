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
    private BackwardStreams<T>? _streams;

    /// <summary>Creates the oracle for <paramref name="chain"/>.</summary>
    public Backpropagation(Chain<T> chain)
        : base(chain)
    {
    }

    /// <summary>
    /// Whether layers count−1..1 run as two streams (<see cref="BackwardStreams{T}"/>): null (the default) where that
    /// pays (<see cref="BackwardStreams{T}.Pays"/>), or always / never (tests compare both paths).
    /// </summary>
    internal bool? TwoStreams { get; set; }

    /// <summary>Whether the last backward pass ran its two streams on two threads (a diagnostic for the benchmarks).</summary>
    internal bool LastSideBySide => _streams is { SideBySide: true } && _lastUsedStreams;

    private bool _lastUsedStreams;

    /// <summary>The two-stream job when the pass takes it at this batch, else null.</summary>
    private BackwardStreams<T>? Streams(ChainWorkspace<T> workspace)
    {
        Chain<T> chain = Chain;
        bool use = chain.Length >= 2 && (TwoStreams ?? BackwardStreams<T>.Pays(chain, workspace.BatchSize));
        _lastUsedStreams = use;
        return use ? _streams ??= new BackwardStreams<T>(chain) : null;
    }

    private protected override unsafe T Backward(ReadOnlySpan<T> w, IMoreauObjective<T> objective, ChainWorkspace<T> workspace, Span<T> direction)
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
        int first = count - 1; // the first layer this loop pulls back; the layers above it ran as two streams
        BackwardStreams<T>? streams = Streams(workspace);
        if (streams is not null)
        {
            fixed (T* pw = w)
            fixed (T* pd = direction)
                streams.Run(workspace, pw, pd, w.Length, ParameterL2, addL2, descend: false);
            streams.FirstError?.Throw(); // the failure the layer-by-layer pass would have met first
            first = 0;
            lambda = streams.Multiplier(1);
        }

        T squares = T.Zero, maxParameter = T.Zero, maxDirection = T.Zero;
        for (int i = count - 1; i >= 0; i--)
        {
            ParameterSweep<T> sweep;
            if (i > first)
            {
                sweep = streams!.Sweep(i);
            }
            else
            {
                Span<T> gradient = chain.Parameters(direction, i);
                ReadOnlySpan<T> parameters = chain.Parameters(w, i);
                Span<T> previous = i > 0 ? workspace.Multiplier(1 - current, workspace.StateLength(i)) : Span<T>.Empty;
                chain[i].Pullback(parameters, workspace.State(i), workspace.Tape(i), lambda, gradient, previous);
                sweep = ParameterUpdate.AddL2(parameters, ParameterL2, gradient, addL2);
                if (!sweep.GradientFinite)
                    NonFinite.Check(gradient, chain, i, NonFiniteQuantity.Direction);
                NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
                lambda = previous;
                current = 1 - current;
            }

            squares += sweep.SumOfSquares;
            maxParameter = T.IsNaN(sweep.MaxParameter) ? sweep.MaxParameter : T.Max(maxParameter, sweep.MaxParameter);
            maxDirection = T.IsNaN(sweep.MaxDirection) ? sweep.MaxDirection : T.Max(maxDirection, sweep.MaxDirection);
        }

        LastSweep = new ParameterSweep<T>(true, squares, maxParameter, maxDirection);
        return value;
    }

    /// <summary>
    /// The backward pass above with gradient descent's update fused in (<see cref="FusedDescent"/>): right after layer t's
    /// pullback, whose products read w_t, one sweep writes w_t ← w_t − η·(∇ + μw_t) in place and keeps the old w_t in
    /// <paramref name="scratch"/>; the layers before t read only their own parameters. The first layer reads x₀ where it is
    /// (checked, not copied into the workspace). The same values as
    /// <see cref="ChainOracle{T}.Evaluate"/> and the separate update; on a non-finite multiplier, gradient or update, or an
    /// exception from a layer, the layers already updated are restored and the call returns false (or rethrows).
    /// With the two streams (<see cref="BackwardStreams{T}"/>) the products of layers count−1..1 run first, then their
    /// update sweeps in the same order on the whole pool, then layer 0: the same values, failures and restores.
    /// </summary>
    internal override unsafe bool TryDescend(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, Span<T> scratch, T stepScale, out T value)
    {
        ChainWorkspace<T> workspace = ForwardBeforeDescent(w, x0, objective, scratch, out ReadOnlySpan<T> input);
        Chain<T> chain = Chain;
        int count = chain.Length;
        int current = 0;
        Span<T> lambda = workspace.Multiplier(current, workspace.StateLength(count));
        T h = objective.ValueAndGradient(workspace.Output, lambda);
        CheckValue(h, objective);
        NonFinite.CheckObjective(lambda, chain, objective, NonFiniteQuantity.ObjectiveGradient);

        bool addL2 = !T.IsZero(ParameterL2);
        T squares = T.Zero;
        int updated = count; // layers updated..count − 1 hold their update, their old parameters in scratch
        try
        {
            int first = count - 1; // the first layer this loop pulls back; the layers above it ran as two streams
            BackwardStreams<T>? streams = Streams(workspace);
            if (streams is not null)
            {
                fixed (T* pw = w)
                fixed (T* ps = scratch)
                    streams.Run(workspace, pw, ps, w.Length, ParameterL2, addL2, descend: true);

                // The update sweeps of layers count−1..1 on the whole pool, in the loop's order, up to the first failure.
                bool swept = true;
                for (int i = count - 1; i >= 1 && swept; i--)
                {
                    if (!streams.SweepPrecedes(i))
                    {
                        streams.FirstError?.Throw(); // restored below, as for an exception in the loop
                        swept = false; // a non-finite multiplier
                        break;
                    }
                    DescentSweep<T> sweep = FusedDescent.Run(chain.Parameters(w, i), ParameterL2, chain.Parameters(scratch, i), addL2, -stepScale);
                    swept = sweep.Completed; // a failed sweep left its layer as it was
                    if (swept)
                    {
                        updated = i;
                        squares += sweep.SumOfSquares;
                    }
                }

                first = swept ? 0 : -1; // after a failure nothing more runs, and the updated layers are restored
                lambda = streams.Multiplier(1);
            }

            for (int i = first; i >= 0; i--)
            {
                Span<T> gradient = chain.Parameters(scratch, i);
                Span<T> parameters = chain.Parameters(w, i);
                Span<T> previous = i > 0 ? workspace.Multiplier(1 - current, workspace.StateLength(i)) : Span<T>.Empty;
                chain[i].Pullback(parameters, i == 0 ? input : workspace.State(i), workspace.Tape(i), lambda, gradient, previous);
                if (!NonFinite.AllFinite<T>(previous))
                    break;
                DescentSweep<T> sweep = FusedDescent.Run(parameters, ParameterL2, gradient, addL2, -stepScale);
                if (!sweep.Completed)
                    break; // the sweep left this layer as it was
                updated = i;
                squares += sweep.SumOfSquares;
                lambda = previous;
                current = 1 - current;
            }
        }
        finally
        {
            if (updated != 0) // not every layer updated: a failure or an exception
            {
                for (int j = updated; j < count; j++)
                    FusedDescent.Restore<T>(chain.Parameters(scratch, j), chain.Parameters(w, j));
            }
        }

        value = updated == 0 ? h + ParameterL2 / (T.One + T.One) * squares : T.Zero;
        return updated == 0;
    }
}
