using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>
/// Limited-memory BFGS to a relative gradient tolerance: the precise inner solver, for reference computations
/// and for subproblems the two-step solver resolves too coarsely.
/// </summary>
/// <remarks>
/// Two-loop recursion over the last <see cref="Memory"/> pairs (s, r) = (yₖ₊₁ − yₖ, ∇Fₖ₊₁ − ∇Fₖ) with the initial
/// inverse Hessian sᵀr/rᵀr·I (<see cref="InitialStep"/>·I before the first pair); pairs with sᵀr ≤ 0 are skipped.
/// Weak Wolfe line search (c₁ = 10⁻⁴, c₂ = 0.9) from the unit step, on derivatives (approximate Wolfe) where the
/// change of value is below the rounding of the value. Stops when ‖∇F‖ ≤ <see cref="RelativeTolerance"/>·‖∇F(y₀)‖.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class LbfgsSolver<T> : InnerSolver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Direction = FirstFree, TrialIterate = FirstFree + 1, TrialGradient = FirstFree + 2, History = FirstFree + 3;
    private static readonly T CurvatureFloor = T.BitIncrement(T.One) - T.One;

    /// <summary>Stop once ‖∇F‖ ≤ this × ‖∇F(y₀)‖. Default max(10⁻¹⁰, 100ε): 10⁻¹⁰ in double, ~1.2·10⁻⁵ in float.</summary>
    public T RelativeTolerance
    {
        get;
        init => field = value >= T.Zero ? value : throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), value, "The tolerance must be non-negative.");
    } = T.Max(T.CreateChecked(1e-10), T.CreateChecked(100) * (T.BitIncrement(T.One) - T.One));

    /// <summary>The most iterations (default 100).</summary>
    public int MaxIterations
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, "The iteration limit must be non-negative.");
    } = 100;

    /// <summary>How many correction pairs are kept (default 8).</summary>
    public int Memory
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Memory), value, "L-BFGS keeps at least one correction pair.");
    } = 8;

    /// <summary>The first step before any curvature is known; 1 suits Moreau subproblems f(z + y) + ½‖y‖².</summary>
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
    public override int WorkVectorCount => History + 2 * Memory;

    /// <inheritdoc/>
    public override int WorkScalarCount => 2 * Memory;

    [MethodImpl(MethodImplOptions.NoInlining)] // keeps the frame of the common Solve small
    internal SolverReport<T> Run<TFunction>(scoped ref TFunction f, scoped ref ScaledProblem<T> problem, Span<T> y, Span<T> g,
                                            T value, T initialSquared, SolverWorkspace<T> workspace)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        int n = y.Length;
        int memory = Memory;
        Span<T> d = workspace.Vector(Direction, n);
        Span<T> trialY = workspace.Vector(TrialIterate, n);
        Span<T> trialG = workspace.Vector(TrialGradient, n);
        Span<T> scalars = workspace.Scalars(2 * memory);
        Span<T> rho = scalars[..memory];
        Span<T> alpha = scalars[memory..];

        T tolerance = RelativeTolerance * RelativeTolerance * initialSquared; // on squared norms
        T norm = initialSquared;
        int count = 0, newest = -1, iterations = 0;
        SolverStatus status = SolverStatus.IterationLimit;
        T curvature = T.NaN; // the smallest sᵀr/sᵀs seen (Prop. 2.3 guard)
        while (iterations < MaxIterations)
        {
            if (norm <= tolerance)
            {
                status = SolverStatus.Converged;
                break;
            }

            T initialStep = SearchDirection(in problem, g, d, workspace, n, memory, count, newest, rho, alpha);
            T slope = Vectors.Dot(g, d);
            problem.Sum(ref slope);
            if (!(slope < T.Zero))
            {
                // Not a descent direction in floating point: forget the curvature pairs.
                count = 0;
                Vectors.Negate(g, d);
                T gg = Vectors.Dot(g, g);
                slope = -problem.Sum(ref gg);
                initialStep = InitialStep;
            }

            LineSearchOutcome outcome = LineSearch<T>.Search(ref f, ref problem, LineSearchRule.Wolfe, y, value, d, slope,
                                                             initialStep, MaxLineSearchTrials, trialY, trialG, out T trialValue, out _);
            if (outcome == LineSearchOutcome.Failed)
            {
                if (count > 0)
                {
                    count = 0; // retry along the steepest descent
                    continue;
                }

                status = SolverStatus.LineSearchFailed;
                break;
            }

            // Store the pair (s, r) in the next ring slot, keep it if it has positive curvature.
            int slot = (newest + 1) % memory;
            Span<T> s = workspace.Vector(History + slot, n);
            Span<T> r = workspace.Vector(History + memory + slot, n);
            Vectors.Subtract(trialY, y, s);
            Vectors.Subtract(trialG, g, r);
            // sᵀr, sᵀs, gᵀs, ‖s‖², ‖r‖² and ‖g₁‖² in one message (‖·‖ = √ of the sum of squares, as Vectors.Norm).
            Span<T> products = [Vectors.Dot(s, r), Vectors.Dot(s, s), Vectors.Dot(g, s), Vectors.SumOfSquares<T>(s), Vectors.SumOfSquares<T>(r), Vectors.SumOfSquares<T>(trialG)];
            problem.Sum(products);
            T sr = products[0];
            curvature = StepCurvature<T>.Min(curvature, StepCurvature<T>.Along(in problem, products[1], sr, value, trialValue, products[2]));
            if (sr > CurvatureFloor * T.Sqrt(products[3]) * T.Sqrt(products[4]))
            {
                rho[slot] = T.One / sr;
                newest = slot;
                count = Math.Min(count + 1, memory);
            }

            trialY.CopyTo(y);
            trialG.CopyTo(g);
            value = trialValue;
            norm = products[5];
            iterations++;
        }

        if (status == SolverStatus.IterationLimit && norm <= tolerance)
            status = SolverStatus.Converged;
        return new SolverReport<T>(status, iterations, initialSquared, norm, true, curvature);
    }

    /// <summary>d = −H·g by the two-loop recursion; returns the first step to try.</summary>
    private T SearchDirection(in ScaledProblem<T> problem, ReadOnlySpan<T> g, Span<T> d, SolverWorkspace<T> workspace, int n, int memory,
                              int count, int newest, Span<T> rho, Span<T> alpha)
    {
        g.CopyTo(d);
        if (count == 0)
        {
            Vectors.Negate(d, d);
            return InitialStep;
        }

        for (int k = 0, slot = newest; k < count; k++, slot = (slot - 1 + memory) % memory)
        {
            ReadOnlySpan<T> s = workspace.Vector(History + slot, n);
            ReadOnlySpan<T> r = workspace.Vector(History + memory + slot, n);
            T sd = Vectors.Dot(s, d);
            T a = rho[slot] * problem.Sum(ref sd);
            alpha[slot] = a;
            Vectors.MultiplyAdd(r, -a, d, d);
        }

        ReadOnlySpan<T> sNew = workspace.Vector(History + newest, n);
        ReadOnlySpan<T> rNew = workspace.Vector(History + memory + newest, n);
        T sy = Vectors.Dot(sNew, rNew), yy = Vectors.Dot(rNew, rNew);
        problem.Sum(ref sy, ref yy);
        T gamma = sy / yy;
        Vectors.Multiply(d, gamma, d);

        int oldest = (newest - count + 1 + memory) % memory;
        for (int k = 0, slot = oldest; k < count; k++, slot = (slot + 1) % memory)
        {
            ReadOnlySpan<T> s = workspace.Vector(History + slot, n);
            ReadOnlySpan<T> r = workspace.Vector(History + memory + slot, n);
            T rd = Vectors.Dot(r, d);
            T b = rho[slot] * problem.Sum(ref rd);
            Vectors.MultiplyAdd(s, alpha[slot] - b, d, d);
        }

        Vectors.Negate(d, d);
        return T.One;
    }
}
