using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// The memory of a target pass (<see cref="TargetPassOracle{T}"/>) for one <see cref="ChainWorkspace{T}"/>: every
/// layer's target x⁺_t, residual and bracket (the parameter subproblems of a layer are solved while the targets move on
/// to the layers below), the start gradients, two sets of solve scratch (one per part of the pass), the first trial
/// steps learnt from the previous pass and, per subproblem, the solver's reports and the guard's warnings of its last
/// solve, which the calling thread counts and raises in the order of the pass. Allocated once per batch size and reused.
/// </summary>
internal sealed class TargetWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The most solves of one subproblem: the first, and one again after a back-off.</summary>
    public const int MaxAttempts = 2;

    /// <summary>
    /// The unknowns (Σ_{t ≥ 2} |w_t| + m·|x_{t−1}|) from which layers τ..2 are solved side by side by default: below it a
    /// pass is a few microseconds (a control problem's 2-value states) and handing parts between threads costs as much.
    /// </summary>
    public const int SideBySideValues = 1 << 14;

    private readonly T[] _targets, _residuals;
    private readonly int[] _offsets;

    public TargetWorkspace(ChainWorkspace<T> workspace)
    {
        Owner = workspace;
        Chain<T> chain = workspace.Chain;
        int count = chain.Length, m = workspace.BatchSize, maxState = 0, maxParameters = 0, maxTape = 0;
        _offsets = new int[count + 1];
        for (int i = 0; i < count; i++)
        {
            int length = workspace.StateLength(i + 1);
            _offsets[i + 1] = checked(_offsets[i] + length);
            maxState = Math.Max(maxState, Math.Max(length, workspace.StateLength(i)));
            maxParameters = Math.Max(maxParameters, chain[i].ParameterCount);
            maxTape = Math.Max(maxTape, chain[i].TapeLength(m));
        }

        long unknowns = 0;
        for (int i = 1; i < count; i++)
            unknowns += chain[i].ParameterCount + (long)workspace.StateLength(i);
        SideBySide = unknowns >= SideBySideValues && WorkerPool.Shared.ThreadCount > 1;

        int maxDimension = Math.Max(maxState, maxParameters);
        _targets = new T[_offsets[count]];
        _residuals = new T[_offsets[count]];
        Brackets = new T[count];
        StartInput = new T[maxState];
        StartParameters = new T[maxParameters];
        Inputs = new TargetSolveScratch<T>(maxState, maxDimension, maxTape);
        Parameters = new TargetSolveScratch<T>(maxState, maxDimension, maxTape);
        FirstTrials = new T[checked(2 * count)];
        FirstTrials.AsSpan().Fill(T.NaN);
        ReportCounts = new int[2 * count];
        Reports = new SolverReport<T>[checked(2 * count * MaxAttempts)];
        WarningCounts = new int[2 * count];
        Warnings = new ConvexityWarning<T>[checked(2 * count * MaxAttempts)];
    }

    public ChainWorkspace<T> Owner { get; }

    /// <summary>Whether the pass solves layers τ..2 side by side unless the oracle says otherwise (see <see cref="SideBySideValues"/>).</summary>
    public bool SideBySide { get; }

    /// <summary>Per layer index i, the bracket β_t r_tᵀx_t + (κ/2)‖r_t‖² of its subproblems' start values.</summary>
    public T[] Brackets { get; }

    public T[] StartInput { get; }

    public T[] StartParameters { get; }

    /// <summary>The scratch of the state subproblems Φx_t and of layer 1's parameter subproblem.</summary>
    public TargetSolveScratch<T> Inputs { get; }

    /// <summary>The scratch of the parameter subproblems Φw_t of layers τ..2, solved beside the state subproblems.</summary>
    public TargetSolveScratch<T> Parameters { get; }

    /// <summary>
    /// Per layer index i and argument (slot 2i: the state, 2i + 1: the parameters), 1/c of the curvature c the two-step
    /// solver saw along its first step in the previous pass on this workspace; NaN before any (<see cref="TargetPassOracle{T}.ScaledFirstTrial"/>).
    /// </summary>
    public T[] FirstTrials { get; }

    /// <summary>Per slot, how many reports its last solve left in <see cref="Reports"/> (at <see cref="MaxAttempts"/>·slot).</summary>
    public int[] ReportCounts { get; }

    public SolverReport<T>[] Reports { get; }

    /// <summary>Per slot, how many warnings its last solve left to raise in <see cref="Warnings"/> (at <see cref="MaxAttempts"/>·slot).</summary>
    public int[] WarningCounts { get; }

    public ConvexityWarning<T>[] Warnings { get; }

    /// <summary>The job that runs layers τ..2 of the pass, created with the workspace's first pass on a chain of two layers or more.</summary>
    public PairJob? PassJob { get; set; }

    /// <summary>The target x⁺_t of layer index <paramref name="index"/> (= t − 1), m·|x_t| values.</summary>
    public Span<T> Target(int index) => _targets.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);

    /// <summary>The residual r_t = x_t − x⁺_t of layer index <paramref name="index"/>, m·|x_t| values.</summary>
    public Span<T> Residual(int index) => _residuals.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);
}

/// <summary>
/// The scratch of the subproblem solves of one part of a target pass: the subproblem's buffers, the conjugate-gradient
/// vectors and the inner solver's workspace.
/// </summary>
internal sealed class TargetSolveScratch<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public TargetSolveScratch(int maxState, int maxDimension, int maxTape)
    {
        Output = new T[maxState];
        Multiplier = new T[maxState];
        Offset = new T[maxState];
        Tape = new T[maxTape];
        Point = new T[maxDimension];
        ConjugateResidual = new T[maxDimension];
        ConjugateDirection = new T[maxDimension];
        ConjugateProduct = new T[maxDimension];
    }

    public T[] Output { get; }

    public T[] Multiplier { get; }

    public T[] Offset { get; }

    public T[] Tape { get; }

    public T[] Point { get; }

    public T[] ConjugateResidual { get; }

    public T[] ConjugateDirection { get; }

    public T[] ConjugateProduct { get; }

    /// <summary>The inner solver's workspace for this scratch (null until the oracle gives it one).</summary>
    public SolverWorkspace<T>? SolverWorkspace { get; set; }
}
