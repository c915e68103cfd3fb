using System.Numerics;

namespace MoreauGen;

/// <summary>
/// Proximal back-propagation (ProxProp, Frerix et al. 2018; eq. 19): the proximal point method on the penalised
/// formulation (20) (paper Alg. 12–13, Fact D.5), regularised target propagation.
/// </summary>
/// <remarks>
/// <para>
/// x⁺_τ = argmin_y h(y) + ((κ + 1/γ_τ)/2)‖y − x_τ‖² = x_τ − ∇env(h/(κ + 1/γ_τ))(x_τ) (eq. 41); then for t = τ..1
/// x⁺_{t−1} = argmin_y (κ/2)‖φ_t(w_t, y) − x⁺_t‖² + ((κ + 1/γ_{t−1})/2)‖y − x_{t−1}‖² (Φx_{t,γ_{t−1}}; not for t = 1),
/// w⁺_t = argmin_v (κ/2)‖φ_t(v, x_{t−1}) − x⁺_t‖² + (1/(2α_t))‖v − w_t‖² (Φw_{t,α_t}, eq. 19), and the direction is
/// d_t = w_t − w⁺_t. It is <see cref="AugmentedLagrangianBackpropagation{T}"/> with β_t = 0 (App. D.4). A layer
/// affine in the argument gets the linear least-squares prox by conjugate gradients, as Frerix et al. do.
/// </para>
/// <para>
/// <b>Indices.</b> γ_{t−1} regularises the state x_{t−1} that Φx_t moves; γ_τ the first target; α_t the parameters.
/// <b>Small steps.</b> As α_t, γ_t → 0 (κ fixed) the pass is not the gradient but a discounted one: with
/// q = κγ/(1 + κγ) for γ_t = γ, x_τ − x⁺_τ ≈ γ/(1 + κγ)·∇h, each layer multiplies the residual by q
/// (x_{t−1} − x⁺_{t−1} ≈ q·J_xᵀ(x_t − x⁺_t)) and d_t ≈ α_tκ·J_wᵀ(x_t − x⁺_t), so
/// d_t ≈ α_tκ·γ/(1 + κγ)·q^(τ−t)·∇_{w_t}(h∘f).
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class ProximalBackpropagation<T> : TargetPassOracle<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Creates the pass for <paramref name="chain"/> with the steps α_t, γ_t and κ &gt; 0 of <paramref name="schedule"/>
    /// (its β_t are not used) and the inner solver <paramref name="solver"/> (default <see cref="TwoStepSolver{T}"/>).
    /// </summary>
    public ProximalBackpropagation(Chain<T> chain, PenaltySchedule<T> schedule, InnerSolver<T>? solver = null)
        : base(chain, solver, scaledFirstTrial: true)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.CheckLength(chain.Length);
        if (!(schedule.Kappa > T.Zero))
            throw new ArgumentOutOfRangeException(nameof(schedule), schedule.Kappa, "ProxProp needs κ > 0: with κ = 0 the penalty, and so every update, vanishes.");
        Schedule = schedule;
    }

    /// <summary>Creates the pass with α_t = <paramref name="alpha"/>, γ_t = <paramref name="gamma"/> and κ = <paramref name="kappa"/> for every t.</summary>
    public ProximalBackpropagation(Chain<T> chain, T alpha, T gamma, T kappa, InnerSolver<T>? solver = null)
        : this(chain, PenaltySchedule<T>.Constant(alpha, T.Zero, gamma, kappa), solver)
    {
    }

    /// <summary>The steps α_t, γ_t and κ (β_t unused).</summary>
    public PenaltySchedule<T> Schedule { get; }

    private protected override T ObjectiveStep() => T.One / (Schedule.Kappa + T.One / Schedule.Gamma(Chain.Length));

    private protected override LayerTerms Terms(int index) =>
        new(T.Zero, Schedule.Kappa, Schedule.Gamma(index), Schedule.Kappa, Schedule.Alpha(index));
}
