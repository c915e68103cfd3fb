using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// Back-propagation (paper Alg. 3–4) on the two halves of a batch side by side (<see cref="PairJob"/>): each thread runs
/// the taped forward pass and then the pullbacks of every layer on its own block of samples, every product inside on one
/// core, and the parameter gradient of the batch is the sum of the two halves' gradients (a layer's gradient is a sum over
/// its samples, <see cref="IMoreauLayer{T}.Pullback"/>), formed in the sweep that follows (<see cref="ParameterUpdate.AddL2"/>,
/// <see cref="FusedDescent.Run"/> with their second gradient, on the pool). A step then hands work to the other thread for
/// the forward pass, the backward pass and the sweep of each layer of more than one chunk, instead of around each product:
/// on 784-500-300-100-10 at batch 256 that step took 0.94 of the whole batch's when that sat at 1.23 of its products, and
/// about 1.01 when it sat at 1.06–1.10 (<c>step-halves</c>, benchmarks/RESULTS.md). Sweeping each layer inside the
/// backward pass, as soon as both halves had pulled it back, measured 1–3 % slower than these sweeps after it. A dense
/// first layer runs by rows of its weights instead, each core owning a block of them for the whole batch, and then every
/// layer's sweep runs in the first layer's job, chunk by chunk, not on the pool after it (<see cref="FirstLayerByRows"/>,
/// BatchHalves.FirstLayer.cs). Forward only (<see cref="BatchHalves{T}(ChainWorkspace{T}, bool)"/>), the halves run the
/// forward pass of the oracles whose backward pass is on the whole batch (<see cref="ChainOracle{T}.ForwardHalves"/>).
/// </summary>
/// <remarks>
/// <para>
/// The halves are rows 0..m/2−1 and m/2..m−1 of every state of the batch's <see cref="ChainWorkspace{T}"/> (a state holds
/// its samples back to back) and of λ_τ, so the objective reads the whole output and writes the whole λ_τ in between, on
/// the calling thread. Each half has its own tapes and multipliers λ_t (t &lt; τ), kept here: after a pass on the halves
/// the workspace's tapes and multiplier buffers are not those of its last passes. Forward only, the halves write their rows
/// of the workspace's own tapes instead (every tape splits by rows, <see cref="TapesByRows"/>), which the whole batch's
/// backward pass then reads.
/// </para>
/// <para>
/// Values: which thread runs a half never changes what it computes, so the gradient, its sums and the iterates are the
/// same bits side by side or one after the other (pool busy); they differ from the whole batch's in rounding (the sums
/// over the samples are grouped by half). Failures: a half stops at its first non-finite state or multiplier or exception
/// from a layer and the pass returns false, having changed nothing the caller keeps but the workspace and the gradient
/// buffer; the caller then runs the whole batch's pass, which names the failure as before (reading x₀ from state 0 once it
/// was copied there, since the halves may have written over x₀ itself where it lies in the workspace or the gradient).
/// </para>
/// <para>
/// Allocation: none per pass. A thread's pack buffers for the products are its own and grow to the largest product it has
/// run; with an odd batch the halves differ by one sample, so a thread that has only run the smaller half grows them once
/// the first time it runs the larger.
/// </para>
/// </remarks>
internal sealed unsafe partial class BatchHalves<T> : PairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// The fewest multiply-adds Σ_t |w_t|·m/2 of one half's forward products for which the halves are taken: as
    /// <see cref="BackwardStreams{T}.MinimumWork"/>, about 0.1 ms of products on one core, so that a half's work pays its
    /// hand-offs.
    /// </summary>
    internal const long MinimumWork = BackwardStreams<T>.MinimumWork;

    private readonly Chain<T> _chain;
    private readonly ChainWorkspace<T> _workspace;
    private readonly int _rows0;
    private readonly T[][] _tapes;
    private readonly int[][] _tapeOffsets;
    private readonly T[] _gradient1;
    private readonly T[][] _multipliers; // each half's own λ ping-pong: two buffers of its rows of the widest λ_t, t < τ

    // One call's operands (pinned by the caller around Run).
    private T* _w, _input, _gradient0;
    private int _length, _inputLength;
    private readonly bool _forwardOnly; // the workspace's tapes, forward pass only
    private bool _copyInput, _checkInput, _byRows;
    private Pass _pass;
    private int _failed;
    private int _thread0, _thread1;

    /// <summary>
    /// The halves of <paramref name="workspace"/>'s batch (at least two samples), allocated once per workspace. With
    /// <paramref name="forwardOnly"/> (a chain whose tapes split by rows, <see cref="TapesByRows"/>) they run only the
    /// forward pass, each half writing its rows of the workspace's own tapes, so that any oracle's backward pass reads them
    /// as after the whole batch's forward pass.
    /// </summary>
    public BatchHalves(ChainWorkspace<T> workspace, bool forwardOnly = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workspace.BatchSize, 2);
        _chain = workspace.Chain;
        _workspace = workspace;
        _rows0 = workspace.BatchSize / 2;
        _forwardOnly = forwardOnly;
        int count = _chain.Length;
        if (forwardOnly && !TapesByRows(_chain, workspace.BatchSize))
            throw new ArgumentException("A layer's tape of a block of samples is not those samples' rows of the batch's tape.", nameof(workspace));
        _tapes = new T[2][];
        _tapeOffsets = new int[2][];
        for (int part = 0; part < 2; part++)
        {
            int rows = part == 0 ? _rows0 : workspace.BatchSize - _rows0;
            int[] offsets = new int[count + 1];
            for (int i = 0; i < count && !forwardOnly; i++)
            {
                int tape = _chain[i].TapeLength(rows);
                if (tape < 0)
                    throw new ArgumentException($"{_chain.Describe(i)} reports a negative tape length ({tape}) for a batch of {rows}.", nameof(workspace));
                offsets[i + 1] = checked(offsets[i] + tape);
            }
            _tapeOffsets[part] = offsets;
            _tapes[part] = new T[offsets[count]];
        }
        _gradient1 = forwardOnly ? [] : new T[_chain.ParameterCount];

        // The workspace's two multiplier buffers cannot be shared: a half's rows of λ_t start at its first sample times
        // |x_t|, which changes from layer to layer, so one half writing λ_{t−1} would overwrite rows of λ_{t+1} the other,
        // a layer behind, still reads.
        int widest = 0;
        for (int i = 1; i < count && !forwardOnly; i++)
            widest = Math.Max(widest, _chain[i].InputCount);
        _multipliers = [new T[checked(2 * widest * _rows0)], new T[checked(2 * widest * (workspace.BatchSize - _rows0))]];
        (_first, _firstPartials, _firstDeltas) = FirstLayer(_chain, workspace.BatchSize, forwardOnly);
        _restChunks = RestChunks(_chain, _first is not null && !forwardOnly);
        _restResults = new ParameterSweep<T>[_restChunks.Length];
    }

    /// <summary>
    /// Whether every layer's tape of a block of samples is those samples' rows of the batch's tape, so that the halves may
    /// write the workspace's tapes (<see cref="BatchHalves{T}(ChainWorkspace{T}, bool)"/> forward only): a layer records
    /// nothing, or it is dense (<see cref="DenseGramSolve{T}.Consistent"/>) and records its pre-activations z = x·W + 1bᵀ
    /// alone, m×n from the tape's start. Other tapes may hold values of the whole batch (a sum over its samples, say), which
    /// the halves cannot split.
    /// </summary>
    public static bool TapesByRows(Chain<T> chain, int batch)
    {
        if (batch < 2)
            return false;
        int rows0 = batch / 2, rows1 = batch - rows0;
        try
        {
            for (int i = 0; i < chain.Length; i++)
            {
                IMoreauLayer<T> layer = chain[i];
                if (layer.TapeLength(batch) == 0 && layer.TapeLength(rows0) == 0 && layer.TapeLength(rows1) == 0)
                    continue;
                if (DenseGramSolve<T>.Consistent(layer) is not { PreActivationTapeOffset: 0 } s
                    || layer.TapeLength(batch) != (long)batch * s.Outputs || layer.TapeLength(rows0) != (long)rows0 * s.Outputs
                    || layer.TapeLength(rows1) != (long)rows1 * s.Outputs)
                {
                    return false;
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or OverflowException or InvalidOperationException or NotSupportedException)
        {
            return false; // a layer that cannot give a block's tape length
        }
        return true;
    }

    /// <summary>
    /// Whether the halves pay for <paramref name="chain"/> at batch <paramref name="batch"/>: a pool of two threads (the
    /// machine this was measured on; with more threads the products keep the whole pool), at least two samples,
    /// <see cref="MinimumWork"/> multiply-adds in a half, and no layer larger than
    /// <see cref="BackwardStreams{T}.MaximumLayerParameters"/> (on 784-4000-1000-4000-10 each half's products would stream
    /// their weights from memory side by side, where a product on the pool shares its packed operand between the threads).
    /// </summary>
    public static bool Pays(Chain<T> chain, int batch)
    {
        if (batch < 2 || WorkerPool.Shared.ThreadCount != 2)
            return false;
        long work = 0;
        for (int i = 0; i < chain.Length; i++)
        {
            if (chain[i].ParameterCount > BackwardStreams<T>.MaximumLayerParameters)
                return false;
            work += (long)chain[i].ParameterCount * (batch / 2);
        }
        return work >= MinimumWork;
    }

    /// <summary>Whether the last pass ran its halves on two threads (a diagnostic for the benchmarks).</summary>
    public bool SideBySide => _thread0 != _thread1;

    /// <summary>The workspace whose batch this splits.</summary>
    public ChainWorkspace<T> Workspace => _workspace;

    /// <summary>The second half's parameter gradients after <see cref="Backward"/> (|w| values), to add to the first half's.</summary>
    public ReadOnlySpan<T> SecondGradient => _gradient1;

    /// <summary>
    /// The taped forward pass of both halves at <paramref name="w"/> on <paramref name="input"/> (the batch's x₀): with
    /// <paramref name="copyInput"/> each half copies its samples into the workspace's state 0 and checks them; otherwise the
    /// first layer reads them where they are, checked when <paramref name="checkInput"/>. With <paramref name="byRows"/> (a
    /// <see cref="FirstLayerByRows"/> chain) the first layer runs by rows of its weights first. Returns false when a half met
    /// a non-finite input or state or an exception.
    /// </summary>
    public bool Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> input, bool copyInput, bool checkInput, bool byRows = false)
    {
        fixed (T* pw = w)
        fixed (T* px = input)
        {
            _byRows = byRows;
            if (byRows && !RunFirstForward(pw, w.Length, px, input.Length, copyInput, checkInput))
                return false;
            return Run(pw, w.Length, px, input.Length, null, backward: false, copyInput && !byRows, checkInput && !byRows);
        }
    }

    /// <summary>
    /// The pullbacks of both halves from λ_τ (the workspace's first multiplier buffer, written by the objective after
    /// <see cref="Forward"/>): the first half's parameter gradients into <paramref name="gradient"/>, the second half's into
    /// <see cref="SecondGradient"/>; <paramref name="input"/> is the first layer's input as in <see cref="Forward"/> (x₀ where
    /// it is, or the workspace's state 0 after a copy). With <paramref name="byRows"/> (after <see cref="Forward"/> by rows) the
    /// halves stop at layer 1, each leaving its dz₁ for <see cref="FirstLayerGradient"/> or <see cref="DescendFirstLayer"/>,
    /// which take the first layer's gradient. Returns false when a half met a non-finite multiplier or an exception.
    /// </summary>
    public bool Backward(ReadOnlySpan<T> w, ReadOnlySpan<T> input, Span<T> gradient, bool byRows = false)
    {
        if (_forwardOnly)
            throw new InvalidOperationException("These halves run the forward pass only.");
        if (gradient.Length != w.Length)
            throw new ArgumentException($"The gradient has {gradient.Length} values and w {w.Length}.", nameof(gradient));
        _byRows = byRows;
        if (byRows && _chain.Length == 1)
            return true; // the first layer is the whole chain: FirstLayerGradient pulls it back
        fixed (T* pw = w)
        fixed (T* px = input)
        fixed (T* pg = gradient)
            return Run(pw, w.Length, px, input.Length, pg, backward: true, copyInput: false, checkInput: false);
    }

    private bool Run(T* w, int length, T* input, int inputLength, T* gradient, bool backward, bool copyInput, bool checkInput)
    {
        _w = w;
        _length = length;
        _input = input;
        _inputLength = inputLength;
        _gradient0 = gradient;
        _pass = backward ? Pass.Backward : Pass.Forward;
        _copyInput = copyInput;
        _checkInput = checkInput;
        _failed = 0;
        try
        {
            Run();
        }
        finally
        {
            _w = _input = _gradient0 = null;
        }
        return _failed == 0;
    }

    /// <inheritdoc/>
    protected override void RunPart(int part)
    {
        if (part == 0)
            _thread0 = Environment.CurrentManagedThreadId;
        else
            _thread1 = Environment.CurrentManagedThreadId;
        bool done;
        try
        {
            done = _pass switch
            {
                Pass.Forward => ForwardHalf(part),
                Pass.Backward => BackwardHalf(part),
                Pass.FirstForward => FirstForwardPart(part),
                _ => FirstBackwardPart(part),
            };
        }
        catch (Exception)
        {
            done = false; // the whole batch's pass, run next, meets it again and reports it
        }
        if (!done)
            Volatile.Write(ref _failed, 1);
    }

    /// <summary>This half's rows of a batch-sized <paramref name="values"/> (the batch's samples back to back).</summary>
    private Span<T> Rows(Span<T> values, int part)
    {
        int perSample = values.Length / _workspace.BatchSize;
        int split = perSample * _rows0;
        return part == 0 ? values[..split] : values[split..];
    }

    /// <summary>This half's multiplier buffer <paramref name="which"/> (0 or 1) for λ of <paramref name="width"/> values per sample.</summary>
    private Span<T> Multiplier(int part, int which, int width)
    {
        T[] buffers = _multipliers[part];
        int rows = part == 0 ? _rows0 : _workspace.BatchSize - _rows0;
        return buffers.AsSpan(which * (buffers.Length / 2), rows * width);
    }

    private Span<T> Tape(int part, int layer) => _forwardOnly
        ? Rows(_workspace.TapeBuffer(layer), part)
        : _tapes[part].AsSpan(_tapeOffsets[part][layer], _tapeOffsets[part][layer + 1] - _tapeOffsets[part][layer]);

    private ReadOnlySpan<T> Parameters(int layer) => _chain.Parameters(new ReadOnlySpan<T>(_w, _length), layer);

    private bool ForwardHalf(int part)
    {
        ChainWorkspace<T> workspace = _workspace;
        int first = _byRows ? 1 : 0; // by rows the first layer's partial products are in (FirstForwardPart), summed here
        ReadOnlySpan<T> input = _byRows ? Rows(workspace.StateBuffer(1), part) : Rows(new Span<T>(_input, _inputLength), part);
        if (_byRows)
        {
            GatherFirstOutputs(part);
            if (!NonFinite.AllFinite(input))
                return false;
        }
        else if (_copyInput)
        {
            Span<T> state0 = Rows(workspace.StateBuffer(0), part);
            if (!NonFinite.CopyAllFinite(input, state0))
                return false;
            input = state0;
        }
        else if (_checkInput && !NonFinite.AllFinite(input))
        {
            return false;
        }

        for (int i = first; i < _chain.Length; i++)
        {
            if (Volatile.Read(ref _failed) != 0)
                return false; // the other half failed: the whole batch runs next
            Span<T> output = Rows(workspace.StateBuffer(i + 1), part);
            _chain[i].Forward(Parameters(i), input, output, Tape(part, i));
            if (!NonFinite.AllFinite<T>(output))
                return false;
            input = output;
        }
        return true;
    }

    private bool BackwardHalf(int part)
    {
        ChainWorkspace<T> workspace = _workspace;
        int count = _chain.Length;
        Span<T> gradient = part == 0 ? new Span<T>(_gradient0, _length) : _gradient1;
        int current = 0;
        ReadOnlySpan<T> lambda = Rows(workspace.Multiplier(current, workspace.StateLength(count)), part);
        int last = _byRows ? 1 : 0; // by rows the first layer is pulled back in FirstBackwardPart, from both halves' dz₁
        for (int i = count - 1; i >= last; i--)
        {
            if (Volatile.Read(ref _failed) != 0)
                return false;
            Span<T> previous = i == 1 && _byRows ? FirstMultiplier(part) // λ₀'s rows beside the other half's
                               : i > 0 ? Multiplier(part, 1 - current, _chain[i].InputCount) : Span<T>.Empty;
            ReadOnlySpan<T> input = i == 0 ? Rows(new Span<T>(_input, _inputLength), part) : Rows(workspace.StateBuffer(i), part);
            _chain[i].Pullback(Parameters(i), input, Tape(part, i), lambda, _chain.Parameters(gradient, i), previous);
            if (!NonFinite.AllFinite<T>(previous))
                return false;
            lambda = previous;
            current = 1 - current;
        }
        if (_byRows && count > 1)
            FirstDeltaHalf(part, FirstMultiplier(part)); // this half's λ₀ made dz₁ here for FirstBackwardPart
        return true;
    }

    /// <summary>Which pass <see cref="RunPart"/> runs.</summary>
    private enum Pass
    {
        Forward,
        Backward,
        FirstForward,
        FirstBackward,
    }
}
