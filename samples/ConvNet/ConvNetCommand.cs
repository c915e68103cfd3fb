using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using MoreauGen.Data;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.Mlp;
using Spectre.Console;

namespace MoreauGen.Samples.ConvNet;

/// <summary>
/// The command line of the ConvNet sample: the MLP sample's conventions, options and outputs (per-epoch table,
/// epochs.csv, curves.png, checkpoints, exit codes of <see cref="MlpCommand"/>), with the paper's ConvNet in place of the
/// MLP, the logistic (softmax cross-entropy) loss, and the paper's steps as defaults.
/// </summary>
public static class ConvNetCommand
{
    /// <summary>SGD's step in the paper's ConvNet experiment (App. E.2.2).</summary>
    public const double PaperSgdStep = 0.125;

    /// <summary>MorSGD's α in the paper's ConvNet experiment (App. E.2.2).</summary>
    public const double PaperAlpha = 0.5;

    /// <summary>MorSGD's γ in the paper's ConvNet experiment (App. E.2.2).</summary>
    public const double PaperGamma = 0.5;

    /// <summary>Training samples of the default run, so that it takes about two minutes on two cores.</summary>
    public const int DefaultTrainLimit = 6000;

    /// <summary>Epochs of the default run.</summary>
    public const int DefaultEpochs = 2;

    private const string Overview =
        "Trains the ConvNet of Roulet & Harchaoui, Differentiable Programming à la Moreau (§4, Fig. 4 bottom; App. E.1.2/E.2.2) on "
        + "Fashion-MNIST with mini-batch SGD and mini-batch Moreau SGD (MorSGD): Conv[16×32×32]→ReLU→Pool→Conv[20×16×16]→ReLU→Pool→"
        + "Conv[20×8×8]→ReLU→Pool[20×4×4]→FC, 5×5 kernels with padding 2, 2×2 max-pooling with stride 2, the logistic (softmax "
        + "cross-entropy) loss. Images are standardised as in the MLP sample, then padded to 32×32 with the background value. "
        + "The convolutions start from He's U(±√(6/fan_in)) with zero biases (--init default: U(±1/√fan_in) everywhere), the output "
        + "layer from U(±1/√fan_in). The default run trains on the first "
        + "6000 images for 2 epochs (about two minutes); --train-limit 60000 --epochs 5 is the paper's setting. "
        + "Outputs, checkpoints and exit codes are the MLP sample's.";

    /// <summary>
    /// Builds the root command; its action writes tables and progress to the context's console and problems to its
    /// error writer, and stops early when its interrupt is cancelled (the MLP sample's conventions).
    /// </summary>
    public static RootCommand Create(SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var epochs = new Option<int>("--epochs", "-e") { Description = "Epochs to train (1..10000), counting those of a resumed checkpoint.", HelpName = "N", DefaultValueFactory = _ => DefaultEpochs };
        var batch = new Option<int>("--batch", "-b") { Description = "Samples per mini-batch (1..100000).", HelpName = "M", DefaultValueFactory = _ => 256 };
        var method = new Option<string>("--method", "-m") { Description = "Which methods to train, each from the same initial parameters: sgd, morsgd or both.", DefaultValueFactory = _ => "both" };
        var sgdStep = Step("--sgd-step", "SGD's step η: w ← w − η·(∇h_m + μw); the paper's pick for its ConvNet.", PaperSgdStep);
        var alpha = Step("--alpha", "MorSGD's α in the convention of eq. (52) (see the MLP sample's --help); the paper's pick for its ConvNet.", PaperAlpha);
        var gamma = Step("--gamma", "MorSGD's γ in eq. (52); the paper's pick for its ConvNet.", PaperGamma);
        var solver = new InnerSolverOptions(
            "Inner solver A of MorSGD's Φx and Φw subproblems of the convolutional layers and of ∇env(γh) (Alg. 1): two-step (the paper's), "
            + "gd or lbfgs. The output layer is affine: its Φx and Φw have closed forms.", lbfgsDefaultTolerance: "about 1e-5 in float", toleranceExample: "1e-4");
        var trainLimit = new Option<int>("--train-limit") { Description = "Train on the first N training samples (1..60000); the standardisation is measured on those.", HelpName = "N", DefaultValueFactory = _ => DefaultTrainLimit };
        var seed = new Option<int>("--seed") { Description = "Seed (≥ 0) of the initial parameters and of the order of the mini-batches.", HelpName = "SEED", DefaultValueFactory = _ => 0 };
        var l2 = new Option<double>("--l2") { Description = "μ of the layer-wise ℓ2 term (μ/2)‖w_t‖² (App. D.6, E.1.2); 0 turns it off.", HelpName = "MU", DefaultValueFactory = _ => MlpSettings.PaperL2 };
        var checkpoint = new Option<string?>("--checkpoint") { Description = $"Checkpoint file of each method ({MlpSettings.MethodPlaceholder} becomes sgd or morsgd). [default: OUT/{MlpSettings.MethodPlaceholder}.ckpt]", HelpName = "PATH" };
        var resume = new Option<bool>("--resume") { Description = "Continue each method from its checkpoint up to --epochs (same network and settings)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace existing checkpoints (without it, or --resume, an existing checkpoint is an error)." };
        var output = new Option<string>("--out", "-o") { Description = "Output folder for epochs.csv, curves.png and the default checkpoints.", HelpName = "DIR", DefaultValueFactory = _ => "convnet-out" };
        var init = new Option<string>("--init") { Description = "Initialisation of the convolutions: he (U(±√(6/fan_in)), biases 0) or default (U(±1/√fan_in), PyTorch's default).", DefaultValueFactory = _ => "he" };
        var data = new Option<string>("--data") { Description = $"Folder of the Fashion-MNIST files; Debian installs them with `{FashionMnist.InstallCommand}`.", HelpName = "DIR", DefaultValueFactory = _ => FashionMnist.DefaultFolder };

        SampleCommandLine.OneOf(method, "method", "sgd", "morsgd", "both");
        SampleCommandLine.OneOf(init, "init", "he", "default");
        var command = new RootCommand(Overview) { epochs, batch, method, sgdStep, alpha, gamma };
        solver.AddTo(command);
        foreach (Option option in new Option[] { trainLimit, seed, l2, init, checkpoint, resume, overwrite, output, data })
            command.Options.Add(option);
        Range(epochs, 1, 10_000);
        Range(batch, 1, 100_000);
        Range(trainLimit, 1, 60_000);
        Range(seed, 0, int.MaxValue);
        SampleCommandLine.NonEmptyPath(output, "convnet-out");
        SampleCommandLine.NonEmptyPath(data, FashionMnist.DefaultFolder);
        MlpCommand.AddCheckpointChecks(command, checkpoint, method, resume, overwrite);
        l2.Validators.Add(result =>
        {
            if (SampleCommandLine.TryGetValue(result, out double mu) && !(mu >= 0 && double.IsFinite(mu)))
                result.AddError("--l2: give a finite number ≥ 0, e.g. 1e-6.");
        });

        command.SetAction(parseResult =>
        {
            string folder = parseResult.GetValue(output) ?? "convnet-out";
            string methodName = parseResult.GetValue(method) ?? "both";
            var settings = new MlpSettings(
                Hidden: [],
                Epochs: parseResult.GetValue(epochs),
                BatchSize: parseResult.GetValue(batch),
                Methods: methodName switch { "sgd" => [TrainingMethod.Sgd], "morsgd" => [TrainingMethod.MorSgd], _ => [TrainingMethod.Sgd, TrainingMethod.MorSgd] },
                SgdStep: parseResult.GetValue(sgdStep),
                Alpha: parseResult.GetValue(alpha),
                Gamma: parseResult.GetValue(gamma),
                Solver: solver.Kind(parseResult),
                SolverSteps: parseResult.GetValue(solver.SolverStepsOption),
                SolverTolerance: parseResult.GetValue(solver.SolverToleranceOption),
                Loss: LossKind.CrossEntropy,
                TrainLimit: parseResult.GetValue(trainLimit),
                Seed: parseResult.GetValue(seed),
                L2: parseResult.GetValue(l2),
                CheckpointPath: parseResult.GetValue(checkpoint) ?? Path.Combine(folder, MlpSettings.MethodPlaceholder + ".ckpt"),
                Resume: parseResult.GetValue(resume),
                Overwrite: parseResult.GetValue(overwrite),
                OutputFolder: folder,
                DataFolder: parseResult.GetValue(data) ?? FashionMnist.DefaultFolder);
            int side = 0;
            InitializationKind initKind = parseResult.GetValue(init) == "default" ? InitializationKind.Default : InitializationKind.He;
            var sample = new MlpCommand.NetworkSample(
                split =>
                {
                    TrainTestSplit<float> padded = ConvNetwork.Pad(split);
                    side = (int)Math.Round(Math.Sqrt(padded.Train.FeatureCount));
                    return padded;
                },
                () => ConvNetwork.Create(side, FashionMnist.ClassCount, initKind));
            return MlpCommand.Execute(settings, context, sample);
        });
        command.Subcommands.Add(RunsFigure.Create());
        return command;
    }

    private static Option<double> Step(string name, string description, double paper) => new(name)
    {
        Description = description + " Decimals (0.25), fractions (1/4) or powers of two (2^-2).",
        HelpName = "STEP",
        DefaultValueFactory = _ => paper,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (MlpCommand.TryParseStep(text, out double step))
                return step;
            result.AddError($"{name}: '{text}' is not a step; write a number from 1e-30 to 1e30, e.g. 0.25, 1/4 or 2^-2.");
            return 0;
        },
    };

    private static void Range(Option<int> option, int low, int high) => option.Validators.Add(result =>
    {
        if (SampleCommandLine.TryGetValue(result, out int value) && (value < low || value > high))
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name}: {value} is out of range; give {low} to {high}."));
    });
}
