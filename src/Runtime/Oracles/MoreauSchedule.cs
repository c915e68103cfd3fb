using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The step sizes of the Moreau backward pass (paper Alg. 2): γ for the objective and the Φx subproblems, α for
/// the Φw subproblems, and whether the multipliers are carried as λ̂ (eq. 52) or as λ (Alg. 2 as printed).
/// </summary>
/// <remarks>
/// <para>
/// <b>The α convention.</b> <see cref="Constant"/> is eq. 52 as the experiments use it (Prop. 2.2 with β = 1,
/// γ_t = γ; App. E.2.1): λ̂_τ = ∇env(γh)(x_τ), λ̂_{t−1} = ∇env(γλ̂_tᵀφ_t(w_t, ·))(x_{t−1}),
/// g_t = ∇env(αλ̂_tᵀφ_t(·, x_{t−1}))(w_t), then w_t ← w_t − g_t. The multipliers λ̂_t shrink like γ^(τ−t), and
/// α multiplies them directly. Printed Alg. 2 with γ_t = γ^(τ−t+1) and α_t = α·γ_{t+1}
/// (<see cref="Algorithm2Geometric"/>) computes the same updates with α replaced by α/γ: a printed-Alg. 2 step α
/// is a <see cref="Constant"/> step α/γ.
/// </para>
/// <para>
/// <see cref="Algorithm2(T, T)"/> and <see cref="Algorithm2(ReadOnlySpan{T}, ReadOnlySpan{T})"/> are Alg. 2 as
/// printed with any (α_t, γ_t): λ_τ = γ_τ⁻¹∇env(γ_τh)(x_τ), λ_{t−1} = γ_{t−1}⁻¹∇env(γ_{t−1}λ_tᵀφ_t(w_t, ·))(x_{t−1}),
/// g_t = ∇env(α_tλ_tᵀφ_t(·, x_{t−1}))(w_t). As α, γ → 0 its g_t/α_t tends to the gradient ∇_{w_t}(h∘f).
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class MoreauSchedule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _alpha, _gamma;
    private readonly T[]? _alphas; // α_1..α_τ
    private readonly T[]? _gammas; // γ_0..γ_τ
    private readonly bool _hatted;

    private MoreauSchedule(bool hatted, T alpha, T gamma, T[]? alphas, T[]? gammas)
    {
        _hatted = hatted;
        _alpha = alpha;
        _gamma = gamma;
        _alphas = alphas;
        _gammas = gammas;
    }

    /// <summary>
    /// Eq. 52 with constant steps (the paper's experiments): λ̂_τ = ∇env(γh)(x_τ),
    /// λ̂_{t−1} = ∇env(γλ̂_tᵀφ_t(w_t, ·))(x_{t−1}), g_t = ∇env(αλ̂_tᵀφ_t(·, x_{t−1}))(w_t). Fits a chain of any length.
    /// </summary>
    public static MoreauSchedule<T> Constant(T alpha, T gamma) => new(true, Positive(alpha, nameof(alpha)), Positive(gamma, nameof(gamma)), null, null);

    /// <summary>Alg. 2 as printed with α_t = <paramref name="alpha"/> and γ_t = <paramref name="gamma"/> for every t. Fits a chain of any length.</summary>
    /// <param name="alpha">α &gt; 0, the step of every Φw_t, multiplying the unscaled λ_t (so g_t/α → ∇_{w_t}(h∘f) as α, γ → 0).</param>
    /// <param name="gamma">γ &gt; 0, the step of ∇env(γh) and of every Φx_t (λ_{t−1} = γ⁻¹Φx_t(γλ_t)).</param>
    public static MoreauSchedule<T> Algorithm2(T alpha, T gamma) => new(false, Positive(alpha, nameof(alpha)), Positive(gamma, nameof(gamma)), null, null);

    /// <summary>
    /// Alg. 2 as printed with per-layer steps: <paramref name="alphas"/> = (α_1, …, α_τ) and
    /// <paramref name="gammas"/> = (γ_0, …, γ_τ) (γ_τ for the objective, γ_{t−1} for Φx_t; γ_0 is not used).
    /// </summary>
    public static MoreauSchedule<T> Algorithm2(ReadOnlySpan<T> alphas, ReadOnlySpan<T> gammas)
    {
        if (alphas.Length == 0)
            throw new ArgumentException("alphas is empty; give one step α_t per layer.", nameof(alphas));
        if (gammas.Length != alphas.Length + 1)
            throw new ArgumentException($"gammas has {gammas.Length} values; a chain of {alphas.Length} layers needs {alphas.Length + 1} (γ_0, …, γ_τ).", nameof(gammas));
        for (int i = 0; i < alphas.Length; i++)
            Positive(alphas[i], nameof(alphas));
        for (int i = 0; i < gammas.Length; i++)
            Positive(gammas[i], nameof(gammas));
        return new(false, T.NaN, T.NaN, alphas.ToArray(), gammas.ToArray());
    }

    /// <summary>
    /// Alg. 2 as printed with the geometric steps of App. E.2.1 for a chain of <paramref name="length"/> layers:
    /// γ_t = γ^(τ−t+1), α_t = α·γ_{t+1} (γ_{τ+1} = 1). Computes the same updates as <see cref="Constant"/>(α/γ, γ).
    /// </summary>
    public static MoreauSchedule<T> Algorithm2Geometric(T alpha, T gamma, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Positive(alpha, nameof(alpha));
        Positive(gamma, nameof(gamma));
        var gammas = new T[length + 1];
        T power = gamma;
        for (int t = length; t >= 0; t--)
        {
            gammas[t] = power; // γ^(τ−t+1)
            power *= gamma;
        }

        var alphas = new T[length];
        for (int t = 1; t <= length; t++)
            alphas[t - 1] = alpha * (t == length ? T.One : gammas[t + 1]);
        return new(false, T.NaN, T.NaN, alphas, gammas);
    }

    /// <summary>The number of layers the schedule is for, or null when it fits any chain.</summary>
    public int? Length => _alphas?.Length;

    /// <summary>Whether the multipliers are carried as λ̂ (eq. 52, <see cref="Constant"/>) rather than as the λ of printed Alg. 2.</summary>
    public bool IsEquation52 => _hatted;

    /// <summary>The step e in ∇env(e·h)(x_τ) that starts the backward pass (γ, or γ_τ).</summary>
    internal T ObjectiveStep(int layerCount) => _gammas is null ? _gamma : _gammas[layerCount];

    /// <summary>The factor a in λ_τ = a·∇env(e·h)(x_τ) (1 for eq. 52, γ_τ⁻¹ for Alg. 2).</summary>
    internal T ObjectiveScale(int layerCount) => _hatted ? T.One : T.One / ObjectiveStep(layerCount);

    /// <summary>The step c folded into the multiplier of Φx_t, layer index = t − 1 (γ, or γ_{t−1}).</summary>
    internal T InputStep(int index) => _gammas is null ? _gamma : _gammas[index];

    /// <summary>The factor b in λ_{t−1} = b·Φx_t(c·λ_t) (1 for eq. 52, γ_{t−1}⁻¹ for Alg. 2).</summary>
    internal T MultiplierScale(int index) => _hatted ? T.One : T.One / InputStep(index);

    /// <summary>The step α_t folded into the multiplier of Φw_t, layer index = t − 1.</summary>
    internal T ParameterStep(int index) => _alphas is null ? _alpha : _alphas[index];

    internal void CheckLength(int layerCount)
    {
        if (Length is int length && length != layerCount)
            throw new ArgumentException($"The schedule has steps for {length} layers; the chain has {layerCount}.", "schedule");
    }

    private static T Positive(T value, string name)
    {
        if (!(value > T.Zero) || !T.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, "Step sizes must be positive and finite.");
        return value;
    }
}
