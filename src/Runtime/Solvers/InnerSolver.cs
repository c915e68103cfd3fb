using System.Diagnostics;
using System.Numerics;

namespace MoreauGen;

/// <summary>
/// An inner algorithm A (paper Alg. 1, eq. 4) that minimises a smooth function, used to compute Moreau gradients
/// ∇env(f)(z) = −argmin_y { f(z + y) + ½‖y‖² } where no closed form exists. The built-ins are
/// <see cref="TwoStepSolver{T}"/> (the paper's choice, App. E.2.1), <see cref="GradientDescentSolver{T}"/> and
/// <see cref="LbfgsSolver{T}"/>.
/// </summary>
/// <remarks>
/// <para>
/// Solvers hold only settings: one instance may serve any number of threads, each with its own
/// <see cref="SolverWorkspace{T}"/>. A solve allocates nothing. The function is a generic argument (a struct or ref
/// struct is called directly, without boxing).
/// </para>
/// <para>
/// Every solver works at any scale of the problem: tolerances are relative (to the start gradient), vectors are
/// kept in units of a power of two chosen from the start gradient so that inner products neither underflow nor
/// overflow, and line searches accept steps on derivative conditions where the change of value is below the
/// rounding of the value (see the remarks of <see cref="TwoStepSolver{T}"/>).
/// </para>
/// <para>
/// The set of solvers is closed (the constructor is not public): a solve dispatches to its algorithm by type, so
/// that the function stays a generic argument all the way down, without generic virtual calls.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public abstract class InnerSolver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Work vectors shared by all solvers: 0 the iterate, 1 its gradient, 2 the unscaled point handed to the function.
    private protected const int Iterate = 0, Gradient = 1, Unscaled = 2, FirstFree = 3;

    private protected InnerSolver()
    {
    }

    /// <summary>How many work vectors of the problem's dimension a solve needs.</summary>
    public abstract int WorkVectorCount { get; }

    /// <summary>How many work scalars a solve needs.</summary>
    public virtual int WorkScalarCount => 0;

    /// <summary>Allocates a workspace for problems of up to <paramref name="dimension"/> unknowns.</summary>
    public SolverWorkspace<T> CreateWorkspace(int dimension) => new(dimension, WorkVectorCount, WorkScalarCount);

    /// <summary>
    /// Minimises <paramref name="function"/> from the point in <paramref name="y"/>, writing the result into
    /// <paramref name="y"/>. Evaluates the function at the start point first. With <paramref name="reduction"/>,
    /// <paramref name="y"/> and the function are this process's block of a problem split by rows (see
    /// <see cref="IBatchReduction{T}"/>).
    /// </summary>
    public SolverReport<T> Minimize<TFunction>(scoped ref TFunction function, Span<T> y, SolverWorkspace<T> workspace, IBatchReduction<T>? reduction = null)
        where TFunction : ISmoothFunction<T>, allows ref struct
        => Solve(ref function, y, knownStart: false, T.Zero, ReadOnlySpan<T>.Empty, workspace, fromZero: false, reduction);

    /// <summary>
    /// Minimises <paramref name="function"/> from the point in <paramref name="y"/>, whose value
    /// <paramref name="startValue"/> and gradient <paramref name="startGradient"/> the caller already knows
    /// (e.g. from a pullback at the forward pass's tape), writing the result into <paramref name="y"/>. With
    /// <paramref name="reduction"/>, every argument is this process's part (see <see cref="IBatchReduction{T}"/>).
    /// </summary>
    public SolverReport<T> Minimize<TFunction>(scoped ref TFunction function, Span<T> y, T startValue,
                                               ReadOnlySpan<T> startGradient, SolverWorkspace<T> workspace, IBatchReduction<T>? reduction = null)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        if (startGradient.Length != y.Length)
            throw new ArgumentException($"startGradient has {startGradient.Length} values; y has {y.Length}.", nameof(startGradient));
        return Solve(ref function, y, knownStart: true, startValue, startGradient, workspace, fromZero: false, reduction);
    }

    /// <summary>
    /// The Moreau gradient −argmin F, where <paramref name="subproblem"/> is F(y) = f(z + y) + ½‖y‖² (e.g. a
    /// <see cref="LayerInputSubproblem{T}"/>): minimises F from y = 0 and writes −y into <paramref name="result"/>. With
    /// <paramref name="reduction"/>, <paramref name="result"/> and the subproblem are this process's rows of a batch
    /// split over processes (see <see cref="IBatchReduction{T}"/>).
    /// </summary>
    public SolverReport<T> MoreauGradient<TFunction>(scoped ref TFunction subproblem, Span<T> result, SolverWorkspace<T> workspace, IBatchReduction<T>? reduction = null)
        where TFunction : ISmoothFunction<T>, allows ref struct
        => Solve(ref subproblem, result, knownStart: false, T.Zero, ReadOnlySpan<T>.Empty, workspace, fromZero: true, reduction);

    /// <summary>
    /// As <see cref="MoreauGradient{TFunction}(ref TFunction, Span{T}, SolverWorkspace{T}, IBatchReduction{T})"/>, with F(0) =
    /// <paramref name="startValue"/> and ∇F(0) = <paramref name="startGradient"/> already known (with
    /// <paramref name="reduction"/>, this process's parts of them).
    /// </summary>
    public SolverReport<T> MoreauGradient<TFunction>(scoped ref TFunction subproblem, Span<T> result, T startValue,
                                                     ReadOnlySpan<T> startGradient, SolverWorkspace<T> workspace, IBatchReduction<T>? reduction = null)
        where TFunction : ISmoothFunction<T>, allows ref struct
        => MoreauGradient(ref subproblem, result, startValue, startGradient, workspace, T.NaN, reduction);

    /// <summary>
    /// As the public overload with a known start, with the first trial step <paramref name="firstTrial"/> of
    /// <see cref="TwoStepSolver{T}"/>'s line search in place of its <see cref="TwoStepSolver{T}.InitialStep"/> (NaN: the
    /// solver's own). Any accepted trial is a step of the same algorithm (App. E.2.1: a line-searched gradient step, then
    /// a Barzilai–Borwein step); only which Goldstein step is found first changes. The other solvers ignore it.
    /// </summary>
    internal SolverReport<T> MoreauGradient<TFunction>(scoped ref TFunction subproblem, Span<T> result, T startValue,
                                                       ReadOnlySpan<T> startGradient, SolverWorkspace<T> workspace, T firstTrial,
                                                       IBatchReduction<T>? reduction = null)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        if (startGradient.Length != result.Length)
            throw new ArgumentException($"startGradient has {startGradient.Length} values; result has {result.Length}.", nameof(startGradient));
        // A few unknowns (the per-sample states of a control problem): the two-step solver without the general frame.
        if (reduction is null && result.Length <= Vectors.Small && this is TwoStepSolver<T> { EvaluateFinalGradient: false } twoStep
            && twoStep.TrySmallFromZero(ref subproblem, result, startValue, startGradient, workspace, firstTrial, out SolverReport<T> small))
        {
            return small;
        }

        return Solve(ref subproblem, result, knownStart: true, startValue, startGradient, workspace, fromZero: true, reduction, firstTrial);
    }

    /// <summary>
    /// The common frame of every solver: start value and gradient, the scaling σ, the algorithm, the result. With
    /// <paramref name="fromZero"/> the start is y = 0 whatever <paramref name="y"/> holds, and the result written is
    /// −argmin (a Moreau gradient); <paramref name="startGradient"/> may then not overlap <paramref name="y"/>. A
    /// <paramref name="reduction"/> is handed to the algorithm inside the <see cref="ScaledProblem{T}"/>. <paramref name="firstTrial"/>:
    /// the two-step solver's first trial step (0 or NaN: its <see cref="TwoStepSolver{T}.InitialStep"/>).
    /// </summary>
    private SolverReport<T> Solve<TFunction>(scoped ref TFunction f, Span<T> y, bool knownStart, T startValue,
                                             scoped ReadOnlySpan<T> startGradient, SolverWorkspace<T> workspace, bool fromZero,
                                             IBatchReduction<T>? reduction, T firstTrial = default)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int n = y.Length;
        workspace.Check(n, WorkVectorCount, WorkScalarCount);
        Span<T> iterate = workspace.Vector(Iterate, n);
        Span<T> gradient = workspace.Vector(Gradient, n);
        // The two-step solver from 0 with a known start needs neither the iterate nor a copy of the start gradient.
        TwoStepSolver<T>? fromZeroTwoStep = fromZero && knownStart && this is TwoStepSolver<T> { EvaluateFinalGradient: false } s2 ? s2 : null;
        int evaluations = 0;
        T value;
        if (fromZeroTwoStep is null)
        {
            if (fromZero)
                iterate.Clear();
            else
                y.CopyTo(iterate);
        }

        scoped ReadOnlySpan<T> start = gradient;
        if (knownStart)
        {
            value = startValue;
            if (fromZeroTwoStep is null)
                startGradient.CopyTo(gradient);
            else
                start = startGradient;
        }
        else
        {
            value = f.Evaluate(iterate, gradient);
            evaluations = 1;
        }

        T maxMagnitude = ScaledProblem<T>.StartMagnitude(start, value, reduction);
        if (!T.IsFinite(value) || !T.IsFinite(maxMagnitude))
        {
            if (fromZero)
                y.Clear();
            return new SolverReport<T>(SolverStatus.NonFiniteStart, 0, T.NaN, T.NaN, true).WithFrame(T.One, evaluations);
        }

        if (T.IsZero(maxMagnitude))
        {
            if (fromZero)
                y.Clear();
            return new SolverReport<T>(SolverStatus.Converged, 0, T.Zero, T.Zero, true).WithFrame(T.One, evaluations);
        }

        var problem = new ScaledProblem<T>(ScaledProblem<T>.ChooseSigma(maxMagnitude), workspace.Vector(Unscaled, n), reduction);
        problem.Evaluations = evaluations;
        if (fromZeroTwoStep is not null)
        {
            if (problem.Active)
            {
                Vectors.Multiply(start, problem.InverseSigma, gradient);
                start = gradient;
            }

            T startSquared = Vectors.SumOfSquares(start);
            problem.Sum(ref value, ref startSquared);
            SolverReport<T> fast = fromZeroTwoStep.RunFromZero(ref f, ref problem, start, value, startSquared, workspace, y, -problem.Sigma, firstTrial);
            return fast.WithFrame(problem.Sigma, problem.Evaluations);
        }

        if (problem.Active)
        {
            Vectors.Multiply(iterate, problem.InverseSigma, iterate);
            Vectors.Multiply(gradient, problem.InverseSigma, gradient);
        }

        T initialSquared = Vectors.SumOfSquares<T>(gradient);
        problem.Sum(ref value, ref initialSquared);
        SolverReport<T> report = this switch
        {
            TwoStepSolver<T> s => s.Run(ref f, ref problem, iterate, gradient, value, initialSquared, workspace, firstTrial),
            GradientDescentSolver<T> s => s.Run(ref f, ref problem, iterate, gradient, value, initialSquared, workspace),
            LbfgsSolver<T> s => s.Run(ref f, ref problem, iterate, gradient, value, initialSquared, workspace),
            _ => throw new UnreachableException(),
        };

        T outputScale = fromZero ? -problem.Sigma : problem.Sigma;
        if (outputScale == T.One)
            iterate.CopyTo(y);
        else
            Vectors.Multiply(iterate, outputScale, y);
        return report.WithFrame(problem.Sigma, problem.Evaluations);
    }
}
