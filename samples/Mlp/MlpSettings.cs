using MoreauGen.Samples.Common;
using System.Globalization;

namespace MoreauGen.Samples.Mlp;

/// <summary>The training methods the sample compares: SGD and MorSGD (paper §4, Fig. 4) and the variants of App. D.4–D.5 (Fig. 9–10).</summary>
public enum TrainingMethod
{
    /// <summary>Mini-batch SGD: w ← w − η·(∇h_m(f(w, x)) + μw), the gradient by back-propagation. Name <c>sgd</c>.</summary>
    Sgd,

    /// <summary>Mini-batch Moreau SGD: w_t ← w_t − g_t with g_t from the Moreau backward pass of eq. (52), steps α, γ. Name <c>morsgd</c>.</summary>
    MorSgd,

    /// <summary>AL-MSGD (Alg. 7–9): w ← w⁺ from the augmented-Lagrangian pass, steps α, β, γ and penalty κ. Name <c>al-msgd</c>.</summary>
    AlMsgd,

    /// <summary>Target propagation (Alg. 10–11): w ← w − η(w − w⁺), penalty κ. Name <c>tp</c>.</summary>
    TargetProp,

    /// <summary>Proximal back-propagation (ProxProp, Alg. 12–13): w ← w − η(w − w⁺), steps α, γ and penalty κ. Name <c>proxprop</c>.</summary>
    ProxProp,
}

/// <summary>Names of methods and losses as the command line, the CSV and the checkpoints spell them (solvers: <see cref="InnerSolvers.Name"/>).</summary>
public static class Names
{
    /// <summary><c>sgd</c>, <c>morsgd</c>, <c>al-msgd</c>, <c>tp</c> or <c>proxprop</c> (<see cref="VariantOptions.MethodNames"/>).</summary>
    public static string Of(TrainingMethod method) =>
        (int)method >= 0 && (int)method < VariantOptions.MethodNames.Count
            ? VariantOptions.MethodNames[(int)method]
            : throw new ArgumentOutOfRangeException(nameof(method), method, null);

    /// <summary><c>SGD</c>, <c>MorSGD</c>, <c>AL-MSGD</c>, <c>TP</c> or <c>ProxProp</c>, as the paper writes them (plots).</summary>
    public static string Display(TrainingMethod method) => method switch
    {
        TrainingMethod.Sgd => "SGD",
        TrainingMethod.MorSgd => "MorSGD",
        TrainingMethod.AlMsgd => "AL-MSGD",
        TrainingMethod.TargetProp => "TP",
        TrainingMethod.ProxProp => "ProxProp",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary><c>squared</c> or <c>cross-entropy</c>.</summary>
    public static string Of(LossKind loss) => loss switch
    {
        LossKind.Squared => "squared",
        LossKind.CrossEntropy => "cross-entropy",
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
    };

    /// <summary>"2^e" for a power of two, otherwise the shortest round-trip decimal.</summary>
    public static string Step(double step)
    {
        if (step > 0 && double.IsFinite(step))
        {
            int e = Math.ILogB(step);
            if (Math.ScaleB(1.0, e) == step)
                return "2^" + e.ToString(CultureInfo.InvariantCulture);
        }

        return step.ToString("R", CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Everything one run of the sample does, as parsed from the command line (see <see cref="MlpCommand"/> for the
/// options and their defaults).
/// </summary>
/// <param name="Hidden">Hidden layer widths, input side first (default 500, 300, 100).</param>
/// <param name="Epochs">Epochs to train (in all, counting those of a resumed checkpoint).</param>
/// <param name="BatchSize">Samples per mini-batch; the last batch of an epoch holds the remainder.</param>
/// <param name="Methods">The methods to run, each from the same initial parameters.</param>
/// <param name="SgdStep">SGD's step η.</param>
/// <param name="Alpha">MorSGD's α (eq. 52 convention).</param>
/// <param name="Gamma">MorSGD's γ (eq. 52).</param>
/// <param name="Solver">MorSGD's inner solver.</param>
/// <param name="SolverSteps">k of the inner solver (steps of gd, iteration cap of lbfgs); null: its default.</param>
/// <param name="SolverTolerance">Relative gradient tolerance of the inner solver; null: its default.</param>
/// <param name="Loss">The loss L.</param>
/// <param name="TrainLimit">Use only the first N training samples; null: all.</param>
/// <param name="Seed">Seed of the initial parameters and of the shuffling.</param>
/// <param name="L2">μ of the layer-wise ℓ2 term (μ/2)‖w_t‖² (App. D.6, E.1.2), for both methods.</param>
/// <param name="CheckpointPath">Checkpoint file of each method; <c>{method}</c> is replaced by the method's name.</param>
/// <param name="Resume">Continue from the checkpoints instead of the initial parameters (a method without one starts afresh).</param>
/// <param name="Overwrite">Replace existing checkpoints (without it, or <paramref name="Resume"/>, an existing checkpoint is an error).</param>
/// <param name="OutputFolder">Where epochs.csv and curves.png go.</param>
/// <param name="DataFolder">The folder holding the four Fashion-MNIST files.</param>
/// <param name="Variants">β, κ, η and the back-off of AL-MSGD, TP and ProxProp; null: <see cref="VariantSettings.Default"/>.</param>
public sealed record MlpSettings(
    IReadOnlyList<int> Hidden,
    int Epochs,
    int BatchSize,
    IReadOnlyList<TrainingMethod> Methods,
    double SgdStep,
    double Alpha,
    double Gamma,
    InnerSolverKind Solver,
    int? SolverSteps,
    double? SolverTolerance,
    LossKind Loss,
    int? TrainLimit,
    int Seed,
    double L2,
    string CheckpointPath,
    bool Resume,
    bool Overwrite,
    string OutputFolder,
    string DataFolder,
    VariantSettings? Variants = null)
{
    /// <summary>The default hidden widths (paper App. F.2; the paper's Fig. 4 MLP is 4000, 1000, 4000).</summary>
    public static readonly IReadOnlyList<int> DefaultHidden = [500, 300, 100];

    /// <summary>The default SGD step η, chosen on a grid of powers of two (samples/Mlp/RESULTS.md).</summary>
    public const double DefaultSgdStep = 0.25;

    /// <summary>The default MorSGD α, chosen on a grid of powers of two with <see cref="DefaultGamma"/> (samples/Mlp/RESULTS.md).</summary>
    public const double DefaultAlpha = 1.0 / 256;

    /// <summary>The default MorSGD γ, chosen on a grid of powers of two (samples/Mlp/RESULTS.md).</summary>
    public const double DefaultGamma = 4;

    /// <summary>The paper's MorSGD α for the MLP (App. E.2.2).</summary>
    public const double PaperAlpha = 2;

    /// <summary>The paper's MorSGD γ for the MLP (App. E.2.2).</summary>
    public const double PaperGamma = 1;

    /// <summary>The paper's μ (App. E.1.2).</summary>
    public const double PaperL2 = 1e-6;

    /// <summary>The placeholder in <see cref="CheckpointPath"/> replaced by the method's name.</summary>
    public const string MethodPlaceholder = "{method}";

    /// <summary>The checkpoint file of <paramref name="method"/>.</summary>
    public string CheckpointOf(TrainingMethod method) => CheckpointPath.Replace(MethodPlaceholder, Names.Of(method), StringComparison.Ordinal);

    /// <summary>The inner solver these settings describe.</summary>
    public InnerSolver<float> CreateSolver() => InnerSolvers.Create<float>(Solver, SolverSteps, SolverTolerance);

    /// <summary>
    /// The settings a checkpoint of <paramref name="method"/> records and a resumed run must repeat (everything that
    /// changes the sequence of parameters), as key/value pairs formatted with the invariant culture.
    /// </summary>
    public SortedDictionary<string, string> TrainingKeys(TrainingMethod method)
    {
        var inv = CultureInfo.InvariantCulture;
        var keys = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = Names.Of(method),
            ["loss"] = Names.Of(Loss),
            ["batch"] = BatchSize.ToString(inv),
            ["seed"] = Seed.ToString(inv),
            ["train-limit"] = TrainLimit?.ToString(inv) ?? "all",
            ["l2"] = L2.ToString("R", inv),
        };
        VariantSettings variants = Variants ?? VariantSettings.Default;
        if (method == TrainingMethod.Sgd)
        {
            keys["sgd-step"] = SgdStep.ToString("R", inv);
        }
        else
        {
            if (method != TrainingMethod.TargetProp)
            {
                keys["alpha"] = Alpha.ToString("R", inv);
                keys["gamma"] = Gamma.ToString("R", inv);
            }

            if (method == TrainingMethod.AlMsgd)
                keys["beta"] = variants.Beta.ToString("R", inv);
            if (method is TrainingMethod.AlMsgd or TrainingMethod.TargetProp or TrainingMethod.ProxProp)
                keys["kappa"] = variants.KappaOf(method).ToString("R", inv);
            if (method is TrainingMethod.TargetProp or TrainingMethod.ProxProp)
                keys["target-step"] = variants.TargetStep.ToString("R", inv);
            if (method is TrainingMethod.AlMsgd or TrainingMethod.ProxProp && variants.BackOff)
                keys["back-off"] = "on";
            keys["solver"] = InnerSolvers.Name(Solver);
            keys["solver-steps"] = SolverSteps?.ToString(inv) ?? "default";
            keys["solver-tolerance"] = SolverTolerance?.ToString("R", inv) ?? "default";
        }

        return keys;
    }
}
