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
/// the gradient norm where the run stopped.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <param name="Status">How the run ended.</param>
/// <param name="Iterations">Steps taken (line-search trials are not counted here but in <paramref name="Evaluations"/>).</param>
/// <param name="Evaluations">Calls to <see cref="ISmoothFunction{T}.Evaluate"/>, not counting a start value and gradient passed in by the caller.</param>
/// <param name="InitialGradientNorm">‖∇F(y₀)‖₂ at the start point.</param>
/// <param name="GradientNorm">
/// ‖∇F‖₂ at the last evaluated point. That is the returned point when <paramref name="GradientIsAtResult"/> is true;
/// <see cref="TwoStepSolver{T}"/> takes its last (Barzilai–Borwein) step without evaluating there, so by default its
/// norm is the one at the point before that step.
/// </param>
/// <param name="GradientIsAtResult">Whether <paramref name="GradientNorm"/> was measured at the returned point.</param>
public readonly record struct SolverReport<T>(
    SolverStatus Status,
    int Iterations,
    int Evaluations,
    T InitialGradientNorm,
    T GradientNorm,
    bool GradientIsAtResult)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>‖∇F‖ / ‖∇F(y₀)‖, or 0 when the initial gradient was zero.</summary>
    public T RelativeGradientNorm => T.IsZero(InitialGradientNorm) ? T.Zero : GradientNorm / InitialGradientNorm;
}
