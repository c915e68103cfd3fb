using System.Globalization;
using MoreauGen.Data;
using MoreauGen.Distributed;

namespace MoreauGen.Samples.Mlp;

/// <summary>
/// The options of <c>Mlp --distributed</c> (training on several processes under mpirun; see README "Training on several
/// machines"). Defaults as in the one-process sample.
/// </summary>
/// <param name="Hidden">Hidden layer widths.</param>
/// <param name="Epochs">Epochs to train.</param>
/// <param name="BatchSize">Samples per global mini-batch, split over the processes.</param>
/// <param name="Method">SGD, exact MorSGD or averaged MorSGD.</param>
/// <param name="SgdStep">SGD's η.</param>
/// <param name="Alpha">MorSGD's α (eq. 52).</param>
/// <param name="Gamma">MorSGD's γ (eq. 52).</param>
/// <param name="L2">μ of the ℓ2 term.</param>
/// <param name="Seed">Seed of the initial parameters and of the batch order.</param>
/// <param name="TrainLimit">Train on the first N samples only, or null for all.</param>
/// <param name="MaxSteps">Steps per epoch at most (for timing runs), or null for whole epochs.</param>
/// <param name="CheckpointPath">Checkpoint written by rank 0 after every epoch, or null for none.</param>
/// <param name="DataFolder">Fashion-MNIST folder (on every machine).</param>
public sealed record DistributedSettings(int[] Hidden, int Epochs, int BatchSize, DataParallelMethod Method, double SgdStep,
                                        double Alpha, double Gamma, double L2, int Seed, int? TrainLimit, int? MaxSteps,
                                        string? CheckpointPath, string DataFolder)
{
    /// <summary>The flag that selects the distributed mode.</summary>
    public const string Flag = "--distributed";

    /// <summary>The usage text.</summary>
    public const string Usage =
        "mpirun [mpirun options] -np P dotnet Mlp.dll --distributed [--hidden 500,300,100] [--epochs 5] [--batch 256] "
        + "[--method sgd|morsgd|morsgd-averaged] [--sgd-step 0.25] [--alpha 2^-8] [--gamma 4] [--l2 1e-6] [--seed 0] "
        + "[--train-limit N] [--max-steps N] [--checkpoint FILE] [--data DIR]\n"
        + "  morsgd is exact: the P processes take the one-process MorSGD step on each global batch, up to the order of the additions.\n"
        + "  Every Φw evaluation is summed over the processes; the ReLU layers' Φx solves run on each process's rows with every\n"
        + "  scalar of the inner solver (values, inner products, line-search and stopping tests) summed, so all processes take the\n"
        + "  one-process solver's decisions. morsgd-averaged is a cheaper approximation: each process's own MorSGD direction,\n"
        + "  averaged once per step.";

    /// <summary>Parses the arguments after (or around) <see cref="Flag"/>.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="sample">Another sample's network, loss and default steps (the ConvNet's), or null for the MLP.</param>
    /// <exception cref="FormatException">An option is unknown or its value is not valid (the message says which).</exception>
    public static DistributedSettings Parse(IReadOnlyList<string> args, DistributedSample? sample = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var s = new DistributedSettings([.. MlpSettings.DefaultHidden], 5, 256, DataParallelMethod.MorSgdExact, sample?.SgdStep ?? MlpSettings.DefaultSgdStep,
                                        sample?.Alpha ?? MlpSettings.DefaultAlpha, sample?.Gamma ?? MlpSettings.DefaultGamma, MlpSettings.PaperL2, 0, null, null, null,
                                        FashionMnist.DefaultFolder);
        string usage = sample?.Usage ?? Usage;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name == Flag)
                continue;
            if (i + 1 >= args.Count)
                throw new FormatException($"{name}: a value is missing. Usage: {usage}");
            string value = args[++i];
            s = name switch
            {
                "--hidden" or "-H" when sample is not null => throw new FormatException($"{name}: the {sample.Name}'s layers are fixed; leave --hidden out. Usage: {usage}"),
                "--hidden" or "-H" => s with { Hidden = [.. value.Split(',').Select(v => Int(name, v, 1, 65536))] },
                "--epochs" or "-e" => s with { Epochs = Int(name, value, 1, 10_000) },
                "--batch" or "-b" => s with { BatchSize = Int(name, value, 1, 100_000) },
                "--method" or "-m" => s with { Method = value switch
                {
                    "sgd" => DataParallelMethod.Sgd,
                    "morsgd" => DataParallelMethod.MorSgdExact,
                    "morsgd-averaged" => DataParallelMethod.MorSgdAveraged,
                    _ => throw new FormatException($"--method: '{value}' is not a method; give sgd, morsgd or morsgd-averaged."),
                } },
                "--sgd-step" => s with { SgdStep = Step(name, value) },
                "--alpha" => s with { Alpha = Step(name, value) },
                "--gamma" => s with { Gamma = Step(name, value) },
                "--l2" => s with { L2 = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double mu) && mu >= 0 && double.IsFinite(mu)
                    ? mu : throw new FormatException($"--l2: '{value}' is not an ℓ2 weight; give a finite number ≥ 0, e.g. 1e-6.") },
                "--seed" => s with { Seed = Int(name, value, 0, int.MaxValue) },
                "--train-limit" => s with { TrainLimit = Int(name, value, 1, int.MaxValue) },
                "--max-steps" => s with { MaxSteps = Int(name, value, 1, int.MaxValue) },
                "--checkpoint" => s with { CheckpointPath = value },
                "--data" => s with { DataFolder = value },
                _ => throw new FormatException($"{name}: not an option of --distributed. Usage: {usage}"),
            };
        }

        return s;
    }

    private static int Int(string name, string text, int low, int high) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= low && value <= high
            ? value
            : throw new FormatException($"{name}: '{text}' is out of range; give an integer from {low} to {high}.");

    private static double Step(string name, string text) =>
        MlpCommand.TryParseStep(text, out double step) ? step : throw new FormatException($"{name}: '{text}' is not a step; write a number from 1e-30 to 1e30, e.g. 0.25, 1/4 or 2^-2.");
}
