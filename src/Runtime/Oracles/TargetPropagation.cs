using System.Numerics;

namespace MoreauGen;

/// <summary>
/// Target propagation as block-coordinate minimisation of the penalised formulation (20) (paper Alg. 10–11,
/// Fact D.4): targets travel backwards through approximate inverses of the layers.
/// </summary>
/// <remarks>
/// <para>
/// x⁺_τ = argmin_y h(y) + (κ/2)‖y − x_τ‖² = x_τ − ∇env(h/κ)(x_τ) (eq. 38); then for t = τ..1
/// x⁺_{t−1} = argmin_y ½‖φ_t(w_t, y) − x⁺_t‖² (Φx_t, eq. 40: an approximate inverse of φ_t(w_t, ·); not for t = 1) and
/// w⁺_t = argmin_v ½‖φ_t(v, x_{t−1}) − x⁺_t‖² (Φw_t, eq. 39), and the direction is d_t = w_t − w⁺_t; a step
/// w ← w − η·d with η = 1 lands on w⁺. With the ℓ2 term μ the parameter problem is (κ/2)‖φ_t(v, x_{t−1}) − x⁺_t‖² + (μ/2)‖v‖².
/// </para>
/// <para>
/// <b>How the printed algorithm is read.</b> The subproblems have no proximal term, so their minimisers need not be
/// unique: each is approached from the forward point (A started at x_{t−1}, w_t). For a layer affine in the argument
/// that gives, by conjugate gradients from 0, the least-norm change — the pseudo-inverse J⁺(x⁺_t − x_t); for other
/// layers, what the inner solver reaches from there. With μ &gt; 0 the parameter problem is exact: where a batch does not
/// identify w (fewer equations than parameters) the ℓ2 term alone decides, and sets that part of w to 0. κ enters only the first target (and the balance with μ). As
/// κ → ∞ the pass tends to linearised inverse propagation: κ(x⁺_τ − x_τ) → −∇h(x_τ),
/// κ(x⁺_{t−1} − x_{t−1}) → J_x⁺ κ(x⁺_t − x_t), κ(w⁺_t − w_t) → J_w⁺ κ(x⁺_t − x_t). There is no step size, so the
/// Prop. 2.3 guard does not apply.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class TargetPropagation<T> : TargetPassOracle<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the pass for <paramref name="chain"/> with penalty <paramref name="kappa"/> &gt; 0 and inner solver <paramref name="solver"/> (default <see cref="TwoStepSolver{T}"/>).</summary>
    public TargetPropagation(Chain<T> chain, T kappa, InnerSolver<T>? solver = null)
        : base(chain, solver, scaledFirstTrial: true)
    {
        Kappa = PenaltySchedule<T>.Positive(kappa, nameof(kappa));
    }

    /// <summary>κ, the penalty weight of (20); the first target is the proximal step of h with step 1/κ.</summary>
    public T Kappa { get; }

    private protected override T ObjectiveStep() => T.One / Kappa;

    private protected override LayerTerms Terms(int index) =>
        new(T.Zero, Kappa, T.PositiveInfinity, T.Zero, T.PositiveInfinity);
}
