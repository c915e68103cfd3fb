using System.Numerics;

namespace MoreauGen;

/// <summary>How an <see cref="InnerSolver{T}"/> run ended.</summary>
public enum SolverStatus
{
    /// <summary>A solver with a fixed number of steps (<see cref="TwoStepSolver{T}"/>, <see cref="GradientDescentSolver{T}"/>) took all of them.</summary>
    Completed,

    /// <summary>The gradient norm fell to the solver's relative tolerance times the initial gradient norm (or the initial gradient was zero).</summary>
    Converged,

    /// <summary><see cref="LbfgsSolver{T}"/> used all its iterations without reaching its tolerance; the result is the last iterate.</summary>
    IterationLimit,

    /// <summary>
    /// A line search found no acceptable step along a descent direction (the function is not smooth or not bounded
    /// below there, or the direction was not a descent direction in floating point); the result is the last accepted iterate.
    /// </summary>
    LineSearchFailed,

    /// <summary>The function returned a non-finite value or gradient at the start point; the start point is returned unchanged.</summary>
    NonFiniteStart,
}

/// <summary>
/// What an <see cref="InnerSolver{T}"/> run did: iterations, function evaluations (each one value and gradient) and
/// the gradient norms at the start and where the run stopped.
/// </summary>
/// <remarks>
/// Norms are kept squared, in the solver's scaled units, and their square roots taken only when read, so that a
/// report costs no division or square root in the hot path.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public readonly struct SolverReport<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _scale, _initialSquared, _finalSquared;

    internal SolverReport(SolverStatus status, int iterations, T initialSquared, T finalSquared, bool gradientIsAtResult)
        : this(status, iterations, 0, T.One, initialSquared, finalSquared, gradientIsAtResult, T.NaN)
    {
    }

    internal SolverReport(SolverStatus status, int iterations, T initialSquared, T finalSquared, bool gradientIsAtResult, T curvature)
        : this(status, iterations, 0, T.One, initialSquared, finalSquared, gradientIsAtResult, curvature)
    {
    }

    private SolverReport(SolverStatus status, int iterations, int evaluations, T scale, T initialSquared, T finalSquared, bool gradientIsAtResult, T curvature)
    {
        Curvature = curvature;
        Status = status;
        Iterations = iterations;
        Evaluations = evaluations;
        _scale = scale;
        _initialSquared = initialSquared;
        _finalSquared = finalSquared;
        GradientIsAtResult = gradientIsAtResult;
    }

    /// <summary>How the run ended.</summary>
    public SolverStatus Status { get; }

    /// <summary>Steps taken (line-search trials are not counted here but in <see cref="Evaluations"/>).</summary>
    public int Iterations { get; }

    /// <summary>Calls to <see cref="ISmoothFunction{T}.Evaluate"/>, not counting a start value and gradient passed in by the caller.</summary>
    public int Evaluations { get; }

    /// <summary>‖∇F(y₀)‖₂ at the start point.</summary>
    public T InitialGradientNorm => _scale * T.Sqrt(_initialSquared);

    /// <summary>
    /// ‖∇F‖₂ at the last evaluated point. That is the returned point when <see cref="GradientIsAtResult"/> is true;
    /// <see cref="TwoStepSolver{T}"/> takes its last (Barzilai–Borwein) step without evaluating there, so by default its
    /// norm is the one at the point before that step.
    /// </summary>
    public T GradientNorm => _scale * T.Sqrt(_finalSquared);

    /// <summary>
    /// The smallest curvature sᵀr/sᵀs the solver measured along its steps (s a step, r the change of gradient over
    /// it), or NaN when it measured none. Invariant to the solver's scaling. For a Moreau subproblem
    /// F(y) = γf(z + y) + ½‖y‖², a value c ≤ 0 means F is not strongly convex there (paper Prop. 2.3) and
    /// γ/(1 − c) estimates the largest step that would make it so.
    /// </summary>
    public T Curvature { get; }

    /// <summary>Whether <see cref="GradientNorm"/> was measured at the returned point.</summary>
    public bool GradientIsAtResult { get; }

    /// <summary>‖∇F‖ / ‖∇F(y₀)‖, or 0 when the initial gradient was zero.</summary>
    public T RelativeGradientNorm => T.IsZero(_initialSquared) ? T.Zero : T.Sqrt(_finalSquared / _initialSquared);

    /// <summary>The squared norms (scaled units), for comparing relative norms without dividing.</summary>
    internal T InitialSquared => _initialSquared;

    internal T FinalSquared => _finalSquared;

    /// <summary>The report with the solver frame's scale and evaluation count.</summary>
    internal SolverReport<T> WithFrame(T scale, int evaluations) =>
        new(Status, Iterations, evaluations, scale, _initialSquared, _finalSquared, GradientIsAtResult, Curvature);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Status}: {Iterations} iterations, {Evaluations} evaluations, ‖∇F‖ {GradientNorm} (start {InitialGradientNorm}){(GradientIsAtResult ? "" : ", measured before the last step")}";
}
