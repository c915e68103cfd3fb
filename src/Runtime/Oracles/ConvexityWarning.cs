using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The Prop. 2.3 guard's report: an inner solve of a layer subproblem met non-positive curvature or could not
/// decrease its objective, so the subproblem was not strongly convex at this step size (Prop. 2.3 asks
/// γ_t ≤ 1/c_{t+1}). Raised by <see cref="TargetPassOracle{T}.ConvexityViolated"/>.
/// </summary>
/// <param name="Layer">t, the layer (1-based, as in the paper).</param>
/// <param name="Argument">The subproblem: <see cref="LayerArgument.Input"/> (Φx_t, step γ_{t−1}) or <see cref="LayerArgument.Parameters"/> (Φw_t, step α_t).</param>
/// <param name="Step">The step size the solve used.</param>
/// <param name="Curvature">The smallest curvature sᵀr/sᵀs of the subproblem the solver measured (NaN when it measured none).</param>
/// <param name="SafeStep">
/// The largest step for which that curvature would be positive, estimated from it: with F = s·f + ½‖u‖² and
/// s = 1/(1/step + e) (e = κ for Φx, 0 for Φw), f's curvature is c_f = (c − 1)/s and the estimate is 1/(−c_f − e);
/// NaN when no curvature was measured.
/// </param>
/// <param name="Status">How the solve ended.</param>
/// <param name="BackedOff">Whether the step was reduced and the subproblem solved again (<see cref="TargetPassOracle{T}.BackOffSteps"/>).</param>
/// <typeparam name="T">float or double.</typeparam>
public readonly record struct ConvexityWarning<T>(int Layer, LayerArgument Argument, T Step, T Curvature, T SafeStep, SolverStatus Status, bool BackedOff)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"layer {Layer}: the {(Argument == LayerArgument.Input ? "state (Φx, γ)" : "parameter (Φw, α)")} subproblem at step {Step} is not strongly convex " +
        $"(curvature {Curvature}, {Status}); largest safe step ≈ {SafeStep}{(BackedOff ? "; step backed off" : "")}";
}
