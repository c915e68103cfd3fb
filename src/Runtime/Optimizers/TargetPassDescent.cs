using System.Numerics;

namespace MoreauGen;

/// <summary>
/// Gradient descent with approximate Moreau gradients on the augmented-Lagrangian formulation (AL-MGD, paper Alg. 7;
/// AL-MSGD over mini-batches with <see cref="ChainOptimizer{T}.Epoch"/>): w ← w⁺ from
/// <see cref="AugmentedLagrangianBackpropagation{T}"/> (Alg. 8–9). The steps live in the <see cref="PenaltySchedule{T}"/>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class AugmentedLagrangianGradientDescent<T> : ChainOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates AL-MGD on <paramref name="chain"/> with <paramref name="schedule"/>, inner solver <paramref name="solver"/> (default <see cref="TwoStepSolver{T}"/>) and ℓ2 weight <paramref name="l2"/> (μ ≥ 0).</summary>
    public AugmentedLagrangianGradientDescent(Chain<T> chain, PenaltySchedule<T> schedule, InnerSolver<T>? solver = null, T l2 = default)
        : this(new AugmentedLagrangianBackpropagation<T>(chain, schedule, solver) { ParameterL2 = l2 })
    {
    }

    /// <summary>Creates AL-MGD on a configured oracle (e.g. with <see cref="TargetPassOracle{T}.BackOffSteps"/> or a <see cref="TargetPassOracle{T}.ConvexityViolated"/> handler).</summary>
    public AugmentedLagrangianGradientDescent(AugmentedLagrangianBackpropagation<T> oracle)
        : base(oracle, T.One)
    {
    }

    /// <summary>The augmented-Lagrangian pass.</summary>
    public new AugmentedLagrangianBackpropagation<T> Oracle => (AugmentedLagrangianBackpropagation<T>)base.Oracle;
}

/// <summary>
/// Descent driven by a target pass (<see cref="TargetPropagation{T}"/>, <see cref="ProximalBackpropagation{T}"/>, or any
/// <see cref="TargetPassOracle{T}"/>): w ← w − η·(w − w⁺), η = 1 landing on the pass's w⁺ (ProxProp's update,
/// Frerix et al. 2018). Mini-batch epochs with <see cref="ChainOptimizer{T}.Epoch"/>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class TargetPassDescent<T> : ChainOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the method on <paramref name="oracle"/> with step <paramref name="stepSize"/> η &gt; 0 (default 1).</summary>
    public TargetPassDescent(TargetPassOracle<T> oracle, T stepSize)
        : base(oracle, PenaltySchedule<T>.Positive(stepSize, nameof(stepSize)))
    {
    }

    /// <summary>Creates the method on <paramref name="oracle"/> with η = 1 (w ← w⁺).</summary>
    public TargetPassDescent(TargetPassOracle<T> oracle)
        : this(oracle, T.One)
    {
    }

    /// <summary>η.</summary>
    public T StepSize => StepScale;

    /// <summary>The target pass.</summary>
    public new TargetPassOracle<T> Oracle => (TargetPassOracle<T>)base.Oracle;
}
