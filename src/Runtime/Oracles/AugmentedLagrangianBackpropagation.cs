using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The augmented-Lagrangian backward pass (paper Alg. 8–9 on formulation (37), Fact D.3): an inexact
/// block-coordinate proximal point method x_t → λ_t → w_t, t = τ..1. With <see cref="AugmentedLagrangianGradientDescent{T}"/>
/// this is AL-MGD / AL-MSGD (Alg. 7).
/// </summary>
/// <remarks>
/// <para>
/// x⁺_τ = argmin_y h(y) + ((1/γ_τ + κ)/2)‖y − x_τ‖² = x_τ − ∇env(h/(1/γ_τ + κ))(x_τ); then for t = τ..1
/// λ⁺_t = β_t(φ_t(w_t, x_{t−1}) − x⁺_t) = β_t(x_t − x⁺_t),
/// x⁺_{t−1} = argmin_y λ⁺_tᵀφ_t(w_t, y) + ((1/γ_{t−1} + κ)/2)‖y − x_{t−1}‖² + (κ/2)‖φ_t(w_t, y) − x⁺_t‖² (Φx_{t,κ}; not for t = 1),
/// w⁺_t = argmin_v λ⁺_tᵀφ_t(v, x_{t−1}) + (1/(2α_t))‖v − w_t‖² + (κ/2)‖φ_t(v, x_{t−1}) − x⁺_t‖² (Φw_{t,κ}),
/// and the direction is d_t = w_t − w⁺_t (<see cref="TargetPassOracle{T}"/>). With the ℓ2 term μ (App. D.6),
/// (μ/2)‖v‖² joins Φw_{t,κ}.
/// </para>
/// <para>
/// <b>How the printed algorithm is read.</b> (1) Indices: Φx_{t,κ} moves x_{t−1} and takes γ_{t−1}; Φw_{t,κ} takes α_t
/// and β_t; γ_τ is the objective's (Alg. 9's initialisation). (2) β multiplies the residual of the forward pass,
/// fixed during the solve: the linear term is β_t(x_t − x⁺_t)ᵀφ_t(·), not β_t times a residual that moves with the
/// argument (Fact D.3 item 1 takes λ⁺_t before the x and w steps). (3) x⁺_τ minimises h plus the proximal term with
/// weight (1/γ_τ + κ)/2, as printed in Alg. 9 (λ_τ = 0 before the update). (4) Alg. 8's Φw prints ‖· − w_{t−1}‖²;
/// Fact D.3 item 2 has ‖v_t − w_t‖², the proximal point of the block w_t being updated, which we use (w_{t−1} is
/// the previous layer's parameters and does not even have w_t's size in general).
/// </para>
/// <para>
/// Limits, each checked by the tests: κ = 0, β_t = 1, γ_t = γ, α_t = α is eq. 52
/// (<see cref="MoreauBackpropagation{T}"/> with <see cref="MoreauSchedule{T}.Constant"/>(α, γ)): λ⁺_τ = x_τ − x⁺_τ =
/// ∇env(γh)(x_τ) and λ⁺_{t−1} = x_{t−1} − x⁺_{t−1} = ∇env(γλ⁺_tᵀφ_t(w_t, ·))(x_{t−1}). β_t = 0 is the proximal pass
/// (Alg. 12–13, <see cref="ProximalBackpropagation{T}"/>).
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class AugmentedLagrangianBackpropagation<T> : TargetPassOracle<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the pass for <paramref name="chain"/> with the steps and κ of <paramref name="schedule"/> and the inner solver <paramref name="solver"/> (default <see cref="TwoStepSolver{T}"/>).</summary>
    public AugmentedLagrangianBackpropagation(Chain<T> chain, PenaltySchedule<T> schedule, InnerSolver<T>? solver = null)
        : base(chain, solver, scaledFirstTrial: false)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.CheckLength(chain.Length);
        Schedule = schedule;
    }

    /// <summary>The steps α_t, β_t, γ_t and κ.</summary>
    public PenaltySchedule<T> Schedule { get; }

    private protected override T ObjectiveStep() => T.One / (T.One / Schedule.Gamma(Chain.Length) + Schedule.Kappa);

    private protected override LayerTerms Terms(int index) =>
        new(Schedule.Beta(index), Schedule.Kappa, Schedule.Gamma(index), Schedule.Kappa, Schedule.Alpha(index));
}
