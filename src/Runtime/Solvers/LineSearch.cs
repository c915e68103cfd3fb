using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>Which conditions a line search accepts a step on.</summary>
internal enum LineSearchRule
{
    /// <summary>Sufficient decrease only, shrinking from the initial step (backtracking).</summary>
    Armijo,

    /// <summary>Goldstein's two-sided condition on values: c·s·φ'(0) ≥ φ(s) − φ(0) ≥ (1 − c)·s·φ'(0).</summary>
    Goldstein,

    /// <summary>Weak Wolfe: sufficient decrease and the curvature condition φ'(s) ≥ c₂·φ'(0).</summary>
    Wolfe,
}

/// <summary>How a line search ended.</summary>
internal enum LineSearchOutcome
{
    /// <summary>A step met the rule; the trial vectors hold it.</summary>
    Accepted,

    /// <summary>No step met the rule, but a shorter one decreased the function; the trial vectors hold that one.</summary>
    ShortStep,

    /// <summary>
    /// No step met the rule and none decreased the function on values, but some trial met the approximate
    /// sufficient-decrease condition on derivatives, φ'(s) ≤ (2δ − 1)·φ'(0); the trial vectors hold the longest such
    /// step. Taken rather than no step, which would make a Moreau gradient 0.
    /// </summary>
    DerivativeStep,

    /// <summary>No trial was usable; the trial vectors are undefined.</summary>
    Failed,
}

/// <summary>
/// Line search along a descent direction d from y₀ for φ(s) = F(y₀ + s·d), on vectors in the units of a
/// <see cref="ScaledProblem{T}"/>. Every trial evaluates the value and the gradient (the callers need the gradient at the
/// accepted point anyway).
/// </summary>
/// <remarks>
/// <para>
/// Scale-free acceptance. A step is accepted when it meets the rule on values, or when it meets the approximate
/// Wolfe conditions of Hager and Zhang (2005), (2δ − 1)·φ'(0) ≥ φ'(s) ≥ σ·φ'(0) with δ = 0.1, σ = 0.9
/// (backtracking uses only the first), together with φ(s) ≤ φ(0) + ε_k, ε_k = √ε·max(|φ(0)|, |φ(s)|): a change of
/// value that small may be rounding noise (evaluations of the same point by different arithmetic, e.g. a start value
/// taken from the forward pass, differ by several ε), while gradients stay accurate at any scale. When the change of
/// value cannot be resolved at all, |φ(s) − φ(0)| ≤ 10ε·max(|φ(0)|, |φ(s)|) — a Moreau subproblem
/// λᵀφ(w, x + u) + ½‖u‖² with λ ~ 1e-30 and x ~ 1, where x + u rounds to x and the decrease (~1e-60) is far below
/// the rounding of the value (~1e-46) — rejected steps are also classified too long or too short on derivatives.
/// </para>
/// <para>
/// Trial steps: the secant step on φ' inside the current bracket (exact for a quadratic), safeguarded away from the
/// bracket ends and replaced by bisection when the bracket stops shrinking; before a bracket exists, the secant
/// extrapolation clamped to [2s, 16s].
/// </para>
/// </remarks>
internal static class LineSearch<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T ArmijoC = T.CreateChecked(1e-4);
    private static readonly T GoldsteinC = T.CreateChecked(0.25);
    private static readonly T WolfeC2 = T.CreateChecked(0.9);
    private static readonly T ApproximateArmijo = T.CreateChecked(-0.8); // 2δ − 1, δ = 0.1
    private static readonly T ApproximateCurvature = T.CreateChecked(0.9); // σ
    private static readonly T Resolution = T.CreateChecked(10) * (T.BitIncrement(T.One) - T.One);
    private static readonly T Noise = T.Sqrt(T.BitIncrement(T.One) - T.One);
    private static readonly T Safeguard = T.CreateChecked(1e-3);
    private static readonly T Two = T.CreateChecked(2);
    private static readonly T Four = T.CreateChecked(4);
    private static readonly T Sixteen = T.CreateChecked(16);
    private static readonly T Half = T.CreateChecked(0.5);

    private enum Verdict { Accept, TooShort, TooLong }

    /// <summary>
    /// Searches from <paramref name="initialStep"/> along <paramref name="direction"/> (φ'(0) = <paramref name="slope"/> &lt; 0).
    /// Unless the outcome is <see cref="LineSearchOutcome.Failed"/>, <paramref name="y"/>,
    /// <paramref name="gradient"/>, <paramref name="value"/> and <paramref name="step"/> describe the chosen point.
    /// </summary>
    public static LineSearchOutcome Search<TFunction>(
        scoped ref TFunction f, scoped ref ScaledProblem<T> problem, LineSearchRule rule,
        ReadOnlySpan<T> y0, T value0, ReadOnlySpan<T> direction, T slope, T initialStep, int maxTrials,
        Span<T> y, Span<T> gradient, out T value, out T step)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        var ray = new LineSearchRay<T>(y0, direction);
        return Search(ref f, ref problem, rule, ray, value0, slope, initialStep, maxTrials, y, gradient, out value, out step);
    }

    /// <summary>
    /// As the other overload, along the ray y = s·(−<paramref name="gradient0"/>) from y₀ = 0 (the first step of a
    /// solve started at 0): the trial points and slopes are those of direction −g₀ without storing it or reading y₀.
    /// </summary>
    public static LineSearchOutcome SearchFromZero<TFunction>(
        scoped ref TFunction f, scoped ref ScaledProblem<T> problem, LineSearchRule rule,
        T value0, scoped ReadOnlySpan<T> gradient0, T slope, T initialStep, int maxTrials,
        Span<T> y, Span<T> gradient, out T value, out T step)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        var ray = new SteepestRayFromZero<T>(gradient0);
        return Search(ref f, ref problem, rule, ray, value0, slope, initialStep, maxTrials, y, gradient, out value, out step);
    }

    /// <summary>
    /// As <see cref="SearchFromZero{TFunction}"/>, whose first trial, at <paramref name="initialStep"/>, the caller has
    /// already evaluated (and counted in <paramref name="problem"/>): <paramref name="y"/> and <paramref name="gradient"/>
    /// hold its point and gradient, <paramref name="firstValue"/> and <paramref name="firstSlope"/> its value and slope. The
    /// search continues exactly as if it had made that trial itself (same trials, same outcome).
    /// </summary>
    public static LineSearchOutcome SearchFromZeroAfterFirstTrial<TFunction>(
        scoped ref TFunction f, scoped ref ScaledProblem<T> problem, LineSearchRule rule,
        T value0, scoped ReadOnlySpan<T> gradient0, T slope, T initialStep, T firstValue, T firstSlope, int maxTrials,
        Span<T> y, Span<T> gradient, out T value, out T step)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        var ray = new SteepestRayFromZero<T>(gradient0);
        return Search(ref f, ref problem, rule, ray, value0, slope, initialStep, maxTrials, y, gradient, out value, out step,
                      firstKnown: true, firstValue, firstSlope);
    }

    /// <summary>
    /// Whether the line search accepts its trial at step <paramref name="s"/> (value <paramref name="value"/>, slope
    /// <paramref name="slope"/>) from φ(0) = <paramref name="value0"/>, φ'(0) = <paramref name="slope0"/>: the verdict
    /// <see cref="Search{TFunction, TRay}"/> takes on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once per small solve
    public static bool Accepts(scoped ref ScaledProblem<T> problem, LineSearchRule rule, T value0, T slope0, T value, T slope, T s) =>
        T.IsFinite(value) && T.IsFinite(slope) && Judge(ref problem, rule, value0, slope0, value, slope, s) == Verdict.Accept;

    private static LineSearchOutcome Search<TFunction, TRay>(
        scoped ref TFunction f, scoped ref ScaledProblem<T> problem, LineSearchRule rule,
        scoped TRay ray, T value0, T slope, T initialStep, int maxTrials,
        Span<T> y, Span<T> gradient, out T value, out T step,
        bool firstKnown = false, T firstValue = default, T firstSlope = default)
        where TFunction : ISmoothFunction<T>, allows ref struct
        where TRay : ILineSearchRay<T>, allows ref struct
    {
        value = value0;
        step = T.Zero;
        if (!(slope < T.Zero) || !(initialStep > T.Zero))
            return LineSearchOutcome.Failed;

        T lo = T.Zero, slopeLo = slope;
        T derivativeStep = T.Zero; // the longest trial meeting the approximate sufficient-decrease condition
        T hi = T.PositiveInfinity, slopeHi = T.NaN;
        T previousWidth = T.PositiveInfinity, widthBefore = T.PositiveInfinity;
        T s = initialStep;
        for (int trial = 0; trial < maxTrials; trial++)
        {
            T v, slopeS;
            if (trial == 0 && firstKnown)
            {
                v = firstValue;
                slopeS = firstSlope;
            }
            else
            {
                ray.Point(s, y);
                v = problem.EvaluateAlong(ref f, y, gradient, ray, out slopeS);
            }

            bool finite = T.IsFinite(v) && T.IsFinite(slopeS);
            Verdict verdict = finite ? Judge(ref problem, rule, value0, slope, v, slopeS, s) : Verdict.TooLong;
            if (finite && slopeS <= ApproximateArmijo * slope && s > derivativeStep)
                derivativeStep = s;
            if (verdict == Verdict.Accept)
            {
                value = v;
                step = s;
                return LineSearchOutcome.Accepted;
            }

            if (verdict == Verdict.TooShort && T.IsPositiveInfinity(hi))
            {
                // No bracket yet: extrapolate with the secant through the previous short step, within [2s, 16s].
                T extrapolated = Secant(lo, slopeLo, s, slopeS, out bool ok);
                lo = s;
                slopeLo = slopeS;
                s = ok ? T.Clamp(extrapolated, Two * s, Sixteen * s) : Four * s;
                if (!T.IsFinite(s))
                    break;
                continue;
            }

            if (verdict == Verdict.TooLong)
            {
                hi = s;
                slopeHi = slopeS;
            }
            else
            {
                lo = s;
                slopeLo = slopeS;
            }

            T width = hi - lo;
            if (!(width > Resolution * hi))
                break;
            T candidate = Secant(lo, slopeLo, hi, slopeHi, out bool secantOk);
            bool shrinking = width <= Half * widthBefore;
            widthBefore = previousWidth;
            previousWidth = width;
            if (!secantOk || !shrinking)
                candidate = lo + Half * width;
            s = T.Clamp(candidate, lo + Safeguard * width, hi - Safeguard * width);
        }

        if (lo > T.Zero)
        {
            // Fall back on the longest step that passed the sufficient-decrease side of the rule.
            ray.Point(lo, y);
            value = problem.Evaluate(ref f, y, gradient);
            step = lo;
            return LineSearchOutcome.ShortStep;
        }

        if (derivativeStep > T.Zero)
        {
            ray.Point(derivativeStep, y);
            value = problem.Evaluate(ref f, y, gradient);
            step = derivativeStep;
            return LineSearchOutcome.DerivativeStep;
        }

        return LineSearchOutcome.Failed;
    }

    private static Verdict Judge(scoped ref ScaledProblem<T> problem, LineSearchRule rule, T value0, T slope0, T value, T slope, T s)
    {
        T change = value - value0;
        T magnitude = T.Max(T.Abs(value0), T.Abs(value));
        bool sufficient = slope <= ApproximateArmijo * slope0;
        bool curvature = rule == LineSearchRule.Armijo || slope >= ApproximateCurvature * slope0;
        if (sufficient && curvature && change <= Noise * magnitude)
            return Verdict.Accept; // approximate Wolfe (Hager–Zhang)

        if (T.Abs(change) > Resolution * magnitude)
        {
            T scaledChange = problem.ScaledDifference(value, value0);
            T c = rule == LineSearchRule.Goldstein ? GoldsteinC : ArmijoC;
            if (scaledChange > c * s * slope0)
                return Verdict.TooLong;
            return rule switch
            {
                LineSearchRule.Goldstein when scaledChange < (T.One - GoldsteinC) * s * slope0 => Verdict.TooShort,
                LineSearchRule.Wolfe when slope < WolfeC2 * slope0 => Verdict.TooShort,
                _ => Verdict.Accept,
            };
        }

        // Values cannot resolve the change: classify on the (accurate) derivatives.
        return sufficient ? Verdict.TooShort : Verdict.TooLong;
    }

    /// <summary>The zero of the line through (a, φ'(a)) and (b, φ'(b)), when φ' increases from a to b.</summary>
    private static T Secant(T a, T slopeA, T b, T slopeB, out bool ok)
    {
        T rise = slopeB - slopeA;
        ok = rise > T.Zero && T.IsFinite(rise);
        if (!ok)
            return T.NaN;
        T root = a - slopeA * ((b - a) / rise);
        ok = T.IsFinite(root);
        return root;
    }
}

/// <summary>The points y₀ + s·d of a line search and the slopes ∇F·d there.</summary>
internal interface ILineSearchRay<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Writes the point at step <paramref name="s"/> into <paramref name="y"/>.</summary>
    void Point(T s, Span<T> y);

    /// <summary>The directional derivative ∇F·d for the gradient ∇F at a point of the ray.</summary>
    T Slope(ReadOnlySpan<T> gradient);
}

/// <summary>The ray y₀ + s·d.</summary>
internal readonly ref struct LineSearchRay<T>(ReadOnlySpan<T> y0, ReadOnlySpan<T> direction) : ILineSearchRay<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ReadOnlySpan<T> _y0 = y0, _direction = direction;

    public void Point(T s, Span<T> y) => Vectors.MultiplyAdd(_direction, s, _y0, y);

    public T Slope(ReadOnlySpan<T> gradient) => Vectors.Dot(gradient, _direction);
}

/// <summary>
/// The ray s·(−g₀) from 0: the same points and slopes as <see cref="LineSearchRay{T}"/> with y₀ = 0 and d = −g₀ (negation
/// is exact), one pass fewer per trial and no stored direction.
/// </summary>
internal readonly ref struct SteepestRayFromZero<T>(ReadOnlySpan<T> gradient0) : ILineSearchRay<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ReadOnlySpan<T> _gradient0 = gradient0;

    public void Point(T s, Span<T> y) => Vectors.Multiply(_gradient0, -s, y);

    public T Slope(ReadOnlySpan<T> gradient) => -Vectors.Dot(gradient, _gradient0);
}
