using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using MoreauGen.Data;
using MoreauGen.Samples.Common;
using Spectre.Console;

namespace MoreauGen.Samples.Mlp;

/// <summary>
/// The command line of the sample (System.CommandLine): options, their parsing and validation, and the action that
/// trains and writes the outputs. Exit codes (<see cref="SampleExitCodes"/>): 0 success, 1 bad option, 2 output folder or
/// checkpoint file unusable (or an existing checkpoint without --resume or --overwrite), 3 data set missing or
/// unreadable, 4 checkpoint that cannot be resumed, 5 a method diverged, 130 interrupted (what was finished is saved).
/// </summary>
public static class MlpCommand
{
    /// <summary>Exit code: the output folder or a checkpoint file cannot be written.</summary>
    public const int OutputError = SampleExitCodes.OutputError;

    /// <summary>Exit code: the data set is missing or unreadable.</summary>
    public const int DataError = SampleExitCodes.DataError;

    /// <summary>Exit code: a checkpoint cannot be resumed (corrupt, for another network or other settings).</summary>
    public const int CheckpointError = SampleExitCodes.CheckpointError;

    /// <summary>Bytes per parameter a training run holds at most: float parameters, gradients and solver buffers of both methods (≈ 8 copies).</summary>
    private const int ParameterCopies = 8;

    /// <summary>Pixels of a Fashion-MNIST image (28 × 28): the input size the options are checked with before the data is read.</summary>
    private const int FashionPixels = 28 * 28;

    private const string Overview =
        "Trains a multi-layer perceptron on Fashion-MNIST with mini-batch SGD and mini-batch Moreau SGD (MorSGD), as in §4 and "
        + "App. E.1.2/E.2.2 of Roulet & Harchaoui, Differentiable Programming à la Moreau (Fig. 4, MLP). Pixels are scaled to [0, 1], "
        + "then standardised with the training set's mean and standard deviation. Hidden layers are affine + ReLU, the output layer "
        + "is affine (10 scores); weights and biases start from U(±1/√fan_in). The loss is the paper's squared loss, the batch mean "
        + "of ‖ŷ − onehot(y)‖², or softmax cross-entropy. Both methods add the layer-wise ℓ2 term (μ/2)‖w_t‖² (App. D.6, E.1.2). "
        + "Mini-batches are drawn in a seeded random order per epoch; the last batch of an epoch holds the remainder "
        + "(60000 = 234·256 + 96). After each epoch the whole training and test sets are evaluated, a checkpoint is saved "
        + "(written aside, then renamed) and a row of the table is printed; at the end epochs.csv (one row per method and epoch; "
        + "columns in samples/Mlp/RESULTS.md) and curves.png (best-so-far training loss and test accuracy against epochs) are written "
        + "to the output folder. Accuracies are percentages everywhere (screen, CSV, plot). Ctrl-C finishes the current mini-batch step, "
        + "saves the checkpoints, the CSV and the plot, and says how to resume. "
        + "Steps may be written as decimals (0.25), fractions (1/4) or powers of two (2^-2).";

    /// <summary>The options of one command (fresh instances per command: validators are added to them).</summary>
    private sealed class Options
    {
        public readonly Option<int[]> HiddenOption = new("--hidden", "-H")
        {
            Description = "Hidden layer widths, input side first, comma-separated (the paper's Fig. 4 MLP is 4000,1000,4000). [default: 500,300,100]",
            HelpName = "W1,W2,...",
            CustomParser = ParseHidden,
        };

        public readonly Option<int> EpochsOption = new("--epochs", "-e")
        {
            Description = "Epochs to train (1..10000), counting those of a resumed checkpoint.",
            HelpName = "N",
            DefaultValueFactory = _ => 5,
        };

        public readonly Option<int> BatchOption = new("--batch", "-b")
        {
            Description = "Samples per mini-batch (1..100000); the last batch of an epoch holds the remainder.",
            HelpName = "M",
            DefaultValueFactory = _ => 256,
        };

        public readonly Option<string> MethodOption = new("--method", "-m")
        {
            Description = "Which methods to train, each from the same initial parameters, in this order: one of sgd, morsgd, al-msgd "
                          + "(augmented Lagrangian, Alg. 7–9: --alpha, --gamma, --beta, --kappa), tp (target propagation, Alg. 10–11: "
                          + "--kappa, --target-step), proxprop (ProxProp, Alg. 12–13: --alpha, --gamma, --kappa, --target-step), "
                          + "a comma-separated list of them (sgd,al-msgd), or both (= sgd,morsgd).",
            DefaultValueFactory = _ => "both",
        };

        public readonly Option<double> SgdStepOption = new("--sgd-step")
        {
            Description = "SGD's step η: w ← w − η·(∇h_m + μw). The default is the best of a grid of powers of two on the default network (samples/Mlp/RESULTS.md).",
            HelpName = "ETA",
            DefaultValueFactory = _ => MlpSettings.DefaultSgdStep,
            CustomParser = result => ParseStep(result, "--sgd-step"),
        };

        public readonly Option<double> AlphaOption = new("--alpha")
        {
            Description = "MorSGD's α in the convention of eq. (52): g_t = ∇env(α·λ̂_tᵀφ_t(·, x_{t−1}) + (αμ/2)‖·‖²)(w_t), "
                          + "λ̂_{t−1} = ∇env(γ·λ̂_tᵀφ_t(w_t, ·))(x_{t−1}), λ̂_τ = ∇env(γh)(x_τ), then w_t ← w_t − g_t. Printed Alg. 2 with "
                          + "γ_t = γ^(τ−t+1), α_t = α·γ_{t+1} and step α equals this with α/γ. Each layer passes a factor γ on to the multipliers, "
                          + "so for small steps g_t ≈ α·γ^(τ−t+1)·∇_{w_t}h: with γ = 1, α plays the part of SGD's η. "
                          + "The default is the best of a grid of powers of two on the default network "
                          + "(samples/Mlp/RESULTS.md); the paper's pick for its MLP is 2 (with γ = 1). AL-MSGD and ProxProp take it as α_t = α.",
            HelpName = "ALPHA",
            DefaultValueFactory = _ => MlpSettings.DefaultAlpha,
            CustomParser = result => ParseStep(result, "--alpha"),
        };

        public readonly Option<double> GammaOption = new("--gamma")
        {
            Description = "MorSGD's γ in eq. (52), the step of the objective's and the layers' input Moreau envelopes. The default is the best of the grid "
                          + "with --alpha's default; the paper's pick for its MLP is 1. AL-MSGD and ProxProp take it as γ_t = γ (Alg. 9, 13).",
            HelpName = "GAMMA",
            DefaultValueFactory = _ => MlpSettings.DefaultGamma,
            CustomParser = result => ParseStep(result, "--gamma"),
        };

        public readonly VariantOptions Variants = new();

        public readonly InnerSolverOptions Solver = new(
            "Inner solver A of MorSGD's Φx and Φw subproblems of the hidden layers (Alg. 1): two-step (the paper's: a Goldstein "
                          + "line-search step then a Barzilai–Borwein step), gd (gradient descent with backtracking) or lbfgs (L-BFGS to a "
                          + "tolerance). The output layer is affine: its Φx and Φw have closed forms, as has ∇env(γh) of the squared loss.",
            lbfgsDefaultTolerance: "about 1e-5 in float", toleranceExample: "1e-4");

        public readonly Option<string> LossOption = new("--loss")
        {
            Description = "The loss: squared (the paper's, batch mean of ‖ŷ − onehot‖²) or cross-entropy (softmax; MorSGD then computes ∇env(γh) with the inner solver).",
            DefaultValueFactory = _ => "squared",
        };

        public readonly Option<int?> TrainLimitOption = new("--train-limit")
        {
            Description = "Train on the first N training samples only (the standardisation is measured on those) [default: all 60000].",
            HelpName = "N",
        };

        public readonly Option<int> SeedOption = new("--seed")
        {
            Description = "Seed (≥ 0) of the initial parameters and of the order of the mini-batches; the same seed gives the same run.",
            HelpName = "SEED",
            DefaultValueFactory = _ => 0,
        };

        public readonly Option<double> L2Option = new("--l2")
        {
            Description = "μ of the layer-wise ℓ2 term (μ/2)‖w_t‖² added to the objective of both methods (App. D.6, E.1.2); 0 turns it off.",
            HelpName = "MU",
            DefaultValueFactory = _ => MlpSettings.PaperL2,
        };

        public readonly Option<string?> CheckpointOption = new("--checkpoint")
        {
            Description = $"Checkpoint file of each method, saved after every epoch and on Ctrl-C (written aside, then renamed). An existing file is "
                          + "continued with --resume or replaced with --overwrite, never silently. "
                          + $"{MlpSettings.MethodPlaceholder} is replaced by the method's name (sgd, morsgd, al-msgd, tp, proxprop); with several methods the path must contain it. "
                          + $"[default: OUT/{MlpSettings.MethodPlaceholder}.ckpt]",
            HelpName = "PATH",
        };

        public readonly Option<bool> ResumeOption = new("--resume")
        {
            Description = "Continue each method from its checkpoint up to --epochs, with the training history it holds (an interrupted epoch continues "
                          + "at its next mini-batch); a method without a checkpoint starts afresh. The checkpoint must be intact, for this network, "
                          + "and saved with the same settings (loss, batch, seed, steps, ...); otherwise the run stops with a message.",
        };

        public readonly Option<bool> OverwriteOption = new("--overwrite")
        {
            Description = "Replace existing checkpoints: train every method afresh. Without it (or --resume) an existing checkpoint stops the run before any work.",
        };

        public readonly Option<string> OutOption = new("--out", "-o")
        {
            Description = "Output folder for epochs.csv, curves.png and the default checkpoints (created if needed).",
            HelpName = "DIR",
            DefaultValueFactory = _ => "mlp-out",
        };

        public readonly Option<string> DataOption = new("--data")
        {
            Description = $"Folder holding {FashionMnist.TrainImagesFile}, {FashionMnist.TrainLabelsFile}, {FashionMnist.TestImagesFile} and "
                          + $"{FashionMnist.TestLabelsFile} (gzipped or not). Debian installs them with `{FashionMnist.InstallCommand}`.",
            HelpName = "DIR",
            DefaultValueFactory = _ => FashionMnist.DefaultFolder,
        };
    }

    /// <summary>
    /// Builds the root command. Its action writes tables and progress to the
    /// context's console and problems to its error writer, and stops early when its interrupt is cancelled.
    /// </summary>
    public static RootCommand Create(SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = new Options();
        SampleCommandLine.OneOf(o.LossOption, "loss", "squared", "cross-entropy");
        var command = new RootCommand(Overview)
        {
            o.HiddenOption, o.EpochsOption, o.BatchOption, o.MethodOption, o.SgdStepOption, o.AlphaOption, o.GammaOption,
        };
        o.Variants.AddTo(command);
        o.Variants.Validate(command, o.MethodOption);
        o.Solver.AddTo(command);
        foreach (Option option in new Option[] { o.LossOption, o.TrainLimitOption, o.SeedOption, o.L2Option, o.CheckpointOption, o.ResumeOption, o.OverwriteOption, o.OutOption, o.DataOption })
            command.Options.Add(option);
        SampleCommandLine.NonEmptyPath(o.OutOption, "mlp-out");
        SampleCommandLine.NonEmptyPath(o.DataOption, FashionMnist.DefaultFolder);
        Range(o.EpochsOption, 1, 10_000);
        Range(o.BatchOption, 1, 100_000);
        Range(o.SeedOption, 0, int.MaxValue);
        o.TrainLimitOption.Validators.Add(result =>
        {
            if (SampleCommandLine.TryGetValue(result, out int? nValue) && nValue is int n && n < 1)
                result.AddError($"--train-limit: {n} is out of range; give at least 1 sample.");
        });
        o.L2Option.Validators.Add(result =>
        {
            if (!SampleCommandLine.TryGetValue(result, out double mu))
                return;
            if (!(mu >= 0 && double.IsFinite(mu)))
                result.AddError($"--l2: {Text(mu)} is not an ℓ2 weight; give a finite number ≥ 0, e.g. 1e-6.");
        });
        AddCheckpointChecks(command, o.CheckpointOption, o.MethodOption, o.ResumeOption, o.OverwriteOption);
        AddSizeCheck(command);

        command.SetAction(parseResult => Execute(ToSettings(parseResult, o), context));
        command.Subcommands.Add(ComparePlot.CreateCommand(context.Console, context.Error));
        return command;
    }

    /// <summary>
    /// Adds to <paramref name="command"/> the checks of its checkpoint options, shared with samples/ConvNet: a non-empty
    /// path, one file per method when both run, and not <c>--resume</c> with <c>--overwrite</c>.
    /// </summary>
    public static void AddCheckpointChecks(Command command, Option<string?> checkpoint, Option<string> method, Option<bool> resume, Option<bool> overwrite)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Validators.Add(result =>
        {
            // ValueOr: options not given read as the fallback, and a value that failed to convert never throws here.
            string? path = SampleCommandLine.ValueOr(result, checkpoint, null);
            if (path is not null && path.Trim().Length == 0)
                result.AddError("--checkpoint: the path is empty; give a file path, e.g. --checkpoint runs/{method}.ckpt.");
            else if (VariantOptions.ParseMethods(SampleCommandLine.ValueOr(result, method, "both")) is { Length: > 1 } && path is not null
                     && !path.Contains(MlpSettings.MethodPlaceholder, StringComparison.Ordinal))
                result.AddError($"--checkpoint: with several methods each method needs its own file; put {MlpSettings.MethodPlaceholder} in the path, e.g. --checkpoint runs/{MlpSettings.MethodPlaceholder}.ckpt.");
            if (SampleCommandLine.ValueOr(result, resume, false) && SampleCommandLine.ValueOr(result, overwrite, false))
                result.AddError("--resume and --overwrite exclude each other: continue the checkpoints, or replace them.");
        });
    }

    /// <summary>Reads the settings from a parse result without errors.</summary>
    private static MlpSettings ToSettings(ParseResult parseResult, Options o)
    {
        TrainingMethod[] methods = VariantOptions.ParseMethods(parseResult.GetValue(o.MethodOption)) ?? [TrainingMethod.Sgd, TrainingMethod.MorSgd];
        string output = parseResult.GetValue(o.OutOption) ?? "mlp-out";
        return new MlpSettings(
            Hidden: parseResult.GetValue(o.HiddenOption) is { Length: > 0 } hidden ? hidden : [.. MlpSettings.DefaultHidden],
            Epochs: parseResult.GetValue(o.EpochsOption),
            BatchSize: parseResult.GetValue(o.BatchOption),
            Methods: methods,
            SgdStep: parseResult.GetValue(o.SgdStepOption),
            Alpha: parseResult.GetValue(o.AlphaOption),
            Gamma: parseResult.GetValue(o.GammaOption),
            Solver: o.Solver.Kind(parseResult),
            SolverSteps: parseResult.GetValue(o.Solver.SolverStepsOption),
            SolverTolerance: parseResult.GetValue(o.Solver.SolverToleranceOption),
            Loss: ParseLoss(parseResult.GetValue(o.LossOption)),
            TrainLimit: parseResult.GetValue(o.TrainLimitOption),
            Seed: parseResult.GetValue(o.SeedOption),
            L2: parseResult.GetValue(o.L2Option),
            CheckpointPath: parseResult.GetValue(o.CheckpointOption) ?? Path.Combine(output, MlpSettings.MethodPlaceholder + ".ckpt"),
            Resume: parseResult.GetValue(o.ResumeOption),
            Overwrite: parseResult.GetValue(o.OverwriteOption),
            OutputFolder: output,
            DataFolder: parseResult.GetValue(o.DataOption) ?? FashionMnist.DefaultFolder,
            Variants: o.Variants.Read(parseResult));
    }

    /// <summary>
    /// Runs the training of <paramref name="settings"/> and writes its outputs; returns the exit code (see
    /// <see cref="MlpCommand"/>). Everything that can be checked is checked before any work: output paths, existing
    /// checkpoints, the training-set size and the network's memory.
    /// </summary>
    /// <param name="settings">What to train.</param>
    /// <param name="context">Tables and progress, problems, and the interrupt (Ctrl-C).</param>
    /// <param name="sample">Another network on the same data (samples/ConvNet): how it reshapes the loaded data and builds
    /// its network; null for the MLP of <see cref="MlpSettings.Hidden"/>.</param>
    public static int Execute(MlpSettings settings, SampleContext context, NetworkSample? sample = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        IAnsiConsole console = context.Console;
        TextWriter error = context.Error;
        OutputFolder folder;
        try
        {
            folder = OutputFolder.Prepare(settings.OutputFolder);
            OutputFolder.PrepareFile(folder.PathOf(Report.EpochsFile), "--out");
            OutputFolder.PrepareFile(folder.PathOf(Report.FigureFile), "--out");
            foreach (TrainingMethod method in settings.Methods)
                OutputFolder.PrepareFile(settings.CheckpointOf(method), "--checkpoint");
        }
        catch (IOException e)
        {
            error.WriteLine(e.Message);
            return OutputError;
        }

        if (!settings.Resume && !settings.Overwrite && settings.Methods.Select(settings.CheckpointOf).FirstOrDefault(File.Exists) is string existing)
        {
            error.WriteLine($"Checkpoint '{existing}' exists ({Training.Describe(existing)}): continue it with --resume, replace it with --overwrite, "
                            + "or choose another --checkpoint path or --out folder.");
            return OutputError;
        }

        var inv = CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        TrainTestSplit<float> data;
        try
        {
            if (settings.TrainLimit is int limit && FashionMnist.IsInstalled(settings.DataFolder))
            {
                // Out of range is an error, not a quiet cut: count the labels (a small file) before reading the images.
                int available = Idx.ReadLabels(FashionMnist.PathOf(settings.DataFolder, FashionMnist.TrainLabelsFile), FashionMnist.ClassCount).Length;
                if (limit > available)
                {
                    error.WriteLine(string.Create(inv, $"--train-limit: {limit} is out of range; the training set in {settings.DataFolder} has {available} samples."));
                    return SampleExitCodes.BadOption;
                }
            }

            data = FashionMnist.Load<float>(settings.DataFolder, settings.TrainLimit);
        }
        catch (DataFileException e)
        {
            error.WriteLine(e.Message);
            return DataError;
        }

        console.WriteLine(string.Create(inv,
            $"Fashion-MNIST from {settings.DataFolder}: {data.Train.Count} training and {data.Test.Count} test images of {data.Train.FeatureCount} pixels, "
            + $"standardised with mean {data.Standardization.Mean:0.####} and standard deviation {data.Standardization.StandardDeviation:0.####} "
            + $"(loaded in {clock.Elapsed.TotalSeconds:0.0} s)."), Style.Plain);
        if (sample is null && SizeProblem(data.Train.FeatureCount, settings.Hidden, settings.BatchSize) is string problem)
        {
            error.WriteLine($"--hidden {string.Join(',', settings.Hidden)}: {problem}; choose smaller layers.");
            return SampleExitCodes.BadOption;
        }

        if (sample is not null)
            data = sample.PrepareData(data);
        Network network = sample?.CreateNetwork() ?? new Network(data.Train.FeatureCount, settings.Hidden, FashionMnist.ClassCount);
        IReadOnlyDictionary<TrainingMethod, Training.Start> starts;
        try
        {
            starts = Training.Prepare(settings, network, (data.Train.Count + settings.BatchSize - 1) / settings.BatchSize);
        }
        catch (DataFileException e)
        {
            error.WriteLine(e.Message);
            return CheckpointError;
        }

        foreach (TrainingMethod method in settings.Methods.Where(m => settings.Resume && starts[m].IsFresh))
            console.WriteLine($"{Names.Display(method)}: no checkpoint at {settings.CheckpointOf(method)}; starting afresh.", Style.Plain);

        LiveTable live = Report.LiveEpochs(settings, network, console);
        TrainingOutcome outcome;
        try
        {
            outcome = ConsoleProgress.Run(progress => Training.Run(settings, network, data, starts, progress, context.Interrupt, run => Report.WriteEpochRow(live, run)), console);
        }
        catch (IOException e)
        {
            error.WriteLine($"Cannot write a checkpoint: {e.Message} Choose another --checkpoint path.");
            return OutputError;
        }

        IReadOnlyList<MethodRun> runs = outcome.Runs;
        Report.Write(runs, console);
        var written = new List<string>();
        if (runs.Count > 0)
        {
            Report.EpochsCsv(runs).Save(folder.PathOf(Report.EpochsFile));
            Report.Figure(runs, settings, network).SavePng(folder.PathOf(Report.FigureFile));
            written.AddRange([folder.PathOf(Report.EpochsFile), folder.PathOf(Report.FigureFile)]);
        }

        written.AddRange(runs.Where(r => r.CheckpointSaved).Select(r => r.CheckpointPath));
        string files = string.Join(", ", written.Where(File.Exists));
        console.WriteLine(string.Create(inv, $"Done in {clock.Elapsed.TotalSeconds:0.0} s ({Environment.ProcessorCount} cores). Written: {(files.Length > 0 ? files : "nothing")}."), Style.Plain);
        if (outcome.Interrupted)
        {
            string notStarted = string.Join(", ", settings.Methods.Where(m => runs.All(r => r.Method != m)).Select(Names.Display));
            error.WriteLine("Interrupted: " + string.Join("; ", runs.Select(r => r.Progress(settings.Epochs)))
                            + (notStarted.Length > 0 ? $"; {notStarted} not started" : "")
                            + ". Run the same command with --resume to continue (a method without a checkpoint starts afresh).");
            return SampleExitCodes.Interrupted;
        }

        if (runs.FirstOrDefault(r => r.Failure is not null) is MethodRun failed)
        {
            error.WriteLine($"{Names.Display(failed.Method)} diverged ({failed.Failure}); no checkpoint was saved after it. "
                            + $"Choose a smaller step ({MethodOptimizers.StepOptions(failed.Method)}).");
            return SampleExitCodes.Diverged;
        }

        return SampleExitCodes.Success;
    }

    /// <summary>
    /// Adds to <paramref name="command"/> the check that its <c>--hidden</c> network, trained on batches of its
    /// <c>--batch</c>, fits in an array and in memory (a command without these options is left as it is).
    /// </summary>
    public static void AddSizeCheck(Command command)
    {
        var hiddenOption = command.Options.OfType<Option<int[]>>().FirstOrDefault(option => option.Name == "--hidden");
        var batchOption = command.Options.OfType<Option<int>>().FirstOrDefault(option => option.Name == "--batch");
        if (hiddenOption is null || batchOption is null)
            return;
        command.Validators.Add(result =>
        {
            // ValueOr: a value that failed to convert never throws here (the parser reports it).
            int[] hidden = SampleCommandLine.ValueOr(result, hiddenOption, [.. MlpSettings.DefaultHidden]);
            int batch = SampleCommandLine.ValueOr(result, batchOption, 256);
            if (hidden.Length > 0 && SizeProblem(FashionPixels, hidden, batch) is string problem)
                result.AddError($"--hidden {string.Join(',', hidden)}: {problem}; choose smaller layers.");
        });
    }

    /// <summary>
    /// Null when a network <paramref name="inputs"/> → <paramref name="hidden"/>… → 10 trained on batches of
    /// <paramref name="batch"/> fits in an array and in memory; otherwise why not.
    /// </summary>
    internal static string? SizeProblem(int inputs, IReadOnlyList<int> hidden, int batch)
    {
        long parameters = Network.CountParameters(inputs, hidden, FashionMnist.ClassCount);
        // Activations, pullbacks and multipliers of a training batch and of an evaluation block of 1000 samples.
        double activations = (double)Math.Max(batch, 1000) * (hidden.Sum(w => (double)w) + inputs + FashionMnist.ClassCount);
        return MemoryBudget.Check("the network's parameters", parameters, sizeof(float), ParameterCopies)
               ?? MemoryBudget.Check("the activations of a batch", activations, sizeof(float), 4);
    }

    /// <summary>A network other than the MLP trained by <see cref="Execute"/>, with the data as it reads them.</summary>
    /// <param name="PrepareData">Reshapes the loaded, standardised data (e.g. pads the images).</param>
    /// <param name="CreateNetwork">Builds the network.</param>
    public sealed record NetworkSample(Func<TrainTestSplit<float>, TrainTestSplit<float>> PrepareData, Func<Network> CreateNetwork);

    /// <summary>The loss named on the command line.</summary>
    public static LossKind ParseLoss(string? name) => name == "cross-entropy" ? LossKind.CrossEntropy : LossKind.Squared;

    /// <summary>Accepts only values in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static void Range(Option<int> option, int low, int high)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (!SampleCommandLine.TryGetValue(result, out int value))
                return;
            if (value < low || value > high)
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name}: {value} is out of range; give {low} to {high}."));
        });
    }

    /// <summary>A comma-separated list of widths, each 1..65536.</summary>
    public static int[] ParseHidden(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string text = string.Join(',', result.Tokens.Select(t => t.Value));
        var sizes = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size is < 1 or > 65536)
            {
                result.AddError($"{(result.Parent is OptionResult option ? option.Option.Name : "--hidden")}: '{text}' is not a list of layer widths; "
                                + "write positive integers up to 65536 separated by commas, e.g. 500,300,100.");
                return [];
            }

            sizes.Add(size);
        }

        // Sizes that overflow an int or the memory are refused here, before any work (also by benchmarks/StepTimer).
        if (SizeProblem(FashionPixels, sizes, batch: 1) is string problem)
        {
            result.AddError($"{(result.Parent is OptionResult o ? o.Option.Name : "--hidden")} {text}: {problem}; choose smaller layers.");
            return [];
        }

        return [.. sizes];
    }

    /// <summary>A positive finite step written as a decimal (0.25), a fraction (1/4) or a power of two (2^-2).</summary>
    public static bool TryParseStep(string text, out double step) =>
        // Steps are used in float: keep them well inside its range.
        SampleCommandLine.TryParseStep(text, out step) && step is >= 1e-30 and <= 1e30;

    internal static double ParseStep(ArgumentResult result, string name)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (TryParseStep(text, out double step))
            return step;
        result.AddError($"{name}: '{text}' is not a step; write a number from 1e-30 to 1e30, e.g. 0.25, 1/4 or 2^-2.");
        return 0;
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
