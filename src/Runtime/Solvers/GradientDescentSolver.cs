using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>
/// Gradient descent with a backtracking (Armijo) line search for a fixed number of steps, optionally stopping
/// earlier at a relative gradient tolerance.
/// </summary>
/// <remarks>
/// Each step starts its line search from the previously accepted step (the first from <see cref="InitialStep"/>) and
/// shrinks it by safeguarded secant steps until φ(s) ≤ φ(0) + 10⁻⁴·s·φ'(0), or, where the change of value is below
/// the rounding of the value, until φ'(s) ≤ −0.8·φ'(0) (the approximate Armijo condition of Hager and Zhang).
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GradientDescentSolver<T> : InnerSolver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Direction = FirstFree, TrialIterate = FirstFree + 1, TrialGradient = FirstFree + 2;

    /// <summary>Creates a solver taking <paramref name="steps"/> gradient steps.</summary>
    public GradientDescentSolver(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        Steps = steps;
    }

    /// <summary>The number of gradient steps k.</summary>
    public int Steps { get; }

    /// <summary>Stop before <see cref="Steps"/> once ‖∇F‖ ≤ this × ‖∇F(y₀)‖ (0, the default, never stops early).</summary>
    public T RelativeTolerance
    {
        get;
        init => field = value >= T.Zero ? value : throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), value, "The tolerance must be non-negative.");
    } = T.Zero;

    /// <summary>The first step tried; 1 is the gradient step of the linearised subproblem.</summary>
    public T InitialStep
    {
        get;
        init => field = value > T.Zero && T.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(InitialStep), value, "The initial step must be positive and finite.");
    } = T.One;

    /// <summary>The most trials each line search makes.</summary>
    public int MaxLineSearchTrials
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxLineSearchTrials), value, "A line search makes at least one trial.");
    } = 30;

    /// <inheritdoc/>
    public override int WorkVectorCount => FirstFree + 3;

    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the frame of the common Solve small
    internal SolverReport<T> Run<TFunction>(scoped ref TFunction f, scoped ref ScaledProblem<T> problem, Span<T> y, Span<T> g,
                                            T value, T initialSquared, SolverWorkspace<T> workspace)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        int n = y.Length;
        Span<T> d = workspace.Vector(Direction, n);
        Span<T> trialY = workspace.Vector(TrialIterate, n);
        Span<T> trialG = workspace.Vector(TrialGradient, n);
        T tolerance = RelativeTolerance * RelativeTolerance * initialSquared; // on squared norms
        T norm = initialSquared;
        T step = InitialStep;
        int iterations = 0;
        SolverStatus status = SolverStatus.Completed;
        T curvature = T.NaN; // the smallest sᵀr/sᵀs seen (Prop. 2.3 guard)
        while (iterations < Steps)
        {
            if (norm <= tolerance)
            {
                status = SolverStatus.Converged;
                break;
            }

            Vectors.Negate(g, d);
            T slope = -norm;
            LineSearchOutcome outcome = LineSearch<T>.Search(ref f, ref problem, LineSearchRule.Armijo, y, value, d, slope,
                                                             step, MaxLineSearchTrials, trialY, trialG, out T trialValue, out step);
            if (outcome == LineSearchOutcome.Failed)
            {
                status = SolverStatus.LineSearchFailed;
                break;
            }

            // s = step·d, r = g₁ − g₀ with d = −g₀: sᵀs = step²‖g₀‖², sᵀr = step(dᵀg₁ + ‖g₀‖²), g₀ᵀs = −step‖g₀‖².
            T dTrial = Vectors.Dot(d, trialG), trialNorm = Vectors.SumOfSquares<T>(trialG);
            problem.Sum(ref dTrial, ref trialNorm);
            T along = StepCurvature<T>.Along(in problem, step * step * norm, step * (dTrial + norm), value, trialValue, -step * norm);
            curvature = StepCurvature<T>.Min(curvature, along);
            trialY.CopyTo(y);
            trialG.CopyTo(g);
            value = trialValue;
            norm = trialNorm;
            iterations++;
        }

        if (status == SolverStatus.Completed && norm <= tolerance)
            status = SolverStatus.Converged;
        return new SolverReport<T>(status, iterations, initialSquared, norm, true, curvature);
    }
}
