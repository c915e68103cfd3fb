namespace MoreauGen.Samples.Pendulum;

/// <summary>
/// One optimisation run: the cost h(f(w⁽ᵏ⁾, x₀)) and its best-so-far value min_{i≤k} h(f(w⁽ⁱ⁾, x₀)) at every iteration
/// k that was computed, for one horizon, method and step.
/// </summary>
/// <param name="Horizon">τ, the number of time steps.</param>
/// <param name="Method">GD or MorGD.</param>
/// <param name="Step">GD's step η, or MorGD's α (eq. 52 convention).</param>
/// <param name="Iterations">K, the iterations asked for.</param>
/// <param name="Costs">The cost at k = 0..K, or at k = 0..k_fail − 1 when the run stopped on a NaN or an infinity.</param>
/// <param name="BestCosts">The best-so-far cost at the same iterations.</param>
/// <param name="Failure">Why the run stopped early (the runtime's <see cref="NonFiniteValueException"/> message), or null.</param>
public sealed record Curve(int Horizon, DescentMethod Method, double Step, int Iterations, double[] Costs, double[] BestCosts, string? Failure)
{
    /// <summary>Whether a NaN or an infinity stopped the run before iteration K.</summary>
    public bool IsNonFinite => Failure is not null;

    /// <summary>The iteration at which the run stopped on a non-finite value, or null.</summary>
    public int? FailedAtIteration => IsNonFinite ? Costs.Length : null;

    /// <summary>
    /// The selection criterion of App. E.2.2: the mean over k = 0..K of the best-so-far cost; +∞ for a run that
    /// stopped on a NaN or an infinity (it never reaches iteration K).
    /// </summary>
    public double MeanBestCost
    {
        get
        {
            if (IsNonFinite || BestCosts.Length == 0)
                return double.PositiveInfinity;
            double mean = BestCosts.Average();
            return double.IsFinite(mean) ? mean : double.PositiveInfinity;
        }
    }

    /// <summary>The cost at iteration <paramref name="k"/>, or NaN when the run stopped before it.</summary>
    public double CostAt(int k) => k < Costs.Length ? Costs[k] : double.NaN;

    /// <summary>The best-so-far cost after the last iteration K, or NaN when the run stopped before it.</summary>
    public double FinalBestCost => BestCosts.Length == Iterations + 1 ? BestCosts[^1] : double.NaN;

    /// <summary>Whether the run ended above where it started (it diverged without overflowing, or stopped early).</summary>
    public bool EndedAboveStart => IsNonFinite || Costs[^1] > Costs[0];
}
