using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The step sizes of the passes on the augmented-Lagrangian (37) and penalised (20) formulations (paper Alg. 7–9,
/// 12–13): α_t for the parameters (t = 1..τ), β_t for the multipliers (t = 1..τ), γ_t for the states (t = 0..τ;
/// γ_τ for the objective, γ_{t−1} for the input of layer t, γ_0 unused) and the penalty κ ≥ 0.
/// </summary>
/// <remarks>
/// The indices follow Alg. 9: layer t's state subproblem Φx_{t,κ} takes γ_{t−1} (it moves x_{t−1}); its parameter
/// subproblem Φw_{t,κ} takes α_t and its multiplier step β_t. With κ = 0, β_t = 1, γ_t = γ and α_t = α the
/// augmented-Lagrangian pass is the Moreau pass of eq. 52 (<see cref="MoreauSchedule{T}.Constant"/>(α, γ)); the
/// proximal pass (Alg. 12–13) reads α_t, γ_t and κ and ignores β_t.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class PenaltySchedule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _alpha, _beta, _gamma;
    private readonly T[]? _alphas, _betas, _gammas;

    private PenaltySchedule(T alpha, T beta, T gamma, T kappa, T[]? alphas, T[]? betas, T[]? gammas)
    {
        _alpha = alpha;
        _beta = beta;
        _gamma = gamma;
        _alphas = alphas;
        _betas = betas;
        _gammas = gammas;
        Kappa = NonNegative(kappa, nameof(kappa));
    }

    /// <summary>α_t = <paramref name="alpha"/> &gt; 0, β_t = <paramref name="beta"/> ≥ 0, γ_t = <paramref name="gamma"/> &gt; 0 for every t, and κ = <paramref name="kappa"/> ≥ 0. Fits a chain of any length.</summary>
    public static PenaltySchedule<T> Constant(T alpha, T beta, T gamma, T kappa) =>
        new(Positive(alpha, nameof(alpha)), NonNegative(beta, nameof(beta)), Positive(gamma, nameof(gamma)), kappa, null, null, null);

    /// <summary>Per-layer steps: <paramref name="alphas"/> = (α_1..α_τ), <paramref name="betas"/> = (β_1..β_τ), <paramref name="gammas"/> = (γ_0..γ_τ).</summary>
    public static PenaltySchedule<T> PerLayer(ReadOnlySpan<T> alphas, ReadOnlySpan<T> betas, ReadOnlySpan<T> gammas, T kappa)
    {
        if (alphas.Length == 0)
            throw new ArgumentException("alphas is empty; give one step α_t per layer.", nameof(alphas));
        if (betas.Length != alphas.Length)
            throw new ArgumentException($"betas has {betas.Length} values; alphas has {alphas.Length}.", nameof(betas));
        if (gammas.Length != alphas.Length + 1)
            throw new ArgumentException($"gammas has {gammas.Length} values; a chain of {alphas.Length} layers needs {alphas.Length + 1} (γ_0, …, γ_τ).", nameof(gammas));
        foreach (T a in alphas) Positive(a, nameof(alphas));
        foreach (T b in betas) NonNegative(b, nameof(betas));
        foreach (T g in gammas) Positive(g, nameof(gammas));
        return new(T.NaN, T.NaN, T.NaN, kappa, alphas.ToArray(), betas.ToArray(), gammas.ToArray());
    }

    /// <summary>κ ≥ 0, the weight of the penalty (κ/2)‖φ_t(w_t, x_{t−1}) − x_t‖².</summary>
    public T Kappa { get; }

    /// <summary>The number of layers the schedule is for, or null when it fits any chain.</summary>
    public int? Length => _alphas?.Length;

    /// <summary>α_t, layer index = t − 1.</summary>
    public T Alpha(int index) => _alphas is null ? _alpha : _alphas[index];

    /// <summary>β_t, layer index = t − 1.</summary>
    public T Beta(int index) => _betas is null ? _beta : _betas[index];

    /// <summary>γ_t, t = 0..τ.</summary>
    public T Gamma(int t) => _gammas is null ? _gamma : _gammas[t];

    internal void CheckLength(int layerCount)
    {
        if (Length is int length && length != layerCount)
            throw new ArgumentException($"The schedule has steps for {length} layers; the chain has {layerCount}.", "schedule");
    }

    internal static T Positive(T value, string name) =>
        value > T.Zero && T.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Step sizes must be positive and finite.");

    internal static T NonNegative(T value, string name) =>
        value >= T.Zero && T.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Must be finite and non-negative.");
}
