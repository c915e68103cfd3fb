using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// Back-propagation (paper Alg. 3–4) on the two halves of a batch side by side (<see cref="PairJob"/>): each thread runs
/// the taped forward pass and then the pullbacks of every layer on its own block of samples, every product inside on one
/// core, and the parameter gradient of the batch is the sum of the two halves' gradients (a layer's gradient is a sum over
/// its samples, <see cref="IMoreauLayer{T}.Pullback"/>), formed in the sweeps over the parameters (the chunks of
/// <see cref="ParameterUpdate.AddL2"/> or <see cref="FusedDescent.Run"/> with their second gradient), which both threads
/// take up layer by layer as soon as both halves have pulled a layer back. A step then hands work to the other thread
/// twice (the forward pass, the backward pass with its sweeps) instead of once per product: on 784-500-300-100-10 at batch
/// 256 the pool's fork and join around each of the step's 11 products cost more than the products' own split gains.
/// </summary>
/// <remarks>
/// <para>
/// The halves are rows 0..m/2−1 and m/2..m−1 of every state of the batch's <see cref="ChainWorkspace{T}"/> (a state holds
/// its samples back to back) and of λ_τ, so the objective reads the whole output and writes the whole λ_τ in between, on
/// the calling thread. Each half has its own tapes and multipliers λ_t (t &lt; τ), kept here: after a pass on the halves
/// the workspace's tapes and multiplier buffers are not those of its last passes.
/// </para>
/// <para>
/// Values: which thread runs a half never changes what it computes, so the gradient, its sums and the iterates are the
/// same bits side by side or one after the other (pool busy); they differ from the whole batch's in rounding (the sums
/// over the samples are grouped by half). A sweep chunk's result goes to its own slot and <see cref="LayerSweep"/> sums
/// them in chunk order, as <see cref="ParameterJob{T}"/> does, whichever thread swept it. Failures: a half stops at its
/// first non-finite state or multiplier or exception from a layer, a sweep at its first non-finite gradient or update, and
/// the pass returns false, having changed nothing the caller keeps (the chunks already updated are restored); the caller
/// then runs the whole batch's pass, which names the failure as before.
/// </para>
/// <para>
/// Waits: layer t's chunks are swept once both halves have published its pullback. A half that has pulled back every
/// layer waits for the other only when that one is running at the same time: part 1 always (part 0 is claimed first),
/// part 0 when part 1 has been claimed (<see cref="PairJob.SecondPartRunning"/>); one after the other, part 1 sweeps
/// everything left.
/// </para>
/// </remarks>
internal sealed unsafe class BatchHalves<T> : PairJob where T : unmanaged, IFloatingPointIeee754<T>
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
    private readonly int[] _firstChunk; // the sweeps' chunks, numbered from the last layer down: layer i has _firstChunk[i].._firstChunk[i] + chunks − 1
    private readonly ParameterSweep<T>[] _chunks;

    // One call's operands (pinned by the caller around Run).
    private T* _w, _input, _gradient0;
    private int _length, _inputLength;
    private Phase _phase;
    private bool _copyInput, _checkInput, _addL2;
    private T _mu, _minusStep;

    // Progress: the lowest layer whose pullback each half has finished (count before), whether each half has ended, the
    // next sweep chunk to claim, and whether anything failed.
    private int _done0, _done1, _ended0, _ended1, _nextChunk, _failed;
    private int _thread0, _thread1;

    private enum Phase { Forward, Evaluate, Descend }

    /// <summary>The halves of <paramref name="workspace"/>'s batch (at least two samples), allocated once per workspace.</summary>
    public BatchHalves(ChainWorkspace<T> workspace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workspace.BatchSize, 2);
        _chain = workspace.Chain;
        _workspace = workspace;
        _rows0 = workspace.BatchSize / 2;
        int count = _chain.Length;
        _tapes = new T[2][];
        _tapeOffsets = new int[2][];
        for (int part = 0; part < 2; part++)
        {
            int rows = part == 0 ? _rows0 : workspace.BatchSize - _rows0;
            int[] offsets = new int[count + 1];
            for (int i = 0; i < count; i++)
            {
                int tape = _chain[i].TapeLength(rows);
                if (tape < 0)
                    throw new ArgumentException($"{_chain.Describe(i)} reports a negative tape length ({tape}) for a batch of {rows}.", nameof(workspace));
                offsets[i + 1] = checked(offsets[i] + tape);
            }
            _tapeOffsets[part] = offsets;
            _tapes[part] = new T[offsets[count]];
        }
        _gradient1 = new T[_chain.ParameterCount];

        // The workspace's two multiplier buffers cannot be shared: a half's rows of λ_t start at its first sample times
        // |x_t|, which changes from layer to layer, so one half writing λ_{t−1} would overwrite rows of λ_{t+1} the other,
        // a layer behind, still reads.
        int widest = 0;
        for (int i = 1; i < count; i++)
            widest = Math.Max(widest, _chain[i].InputCount);
        _multipliers = [new T[checked(2 * widest * _rows0)], new T[checked(2 * widest * (workspace.BatchSize - _rows0))]];
        _firstChunk = new int[count];
        int chunks = 0;
        for (int i = count - 1; i >= 0; i--)
        {
            _firstChunk[i] = chunks;
            chunks += ParameterUpdate.ChunkCount(_chain[i].ParameterCount);
        }
        _chunks = new ParameterSweep<T>[chunks];
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

    /// <summary>The second half's parameter gradients after a backward pass (|w| values), added to the first half's in the sweeps.</summary>
    public ReadOnlySpan<T> SecondGradient => _gradient1;

    /// <summary>
    /// The taped forward pass of both halves at <paramref name="w"/> on <paramref name="input"/> (the batch's x₀): with
    /// <paramref name="copyInput"/> each half copies its samples into the workspace's state 0 and checks them; otherwise the
    /// first layer reads them where they are, checked when <paramref name="checkInput"/>. Returns false when a half met a
    /// non-finite input or state or an exception.
    /// </summary>
    public bool Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> input, bool copyInput, bool checkInput)
    {
        _copyInput = copyInput;
        _checkInput = checkInput;
        fixed (T* pw = w)
        fixed (T* px = input)
            return Run(Phase.Forward, pw, w.Length, px, input.Length, null);
    }

    /// <summary>
    /// The pullbacks of both halves from λ_τ (the workspace's first multiplier buffer, written by the objective after
    /// <see cref="Forward"/>), and for each layer the sweep d_t = (g_t of the first half + g_t of the second) + μw_t into
    /// <paramref name="direction"/> (<see cref="ParameterUpdate.AddL2"/>'s values; without <paramref name="addL2"/> d_t = the
    /// sum). <paramref name="input"/> is the first layer's input (x₀ where it is, or the workspace's state 0 after a copy).
    /// Returns false when a half met a non-finite multiplier or gradient or an exception; then <see cref="LayerSweep"/> is
    /// undefined.
    /// </summary>
    public bool Evaluate(ReadOnlySpan<T> w, ReadOnlySpan<T> input, Span<T> direction, T mu, bool addL2)
    {
        CheckLength(direction, w.Length);
        _mu = mu;
        _addL2 = addL2;
        fixed (T* pw = w)
        fixed (T* px = input)
        fixed (T* pg = direction)
            return Run(Phase.Evaluate, pw, w.Length, px, input.Length, pg);
    }

    /// <summary>
    /// As <see cref="Evaluate"/>, with gradient descent's update in each layer's sweep (<see cref="FusedDescent.Run"/>'s
    /// values): w_t ← w_t − η·d_t in place, the old w_t left in <paramref name="scratch"/>, −η = <paramref name="minusStep"/>.
    /// Returns false with <paramref name="w"/> as it was when a value on the way was not finite.
    /// </summary>
    public bool Descend(Span<T> w, ReadOnlySpan<T> input, Span<T> scratch, T mu, bool addL2, T minusStep)
    {
        CheckLength(scratch, w.Length);
        _mu = mu;
        _addL2 = addL2;
        _minusStep = minusStep;
        fixed (T* pw = w)
        fixed (T* px = input)
        fixed (T* pg = scratch)
        {
            if (Run(Phase.Descend, pw, w.Length, px, input.Length, pg))
                return true;
            Restore(w, scratch);
            return false;
        }
    }

    /// <summary>
    /// Layer <paramref name="layer"/>'s sweep after a pass that returned true: its chunks' sums in chunk order, as
    /// <see cref="ParameterUpdate.AddL2"/> (or <see cref="FusedDescent.Run"/>, whose bounds are zero) returns them.
    /// </summary>
    public ParameterSweep<T> LayerSweep(int layer)
    {
        int first = _firstChunk[layer], chunks = ParameterUpdate.ChunkCount(_chain[layer].ParameterCount);
        bool finite = true;
        T squares = T.Zero, maxW = T.Zero, maxD = T.Zero;
        for (int c = first; c < first + chunks; c++)
        {
            finite &= _chunks[c].GradientFinite;
            squares += _chunks[c].SumOfSquares;
            maxW = ParameterUpdate.Larger(maxW, _chunks[c].MaxParameter);
            maxD = ParameterUpdate.Larger(maxD, _chunks[c].MaxDirection);
        }
        return new ParameterSweep<T>(finite, squares, maxW, maxD);
    }

    private static void CheckLength(Span<T> gradient, int length)
    {
        if (gradient.Length != length)
            throw new ArgumentException($"The gradient has {gradient.Length} values and w {length}.", nameof(gradient));
    }

    private bool Run(Phase phase, T* w, int length, T* input, int inputLength, T* gradient)
    {
        _phase = phase;
        _w = w;
        _length = length;
        _input = input;
        _inputLength = inputLength;
        _gradient0 = gradient;
        _done0 = _done1 = _chain.Length;
        _ended0 = _ended1 = 0;
        _nextChunk = 0;
        _failed = 0;
        if (phase != Phase.Forward)
            Array.Clear(_chunks); // a chunk never swept reads as failed
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

    /// <summary>After a failed <see cref="Descend"/>: every chunk that completed its update gets its old values back.</summary>
    private void Restore(Span<T> w, Span<T> scratch)
    {
        for (int i = 0; i < _chain.Length; i++)
        {
            Span<T> wt = _chain.Parameters(w, i), old = _chain.Parameters(scratch, i);
            for (int c = 0; c < ParameterUpdate.ChunkCount(wt.Length); c++)
            {
                if (_chunks[_firstChunk[i] + c].GradientFinite)
                {
                    int start = c * ParameterUpdate.Chunk, count = Math.Min(ParameterUpdate.Chunk, wt.Length - start);
                    FusedDescent.Restore<T>(old.Slice(start, count), wt.Slice(start, count));
                }
            }
        }
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
            done = _phase == Phase.Forward ? ForwardHalf(part) : BackwardHalf(part);
        }
        catch (Exception)
        {
            done = false; // the whole batch's pass, run next, meets it again and reports it
        }
        if (!done)
            Volatile.Write(ref _failed, 1);
        Volatile.Write(ref part == 0 ? ref _ended0 : ref _ended1, 1);
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

    private Span<T> Tape(int part, int layer) =>
        _tapes[part].AsSpan(_tapeOffsets[part][layer], _tapeOffsets[part][layer + 1] - _tapeOffsets[part][layer]);

    private ReadOnlySpan<T> Parameters(int layer) => _chain.Parameters(new ReadOnlySpan<T>(_w, _length), layer);

    private bool ForwardHalf(int part)
    {
        ChainWorkspace<T> workspace = _workspace;
        ReadOnlySpan<T> input = Rows(new Span<T>(_input, _inputLength), part);
        if (_copyInput)
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

        for (int i = 0; i < _chain.Length; i++)
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

    /// <summary>
    /// This half's pullbacks from the last layer down, each published when done, sweeping whatever chunks both halves have
    /// made ready between them; then, once the other half has pulled back every layer too (or cannot any more), the rest.
    /// </summary>
    private bool BackwardHalf(int part)
    {
        ChainWorkspace<T> workspace = _workspace;
        int count = _chain.Length;
        Span<T> gradient = part == 0 ? new Span<T>(_gradient0, _length) : _gradient1;
        ref int done = ref part == 0 ? ref _done0 : ref _done1;
        int current = 0;
        ReadOnlySpan<T> lambda = Rows(workspace.Multiplier(current, workspace.StateLength(count)), part);
        for (int i = count - 1; i >= 0; i--)
        {
            if (Volatile.Read(ref _failed) != 0)
                return false;
            Span<T> previous = i > 0 ? Multiplier(part, 1 - current, _chain[i].InputCount) : Span<T>.Empty;
            ReadOnlySpan<T> input = i == 0 ? Rows(new Span<T>(_input, _inputLength), part) : Rows(workspace.StateBuffer(i), part);
            _chain[i].Pullback(Parameters(i), input, Tape(part, i), lambda, _chain.Parameters(gradient, i), previous);
            if (!NonFinite.AllFinite<T>(previous))
                return false;
            Volatile.Write(ref done, i); // after the writes of the gradient: a release
            if (!SweepReady())
                return false;
            lambda = previous;
            current = 1 - current;
        }

        // Part 1 may always wait for part 0, which is claimed first; part 0 for part 1 only when part 1 runs beside it.
        if (part == 1 || SecondPartRunning)
        {
            ref int other = ref part == 0 ? ref _done1 : ref _done0;
            ref int ended = ref part == 0 ? ref _ended1 : ref _ended0;
            var spin = new SpinWait();
            while (Volatile.Read(ref other) > 0 && Volatile.Read(ref ended) == 0 && Volatile.Read(ref _failed) == 0)
                spin.SpinOnce(sleep1Threshold: -1);
        }
        return SweepReady();
    }

    /// <summary>
    /// Claims and sweeps, in order, the chunks of the layers both halves have pulled back, until none is left or something
    /// failed (false when a sweep or the other half failed).
    /// </summary>
    private bool SweepReady()
    {
        while (true)
        {
            if (Volatile.Read(ref _failed) != 0)
                return false;
            int both = Math.Max(Volatile.Read(ref _done0), Volatile.Read(ref _done1)); // reads of both are acquires
            int ready = both >= _chain.Length ? 0 : both == 0 ? _chunks.Length : _firstChunk[both - 1];
            int c = Volatile.Read(ref _nextChunk);
            if (c >= ready)
                return true;
            if (Interlocked.CompareExchange(ref _nextChunk, c + 1, c) == c && !SweepChunk(c))
                return false;
        }
    }

    /// <summary>Sweeps chunk <paramref name="c"/> into its slot; false when its gradient or update was not finite.</summary>
    private bool SweepChunk(int c)
    {
        int layer = LayerOfChunk(c);
        int start = (c - _firstChunk[layer]) * ParameterUpdate.Chunk;
        Span<T> w = _chain.Parameters(new Span<T>(_w, _length), layer);
        int count = Math.Min(ParameterUpdate.Chunk, w.Length - start);
        w = w.Slice(start, count);
        Span<T> gradient = _chain.Parameters(new Span<T>(_gradient0, _length), layer).Slice(start, count);
        ReadOnlySpan<T> second = _chain.Parameters(_gradient1.AsSpan(), layer).Slice(start, count);
        ParameterSweep<T> sweep;
        if (_phase == Phase.Descend)
        {
            DescentSweep<T> descent = FusedDescent.Chunk<T>(w, _mu, gradient, _addL2, _minusStep, second);
            sweep = new ParameterSweep<T>(descent.Completed, descent.SumOfSquares, T.Zero, T.Zero);
        }
        else
        {
            sweep = ParameterUpdate.AddL2Chunk<T>(w, _mu, gradient, _addL2, second);
        }
        _chunks[c] = sweep;
        return sweep.GradientFinite;
    }

    /// <summary>The layer whose chunks include <paramref name="c"/> (chunks are numbered from the last layer down).</summary>
    private int LayerOfChunk(int c)
    {
        int layer = 0;
        while (_firstChunk[layer] > c)
            layer++;
        return layer;
    }
}
