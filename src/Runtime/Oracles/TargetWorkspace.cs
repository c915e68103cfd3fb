using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The memory of a target pass (<see cref="TargetPassOracle{T}"/>) for one <see cref="ChainWorkspace{T}"/>: the
/// targets x⁺_t and x⁺_{t−1} (ping-pong), the residual, the subproblems' scratch, the conjugate-gradient vectors and
/// the first trial steps learnt from the previous pass. Allocated once per batch size and reused.
/// </summary>
internal sealed class TargetWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _targets;
    private readonly int _maxState;

    public TargetWorkspace(ChainWorkspace<T> workspace)
    {
        Owner = workspace;
        Chain<T> chain = workspace.Chain;
        int m = workspace.BatchSize, maxState = 0, maxParameters = 0, maxTape = 0;
        for (int t = 0; t <= chain.Length; t++)
            maxState = Math.Max(maxState, workspace.StateLength(t));
        for (int i = 0; i < chain.Length; i++)
        {
            maxParameters = Math.Max(maxParameters, chain[i].ParameterCount);
            maxTape = Math.Max(maxTape, chain[i].TapeLength(m));
        }

        int maxDimension = Math.Max(maxState, maxParameters);
        _maxState = maxState;
        _targets = new T[checked(2 * maxState)];
        Residual = new T[maxState];
        Output = new T[maxState];
        Multiplier = new T[maxState];
        Offset = new T[maxState];
        Tape = new T[maxTape];
        Point = new T[maxDimension];
        StartInput = new T[maxState];
        StartParameters = new T[maxParameters];
        ConjugateResidual = new T[maxDimension];
        ConjugateDirection = new T[maxDimension];
        ConjugateProduct = new T[maxDimension];
        FirstTrials = new T[checked(2 * chain.Length)];
        FirstTrials.AsSpan().Fill(T.NaN);
    }

    public ChainWorkspace<T> Owner { get; }

    public T[] Residual { get; }

    public T[] Output { get; }

    public T[] Multiplier { get; }

    public T[] Offset { get; }

    public T[] Tape { get; }

    public T[] Point { get; }

    public T[] StartInput { get; }

    public T[] StartParameters { get; }

    public T[] ConjugateResidual { get; }

    public T[] ConjugateDirection { get; }

    public T[] ConjugateProduct { get; }

    /// <summary>
    /// Per layer index i and argument (2i: the state, 2i + 1: the parameters), 1/c of the curvature c the two-step
    /// solver saw along its first step in the previous pass on this workspace; NaN before any (<see cref="TargetPassOracle{T}.ScaledFirstTrial"/>).
    /// </summary>
    public T[] FirstTrials { get; }

    /// <summary>Target buffer 0 or 1, <paramref name="length"/> values.</summary>
    public Span<T> Target(int which, int length) => _targets.AsSpan(which * _maxState, length);
}
