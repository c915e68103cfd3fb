using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>
/// The function a solver minimises, seen in units of a power of two σ: iterates and gradients are stored divided
/// by σ so that their inner products neither underflow nor overflow, whatever the scale of the problem (under
/// eq. 52 the multipliers of the first layers of a long chain shrink like γ^τ, ~1e-30 at τ = 100, γ = ½).
/// </summary>
/// <remarks>
/// σ is chosen from the start gradient and is exactly 1 (no rescaling, no extra work) unless that gradient's
/// magnitude lies outside 2^(±E/4), E the largest binary exponent of <typeparamref name="T"/>. Scaling by a power of
/// two is exact, so it changes no result. Function values are not rescaled; only their differences are (see
/// <see cref="ScaledDifference"/>).
/// <para>
/// With an <see cref="IBatchReduction{T}"/> the vectors are this process's block of rows, and every scalar the solver
/// derives from them goes through <see cref="Evaluate{TFunction}"/>, <see cref="EvaluateAlong{TFunction, TRay}"/> or
/// <see cref="Sum(Span{T})"/>, which add the other processes' parts (one message each); without one they return the
/// local scalars untouched.
/// </para>
/// </remarks>
internal ref struct ScaledProblem<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Span<T> _temp;
    private readonly IBatchReduction<T>? _reduction;

    public ScaledProblem(T sigma, Span<T> temp, IBatchReduction<T>? reduction = null)
    {
        _reduction = reduction;
        Sigma = sigma;
        Active = sigma != T.One;
        InverseSigma = Active ? T.One / sigma : T.One;
        _temp = temp;
        Evaluations = 0;
    }

    /// <summary>The power of two σ: the unscaled iterate is σ·ỹ.</summary>
    public readonly T Sigma;

    /// <summary>1/σ (exact).</summary>
    public readonly T InverseSigma;

    /// <summary>Whether σ ≠ 1.</summary>
    public readonly bool Active;

    /// <summary>Calls of the function so far.</summary>
    public int Evaluations;

    /// <summary>F(σ·ỹ), writing ∇F(σ·ỹ)/σ into <paramref name="scaledGradient"/>.</summary>
    public T Evaluate<TFunction>(scoped ref TFunction f, ReadOnlySpan<T> scaledY, Span<T> scaledGradient)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        T value = EvaluateLocal(ref f, scaledY, scaledGradient);
        return _reduction is null ? value : Sum(ref value);
    }

    /// <summary>
    /// As <see cref="Evaluate{TFunction}"/>, and the slope ∇F(σ·ỹ)ᵀd/σ along the direction of <paramref name="ray"/> into
    /// <paramref name="slope"/> (a line-search trial: one message for both).
    /// </summary>
    public T EvaluateAlong<TFunction, TRay>(scoped ref TFunction f, ReadOnlySpan<T> scaledY, Span<T> scaledGradient, scoped TRay ray, out T slope)
        where TFunction : ISmoothFunction<T>, allows ref struct
        where TRay : ILineSearchRay<T>, allows ref struct
    {
        T value = EvaluateLocal(ref f, scaledY, scaledGradient);
        slope = ray.Slope(scaledGradient);
        Sum(ref value, ref slope);
        return value;
    }

    /// <summary>Adds the other processes' parts to each of <paramref name="partials"/> (one message).</summary>
    public readonly void Sum(Span<T> partials) => _reduction?.Sum(partials);

    /// <summary>Adds the other processes' parts to <paramref name="a"/>; returns it.</summary>
    public readonly T Sum(ref T a)
    {
        if (_reduction is not null)
        {
            Span<T> partials = [a];
            _reduction.Sum(partials);
            a = partials[0];
        }

        return a;
    }

    /// <summary>Adds the other processes' parts to <paramref name="a"/> and <paramref name="b"/> (one message).</summary>
    public readonly void Sum(ref T a, ref T b)
    {
        if (_reduction is null)
            return;
        Span<T> partials = [a, b];
        _reduction.Sum(partials);
        a = partials[0];
        b = partials[1];
    }

    /// <summary>Adds the other processes' parts to <paramref name="a"/>, <paramref name="b"/> and <paramref name="c"/> (one message).</summary>
    public readonly void Sum(ref T a, ref T b, ref T c)
    {
        if (_reduction is null)
            return;
        Span<T> partials = [a, b, c];
        _reduction.Sum(partials);
        a = partials[0];
        b = partials[1];
        c = partials[2];
    }

    /// <summary>
    /// The largest magnitude of <paramref name="gradient"/> over the processes, or +∞ when some process's
    /// <paramref name="value"/> or gradient is not finite (so that every process sees a non-finite start); without a
    /// reduction, the local largest magnitude (NaN when a component is NaN). For the choice of σ, before the problem exists.
    /// </summary>
    public static T StartMagnitude(ReadOnlySpan<T> gradient, T value, IBatchReduction<T>? reduction)
    {
        T local = Vectors.MaxMagnitude(gradient);
        if (reduction is null)
            return local;
        return reduction.Max(T.IsFinite(local) && T.IsFinite(value) ? local : T.PositiveInfinity);
    }

    private T EvaluateLocal<TFunction>(scoped ref TFunction f, ReadOnlySpan<T> scaledY, Span<T> scaledGradient)
        where TFunction : ISmoothFunction<T>, allows ref struct
    {
        Evaluations++;
        if (!Active)
            return f.Evaluate(scaledY, scaledGradient);
        Span<T> y = _temp[..scaledY.Length];
        Vectors.Multiply(scaledY, Sigma, y);
        T value = f.Evaluate(y, scaledGradient);
        Vectors.Multiply(scaledGradient, InverseSigma, scaledGradient);
        return value;
    }

    /// <summary>(a − b)/σ², a difference of function values in the units of inner products of scaled vectors.</summary>
    public readonly T ScaledDifference(T a, T b) => Active ? (a - b) * InverseSigma * InverseSigma : a - b;

    /// <summary>The binary exponent of the largest finite value (1023 for double, 127 for float).</summary>
    private static readonly int MaxExponent = T.ILogB(T.BitDecrement(T.PositiveInfinity));

    /// <summary>2^(−E/4) and 2^(E/4 + 1): the band of magnitudes for which <see cref="ChooseSigma"/> gives 1.</summary>
    private static readonly T UnscaledLow = T.ScaleB(T.One, -(MaxExponent / 4)), UnscaledHigh = T.ScaleB(T.One, MaxExponent / 4 + 1);

    /// <summary>
    /// Whether <see cref="ChooseSigma"/>(<paramref name="maxMagnitude"/>) is 1 for a positive finite magnitude: its binary
    /// exponent lies in [−E/4, E/4], without taking it. False for 0, NaN and ∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once per small solve
    public static bool IsUnscaled(T maxMagnitude) => maxMagnitude >= UnscaledLow && maxMagnitude < UnscaledHigh;

    /// <summary>The power of two σ for a start gradient whose largest magnitude is <paramref name="maxMagnitude"/> (positive, finite).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once per solve, on the path of a 2-value solve
    public static T ChooseSigma(T maxMagnitude)
    {
        int exponent = T.ILogB(maxMagnitude);
        int band = MaxExponent / 4;
        if (exponent >= -band && exponent <= band)
            return T.One;
        // Keep σ and 1/σ normal numbers.
        exponent = Math.Clamp(exponent, -(MaxExponent - 1), MaxExponent - 1);
        return T.ScaleB(T.One, exponent);
    }
}
