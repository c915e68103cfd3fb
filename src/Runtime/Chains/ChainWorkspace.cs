using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The memory of a forward and backward pass through a <see cref="Chain{T}"/> for batches of
/// <see cref="BatchSize"/> samples: the states x₀..x_τ and the layers' tapes (paper Alg. 1, "store"), the backward
/// pass's multipliers and scratch vectors. Allocated once (<see cref="Chain{T}.CreateWorkspace"/>) and reused, so
/// that passes allocate nothing. Not safe to use from two threads at once.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class ChainWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _states;
    private readonly int[] _stateOffsets;
    private readonly T[] _tapes;
    private readonly int[] _tapeOffsets;
    private readonly T[] _multipliers;
    private readonly T[] _stateScratch;
    private readonly T[] _parameterScratch;
    private readonly int _maxState;
    private readonly int _maxParameters;
    private SolverWorkspace<T>? _solverWorkspace;
    private T[]? _gramScratch;
    private int[]? _gramIndices;
    private InnerSolver<T>? _solverWorkspaceOwner;

    internal ChainWorkspace(Chain<T> chain, int batch)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        Chain = chain;
        BatchSize = batch;
        int count = chain.Length;
        _stateOffsets = new int[count + 2];
        _tapeOffsets = new int[count + 1];
        int maxState = checked(batch * chain.InputCount), maxParameters = 0;
        _stateOffsets[1] = maxState;
        for (int i = 0; i < count; i++)
        {
            IMoreauLayer<T> layer = chain[i];
            int state = checked(batch * layer.OutputCount);
            int tape = layer.TapeLength(batch);
            if (tape < 0)
                throw new ArgumentException($"{chain.Describe(i)} reports a negative tape length ({tape}) for a batch of {batch}.", nameof(chain));
            _stateOffsets[i + 2] = checked(_stateOffsets[i + 1] + state);
            _tapeOffsets[i + 1] = checked(_tapeOffsets[i] + tape);
            maxState = Math.Max(maxState, state);
            maxParameters = Math.Max(maxParameters, layer.ParameterCount);
        }

        _maxState = maxState;
        _states = new T[_stateOffsets[^1]];
        _tapes = new T[_tapeOffsets[^1]];
        _multipliers = new T[checked(2 * maxState)];
        _stateScratch = new T[checked(2 * maxState)];
        _parameterScratch = new T[checked(2 * maxParameters)];
        _maxParameters = maxParameters;
        MaxSubproblemDimension = Math.Max(maxState, maxParameters);
    }

    /// <summary>The chain this workspace serves.</summary>
    public Chain<T> Chain { get; }

    /// <summary>m, the number of samples of a batch.</summary>
    public int BatchSize { get; }

    /// <summary>The state x_t (t = 0..τ; x₀ is a copy of the inputs) of the last forward pass, m·|x_t| values.</summary>
    public ReadOnlySpan<T> State(int t) => StateBuffer(t);

    /// <summary>x_τ, the output of the last forward pass.</summary>
    public ReadOnlySpan<T> Output => StateBuffer(Chain.Length);

    /// <summary>
    /// The tape the layer at <paramref name="index"/> (= t − 1) recorded in the last taped forward pass into this workspace
    /// (back-propagation's passes on the batch's two halves keep the halves' tapes elsewhere; see <see cref="ChainOracle{T}.Workspace"/>;
    /// the forward pass on the halves of the other oracles writes these, <see cref="ChainOracle{T}.ForwardHalves"/>).
    /// </summary>
    public ReadOnlySpan<T> Tape(int index) => _tapes.AsSpan(_tapeOffsets[index], _tapeOffsets[index + 1] - _tapeOffsets[index]);

    /// <summary>The largest |w_t| or m·|x_t|: the dimension of the largest subproblem of a backward pass.</summary>
    public int MaxSubproblemDimension { get; }

    /// <summary>
    /// Whether <paramref name="values"/> shares memory with the states, tapes, multipliers or scratch of this workspace,
    /// which a pass writes: an input that does must be copied before a pass that reads it after writing them.
    /// </summary>
    internal bool Overlaps(ReadOnlySpan<T> values) =>
        values.Overlaps(_states) || values.Overlaps(_tapes) || values.Overlaps(_multipliers)
        || values.Overlaps(_stateScratch) || values.Overlaps(_parameterScratch)
        || (_gramScratch is { } gram && values.Overlaps(gram));

    internal Span<T> StateBuffer(int t) => _states.AsSpan(_stateOffsets[t], _stateOffsets[t + 1] - _stateOffsets[t]);

    internal Span<T> TapeBuffer(int index) => _tapes.AsSpan(_tapeOffsets[index], _tapeOffsets[index + 1] - _tapeOffsets[index]);

    /// <summary>Multiplier buffer 0 or 1 (ping-pong between λ_t and λ_{t−1}), <paramref name="length"/> values.</summary>
    internal Span<T> Multiplier(int which, int length) => _multipliers.AsSpan(which * _maxState, length);

    /// <summary>State-sized scratch vector 0 or 1, <paramref name="length"/> values.</summary>
    internal Span<T> StateScratch(int which, int length) => _stateScratch.AsSpan(which * _maxState, length);

    /// <summary>Parameter-sized scratch vector 0 or 1, <paramref name="length"/> values.</summary>
    internal Span<T> ParameterScratch(int which, int length) => _parameterScratch.AsSpan(which * _maxParameters, length);

    /// <summary>Scratch of the Gram-form Φw solve (<see cref="DenseGramSolve{T}"/>), <paramref name="length"/> values, allocated on first use.</summary>
    internal Span<T> GramScratch(int length)
    {
        if (_gramScratch is null || _gramScratch.Length < length)
            _gramScratch = new T[length];
        return _gramScratch.AsSpan(0, length);
    }

    /// <summary>Index scratch of the Gram-form Φw solve, <paramref name="length"/> ints, allocated on first use.</summary>
    internal Span<int> GramIndices(int length)
    {
        if (_gramIndices is null || _gramIndices.Length < length)
            _gramIndices = new int[length];
        return _gramIndices.AsSpan(0, length);
    }

    /// <summary>All states x₀..x_τ back to back.</summary>
    internal ReadOnlySpan<T> AllStates => _states;

    /// <summary>m·|x_t|, the length of state <paramref name="t"/>.</summary>
    internal int StateLength(int t) => _stateOffsets[t + 1] - _stateOffsets[t];

    /// <summary>The solver workspace for <paramref name="solver"/>, allocated on first use.</summary>
    internal SolverWorkspace<T> SolverWorkspace(InnerSolver<T> solver)
    {
        if (_solverWorkspace is null || !ReferenceEquals(_solverWorkspaceOwner, solver))
        {
            _solverWorkspace = solver.CreateWorkspace(MaxSubproblemDimension);
            _solverWorkspaceOwner = solver;
        }

        return _solverWorkspace;
    }
}
