using System.CommandLine;
using System.CommandLine.Parsing;
using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Mlp;

/// <summary>
/// The settings of the paper's variants of the Moreau backward pass (App. D.4–D.5, F.2) that the sample trains
/// beside SGD and MorSGD: AL-MSGD (Alg. 7–9), target propagation (Alg. 10–11) and ProxProp (Alg. 12–13).
/// AL-MSGD and ProxProp also read <see cref="MlpSettings.Alpha"/> (α_t = α) and <see cref="MlpSettings.Gamma"/> (γ_t = γ).
/// </summary>
/// <param name="Beta">AL-MSGD's multiplier step β_t = β (Alg. 9: λ⁺_t = β(x_t − x⁺_t)).</param>
/// <param name="Kappa">κ, the penalty weight of (37) and (20); null: each method's default (<see cref="DefaultKappa"/>).</param>
/// <param name="TargetStep">η of TP and ProxProp: w ← w − η(w − w⁺), η = 1 landing on the pass's w⁺.</param>
/// <param name="BackOff">Whether the Prop. 2.3 guard halves a state step γ_{t−1} that made a subproblem non-convex and solves again.</param>
public sealed record VariantSettings(double Beta, double? Kappa, double TargetStep, bool BackOff)
{
    /// <summary>The defaults: β = 0.1 and κ = 10⁻⁵ (the paper's picks for its (500, 300, 100) MLP, Table 2 and App. F.2), η = 1, no back-off.</summary>
    public static VariantSettings Default { get; } = new(DefaultBeta, null, 1, false);

    /// <summary>The paper's β for the (500, 300, 100) MLP (Table 2).</summary>
    public const double DefaultBeta = 0.1;

    /// <summary>κ of <paramref name="method"/> unless given: 10⁻⁵ for AL-MSGD (App. F.2), 1 for TP and ProxProp (whose updates scale with κ).</summary>
    public static double DefaultKappa(TrainingMethod method) => method == TrainingMethod.AlMsgd ? 1e-5 : 1;

    /// <summary>κ used by <paramref name="method"/>.</summary>
    public double KappaOf(TrainingMethod method) => Kappa ?? DefaultKappa(method);
}

/// <summary>The optimiser of each training method, built on the network's chain with the run's settings.</summary>
public static class MethodOptimizers
{
    /// <summary>
    /// The optimiser of <paramref name="method"/>: SGD (Alg. 3–4), MorSGD (eq. 52), AL-MSGD (Alg. 7–9, β, κ, α, γ), TP
    /// (Alg. 10–11, κ, η) or ProxProp (Alg. 12–13, κ, α, γ, η), each with the ℓ2 weight μ and, for the target passes,
    /// <paramref name="warning"/> subscribed to the Prop. 2.3 guard.
    /// </summary>
    public static ChainOptimizer<float> Create(MlpSettings settings, TrainingMethod method, Chain<float> chain, Action<ConvexityWarning<float>>? warning = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(chain);
        VariantSettings v = settings.Variants ?? VariantSettings.Default;
        float alpha = (float)settings.Alpha, gamma = (float)settings.Gamma, kappa = (float)v.KappaOf(method), l2 = (float)settings.L2;
        TargetPassOracle<float>? pass = method switch
        {
            TrainingMethod.AlMsgd => new AugmentedLagrangianBackpropagation<float>(chain, PenaltySchedule<float>.Constant(alpha, (float)v.Beta, gamma, kappa),
                                                                                   settings.CreateSolver()) { ParameterL2 = l2, BackOffSteps = v.BackOff },
            TrainingMethod.TargetProp => new TargetPropagation<float>(chain, kappa, settings.CreateSolver()) { ParameterL2 = l2 },
            TrainingMethod.ProxProp => new ProximalBackpropagation<float>(chain, alpha, gamma, kappa, settings.CreateSolver()) { ParameterL2 = l2, BackOffSteps = v.BackOff },
            _ => null,
        };
        if (pass is not null && warning is not null)
            pass.ConvexityViolated += warning;
        return method switch
        {
            TrainingMethod.Sgd => new GradientDescent<float>(chain, (float)settings.SgdStep, l2),
            TrainingMethod.MorSgd => new MoreauGradientDescent<float>(chain, MoreauSchedule<float>.Constant(alpha, gamma), settings.CreateSolver(), l2),
            TrainingMethod.AlMsgd => new AugmentedLagrangianGradientDescent<float>((AugmentedLagrangianBackpropagation<float>)pass!),
            _ => new TargetPassDescent<float>(pass!, (float)v.TargetStep),
        };
    }

    /// <summary>What the inner solver did in the optimiser's last step (null for SGD, which has no inner solver).</summary>
    public static InnerSolveStatistics<float>? LastStatistics(ChainOptimizer<float> optimizer) => optimizer.Oracle switch
    {
        MoreauBackpropagation<float> moreau => moreau.LastStatistics,
        TargetPassOracle<float> pass => pass.LastStatistics,
        _ => null,
    };

    /// <summary>The options that set <paramref name="method"/>'s steps, for the message of a diverged run.</summary>
    public static string StepOptions(TrainingMethod method) => method switch
    {
        TrainingMethod.Sgd => "--sgd-step",
        TrainingMethod.MorSgd => "--alpha, --gamma",
        TrainingMethod.AlMsgd => "--alpha, --gamma, --beta",
        TrainingMethod.TargetProp => "--target-step, --kappa",
        _ => "--alpha, --gamma, --target-step",
    };
}

/// <summary>The command-line options of the variants (<see cref="VariantSettings"/>) and of the method list.</summary>
public sealed class VariantOptions
{
    /// <summary>The names <c>--method</c> accepts, one method each, plus <c>both</c> (= sgd,morsgd).</summary>
    public static readonly IReadOnlyList<string> MethodNames = ["sgd", "morsgd", "al-msgd", "tp", "proxprop"];

    /// <summary>AL-MSGD's β.</summary>
    public readonly Option<double> BetaOption = new("--beta")
    {
        Description = "AL-MSGD's multiplier step β (Alg. 9: λ⁺_t = β(x_t − x⁺_t); β = 1 with κ = 0 is MorSGD). The paper's pick for "
                      + "the 500,300,100 MLP is 0.1 (Table 2).",
        HelpName = "BETA",
        DefaultValueFactory = _ => VariantSettings.DefaultBeta,
        CustomParser = result => ParseNonNegative(result, "--beta"),
    };

    /// <summary>κ of AL-MSGD, TP and ProxProp.</summary>
    public readonly Option<double?> KappaOption = new("--kappa")
    {
        Description = "κ, the penalty weight of the augmented Lagrangian (37) and of the penalised formulation (20): AL-MSGD adds "
                      + "(κ/2)‖φ_t(·) − x⁺_t‖² to its subproblems (κ ≥ 0; 0 is the plain Lagrangian), TP's first target is the "
                      + "proximal step of h with step 1/κ, ProxProp's updates scale with κ (κ > 0). "
                      + "[default: 1e-5 for al-msgd (App. F.2), 1 for tp and proxprop]",
        HelpName = "KAPPA",
        CustomParser = result => ParseNonNegative(result, "--kappa"),
    };

    /// <summary>η of TP and ProxProp.</summary>
    public readonly Option<double> TargetStepOption = new("--target-step")
    {
        Description = "TP's and ProxProp's step η: w ← w − η(w − w⁺), w⁺ from the pass's parameter subproblems; 1 lands on w⁺ "
                      + "(ProxProp's update, Frerix et al. 2018). AL-MSGD always lands on w⁺ (Alg. 7).",
        HelpName = "ETA",
        DefaultValueFactory = _ => 1,
        CustomParser = result => MlpCommand.ParseStep(result, "--target-step"),
    };

    /// <summary>The Prop. 2.3 guard's back-off.</summary>
    public readonly Option<bool> BackOffOption = new("--back-off")
    {
        Description = "When a state subproblem of AL-MSGD or ProxProp is not strongly convex at its step γ (Prop. 2.3 asks "
                      + "γ_t ≤ 1/c_{t+1}), cap that layer's γ below the guard's estimate of the largest safe step and solve again. "
                      + "Without it the guard only warns (the count and the first warning are printed after training).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in new Option[] { BetaOption, KappaOption, TargetStepOption, BackOffOption })
            command.Options.Add(option);
    }

    /// <summary>The settings the parse result holds.</summary>
    public VariantSettings Read(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return new VariantSettings(parseResult.GetValue(BetaOption), parseResult.GetValue(KappaOption), parseResult.GetValue(TargetStepOption),
                                   parseResult.GetValue(BackOffOption));
    }

    /// <summary>
    /// Makes <paramref name="method"/> accept one name of <see cref="MethodNames"/>, <c>both</c>, or a comma-separated
    /// list of names, and adds the checks that the chosen methods' parameters fit them (ProxProp and TP need κ &gt; 0).
    /// </summary>
    public void Validate(Command command, Option<string> method)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(method);
        method.HelpName = "NAME[,NAME...]";
        method.Validators.Add(result =>
        {
            if (SampleCommandLine.TryGetValue(result, out string? text) && ParseMethods(text) is null)
                result.AddError($"{method.Name}: '{text}' is not a method or a comma-separated list of methods; choose from "
                                + $"{string.Join(", ", MethodNames)} (or both = sgd,morsgd), e.g. --method sgd,al-msgd.");
        });
        command.Validators.Add(result =>
        {
            TrainingMethod[] methods = ParseMethods(SampleCommandLine.ValueOr(result, method, "both")) ?? [];
            double? kappa = SampleCommandLine.ValueOr(result, KappaOption, null);
            foreach (TrainingMethod m in methods.Where(m => m is TrainingMethod.TargetProp or TrainingMethod.ProxProp))
            {
                if (kappa is double k && !(k > 0))
                    result.AddError($"--kappa: {Names.Of(m)} needs κ > 0 (with κ = 0 its targets, or its updates, vanish); give e.g. --kappa 1.");
            }
        });
    }

    /// <summary>The methods named by <paramref name="text"/> (one name, <c>both</c>, or a comma-separated list without repeats), or null if it names none.</summary>
    public static TrainingMethod[]? ParseMethods(string? text) =>
        SampleCommandLine.ParseNameList(text, MethodNames) is int[] indices ? [.. indices.Select(i => (TrainingMethod)i)] : null;

    private static double ParseNonNegative(ArgumentResult result, string name)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (text is "0" or "0.0")
            return 0;
        if (MlpCommand.TryParseStep(text, out double value))
            return value;
        result.AddError($"{name}: '{text}' is not a number ≥ 0; write 0 or a number from 1e-30 to 1e30, e.g. 0.1, 1/8, 2^-3 or 1e-5.");
        return 0;
    }
}
