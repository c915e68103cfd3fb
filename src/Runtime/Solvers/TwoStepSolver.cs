using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>
/// The paper's inner algorithm (App. E.2.1): one gradient step with a Goldstein line search, then one
/// Barzilai–Borwein step. Cheap (typically two evaluations after the start) and exact when the function is
/// quadratic with an isotropic Hessian, e.g. F(y) = f(z + y) + ½‖y‖² with f affine, where the unit step is exact.
/// </summary>
/// <remarks>
/// <para>
/// From y₀ with gradient g₀: y₁ = y₀ − s₁·g₀, s₁ found by a Goldstein line search starting at
/// <see cref="InitialStep"/> (c = ¼: ¼·s·φ'(0) ≥ φ(s) − φ(0) ≥ ¾·s·φ'(0)); then with s = y₁ − y₀ and
/// r = g₁ − g₀, y₂ = y₁ − η·g₁ with the Barzilai–Borwein step η = sᵀs / sᵀr. Safeguard: when sᵀr ≤ 0 (no
/// positive curvature along s) or the ratio is not finite, η = s₁.
/// </para>
/// <para>
/// At any scale: when the change of value is below ~10ε of the value (a Moreau subproblem whose multiplier is
/// ~1e-30 while the state is ~1: x + u rounds to x), the line search accepts on the approximate Wolfe conditions
/// (Hager–Zhang) on derivatives instead of Goldstein's conditions on values; vectors are rescaled by a power of two
/// so that sᵀs and sᵀr do not underflow.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed partial class TwoStepSolver<T> : InnerSolver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Direction = FirstFree, TrialIterate = FirstFree + 1, TrialGradient = FirstFree + 2;

    /// <summary>The first step tried by the line search; 1 is the gradient step of the linearised subproblem.</summary>
    public T InitialStep
    {
        get;
        init => field = value > T.Zero && T.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(InitialStep), value, "The initial step must be positive and finite.");
    } = T.One;

    /// <summary>The most trials the line search makes.</summary>
    public int MaxLineSearchTrials
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxLineSearchTrials), value, "A line search makes at least one trial.");
    } = 30;

    /// <summary>
    /// Whether to evaluate the gradient after the last step so that <see cref="SolverReport{T}.GradientNorm"/> is
    /// measured at the result (one more evaluation; the paper's algorithm does not).
    /// </summary>
    public bool EvaluateFinalGradient { get; init; }

    /// <inheritdoc/>
    public override int WorkVectorCount => FirstFree + 3;

    /// <summary>
    /// The algorithm of <see cref="Run{TFunction}"/> from y₀ = 0 (a Moreau gradient), writing
    /// <paramref name="resultScale"/>·y₂ into <paramref name="result"/>; used when <see cref="EvaluateFinalGradient"/> is
    /// off. With y₀ = 0 and d = −g₀ every vector of the algorithm is a combination of g₀ and g₁: y₁ = −s₁·g₀ and
    /// y₂ = y₁ − η·g₁, so the direction and y₂ are never stored, and the Barzilai–Borwein sums and ‖g₁‖² take one pass
    /// (<see cref="FusedVectors"/>). Same iterates as <see cref="Run{TFunction}"/> up to the rounding of those sums.
    /// <paramref name="g"/> is read only and may be the caller's start gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal SolverReport<T> RunFromZero<TFunction>(scoped ref TFunction f, scoped ref ScaledProblem<T> problem, scoped ReadOnlySpan<T> g,
                                                    T value, T initialSquared, SolverWorkspace<T> workspace, Span<T> result, T resultScale,
                                                    T firstTrial)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        int n = g.Length;
        Span<T> y1 = workspace.Vector(TrialIterate, n);
        Span<T> g1 = workspace.Vector(TrialGradient, n);

        // Step 1: gradient step with a Goldstein line search along −g₀.
        T slope = -initialSquared;
        LineSearchOutcome outcome = LineSearch<T>.SearchFromZero(ref f, ref problem, LineSearchRule.Goldstein, value, g, slope,
                                                                 FirstTrial(firstTrial), MaxLineSearchTrials, y1, g1, out T value1, out T s1);
        if (outcome == LineSearchOutcome.Failed)
        {
            result.Clear();
            return new SolverReport<T>(SolverStatus.LineSearchFailed, 0, initialSquared, initialSquared, true);
        }

        // Step 2: Barzilai–Borwein, η = sᵀs / sᵀr with s = s₁·d, d = −g₀, r = g₁ − g₀: dᵀd = ‖g₀‖², dᵀr = −g₀ᵀ(g₁ − g₀).
        (T startDotChange, T finalSquared) = FusedVectors.StepSums<T>(g, g1);
        problem.Sum(ref startDotChange, ref finalSquared);
        T dd = initialSquared;
        T dr = -startDotChange;
        T eta = s1 * (dd / dr);
        if (!(dr > T.Zero) || !T.IsFinite(eta) || !(eta > T.Zero))
            eta = s1;

        // y₂ = −s₁·g₀ − η·g₁.
        FusedVectors.Combine(-s1 * resultScale, g, -eta * resultScale, g1, result);

        SolverStatus status = outcome == LineSearchOutcome.Accepted ? SolverStatus.Completed : SolverStatus.LineSearchFailed;
        T curvature = StepCurvature<T>.Along(in problem, s1 * s1 * dd, s1 * dr, value, value1, s1 * slope);
        return new SolverReport<T>(status, 2, initialSquared, finalSquared, false, curvature);
    }

    /// <summary>
    /// The solve of <see cref="InnerSolver{T}.MoreauGradient{TFunction}(ref TFunction, Span{T}, T, ReadOnlySpan{T}, SolverWorkspace{T}, IBatchReduction{T})"/>
    /// for a few unknowns (at most <see cref="Vectors.Small"/>) on one process, whose start needs no rescaling (σ = 1):
    /// <see cref="RunFromZero{TFunction}"/> without the general frame, which costs as much as the solve itself on the
    /// 2-value states of a control problem (99 solves per pendulum iteration). Returns false, having done nothing, when the
    /// start is not finite, is 0 or needs σ ≠ 1; the general frame handles those.
    /// </summary>
    internal bool TrySmallFromZero<TFunction>(scoped ref TFunction f, Span<T> result, T value, scoped ReadOnlySpan<T> g,
                                              SolverWorkspace<T> workspace, T firstTrial, out SolverReport<T> report)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.Check(g.Length, WorkVectorCount, WorkScalarCount);
        T maxMagnitude = Vectors.MaxMagnitude(g);
        if (!T.IsFinite(value) || !T.IsFinite(maxMagnitude) || T.IsZero(maxMagnitude) || ScaledProblem<T>.ChooseSigma(maxMagnitude) != T.One)
        {
            report = default;
            return false;
        }

        var problem = new ScaledProblem<T>(T.One, Span<T>.Empty);
        report = RunFromZero(ref f, ref problem, g, value, Vectors.SumOfSquares(g), workspace, result, -T.One, firstTrial).WithFrame(T.One, problem.Evaluations);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the frame of the common Solve small
    internal SolverReport<T> Run<TFunction>(scoped ref TFunction f, scoped ref ScaledProblem<T> problem, Span<T> y, Span<T> g,
                                            T value, T initialSquared, SolverWorkspace<T> workspace, T firstTrial)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        int n = y.Length;
        Span<T> d = workspace.Vector(Direction, n);
        Span<T> y1 = workspace.Vector(TrialIterate, n);
        Span<T> g1 = workspace.Vector(TrialGradient, n);

        // Step 1: gradient step with a Goldstein line search.
        Vectors.Negate(g, d);
        T slope = -initialSquared;
        LineSearchOutcome outcome = LineSearch<T>.Search(ref f, ref problem, LineSearchRule.Goldstein, y, value, d, slope,
                                                         FirstTrial(firstTrial), MaxLineSearchTrials, y1, g1, out T value1, out T s1);
        if (outcome == LineSearchOutcome.Failed)
            return new SolverReport<T>(SolverStatus.LineSearchFailed, 0, initialSquared, initialSquared, true);

        // Step 2: Barzilai–Borwein, η = sᵀs / sᵀr with s = s₁·d and r = g₁ − g₀ (r is written over g₀).
        Vectors.Subtract(g1, g, g);
        T dd = Vectors.Dot(d, d);
        T dr = Vectors.Dot(d, g);
        bool atResult = EvaluateFinalGradient;
        T finalSquared = atResult ? T.Zero : Vectors.SumOfSquares<T>(g1);
        problem.Sum(ref dd, ref dr, ref finalSquared);
        T eta = s1 * (dd / dr);
        if (!(dr > T.Zero) || !T.IsFinite(eta) || !(eta > T.Zero))
            eta = s1;
        Vectors.MultiplyAdd(g1, -eta, y1, y);

        if (atResult)
        {
            problem.Evaluate(ref f, y, g);
            finalSquared = Vectors.SumOfSquares<T>(g);
            problem.Sum(ref finalSquared);
        }

        SolverStatus status = outcome == LineSearchOutcome.Accepted ? SolverStatus.Completed : SolverStatus.LineSearchFailed;
        // The curvature along the first step, s = s₁·d (Prop. 2.3 guard).
        T curvature = StepCurvature<T>.Along(in problem, s1 * s1 * dd, s1 * dr, value, value1, s1 * slope);
        return new SolverReport<T>(status, 2, initialSquared, finalSquared, atResult, curvature);
    }

    /// <summary>
    /// The line search's first trial: the caller's <paramref name="firstTrial"/> when it is positive and finite (a step
    /// scaled by the curvature seen before, <see cref="InnerSolver{T}"/>'s internal overload), else <see cref="InitialStep"/>.
    /// </summary>
    private T FirstTrial(T firstTrial) => firstTrial > T.Zero && T.IsFinite(firstTrial) ? firstTrial : InitialStep;
}
