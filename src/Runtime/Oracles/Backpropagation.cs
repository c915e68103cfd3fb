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
    private (ChainWorkspace<T> Workspace, BatchHalves<T>? Halves)[] _halves = [];

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

    /// <summary>
    /// Whether a batch runs as two halves side by side (<see cref="BatchHalves{T}"/>): null (the default) where that pays
    /// (<see cref="BatchHalves{T}.Pays"/>), or always (batches of two samples or more) / never (tests compare both paths).
    /// </summary>
    internal bool? Halves { get; set; }

    /// <summary>
    /// Whether the halves run a dense first layer by rows of its weights, each core owning a block of them for the whole
    /// batch (<see cref="BatchHalves{T}.FirstLayerByRows"/>): true (the default), or false to multiply all of it by each
    /// half's samples (tests and benchmarks compare both).
    /// </summary>
    internal bool FirstLayerByRows { get; set; } = true;

    /// <summary>Its passes on the batch's halves are its own (<see cref="TryEvaluateHalves"/>): the whole batch's passes after them are the fallback.</summary>
    private protected override bool TakesForwardHalves => false;

    /// <summary>Whether the last pass on the halves ran the first layer by rows (a diagnostic for tests and benchmarks).</summary>
    internal bool LastByRows { get; private set; }

    /// <summary>Whether the last step was the fused step on the halves with the first layer by rows, completed (a diagnostic for tests).</summary>
    internal bool LastFusedByRows { get; private set; }

    /// <summary>Whether the last pass ran on the batch's two halves, and whether on two threads (diagnostics for the benchmarks).</summary>
    internal (bool Halves, bool SideBySide) LastHalves { get; private set; }

    /// <summary>
    /// The halves of <paramref name="workspace"/>'s batch when the passes take them, else null (also for good when a layer
    /// cannot give the halves' tape lengths, which the whole batch's pass never asks for).
    /// </summary>
    private BatchHalves<T>? HalvesOf(ChainWorkspace<T> workspace)
    {
        LastHalves = default;
        LastByRows = false;
        LastFusedByRows = false;
        _lastUsedStreams = false;
        int batch = workspace.BatchSize;
        if (batch < 2 || !(Halves ?? BatchHalves<T>.Pays(Chain, batch)))
            return null;
        return CachedHalves(ref _halves, workspace, static w => new BatchHalves<T>(w));
    }

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

        ParameterSweep<T> sweeps = new(true, T.Zero, T.Zero, T.Zero);
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

            sweeps = Then(sweeps, sweep);
        }

        LastSweep = sweeps;
        return value;
    }

    /// <summary>Two layers' sweeps as one: ‖w‖² summed in the order of the calls, the bounds' maxima (NaN once either is NaN).</summary>
    private static ParameterSweep<T> Then(ParameterSweep<T> sweeps, ParameterSweep<T> sweep) =>
        new(true, sweeps.SumOfSquares + sweep.SumOfSquares,
            T.IsNaN(sweep.MaxParameter) ? sweep.MaxParameter : T.Max(sweeps.MaxParameter, sweep.MaxParameter),
            T.IsNaN(sweep.MaxDirection) ? sweep.MaxDirection : T.Max(sweeps.MaxDirection, sweep.MaxDirection));

    /// <summary>
    /// <see cref="ChainOracle{T}.Evaluate"/>'s passes on the batch's two halves (<see cref="BatchHalves{T}"/>): each half's
    /// forward pass and pullbacks side by side, the objective on the whole output between them, then one sweep per layer
    /// from the last that forms d_t = (g_t of the first half + g_t of the second) + μw_t, as the whole batch's pass sweeps.
    /// With a first layer by rows (<see cref="FirstLayerByRows"/>) every d_t is formed in one more pair job after the halves'
    /// pullbacks (<see cref="BatchHalves{T}.FirstLayerGradient"/>): d₀ block by block, then the other layers chunk by chunk;
    /// the sums are added in the same order, ‖w₀‖² last, block by block. False (nothing the caller keeps changed) when the
    /// halves are not taken or a value was not finite.
    /// </summary>
    private protected override bool TryEvaluateHalves(ReadOnlySpan<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective,
                                                      ChainWorkspace<T> workspace, Span<T> direction, out T value, out bool inputCopied)
    {
        value = T.Zero;
        inputCopied = false;
        if (HalvesOf(workspace) is not { } halves)
            return false;

        // x₀ into state 0, as the whole batch's forward pass copies it: each half its own samples, unless x₀ lies in the
        // workspace, which the halves write. Once copied, the whole batch's pass after a failure reads the copy: the halves
        // may have written over x₀ (in the workspace, or overlapping the direction).
        bool copyFirst = workspace.Overlaps(x0);
        if (copyFirst && !NonFinite.CopyAllFinite(x0, workspace.StateBuffer(0)))
            return false;
        inputCopied = copyFirst;
        bool byRows = FirstLayerByRows && halves.FirstLayerByRows;
        LastByRows = byRows;
        bool forward = halves.Forward(w, copyFirst ? workspace.State(0) : x0, copyInput: !copyFirst, checkInput: false, byRows);
        inputCopied |= forward;
        if (!forward
            || !TryObjective(workspace, objective, out T h)
            || !halves.Backward(w, workspace.State(0), direction, byRows)
            || (byRows && !halves.FirstLayerGradient(w, workspace.State(0), direction, ParameterL2, !T.IsZero(ParameterL2))))
        {
            return false;
        }

        Chain<T> chain = Chain;
        bool addL2 = !T.IsZero(ParameterL2);
        ParameterSweep<T> sweeps = new(true, T.Zero, T.Zero, T.Zero);
        for (int i = chain.Length - 1; i >= 0; i--)
        {
            if (byRows && i == 0)
                break; // the first layer's blocks, added below
            ParameterSweep<T> sweep = byRows
                ? halves.RestSweep(i) // formed chunk by chunk in the first layer's job, finite (else it returned false)
                : ParameterUpdate.AddL2(chain.Parameters(w, i), ParameterL2, chain.Parameters(direction, i), addL2, chain.Parameters(halves.SecondGradient, i));
            if (!sweep.GradientFinite)
                return false;
            sweeps = Then(sweeps, sweep);
        }
        if (byRows)
        {
            foreach (ParameterSweep<T> block in halves.FirstSweeps) // the first layer's blocks, formed by rows
                sweeps = Then(sweeps, block);
        }

        LastSweep = sweeps;
        LastHalves = (true, halves.SideBySide);
        value = h;
        return true;
    }

    /// <summary>h(x_τ) and λ_τ = ∇h(x_τ) into the workspace's first multiplier buffer; false when either is not finite.</summary>
    private bool TryObjective(ChainWorkspace<T> workspace, IMoreauObjective<T> objective, out T value)
    {
        Span<T> lambda = workspace.Multiplier(0, workspace.StateLength(Chain.Length));
        value = objective.ValueAndGradient(workspace.Output, lambda);
        return T.IsFinite(value) && NonFinite.AllFinite<T>(lambda);
    }

    /// <summary>
    /// <see cref="TryDescend"/> on the batch's two halves: their passes as in <see cref="TryEvaluateHalves"/>, the first half's
    /// gradients in <paramref name="scratch"/>, then per layer from the last the fused update sweep with the second half's
    /// gradient added (<see cref="FusedDescent.Run"/>). With a first layer by rows every layer is updated in the first
    /// layer's job instead (<see cref="BatchHalves{T}.DescendFirstLayer"/>): each block of W₀ right after its gradient, then
    /// the other layers chunk by chunk. False with w as it was when a value on the way was not finite.
    /// </summary>
    private bool TryDescendHalves(BatchHalves<T> halves, Span<T> w, ReadOnlySpan<T> input, bool checkInput, IMoreauObjective<T> objective,
                                  Span<T> scratch, T stepScale, out T value)
    {
        value = T.Zero;
        ChainWorkspace<T> workspace = halves.Workspace;
        bool addL2 = !T.IsZero(ParameterL2);
        bool byRows = FirstLayerByRows && halves.FirstLayerByRows;
        LastByRows = byRows;
        if (!halves.Forward(w, input, copyInput: false, checkInput, byRows)
            || !TryObjective(workspace, objective, out T h)
            || !halves.Backward(w, input, scratch, byRows)
            || (byRows && !halves.DescendFirstLayer(w, input, scratch, ParameterL2, addL2, -stepScale)))
        {
            return false; // w as it was
        }

        // ‖w‖² from the last layer. By rows every layer is updated already, in the first layer's job, its sums added here in
        // the same order as Evaluate's; else the sweeps of the layers the halves pulled back run here, from the last.
        Chain<T> chain = Chain;
        int count = chain.Length;
        T squares = T.Zero;
        if (byRows)
        {
            for (int i = count - 1; i >= 1; i--)
                squares += halves.RestSweep(i).SumOfSquares;
            foreach (ParameterSweep<T> block in halves.FirstSweeps) // ‖w₀‖² last, block by block
                squares += block.SumOfSquares;
        }
        for (int i = count - 1; i >= 0 && !byRows; i--)
        {
            DescentSweep<T> sweep = FusedDescent.Run(chain.Parameters(w, i), ParameterL2, chain.Parameters(scratch, i), addL2, -stepScale,
                                                     chain.Parameters(halves.SecondGradient, i));
            if (!sweep.Completed) // the sweep left this layer as it was; the layers above it hold their old values in scratch
            {
                for (int j = i + 1; j < count; j++)
                    FusedDescent.Restore<T>(chain.Parameters(scratch, j), chain.Parameters(w, j));
                return false;
            }
            squares += sweep.SumOfSquares;
        }

        LastFusedByRows = byRows;
        LastHalves = (true, halves.SideBySide);
        value = h + ParameterL2 / (T.One + T.One) * squares;
        return true;
    }

    /// <summary>
    /// The backward pass above with gradient descent's update fused in (<see cref="FusedDescent"/>): right after layer t's
    /// pullback, whose products read w_t, one sweep writes w_t ← w_t − η·(∇ + μw_t) in place and keeps the old w_t in
    /// <paramref name="scratch"/>; the layers before t read only their own parameters. The first layer reads x₀ where it is
    /// (checked, not copied into the workspace). The same values as
    /// <see cref="ChainOracle{T}.Evaluate"/> and the separate update; on a non-finite multiplier, gradient or update, or an
    /// exception from a layer, the layers already updated are restored and the call returns false (or rethrows).
    /// With the two streams (<see cref="BackwardStreams{T}"/>) the products of layers count−1..1 run first, then their
    /// update sweeps in the same order on the whole pool, then layer 0: the same values, failures and restores. On the
    /// batch's two halves (<see cref="BatchHalves{T}"/>, tried first where they are taken) the same values as
    /// <see cref="ChainOracle{T}.Evaluate"/> on the halves; any failure there runs this pass on the whole batch, which
    /// reports it. An x₀ that lies in the workspace returns false at once: the separate passes copy it before writing.
    /// </summary>
    internal override unsafe bool TryDescend(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, Span<T> scratch, T stepScale, out T value)
    {
        ChainWorkspace<T> workspace = CheckDescent(w, x0, objective, scratch, out bool inPlace);
        if (workspace.Overlaps(x0))
        {
            // x₀ lies in the workspace, which the pass overwrites: were the step to fail on the way, the separate passes the
            // caller takes next would read the overwritten x₀. They copy it first and run the same step.
            value = T.Zero;
            return false;
        }

        if (HalvesOf(workspace) is { } halves)
        {
            // x₀ overlapping w or scratch goes into state 0 first; the whole batch's pass after a failed step on the halves
            // then reads that copy (the halves wrote the first half's gradients into scratch).
            bool copied = !inPlace && NonFinite.CopyAllFinite(x0, workspace.StateBuffer(0));
            if (inPlace || copied)
            {
                if (TryDescendHalves(halves, w, inPlace ? x0 : workspace.State(0), checkInput: inPlace, objective, scratch, stepScale, out value))
                    return true;
                if (copied)
                {
                    x0 = workspace.State(0);
                    inPlace = true;
                }
            }
        }

        Chain.Forward(w, x0, workspace, record: true, copyInput: !inPlace);
        ReadOnlySpan<T> input = inPlace ? x0 : workspace.State(0);
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
