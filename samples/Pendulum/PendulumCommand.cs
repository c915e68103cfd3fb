using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using MoreauGen.Samples.Common;
using Spectre.Console;

namespace MoreauGen.Samples.Pendulum;

/// <summary>An inclusive range of exponents e for the step grid 2^e, written <c>LOW..HIGH</c> on the command line.</summary>
/// <param name="Low">The smallest exponent.</param>
/// <param name="High">The largest exponent (≥ <paramref name="Low"/>).</param>
public readonly record struct GridRange(int Low, int High)
{
    /// <summary>The largest |e| accepted: steps stay far from double's range limits.</summary>
    public const int MaxMagnitude = 60;

    /// <summary>The exponents Low..High.</summary>
    public int[] Exponents() => [.. Enumerable.Range(Low, High - Low + 1)];

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Low}..{High}");
}

/// <summary>
/// The command line of the sample (System.CommandLine): options, their parsing and validation, and the action that
/// runs the experiment and writes its outputs.
/// </summary>
public static class PendulumCommand
{
    private const string Overview =
        "Swings up a pendulum by optimising its torques with gradient descent (GD) and Moreau gradient descent (MorGD), "
        + "as in §4 and App. E of Roulet & Harchaoui, Differentiable Programming à la Moreau (Fig. 3). The pendulum "
        + "(m = 1, l = 1, μ = 0.01, g = 9.81, explicit Euler with δ = 0.1 s) starts hanging at rest, x₀ = (θ, ω) = (0, 0); "
        + "one torque per time step, all 0 at the start; the cost is h(x_τ) = (θ_τ − π)² + 0.1·ω_τ² (π² ≈ 9.87 at the start). "
        + "For each horizon and method it runs a grid of steps 2^e and chooses the step with the smallest mean, over the "
        + "iterations, of the best cost so far (App. E.2.2; a run that hits NaN/∞ scores +∞), and also runs the paper's own "
        + "picks (GD: η = 1 at τ = 50, ¼ at τ = 100; MorGD: α = 2^7, γ = ½). It prints a grid table and a summary table per "
        + "horizon and writes curves.csv (every run, every iteration; a run stopped by a NaN/∞ ends at its last finite iteration), grid.csv (one row per run), fig3.png (the paper's "
        + "Fig. 3 layout: GD vs MorGD at their chosen steps) and paper-picks.png into the output folder. Steps may be written "
        + "as decimals (0.25), fractions (1/4) or powers of two (2^-2). The columns of the CSV files are described in "
        + "samples/Pendulum/RESULTS.md. Ctrl-C lets the runs under way finish, writes every finished run and exits 130; a method "
        + "that diverges at some horizon (no finite run ending below its start) exits 5.";

    /// <summary>The options of one command (fresh instances per command: validators are added to them).</summary>
    private sealed class Options
    {
        public readonly Option<int[]> HorizonsOption = new("--horizons", "-t")
        {
            Description = "Horizons τ (number of 0.1 s time steps, 1..100000) to run, e.g. --horizons 50 100.",
            HelpName = "TAU",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [50, 100],
        };

        public readonly Option<string> MethodOption = new("--method", "-m")
        {
            Description = "Which methods to run: gd (gradient descent), morgd (Moreau gradient descent), both (= gd,morgd), or a "
                          + "comma-separated list that may also name the paper's variants, each on the step grid only: al-mgd (augmented "
                          + "Lagrangian, Alg. 7–9: grid over α, with --gamma, --beta, --kappa), tp (target propagation, Alg. 10–11: grid "
                          + "over the step η of w ← w − η(w − w⁺), with --kappa) and proxprop (ProxProp, Alg. 12–13: grid over α, with --gamma, --kappa).",
            HelpName = "NAME[,NAME...]",
            DefaultValueFactory = _ => "both",
        };

        public readonly Option<int> IterationsOption = new("--iterations", "-k")
        {
            Description = "Descent iterations K of every run (1..100000); costs are recorded at k = 0..K.",
            HelpName = "K",
            DefaultValueFactory = _ => 50,
        };

        public readonly Option<GridRange> GridOption = new("--grid")
        {
            Description = $"Exponents LOW..HIGH of the step grid 2^e searched for each method (|e| ≤ {GridRange.MaxMagnitude}), e.g. --grid -4..4.",
            HelpName = "LOW..HIGH",
            DefaultValueFactory = _ => new GridRange(PendulumSettings.DefaultGridLow, PendulumSettings.DefaultGridHigh),
            CustomParser = ParseGrid,
        };

        public readonly Option<bool> NoGridOption = new("--no-grid")
        {
            Description = "Skip the grid search: run only the fixed steps (--gd-step, --alpha, or the paper's picks).",
        };

        public readonly Option<double?> GradientStepOption = new("--gd-step")
        {
            Description = "GD step η to run beside the grid at every horizon [default: the paper's pick, 1 at τ = 50 and 1/4 at τ = 100, none at other horizons].",
            HelpName = "ETA",
            CustomParser = result => ParseStep(result, "--gd-step"),
        };

        public readonly Option<double> AlphaOption = new("--alpha")
        {
            Description = "MorGD step α to run beside the grid, in the convention of eq. (52): g_t = ∇env(α·λ̂_tᵀφ_t(·, x_{t−1}))(w_t), "
                          + "λ̂_{t−1} = ∇env(γ·λ̂_tᵀφ_t(w_t, ·))(x_{t−1}), λ̂_τ = ∇env(γh)(x_τ). Printed Alg. 2 with γ_t = γ^(τ−t+1), "
                          + "α_t = α·γ_{t+1} and step α equals this with α/γ. The paper's pick is 2^7.",
            HelpName = "ALPHA",
            DefaultValueFactory = _ => PendulumSettings.PaperAlpha,
            CustomParser = result => ParseStep(result, "--alpha") ?? 0,
        };

        public readonly Option<double> GammaOption = new("--gamma")
        {
            Description = "MorGD's γ in eq. (52), for the grid and the fixed α (the paper fixes ½).",
            HelpName = "GAMMA",
            DefaultValueFactory = _ => PendulumSettings.PaperGamma,
            CustomParser = result => ParseStep(result, "--gamma") ?? 0,
        };

        public readonly Option<double> BetaOption = new("--beta")
        {
            Description = "AL-MGD's multiplier step β (Alg. 9: λ⁺_t = β(x_t − x⁺_t)); with β = 1 and κ = 0 AL-MGD is MorGD.",
            HelpName = "BETA",
            DefaultValueFactory = _ => 1,
            CustomParser = result => ParseStep(result, "--beta") ?? 0,
        };

        public readonly Option<double?> KappaOption = new("--kappa")
        {
            Description = "κ, the penalty weight of (37) and (20), for al-mgd, tp and proxprop [default: 0 for al-mgd, 1 for tp and proxprop].",
            HelpName = "KAPPA",
            CustomParser = result => result.Tokens is [{ Value: "0" }] ? 0 : ParseStep(result, "--kappa"),
        };

        public readonly InnerSolverOptions Solver = new(
            "Inner solver A of MorGD's Φx subproblems (Alg. 1): two-step (the paper's: a Goldstein line-search step then a "
                          + "Barzilai–Borwein step), gd (gradient descent with backtracking) or lbfgs (L-BFGS to a tolerance). "
                          + "Φw has a closed form here (φ is affine in the torque).",
            lbfgsDefaultTolerance: "1e-10", toleranceExample: "1e-8");

        public readonly Option<string> OutOption = new("--out", "-o")
        {
            Description = "Output folder for curves.csv, grid.csv, fig3.png and paper-picks.png (created if needed).",
            HelpName = "DIR",
            DefaultValueFactory = _ => "pendulum-out",
        };

        public readonly Option<bool> ResumeOption = new("--resume")
        {
            Description = "Reuse the finished runs in the output folder (after Ctrl-C): only the missing runs are computed. The runs must have been "
                          + "computed with the same --iterations, --gamma and inner solver; a folder without runs starts afresh.",
        };

        public readonly Option<bool> LogScaleOption = new("--log-scale")
        {
            Description = "Draw fig3.png with a logarithmic cost axis in every panel. By default a panel's axis is logarithmic when its costs span more than a factor 20 (MorGD often ends far below GD).",
        };
    }

    /// <summary>
    /// Builds the root command. Its action writes tables and progress to the context's console and problems to its
    /// error writer, and stops early when its interrupt is cancelled; see <see cref="Execute"/> for the exit codes.
    /// </summary>
    public static RootCommand Create(SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = new Options();
        o.MethodOption.Validators.Add(result =>
        {
            if (SampleCommandLine.TryGetValue(result, out string? text) && Names.ParseList(text) is null)
                result.AddError($"--method: '{text}' is not a method or a comma-separated list of methods; choose from "
                                + $"{string.Join(", ", Names.MethodNames)} (or both = gd,morgd), e.g. --method gd,al-mgd.");
        });
        var command = new RootCommand(Overview)
        {
            o.HorizonsOption, o.MethodOption, o.IterationsOption, o.GridOption, o.NoGridOption, o.GradientStepOption, o.AlphaOption,
            o.GammaOption, o.BetaOption, o.KappaOption,
        };
        o.Solver.AddTo(command);
        SampleCommandLine.NonEmptyPath(o.OutOption, "pendulum-out");
        command.Options.Add(o.OutOption);
        command.Options.Add(o.LogScaleOption);
        command.Options.Add(o.ResumeOption);
        o.HorizonsOption.Validators.Add(result =>
        {
            if (!SampleCommandLine.TryGetValue(result, out int[]? horizons))
                return;
            foreach (int horizon in horizons ?? [])
            {
                if (horizon is < 1 or > 100_000)
                    result.AddError($"--horizons: {horizon} is not a horizon; give numbers of time steps from 1 to 100000.");
            }
        });
        o.IterationsOption.Validators.Add(result =>
        {
            if (!SampleCommandLine.TryGetValue(result, out int k))
                return;
            if (k is < 1 or > 100_000)
                result.AddError($"--iterations: {k} is out of range; give 1 to 100000.");
        });
        command.Validators.Add(result =>
        {
            // Every run keeps its K + 1 costs and best costs (doubles) until the CSV is written: check they fit.
            int[] horizons = SampleCommandLine.ValueOr(result, o.HorizonsOption, [50, 100]);
            int iterations = SampleCommandLine.ValueOr(result, o.IterationsOption, 50);
            GridRange grid = SampleCommandLine.ValueOr(result, o.GridOption, new GridRange(PendulumSettings.DefaultGridLow, PendulumSettings.DefaultGridHigh));
            int gridSize = SampleCommandLine.ValueOr(result, o.NoGridOption, false) ? 0 : grid.High - grid.Low + 1;
            int methods = Names.ParseList(SampleCommandLine.ValueOr(result, o.MethodOption, "both"))?.Length ?? 2;
            double runs = (double)horizons.Distinct().Count() * methods * (gridSize + 1);
            if (MemoryBudget.Check("the costs of every run", iterations + 1.0, sizeof(double), 2 * runs) is string problem)
                result.AddError($"--horizons, --iterations, --grid: {problem}; ask for fewer horizons, iterations or grid steps.");
        });
        command.Validators.Add(result =>
        {
            // ValueOr, not GetValue: a value that failed to convert (--gd-step abc) is reported by the parser, not thrown here.
            DescentMethod[] chosen = Names.ParseList(SampleCommandLine.ValueOr(result, o.MethodOption, "both")) ?? [];
            bool noGrid = SampleCommandLine.ValueOr(result, o.NoGridOption, false);
            if (noGrid && chosen.FirstOrDefault(m => m > DescentMethod.MoreauGradientDescent) is var variant && variant > DescentMethod.MoreauGradientDescent)
                result.AddError($"--no-grid leaves {Names.Of(variant)} no step (the variants run on the step grid only); drop --no-grid or {Names.Of(variant)}.");
            if (SampleCommandLine.ValueOr(result, o.KappaOption, null) is 0.0 && chosen.FirstOrDefault(m => m > DescentMethod.AugmentedLagrangian) is var needsKappa
                && needsKappa > DescentMethod.AugmentedLagrangian)
                result.AddError($"--kappa: {Names.Of(needsKappa)} needs κ > 0 (with κ = 0 its targets, or its updates, vanish); give e.g. --kappa 1.");
            if (noGrid && chosen.Contains(DescentMethod.GradientDescent) && result.GetResult(o.GradientStepOption) is null)
            {
                foreach (int horizon in SampleCommandLine.ValueOr(result, o.HorizonsOption, [50, 100]))
                {
                    if (PendulumSettings.PaperGradientStep(horizon) is null)
                    {
                        result.AddError($"--no-grid leaves GD no step at τ = {horizon} (the paper gives η only for τ = 50 and 100); add --gd-step ETA, or --method morgd.");
                        break;
                    }
                }
            }
        });

        command.SetAction(parseResult => Execute(ToSettings(parseResult, o), context));
        return command;
    }

    /// <summary>Reads the settings from a parse result without errors.</summary>
    private static PendulumSettings ToSettings(ParseResult parseResult, Options o)
    {
        DescentMethod[] methods = Names.ParseList(parseResult.GetValue(o.MethodOption)) ?? [DescentMethod.GradientDescent, DescentMethod.MoreauGradientDescent];
        int[] grid = parseResult.GetValue(o.NoGridOption) ? [] : parseResult.GetValue(o.GridOption).Exponents();
        return new PendulumSettings(
            Horizons: [.. (parseResult.GetValue(o.HorizonsOption) ?? [50, 100]).Distinct()],
            Methods: methods,
            Iterations: parseResult.GetValue(o.IterationsOption),
            GridExponents: grid,
            GradientStep: parseResult.GetValue(o.GradientStepOption),
            Alpha: parseResult.GetValue(o.AlphaOption),
            Gamma: parseResult.GetValue(o.GammaOption),
            Solver: o.Solver.Kind(parseResult),
            SolverSteps: parseResult.GetValue(o.Solver.SolverStepsOption),
            SolverTolerance: parseResult.GetValue(o.Solver.SolverToleranceOption),
            OutputFolder: parseResult.GetValue(o.OutOption) ?? "pendulum-out",
            LogScale: parseResult.GetValue(o.LogScaleOption),
            Resume: parseResult.GetValue(o.ResumeOption),
            Beta: parseResult.GetValue(o.BetaOption),
            Kappa: parseResult.GetValue(o.KappaOption));
    }

    /// <summary>
    /// Runs the experiment of <paramref name="settings"/> and writes its outputs. Returns 0 on success, 2 when the
    /// output folder is unusable, 5 when a method diverged at some horizon (no step gave a finite cost that ends below
    /// where it started), 130 when interrupted (the finished runs are written first).
    /// </summary>
    public static int Execute(PendulumSettings settings, SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        IAnsiConsole console = context.Console;
        TextWriter error = context.Error;
        OutputFolder folder;
        try
        {
            folder = OutputFolder.Prepare(settings.OutputFolder);
            foreach (string file in new[] { Report.CurvesFile, Report.GridFile, Report.SettingsFile, Report.FigureFile, Report.FixedFigureFile })
                OutputFolder.PrepareFile(folder.PathOf(file), "--out");
        }
        catch (IOException e)
        {
            error.WriteLine(e.Message);
            return SampleExitCodes.OutputError;
        }

        Dictionary<Experiment.RunKey, Curve>? finished = null;
        string settingsFile = folder.PathOf(Report.SettingsFile);
        if (settings.Resume && File.Exists(settingsFile) && File.Exists(folder.PathOf(Report.CurvesFile)))
        {
            try
            {
                List<string> differences = RunSettingsFile.Differences(RunSettingsFile.Load(settingsFile), settings.RunKeys());
                if (differences.Count > 0)
                {
                    error.WriteLine($"Cannot resume from {folder.FullPath}: its runs were computed with other settings: {string.Join(", ", differences)}. "
                                    + "Resume with the same settings, or run without --resume (or with another --out).");
                    return SampleExitCodes.CheckpointError;
                }

                finished = Report.ReadCurves(folder.PathOf(Report.CurvesFile), folder.PathOf(Report.GridFile), settings.Iterations);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                error.WriteLine($"Cannot resume from {folder.FullPath}: {e.Message} Run without --resume to compute every run again.");
                return SampleExitCodes.CheckpointError;
            }

            console.WriteLine($"Resuming: {finished.Count} finished runs read from {folder.PathOf(Report.CurvesFile)}.", Style.Plain);
        }
        else if (settings.Resume)
        {
            console.WriteLine($"Nothing to resume in {folder.FullPath}: computing every run.", Style.Plain);
        }

        RunSettingsFile.Save(settingsFile, settings.RunKeys());
        var clock = Stopwatch.StartNew();
        ExperimentOutcome outcome = ConsoleProgress.Run(progress => Experiment.Run(settings, progress, context.Interrupt, finished), console);
        IReadOnlyList<HorizonResult> results = outcome.Results;
        TimeSpan computed = clock.Elapsed;

        Report.WriteTables(results, settings, console);
        var written = new List<string> { Report.CurvesFile, Report.GridFile, Report.SettingsFile };
        Report.CurvesTable(results, outcome.PartialRuns).Save(folder.PathOf(Report.CurvesFile));
        Report.GridCsv(results, outcome.PartialRuns, settings).Save(folder.PathOf(Report.GridFile));
        if (results.Count > 0)
        {
            Report.Figure(results, settings.LogScale).SavePng(folder.PathOf(Report.FigureFile));
            written.Add(Report.FigureFile);
            if (Report.FixedFigure(results) is LinePlot fixedFigure)
            {
                fixedFigure.SavePng(folder.PathOf(Report.FixedFigureFile));
                written.Add(Report.FixedFigureFile);
            }
        }

        var inv = CultureInfo.InvariantCulture;
        console.WriteLine(string.Create(inv, $"{outcome.Finished} runs of {settings.Iterations} iterations{(finished is { Count: > 0 } ? $" ({finished.Count} read back)" : "")} in {computed.TotalSeconds:0.00} s "
                                             + $"({Environment.ProcessorCount} threads); outputs written in {clock.Elapsed.TotalSeconds:0.00} s to {folder.FullPath}:"), Style.Plain);
        console.WriteLine("  " + string.Join(", ", written.Where(name => File.Exists(folder.PathOf(name)))), Style.Plain);
        if (outcome.Interrupted)
        {
            string horizons = results.Count == 0 ? "no horizon" : "τ = " + string.Join(", ", results.Select(r => r.Horizon));
            error.WriteLine(string.Create(inv,
                $"Interrupted after {outcome.Finished} of {outcome.Planned} runs: every finished run is in {Report.CurvesFile} and {Report.GridFile}, "
                + $"tables and plots cover {horizons}. Run the same command with --resume to compute only the rest."));
            return SampleExitCodes.Interrupted;
        }

        string[] diverged = [.. Report.Diverged(results, settings)];
        if (diverged.Length > 0)
        {
            error.WriteLine($"Diverged: {string.Join("; ", diverged)}. Choose smaller steps (--gd-step, --alpha) or a grid (drop --no-grid); {Report.GridFile} holds every run.");
            return SampleExitCodes.Diverged;
        }

        return SampleExitCodes.Success;
    }

    private static GridRange ParseGrid(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        int dots = text.IndexOf("..", StringComparison.Ordinal);
        if (dots > 0
            && int.TryParse(text.AsSpan(0, dots), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int low)
            && int.TryParse(text.AsSpan(dots + 2), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int high))
        {
            if (low > high)
                result.AddError($"--grid: '{text}' is empty ({low} > {high}); write LOW..HIGH with LOW ≤ HIGH, e.g. --grid -10..12.");
            else if (Math.Abs(low) > GridRange.MaxMagnitude || Math.Abs(high) > GridRange.MaxMagnitude)
                result.AddError($"--grid: '{text}' reaches beyond 2^±{GridRange.MaxMagnitude}; choose exponents from -{GridRange.MaxMagnitude} to {GridRange.MaxMagnitude}.");
            else
                return new GridRange(low, high);
            return default;
        }

        result.AddError($"--grid: '{text}' is not a range of exponents; write LOW..HIGH, e.g. --grid -10..12 for 2^-10 … 2^12.");
        return default;
    }

    /// <summary>A positive finite step written as a decimal (0.25), a fraction (1/4) or a power of two (2^-2).</summary>
    public static bool TryParseStep(string text, out double step) => SampleCommandLine.TryParseStep(text, out step);

    private static double? ParseStep(ArgumentResult result, string name)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (TryParseStep(text, out double step))
            return step;
        result.AddError($"{name}: '{text}' is not a positive finite step; write e.g. 0.25, 1/4 or 2^-2.");
        return null;
    }
}
