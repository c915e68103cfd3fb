using System.Numerics;

namespace MoreauGen;

/// <summary>
/// A first-order oracle on a chain and an objective (paper Alg. 5 and Alg. 1–2): runs the forward pass at
/// (w, x₀), evaluates h(x_τ) and writes, for every layer, the direction of its update. Optimisers move
/// w ← w − η·direction (<see cref="GradientDescent{T}"/>, η the step) or w ← w − direction
/// (<see cref="MoreauGradientDescent{T}"/>, the step folded in).
/// </summary>
/// <remarks>
/// <para>
/// An optional ℓ2 term r(w) = (μ/2)‖w‖² (<see cref="ParameterL2"/>; paper App. D.6, E.1.2) joins the objective:
/// <see cref="Evaluate"/> returns h(x_τ) + r(w) and each oracle accounts for r in its direction.
/// </para>
/// <para>
/// An oracle keeps one <see cref="ChainWorkspace{T}"/> per batch size it has seen (allocated on first use, reused
/// afterwards), so evaluating allocates nothing in the steady state. Use one oracle per thread.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public abstract class ChainOracle<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private ChainWorkspace<T>[] _workspaces = [];

    private protected ChainOracle(Chain<T> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        Chain = chain;
    }

    /// <summary>The chain f(w, x₀).</summary>
    public Chain<T> Chain { get; }

    /// <summary>μ ≥ 0 of the ℓ2 term r(w) = (μ/2)‖w‖² summed over all layers (default 0).</summary>
    public T ParameterL2
    {
        get;
        init
        {
            if (!(value >= T.Zero) || !T.IsFinite(value))
                throw new ArgumentOutOfRangeException(nameof(ParameterL2), value, "The ℓ2 weight μ must be finite and non-negative.");
            field = value;
        }
    } = T.Zero;

    /// <summary>
    /// Runs the forward pass at parameters <paramref name="w"/> (|w| values) and inputs <paramref name="x0"/>
    /// (m samples), evaluates h(x_τ) + r(w) and writes the update direction of every layer into
    /// <paramref name="direction"/> (|w| values, must not overlap <paramref name="w"/>).
    /// </summary>
    /// <returns>h(f(w, x₀)) + r(w), at <paramref name="w"/>.</returns>
    /// <exception cref="NonFiniteValueException">A NaN or infinity appeared (names the layer); <paramref name="direction"/> is then undefined.</exception>
    public T Evaluate(ReadOnlySpan<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, Span<T> direction)
    {
        CheckObjective(objective);
        Chain.CheckParameters(w, nameof(w));
        Chain.CheckParameters(direction, nameof(direction));
        if (w.Overlaps(direction))
            throw new ArgumentException("direction overlaps w.", nameof(direction));
        ChainWorkspace<T> workspace = Workspace(Chain.BatchSize(x0));
        LastSweep = null;
        LastForwardHalves = false;
        if (!TryEvaluateHalves(w, x0, objective, workspace, direction, out T value, out bool inputCopied))
        {
            // After the halves copied x₀ into state 0, that copy is x₀ (the halves may have written over x₀ itself).
            if (!TryForwardHalves(w, x0, workspace, ref inputCopied))
                Chain.Forward(w, inputCopied ? workspace.State(0) : x0, workspace, record: true, copyInput: !inputCopied);
            LastSweep = null;
            value = Backward(w, objective, workspace, direction);
        }
        return value + (LastSweep is { } sweep ? ParameterL2 / (T.One + T.One) * sweep.SumOfSquares : Regularization(w));
    }

    /// <summary>
    /// The forward and backward passes of <see cref="Evaluate"/> on the two halves of the batch side by side
    /// (<see cref="BatchHalves{T}"/>), for the oracles that take them (<see cref="Backpropagation{T}"/>): returns false when
    /// the oracle does not at this batch or a value on the way was not finite, and <see cref="Evaluate"/> then runs the whole
    /// batch's passes, reading x₀ from the workspace's state 0 when <paramref name="inputCopied"/> (the halves copied it
    /// there and may have written over <paramref name="x0"/> itself).
    /// </summary>
    private protected virtual bool TryEvaluateHalves(ReadOnlySpan<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective,
                                                     ChainWorkspace<T> workspace, Span<T> direction, out T value, out bool inputCopied)
    {
        value = T.Zero;
        inputCopied = false;
        return false;
    }

    /// <summary>
    /// Whether <see cref="Evaluate"/>'s forward pass runs on the batch's two halves side by side (<see cref="BatchHalves{T}"/>,
    /// forward only, a dense first layer by rows of its weights) before the oracle's backward pass on the whole batch: null
    /// (the default) where that pays (<see cref="BatchHalves{T}.Pays"/>), or always (batches of two samples or more) / never
    /// (tests compare both). Only where every layer's tape splits by rows (<see cref="BatchHalves{T}.TapesByRows"/>), and
    /// not for <see cref="Backpropagation{T}"/>, whose passes on the halves are its own.
    /// </summary>
    internal bool? ForwardHalves { get; set; }

    /// <summary>Whether the last <see cref="Evaluate"/> ran its forward pass on the halves (<see cref="ForwardHalves"/>; a diagnostic for tests and benchmarks).</summary>
    internal bool LastForwardHalves { get; private set; }

    /// <summary>Whether this oracle's forward pass may take the halves (<see cref="ForwardHalves"/>).</summary>
    private protected virtual bool TakesForwardHalves => true;

    // The forward-only halves of each workspace seen (Halves null: not taken for that workspace).
    private (ChainWorkspace<T> Workspace, BatchHalves<T>? Halves)[] _forwardHalves = [];

    /// <summary>
    /// <see cref="Evaluate"/>'s taped forward pass on the batch's two halves (<see cref="ForwardHalves"/>): the states and
    /// tapes the whole batch's pass writes, state 0 included, to rounding (a dense first layer's sum over its inputs is
    /// grouped by two blocks of them). False when the halves are not taken or a value was not finite; the whole batch's
    /// pass then runs and names it, reading x₀ from state 0 when <paramref name="inputCopied"/> (set here when x₀ lies in
    /// the workspace, which the halves write, and is copied there first).
    /// </summary>
    private bool TryForwardHalves(ReadOnlySpan<T> w, ReadOnlySpan<T> x0, ChainWorkspace<T> workspace, ref bool inputCopied)
    {
        if (!TakesForwardHalves || ForwardHalvesOf(workspace) is not { } halves)
            return false;
        if (!inputCopied && workspace.Overlaps(x0))
        {
            if (!NonFinite.CopyAllFinite(x0, workspace.StateBuffer(0)))
                return false;
            inputCopied = true;
        }

        // Copied or not, x₀ itself is unchanged: the halves write the workspace alone, x₀ only where it is state 0's copy.
        bool forward = halves.Forward(w, inputCopied ? workspace.State(0) : x0, copyInput: !inputCopied, checkInput: false,
                                      byRows: halves.FirstLayerByRows);
        LastForwardHalves = forward;
        return forward;
    }

    /// <summary>The forward-only halves of <paramref name="workspace"/>'s batch when <see cref="ForwardHalves"/> takes them, else null.</summary>
    private BatchHalves<T>? ForwardHalvesOf(ChainWorkspace<T> workspace)
    {
        int batch = workspace.BatchSize;
        if (batch < 2 || !(ForwardHalves ?? BatchHalves<T>.Pays(Chain, batch)))
            return null;
        return CachedHalves(ref _forwardHalves, workspace,
                            static w => BatchHalves<T>.TapesByRows(w.Chain, w.BatchSize) ? new BatchHalves<T>(w, forwardOnly: true) : null);
    }

    /// <summary>
    /// The halves <paramref name="cache"/> holds for <paramref name="workspace"/>, else those <paramref name="create"/> makes,
    /// cached (null too: not taken for that workspace, also when a layer refuses the halves' sizes, for good: the whole
    /// batch's pass never asks for them).
    /// </summary>
    private protected static BatchHalves<T>? CachedHalves(ref (ChainWorkspace<T> Workspace, BatchHalves<T>? Halves)[] cache, ChainWorkspace<T> workspace,
                                                          Func<ChainWorkspace<T>, BatchHalves<T>?> create)
    {
        var entries = cache;
        for (int i = 0; i < entries.Length; i++)
        {
            if (ReferenceEquals(entries[i].Workspace, workspace))
                return entries[i].Halves;
        }

        BatchHalves<T>? created;
        try
        {
            created = create(workspace);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException or InvalidOperationException or NotSupportedException)
        {
            created = null; // e.g. TapeLength refuses half the batch: the whole batch, as before
        }
        cache = [.. entries, (workspace, created)];
        return created;
    }

    /// <summary>
    /// Gradient descent's step fused into the backward pass, for oracles that can (<see cref="Backpropagation{T}"/>):
    /// as <see cref="Evaluate"/> followed by w ← w − <paramref name="stepScale"/>·d, with <paramref name="scratch"/>
    /// (|w| values, not overlapping w) as the direction buffer. Returns false with w as it was when the oracle has no
    /// fused step or a value on the way was not finite; the caller then takes the separate passes, which report it.
    /// </summary>
    /// <param name="w">The parameters, |w| values, updated in place when the call returns true.</param>
    /// <param name="x0">The batch of inputs, m samples.</param>
    /// <param name="objective">h, with the batch's data set.</param>
    /// <param name="scratch">|w| values the step may overwrite.</param>
    /// <param name="stepScale">η &gt; 0.</param>
    /// <param name="value">h(f(w, x₀)) + r(w) at the parameters before the step, when the call returns true.</param>
    internal virtual bool TryDescend(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, Span<T> scratch, T stepScale, out T value)
    {
        value = T.Zero;
        return false;
    }

    /// <summary>
    /// The checks <see cref="TryDescend"/> makes before its forward pass, and where that pass's first layer reads x₀:
    /// <paramref name="inPlace"/>, where it is (checked, not copied into the workspace), unless it overlaps w,
    /// <paramref name="scratch"/> or the workspace itself (e.g. x₀ = <see cref="ChainWorkspace{T}.Output"/> of the last
    /// step), which the step writes before the first layer's pullback reads its input; then x₀ goes into the workspace's
    /// state 0 first.
    /// </summary>
    private protected ChainWorkspace<T> CheckDescent(Span<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective, Span<T> scratch,
                                                     out bool inPlace)
    {
        CheckObjective(objective);
        Chain.CheckParameters(w, nameof(w));
        Chain.CheckParameters(scratch, nameof(scratch));
        if (w.Overlaps(scratch))
            throw new ArgumentException("scratch overlaps w.", nameof(scratch));
        ChainWorkspace<T> workspace = Workspace(Chain.BatchSize(x0));
        inPlace = !x0.Overlaps(w) && !x0.Overlaps(scratch) && !workspace.Overlaps(x0);
        LastSweep = null;
        return workspace;
    }

    /// <summary>
    /// After <see cref="Evaluate"/>: ‖w‖² and the bounds max |wᵢ| and max |dᵢ| when the oracle's backward pass computed
    /// them in its last sweep over the parameters (<see cref="ParameterUpdate.AddL2"/>), so that neither the ℓ2 value
    /// nor the optimiser's update needs another pass; null when it did not.
    /// </summary>
    internal ParameterSweep<T>? LastSweep { get; private protected set; }

    /// <summary>h(f(w, x₀)) + r(w) without a backward pass (the forward pass records no tapes).</summary>
    public T Value(ReadOnlySpan<T> w, ReadOnlySpan<T> x0, IMoreauObjective<T> objective)
    {
        CheckObjective(objective);
        ChainWorkspace<T> workspace = Workspace(Chain.BatchSize(x0));
        Chain.Forward(w, x0, workspace, record: false);
        T value = objective.Value(workspace.Output);
        CheckValue(value, objective);
        return value + Regularization(w);
    }

    /// <summary>The workspace this oracle uses for batches of <paramref name="batch"/> samples (created on first use).</summary>
    /// <remarks>
    /// After gradient descent's fused step (<see cref="GradientDescent{T}"/> on a network), its state 0 does not hold that
    /// step's x₀: the step reads x₀ where the caller keeps it. After a pass of <see cref="Backpropagation{T}"/> on the batch's
    /// two halves (large enough batches on two cores), its tapes and multiplier buffers are not that pass's: each half keeps
    /// its own. The other oracles' forward pass on the halves writes the workspace's states and tapes (<see cref="ForwardHalves"/>).
    /// </remarks>
    public ChainWorkspace<T> Workspace(int batch)
    {
        ChainWorkspace<T>[] workspaces = _workspaces;
        for (int i = 0; i < workspaces.Length; i++)
        {
            if (workspaces[i].BatchSize == batch)
                return workspaces[i];
        }

        ChainWorkspace<T> created = Chain.CreateWorkspace(batch);
        _workspaces = [.. workspaces, created];
        return created;
    }

    /// <summary>
    /// The backward pass after a taped forward pass into <paramref name="workspace"/>: returns h(x_τ) and writes the
    /// directions (without the ℓ2 term's value, which the caller adds).
    /// </summary>
    private protected abstract T Backward(ReadOnlySpan<T> w, IMoreauObjective<T> objective, ChainWorkspace<T> workspace, Span<T> direction);

    private protected void CheckValue(T value, IMoreauObjective<T> objective)
    {
        if (!T.IsFinite(value))
            NonFinite.CheckObjective([value], Chain, objective, NonFiniteQuantity.ObjectiveValue);
    }

    private T Regularization(ReadOnlySpan<T> w)
    {
        if (T.IsZero(ParameterL2))
            return T.Zero;
        // Layer by layer from the last, in the order of Backpropagation's sweeps, so Value and Evaluate agree bit for bit
        // (but for a first layer by rows on the halves, whose ‖w₀‖² Evaluate sums block by block: there to rounding).
        T squares = T.Zero;
        for (int i = Chain.Length - 1; i >= 0; i--)
            squares += ParameterUpdate.SumOfSquares(Chain.Parameters(w, i));
        return ParameterL2 / (T.One + T.One) * squares;
    }

    private void CheckObjective(IMoreauObjective<T> objective)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (objective.InputCount != Chain.OutputCount)
            throw new ArgumentException(
                $"The objective ({objective.GetType().Name}) reads {objective.InputCount} values per sample but {Chain.Describe(Chain.Length - 1)} outputs {Chain.OutputCount}.",
                nameof(objective));
    }
}
