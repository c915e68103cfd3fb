using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// The first layer by rows of its weights: when it is dense (<see cref="IDenseStructure"/>, σ the identity or the ReLU, w₀
/// made of W₀ and b₀ alone), each core owns a block of W₀'s rows (the layer's inputs), a contiguous block of w, for the
/// whole batch instead of multiplying all of W₀ by its half of the samples. No other core then reads or writes those
/// weights: the core's partial product x₀[:, I_c]·W₀[I_c, :] of all samples in the forward pass, ∇W₀[I_c, :] =
/// x₀[:, I_c]ᵀ·dz₁ (paper Alg. 3–4) over all samples in the backward pass, and in a step the block's update right after.
/// What the cores hand each other are the partial products and dz₁ of the other half's samples instead of W₀ and its
/// gradient, and a step writes no line of W₀ that the other core has read (but the one line the two blocks may share). On 784-500-300-100-10 at batch 256 the step
/// took 0.91–0.94 of the halves' step without it, with the two cores on different dies (<c>step-rows</c>,
/// benchmarks/RESULTS.md); giving each core W₀'s columns instead, or every layer's weight gradient by row blocks, measured
/// slower than the halves (branches <c>dense</c> and <c>dense-rows</c>).
/// </summary>
/// <remarks>
/// <para>
/// Forward: one <see cref="PairJob"/> (<see cref="FirstForwardPart"/>) writes each core's partial product into its own
/// buffer and checks (or copies into state 0) its own half's samples of x₀; then each half forms its rows of
/// x₁ = σ(P₀ + P₁ + b₀), checks them and runs layers 1.. as before. Backward: each half pulls back layers τ−1..1 as before,
/// ending with its rows of λ₀ (the multiplier of x₁) in one buffer of the batch's dz₁, which it turns into dz₁ = λ₀ ⊙ σ′ in
/// place (the ReLU's mask is x₁ &gt; 0); then one job (<see cref="FirstBackwardPart"/>) forms each block ∇W₀[I_c, :] from
/// all of dz₁ in one product into the gradient buffer (∇b₀ with the second block), and in a step updates the block
/// (<see cref="FusedDescent"/>), the old values left in the buffer, or otherwise forms its direction
/// (<see cref="ParameterUpdate.AddL2"/>'s values); then both parts claim the other layers' chunks and do the same with the
/// two halves' gradients summed, the sweeps that otherwise follow the job on the pool, one hand-off fewer per layer. On
/// 784-500-300-100-10 that and one product instead of one per half took the step from 1.060 to 1.032 of its products
/// (medians of four runs in alternation, benchmarks/step-ab.sh; benchmarks/RESULTS.md).
/// </para>
/// <para>
/// Values: each block is the same products whichever core computes it, so the values are the same bits side by side or
/// one after the other, and a step is the same bits as the gradient alone followed by the separate update, ‖w₀‖² summed
/// block by block in both. They differ from the whole batch's pass in rounding. Failures: a non-finite value in x₁, a
/// multiplier, the gradient or the update stops the pass; a step restores the blocks of W₀ and the chunks of the other
/// layers it updated and returns false.
/// </para>
/// </remarks>
internal sealed unsafe partial class BatchHalves<T>
{
    private readonly DenseStructure? _first;
    private readonly T[][] _firstPartials;       // per part: x₀[:, I_c]·W₀[I_c, :] of all samples, batch × n
    private readonly T[] _firstDeltas;           // dz₁ of all samples, each half's rows written by that half
    private readonly bool[] _blockDone = new bool[3];     // a step: W₀'s two blocks and b₀ updated
    private readonly ParameterSweep<T>[] _firstSweeps = new ParameterSweep<T>[3]; // the blocks' sweeps, in order
    private readonly (int Layer, int Start, int Count)[] _restChunks; // layers τ−1..1 by chunks, in the sweeps' order
    private readonly ParameterSweep<T>[] _restResults;                // each chunk's sweep (Completed: its update written)
    private PaddedCounter _nextChunk;

    private bool _descend, _addL2;
    private T _mu, _minusStep;

    /// <summary>Whether the first layer can run by rows (see the type's remarks).</summary>
    public bool FirstLayerByRows => _first is not null;

    /// <summary>The three sweeps of the first layer's last pass (W₀'s blocks, then b₀), to add in this order.</summary>
    public ReadOnlySpan<ParameterSweep<T>> FirstSweeps => _firstSweeps;

    /// <summary>
    /// Layer <paramref name="layer"/>'s sweep (1 ≤ layer &lt; τ) in the first layer's last pass by rows: its chunks' results
    /// combined in chunk order, as <see cref="ParameterUpdate.AddL2"/> and <see cref="FusedDescent.Run"/> combine them, so the
    /// same sums whichever part swept a chunk.
    /// </summary>
    public ParameterSweep<T> RestSweep(int layer)
    {
        bool finite = true;
        T squares = T.Zero, maxW = T.Zero, maxD = T.Zero;
        for (int c = 0; c < _restChunks.Length; c++)
        {
            if (_restChunks[c].Layer != layer)
                continue;
            ParameterSweep<T> r = _restResults[c];
            finite &= r.GradientFinite;
            squares += r.SumOfSquares;
            maxW = ParameterUpdate.Larger(maxW, r.MaxParameter);
            maxD = ParameterUpdate.Larger(maxD, r.MaxDirection);
        }
        return new ParameterSweep<T>(finite, squares, maxW, maxD);
    }

    /// <summary>The first layer's structure when it can run by rows, and its buffers.</summary>
    private static (DenseStructure? First, T[][] Partials, T[] Deltas) FirstLayer(Chain<T> chain, int batch, bool forwardOnly)
    {
        // Two blocks of rows need two inputs. The halves' own backward pass does not read the tape (x₁'s rows give the
        // ReLU's mask); forward only, each half writes its rows of z₁ into the workspace's tape (TapesByRows).
        if (DenseGramSolve<T>.Consistent(chain[0]) is not { Inputs: >= 2 } s)
            return (null, [], []);
        return (s, [new T[checked(batch * s.Outputs)], new T[checked(batch * s.Outputs)]], forwardOnly ? [] : new T[checked(batch * s.Outputs)]);
    }

    /// <summary>Layers τ−1..1 cut into <see cref="ParameterUpdate.Chunk"/>s, the last layer first, each layer's chunks in order.</summary>
    private static (int Layer, int Start, int Count)[] RestChunks(Chain<T> chain, bool byRows)
    {
        var chunks = new List<(int, int, int)>();
        for (int i = chain.Length - 1; i >= 1 && byRows; i--)
        {
            int offset = chain.ParameterOffset(i), length = chain[i].ParameterCount;
            for (int start = 0; start < length; start += ParameterUpdate.Chunk)
                chunks.Add((i, offset + start, Math.Min(ParameterUpdate.Chunk, length - start)));
        }
        return [.. chunks];
    }

    /// <summary>Part <paramref name="part"/>'s rows I_c of W₀: where they start and how many.</summary>
    private (int First, int Count) FirstRows(int part)
    {
        int k = _first!.Value.Inputs, split = k / 2;
        return part == 0 ? (0, split) : (split, k - split);
    }

    private bool RunFirstForward(T* w, int length, T* input, int inputLength, bool copyInput, bool checkInput)
    {
        _w = w;
        _length = length;
        _input = input;
        _inputLength = inputLength;
        _copyInput = copyInput;
        _checkInput = checkInput;
        _pass = Pass.FirstForward;
        _failed = 0;
        try
        {
            Run();
        }
        finally
        {
            _w = _input = null;
        }
        return _failed == 0;
    }

    /// <summary>Part <paramref name="part"/> of the first layer's forward pass by rows (see the type's remarks).</summary>
    private bool FirstForwardPart(int part)
    {
        DenseStructure s = _first!.Value;
        ChainWorkspace<T> workspace = _workspace;
        ReadOnlySpan<T> own = Rows(new Span<T>(_input, _inputLength), part);
        if (_copyInput)
        {
            // Into state 0 for the passes after this one; this job reads x₀ where it is, which the other half may not have
            // copied yet.
            if (!NonFinite.CopyAllFinite(own, Rows(workspace.StateBuffer(0), part)))
                return false;
        }
        else if (_checkInput && !NonFinite.AllFinite(own))
        {
            return false;
        }

        (int row, int count) = FirstRows(part);
        ReadOnlySpan<T> parameters = _chain.Parameters(new ReadOnlySpan<T>(_w, _length), 0);
        Gemm.Multiply(new ReadOnlySpan<T>(_input, _inputLength)[row..], parameters.Slice(s.WeightOffset + row * s.Outputs, count * s.Outputs),
                      _firstPartials[part], workspace.BatchSize, count, s.Outputs, transA: false, transB: false, accumulate: false,
                      new GemmOptions { LeadingDimensionA = s.Inputs });
        return true; // each half checks its rows of x₁ before its next layer (ForwardHalf)
    }

    /// <summary>This half's rows of x₁ = σ(P₀ + P₁ + b₀) from the two parts' partial products (<see cref="FirstForwardPart"/>).</summary>
    private void GatherFirstOutputs(int part)
    {
        DenseStructure s = _first!.Value;
        int n = s.Outputs;
        Span<T> x1 = Rows(_workspace.StateBuffer(1), part);
        int first = part == 0 ? 0 : _rows0;
        ReadOnlySpan<T> bias = s.HasBias ? _chain.Parameters(new ReadOnlySpan<T>(_w, _length), 0).Slice(s.BiasOffset, n) : ReadOnlySpan<T>.Empty;
        Span<T> tape = _forwardOnly ? Tape(part, 0) : Span<T>.Empty; // z₁'s rows when the layer records them (TapesByRows)
        for (int r = 0; r < x1.Length / n; r++)
        {
            Span<T> row = x1.Slice(r * n, n);
            TensorPrimitives.Add(_firstPartials[0].AsSpan((first + r) * n, n), _firstPartials[1].AsSpan((first + r) * n, n), row);
            if (s.HasBias)
                TensorPrimitives.Add(row, bias, row);
            if (!tape.IsEmpty)
                row.CopyTo(tape.Slice(r * n, n));
            if (s.Activation == DenseActivation.Relu)
                TensorPrimitives.Max(row, T.Zero, row);
        }
    }

    /// <summary>In a half's backward pass by rows: where layer 1's pullback writes its rows of λ₀ (the multiplier of x₁).</summary>
    private Span<T> FirstMultiplier(int part) => Rows(_firstDeltas, part);

    /// <summary>In a half's backward pass by rows: its λ₀ into dz₁ in place (the ReLU's mask x₁ &gt; 0).</summary>
    private void FirstDeltaHalf(int part, Span<T> lambda0)
    {
        if (_first!.Value.Activation == DenseActivation.Relu)
            Ops.ReluBackward<T>(Rows(_workspace.StateBuffer(1), part), lambda0, lambda0);
    }

    /// <summary>
    /// The first layer's gradient by rows after <see cref="Backward"/> by rows: ∇w₀ of the whole batch into
    /// <paramref name="gradient"/>'s first layer turned into the direction ∇ + μw₀ as <see cref="ParameterUpdate.AddL2"/> does
    /// (<see cref="FirstSweeps"/>), and in the same job the other layers' directions, the second half's gradient added, chunk
    /// by chunk (<see cref="RestSweep"/>). Returns false when a value was not finite or a product threw.
    /// </summary>
    public bool FirstLayerGradient(ReadOnlySpan<T> w, ReadOnlySpan<T> input, Span<T> gradient, T mu, bool addL2)
    {
        fixed (T* pw = w)
        fixed (T* px = input)
        fixed (T* pg = gradient)
            return RunFirstBackward(pw, w.Length, px, input.Length, pg, descend: false, mu, addL2, T.Zero);
    }

    /// <summary>
    /// The first layer's gradient by rows with gradient descent's update fused in: each core's block of W₀ (and b₀) becomes
    /// w ← w − η·(∇ + μw) right after its gradient (−η = <paramref name="minusStep"/>), the old values left in
    /// <paramref name="scratch"/>'s first layer; ‖w₀‖² of the old w₀ block by block in <see cref="FirstSweeps"/>. In the same
    /// job the other layers are updated chunk by chunk with the second half's gradient added (<see cref="FusedDescent"/>),
    /// their old values left in <paramref name="scratch"/> (<see cref="RestSweep"/>). False with w as it was when a value on
    /// the way was not finite or a product threw.
    /// </summary>
    public bool DescendFirstLayer(Span<T> w, ReadOnlySpan<T> input, Span<T> scratch, T mu, bool addL2, T minusStep)
    {
        fixed (T* pw = w)
        fixed (T* px = input)
        fixed (T* pg = scratch)
            return RunFirstBackward(pw, w.Length, px, input.Length, pg, descend: true, mu, addL2, minusStep);
    }

    private bool RunFirstBackward(T* w, int length, T* input, int inputLength, T* gradient, bool descend, T mu, bool addL2, T minusStep)
    {
        if (_first is null || _forwardOnly)
            throw new InvalidOperationException(_forwardOnly ? "These halves run the forward pass only." : "The first layer does not run by rows.");
        _w = w;
        _length = length;
        _input = input;
        _inputLength = inputLength;
        _gradient0 = gradient;
        _descend = descend;
        _mu = mu;
        _addL2 = addL2;
        _minusStep = minusStep;
        _blockDone.AsSpan().Clear();
        _firstSweeps.AsSpan().Clear();
        _restResults.AsSpan().Clear();
        _nextChunk.Value = 0;
        _pass = Pass.FirstBackward;
        _failed = 0;
        try
        {
            if (_chain.Length == 1)
            {
                // λ_τ is λ₀: dz₁ of all samples here, as each half forms its own rows after a longer chain's pullbacks.
                ReadOnlySpan<T> lambda = _workspace.Multiplier(0, _workspace.StateLength(1));
                if (_first.Value.Activation == DenseActivation.Relu)
                    Ops.ReluBackward<T>(_workspace.StateBuffer(1), lambda, _firstDeltas);
                else
                    lambda.CopyTo(_firstDeltas);
            }
            Run();
            if (_failed != 0 && descend)
                RestoreAll();
        }
        finally
        {
            _w = _input = _gradient0 = null;
        }
        return _failed == 0;
    }

    /// <summary>Part <paramref name="part"/> of the first layer's backward pass by rows (see the type's remarks).</summary>
    private bool FirstBackwardPart(int part)
    {
        DenseStructure s = _first!.Value;
        int batch = _workspace.BatchSize, n = s.Outputs, k = s.Inputs;
        (int row, int count) = FirstRows(part);
        Span<T> layerGradient = _chain.Parameters(new Span<T>(_gradient0, _length), 0);
        Span<T> block = layerGradient.Slice(s.WeightOffset + row * n, count * n);
        // x₀[:, I_c]ᵀ·dz₁ over all samples (both halves' rows of dz₁ are in one buffer).
        Gemm.Multiply(new ReadOnlySpan<T>(_input, _inputLength)[row..], _firstDeltas, block, count, batch, n, transA: true, transB: false,
                      accumulate: false, new GemmOptions { LeadingDimensionA = k });
        Span<T> biasGradient = s.HasBias ? layerGradient.Slice(s.BiasOffset, n) : Span<T>.Empty;
        if (part == 1 && s.HasBias)
            Ops.SumRows<T>(_firstDeltas, biasGradient, batch, n);

        Span<T> parameters = _chain.Parameters(new Span<T>(_w, _length), 0);
        if (!Sweep(parameters.Slice(s.WeightOffset + row * n, count * n), block, part))
            return false;
        if (part == 1 && s.HasBias && !Sweep(parameters.Slice(s.BiasOffset, n), biasGradient, 2))
            return false;
        return RestChunkSweeps();
    }

    /// <summary>
    /// After a part's block of W₀: chunks of layers τ−1..1 claimed one at a time, each swept as <see cref="Sweep"/> sweeps a
    /// block, the second half's gradient added; false at a chunk whose values were not finite, or once the other part failed.
    /// </summary>
    private bool RestChunkSweeps()
    {
        Span<T> w = new(_w, _length), gradient = new(_gradient0, _length);
        for (long c = Interlocked.Increment(ref _nextChunk.Value) - 1; c < _restChunks.Length; c = Interlocked.Increment(ref _nextChunk.Value) - 1)
        {
            if (Volatile.Read(ref _failed) != 0)
                return false;
            (_, int start, int count) = _restChunks[c];
            Span<T> parameters = w.Slice(start, count), direction = gradient.Slice(start, count);
            ReadOnlySpan<T> addend = _gradient1.AsSpan(start, count);
            if (_descend)
            {
                DescentSweep<T> sweep = FusedDescent.Chunk(parameters, _mu, direction, _addL2, _minusStep, addend);
                _restResults[c] = new ParameterSweep<T>(sweep.Completed, sweep.SumOfSquares, T.Zero, T.Zero);
                if (!sweep.Completed)
                    return false; // the chunk as it was
            }
            else
            {
                ParameterSweep<T> sweep = ParameterUpdate.AddL2Chunk<T>(parameters, _mu, direction, _addL2, addend);
                _restResults[c] = sweep;
                if (!sweep.GradientFinite)
                    return false;
            }
        }
        return true;
    }

    /// <summary>One block's update in a step, or its direction otherwise; false when a value was not finite.</summary>
    private bool Sweep(Span<T> parameters, Span<T> gradient, int block)
    {
        if (_descend)
        {
            DescentSweep<T> sweep = FusedDescent.Chunk(parameters, _mu, gradient, _addL2, _minusStep);
            if (!sweep.Completed)
                return false; // the block as it was
            _blockDone[block] = true;
            _firstSweeps[block] = new ParameterSweep<T>(true, sweep.SumOfSquares, T.Zero, T.Zero);
            return true;
        }
        ParameterSweep<T> direction = ParameterUpdate.AddL2Chunk<T>(parameters, _mu, gradient, _addL2);
        _firstSweeps[block] = direction;
        return direction.GradientFinite;
    }

    /// <summary>After a failed step by rows: every updated block of W₀ and chunk of the other layers ← the old values left in the gradient buffer.</summary>
    private void RestoreAll()
    {
        Span<T> w = new(_w, _length), old = new(_gradient0, _length);
        for (int c = 0; c < _restChunks.Length; c++)
        {
            (_, int start, int count) = _restChunks[c];
            if (_restResults[c].GradientFinite) // completed: its update written
                FusedDescent.Restore<T>(old.Slice(start, count), w.Slice(start, count));
        }
        RestoreFirst();
    }

    /// <summary>After a failed step on the first layer: its updated blocks ← the old values left in the gradient buffer.</summary>
    private void RestoreFirst()
    {
        DenseStructure s = _first!.Value;
        int n = s.Outputs;
        Span<T> parameters = _chain.Parameters(new Span<T>(_w, _length), 0), old = _chain.Parameters(new Span<T>(_gradient0, _length), 0);
        for (int part = 0; part < 2; part++)
        {
            (int row, int count) = FirstRows(part);
            if (_blockDone[part])
                FusedDescent.Restore<T>(old.Slice(s.WeightOffset + row * n, count * n), parameters.Slice(s.WeightOffset + row * n, count * n));
        }
        if (_blockDone[2])
            FusedDescent.Restore<T>(old.Slice(s.BiasOffset, n), parameters.Slice(s.BiasOffset, n));
    }
}
