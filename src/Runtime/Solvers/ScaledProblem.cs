using System.Numerics;

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
/// </remarks>
internal ref struct ScaledProblem<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Span<T> _temp;

    public ScaledProblem(T sigma, Span<T> temp)
    {
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

    /// <summary>The power of two σ for a start gradient whose largest magnitude is <paramref name="maxMagnitude"/> (positive, finite).</summary>
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
