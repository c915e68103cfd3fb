using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

public sealed partial class TwoStepSolver<T>
{
    /// <summary>
    /// The Φx solve of one layer with at most <see cref="Vectors.Small"/> inputs and outputs on one process, in one frame:
    /// writes ∇env(c·λᵀφ(w, ·))(x) (paper Alg. 2 line 4, eq. 52) into <paramref name="result"/>, given the oracle's
    /// pullback ∇_x λᵀφ at the tape (<paramref name="pullback"/>, unscaled) and λᵀφ(w, x) (<paramref name="lambdaDotState"/>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The same algorithm, the same arithmetic in the same order, as the oracle scaling λ and the pullback by c into its
    /// scratch vectors and calling <see cref="InnerSolver{T}.MoreauGradient{TFunction}(ref TFunction, Span{T}, T, ReadOnlySpan{T}, SolverWorkspace{T}, IBatchReduction{T})"/>
    /// (which takes <see cref="TrySmallFromZero{TFunction}"/> and <see cref="RunFromZero{TFunction}"/>): so the same
    /// iterates, bit for bit. What it leaves out is the frame around that arithmetic, which on a 2-value state cost more than
    /// the subproblem's evaluation: c·λ and c·∇ go to stack vectors in one pass that also finds the start's largest
    /// magnitude and squared norm, the first line-search trial is evaluated and judged here (App. E.2.1: it is accepted in
    /// all 99 solves of a pendulum iteration), and only a rejected first trial enters the general line search, which
    /// continues from it (<see cref="LineSearch{T}.SearchFromZeroAfterFirstTrial{TFunction}"/>).
    /// </para>
    /// <para>
    /// The report's <see cref="SolverReport{T}.Curvature"/> is NaN (not measured: the Moreau oracle's statistics do not read
    /// it). Returns false, having written nothing, when the start is not finite, is 0 or needs σ ≠ 1 (the general frame,
    /// which handles those, must then be used), or when the sizes exceed <see cref="Vectors.Small"/>.
    /// </para>
    /// </remarks>
    [SkipLocalsInit] // its stack vectors are written before they are read
    internal bool TrySmallInputMoreauGradient(IMoreauLayer<T> layer, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, T c,
                                              ReadOnlySpan<T> pullback, T lambdaDotState, Span<T> result, out SolverReport<T> report)
    {
        int n = x.Length;
        if (n > Vectors.Small || lambda.Length > Vectors.Small || pullback.Length != n || result.Length != n || EvaluateFinalGradient)
        {
            report = default;
            return false;
        }

        SmallVector<T> startStorage, trialStorage, trialGradientStorage, lambdaStorage;
        Unsafe.SkipInit(out startStorage);
        Unsafe.SkipInit(out trialStorage);
        Unsafe.SkipInit(out trialGradientStorage);
        Unsafe.SkipInit(out lambdaStorage);
        Span<T> g0 = ((Span<T>)startStorage)[..n];

        // g₀ = c·∇ₓλᵀφ (the start gradient, ∇F(0)), its largest magnitude and ‖g₀‖² in one pass.
        T maxMagnitude = T.Zero, initialSquared = T.Zero;
        for (int i = 0; i < n; i++)
        {
            T gi = pullback[i] * c;
            if (!T.IsFinite(gi))
            {
                report = default;
                return false;
            }

            g0[i] = gi;
            T magnitude = T.Abs(gi);
            if (magnitude > maxMagnitude)
                maxMagnitude = magnitude;
            initialSquared += gi * gi;
        }

        T value = c * lambdaDotState;
        if (!T.IsFinite(value) || !ScaledProblem<T>.IsUnscaled(maxMagnitude))
        {
            report = default;
            return false;
        }

        Span<T> scaledLambda = ((Span<T>)lambdaStorage)[..lambda.Length];
        for (int i = 0; i < lambda.Length; i++)
            scaledLambda[i] = lambda[i] * c;
        Span<T> y1 = ((Span<T>)trialStorage)[..n];
        Span<T> g1 = ((Span<T>)trialGradientStorage)[..n];

        // Step 1: the first Goldstein trial along −g₀ (RunFromZero's line search, trial 0).
        T slope = -initialSquared;
        T s1 = InitialStep;
        for (int i = 0; i < n; i++)
            y1[i] = g0[i] * -s1;
        T value1 = layer.SubproblemX(w, x, scaledLambda, y1, g1);
        T trialSlope = -Vectors.Dot<T>(g1, g0);
        scoped var problem = new ScaledProblem<T>(T.One, Span<T>.Empty) { Evaluations = 1 };
        LineSearchOutcome outcome = LineSearchOutcome.Accepted;
        if (!LineSearch<T>.Accepts(ref problem, LineSearchRule.Goldstein, value, slope, value1, trialSlope, s1))
        {
            var subproblem = new LayerInputSubproblem<T>(layer, w, x, scaledLambda);
            outcome = LineSearch<T>.SearchFromZeroAfterFirstTrial(ref subproblem, ref problem, LineSearchRule.Goldstein, value, g0, slope, s1,
                                                                  value1, trialSlope, MaxLineSearchTrials, y1, g1, out value1, out s1);
            if (outcome == LineSearchOutcome.Failed)
            {
                result.Clear();
                report = new SolverReport<T>(SolverStatus.LineSearchFailed, 0, initialSquared, initialSquared, true).WithFrame(T.One, problem.Evaluations);
                return true;
            }
        }

        // Step 2: Barzilai–Borwein, as RunFromZero: η = s₁·dᵀd/dᵀr with d = −g₀, r = g₁ − g₀. Below one Vector<T>, the
        // scalar loops are FusedVectors.StepSums's and Combine's own tails (the same sums in the same order) without the calls.
        bool scalar = n < Vector<T>.Count;
        T startDotChange = T.Zero, finalSquared = T.Zero;
        if (scalar)
        {
            for (int i = 0; i < n; i++)
            {
                startDotChange += g0[i] * (g1[i] - g0[i]);
                finalSquared += g1[i] * g1[i];
            }
        }
        else
        {
            (startDotChange, finalSquared) = FusedVectors.StepSums<T>(g0, g1);
        }

        T dd = initialSquared;
        T dr = -startDotChange;
        T eta = s1 * (dd / dr);
        if (!(dr > T.Zero) || !T.IsFinite(eta) || !(eta > T.Zero))
            eta = s1;

        // The result −y₂ = s₁·g₀ + η·g₁ (RunFromZero's coefficients times −1, exact).
        T a = -s1 * -T.One, b = -eta * -T.One;
        if (scalar)
        {
            for (int i = 0; i < n; i++)
                result[i] = a * g0[i] + b * g1[i];
        }
        else
        {
            FusedVectors.Combine(a, g0, b, g1, result);
        }

        // No curvature (NaN): the oracle's statistics do not read it, and it costs two divisions per solve.
        SolverStatus status = outcome == LineSearchOutcome.Accepted ? SolverStatus.Completed : SolverStatus.LineSearchFailed;
        report = new SolverReport<T>(status, 2, initialSquared, finalSquared, false).WithFrame(T.One, problem.Evaluations);
        return true;
    }
}

/// <summary><see cref="Vectors.Small"/> values on the stack: the vectors of a small solve (<see cref="TwoStepSolver{T}"/>).</summary>
[InlineArray(Vectors.Small)]
internal struct SmallVector<T>
{
    private T _element;
}
