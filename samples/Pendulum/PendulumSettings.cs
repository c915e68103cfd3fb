using System.Globalization;
using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Pendulum;

/// <summary>The descent methods the sample compares: GD and MorGD (paper §4, Fig. 3) and the variants of App. D.4–D.5.</summary>
public enum DescentMethod
{
    /// <summary>Gradient descent, w ← w − η·∇(h∘f)(w), the gradient by back-propagation (Alg. 3–4). CSV name <c>gd</c>.</summary>
    GradientDescent,

    /// <summary>Moreau gradient descent (Alg. 6 with the updates of eq. 52), step α. CSV name <c>morgd</c>.</summary>
    MoreauGradientDescent,

    /// <summary>AL-MGD (Alg. 7–9): w ← w⁺ of the augmented-Lagrangian pass, step α (α_t = α), γ_t = γ, β and κ. CSV name <c>al-mgd</c>.</summary>
    AugmentedLagrangian,

    /// <summary>Target propagation (Alg. 10–11): w ← w − η(w − w⁺), penalty κ. CSV name <c>tp</c>.</summary>
    TargetPropagation,

    /// <summary>ProxProp (Alg. 12–13): w ← w⁺ of the proximal pass, step α (α_t = α), γ_t = γ and κ. CSV name <c>proxprop</c>.</summary>
    ProximalBackpropagation,
}

/// <summary>Names of methods as the command line and the CSV spell them (solvers: <see cref="InnerSolvers.Name"/>).</summary>
public static class Names
{
    /// <summary>The names <c>--method</c> and the CSV use, in the order of <see cref="DescentMethod"/>.</summary>
    public static readonly IReadOnlyList<string> MethodNames = ["gd", "morgd", "al-mgd", "tp", "proxprop"];

    /// <summary><c>gd</c>, <c>morgd</c>, <c>al-mgd</c>, <c>tp</c> or <c>proxprop</c>.</summary>
    public static string Of(DescentMethod method) =>
        (int)method >= 0 && (int)method < MethodNames.Count ? MethodNames[(int)method] : throw new ArgumentOutOfRangeException(nameof(method), method, null);

    /// <summary>The method a CSV or the command line names, or null.</summary>
    public static DescentMethod? Parse(string name)
    {
        int index = MethodNames.ToList().IndexOf(name);
        return index < 0 ? null : (DescentMethod)index;
    }

    /// <summary>
    /// The methods named by <paramref name="text"/>: one name, <c>both</c> (= gd,morgd) or a comma-separated list without
    /// repeats; null when it names none.
    /// </summary>
    public static DescentMethod[]? ParseList(string? text) =>
        SampleCommandLine.ParseNameList(text, MethodNames) is int[] indices ? [.. indices.Select(i => (DescentMethod)i)] : null;

    /// <summary><c>GD</c>, <c>MorGD</c>, <c>AL-MGD</c>, <c>TP</c> or <c>ProxProp</c>, as the paper writes them (plots).</summary>
    public static string Display(DescentMethod method) => method switch
    {
        DescentMethod.GradientDescent => "GD",
        DescentMethod.MoreauGradientDescent => "MorGD",
        DescentMethod.AugmentedLagrangian => "AL-MGD",
        DescentMethod.TargetPropagation => "TP",
        DescentMethod.ProximalBackpropagation => "ProxProp",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary>The name of a method's step in messages: η for GD and TP, α for the others.</summary>
    public static string StepSymbol(DescentMethod method) => method is DescentMethod.GradientDescent or DescentMethod.TargetPropagation ? "η" : "α";
}

/// <summary>
/// Everything one run of the sample does, as parsed from the command line (see <see cref="PendulumCommand"/> for the
/// options and their defaults).
/// </summary>
/// <param name="Horizons">The horizons τ (number of time steps of δ = 0.1 s), each ≥ 1.</param>
/// <param name="Methods">The methods to run (one or both).</param>
/// <param name="Iterations">K, the number of descent iterations of every run (costs are recorded at k = 0..K).</param>
/// <param name="GridExponents">The exponents e of the step grid 2^e (ascending), or empty for no grid search.</param>
/// <param name="GradientStep">The fixed GD step η run beside the grid; null: the paper's pick (1 at τ = 50, ¼ at τ = 100, none otherwise).</param>
/// <param name="Alpha">The fixed MorGD step α run beside the grid (eq. 52 convention; the paper's pick is 2⁷).</param>
/// <param name="Gamma">MorGD's γ (eq. 52), used by every MorGD run (the paper's is ½).</param>
/// <param name="Solver">The inner solver of the Φx subproblems.</param>
/// <param name="SolverSteps">k of the inner solver: steps of <see cref="InnerSolverKind.GradientDescent"/>, iteration cap of <see cref="InnerSolverKind.Lbfgs"/>; null: its default.</param>
/// <param name="SolverTolerance">Relative gradient tolerance of the inner solver; null: its default.</param>
/// <param name="OutputFolder">Where curves.csv, grid.csv and the plots go.</param>
/// <param name="LogScale">Whether fig3.png has a logarithmic cost axis in every panel (otherwise where the costs span decades).</param>
/// <param name="Resume">Reuse the finished runs found in the output folder (curves.csv, computed with the same <see cref="RunKeys"/>).</param>
/// <param name="Beta">AL-MGD's multiplier step β (Alg. 9; 1 with κ = 0 is MorGD).</param>
/// <param name="Kappa">κ of AL-MGD, TP and ProxProp; null: 0 for AL-MGD (then MorGD at β = 1), 1 for TP and ProxProp.</param>
public sealed record PendulumSettings(
    IReadOnlyList<int> Horizons,
    IReadOnlyList<DescentMethod> Methods,
    int Iterations,
    IReadOnlyList<int> GridExponents,
    double? GradientStep,
    double Alpha,
    double Gamma,
    InnerSolverKind Solver,
    int? SolverSteps,
    double? SolverTolerance,
    string OutputFolder,
    bool LogScale,
    bool Resume = false,
    double Beta = 1,
    double? Kappa = null)
{
    /// <summary>κ of <paramref name="method"/>: <see cref="Kappa"/>, or 0 for AL-MGD and 1 for TP and ProxProp.</summary>
    public double KappaOf(DescentMethod method) => Kappa ?? (method == DescentMethod.AugmentedLagrangian ? 0 : 1);

    /// <summary>The paper's MorGD α (App. E.2.2): 2⁷ for both horizons.</summary>
    public const double PaperAlpha = 128;

    /// <summary>The paper's MorGD γ (§4, App. E.2.2).</summary>
    public const double PaperGamma = 0.5;

    /// <summary>The default grid of step exponents, 2⁻¹⁰..2¹².</summary>
    public const int DefaultGridLow = -10, DefaultGridHigh = 12;

    /// <summary>The paper's GD step for horizon τ (App. E.2.2: 1 for τ = 50, ¼ for τ = 100), or null for another horizon.</summary>
    public static double? PaperGradientStep(int horizon) => horizon switch
    {
        50 => 1.0,
        100 => 0.25,
        _ => null,
    };

    /// <summary>The fixed step run beside the grid for <paramref name="method"/> at <paramref name="horizon"/>, or null.</summary>
    public double? FixedStep(DescentMethod method, int horizon) => method switch
    {
        DescentMethod.GradientDescent => GradientStep ?? PaperGradientStep(horizon),
        DescentMethod.MoreauGradientDescent => Alpha,
        _ => null, // the variants: the grid only (the paper gives no step for them on this problem)
    };

    /// <summary>Whether the fixed step of <paramref name="method"/> is the paper's own (not set on the command line).</summary>
    public bool FixedStepIsPapers(DescentMethod method) => method == DescentMethod.GradientDescent
        ? GradientStep is null
        : Alpha == PaperAlpha && Gamma == PaperGamma;

    /// <summary>
    /// The settings every run's curve depends on besides its horizon, method and step (K, γ, the inner solver), as
    /// key/value pairs with the invariant culture: finished runs are reused by <c>--resume</c> only when these match.
    /// </summary>
    public SortedDictionary<string, string> RunKeys()
    {
        var inv = CultureInfo.InvariantCulture;
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["iterations"] = Iterations.ToString(inv),
            ["gamma"] = Gamma.ToString("R", inv),
            ["solver"] = InnerSolvers.Name(Solver),
            ["solver-steps"] = SolverSteps?.ToString(inv) ?? "default",
            ["solver-tolerance"] = SolverTolerance?.ToString("R", inv) ?? "default",
            ["beta"] = Beta.ToString("R", inv),
            ["kappa"] = Kappa?.ToString("R", inv) ?? "default",
        };
    }

    /// <summary>The inner solver these settings describe.</summary>
    public InnerSolver<double> CreateSolver() => InnerSolvers.Create<double>(Solver, SolverSteps, SolverTolerance);
}
