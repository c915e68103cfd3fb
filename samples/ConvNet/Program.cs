using MoreauGen.Data;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.ConvNet;

/// <summary>
/// Training the paper's ConvNet on Fashion-MNIST with SGD and MorSGD (paper §4, App. E.1.2, E.2.2; Fig. 4 bottom).
/// <c>dotnet run -c Release --project samples/ConvNet -- --help</c> lists the options.
/// </summary>
public static class Program
{
    /// <summary>The process entry point: parses <paramref name="args"/> and runs; 0 on success (exit codes of <see cref="Mlp.MlpCommand"/>).</summary>
    /// <remarks>With <c>--distributed</c> (under mpirun), the MLP sample's <see cref="DistributedTraining"/> trains this network.</remarks>
    public static int Main(string[] args) => args.Contains(DistributedSettings.Flag) ? DistributedTraining.Run(args, Distributed()) : Run(args);

    /// <summary>The usage of <c>ConvNet --distributed</c>.</summary>
    public const string DistributedUsage =
        "mpirun [mpirun options] -np P dotnet ConvNet.dll --distributed [--epochs 5] [--batch 256] "
        + "[--method sgd|morsgd|morsgd-averaged] [--sgd-step 2^-3] [--alpha 2^-1] [--gamma 2^-1] [--l2 1e-6] [--seed 0] "
        + "[--train-limit N] [--max-steps N] [--checkpoint FILE] [--data DIR]\n"
        + "  The paper's ConvNet (three convolutions with ReLU and pooling, then an affine layer; cross-entropy loss) on the\n"
        + "  images padded to a multiple of 8. morsgd is exact: the P processes take the one-process MorSGD step on each global\n"
        + "  batch, up to the order of the additions (every Φw evaluation and every inner-solver scalar of the Φx solves is\n"
        + "  summed over the processes). morsgd-averaged averages each process's own MorSGD direction once per step.";

    /// <summary>This sample's network, loss and the paper's steps for <c>--distributed</c>.</summary>
    public static DistributedSample Distributed()
    {
        int side = 0;
        var network = new MlpCommand.NetworkSample(
            split =>
            {
                TrainTestSplit<float> padded = ConvNetwork.Pad(split);
                side = (int)Math.Round(Math.Sqrt(padded.Train.FeatureCount));
                return padded;
            },
            () => ConvNetwork.Create(side, FashionMnist.ClassCount));
        return new DistributedSample("ConvNet", network, LossKind.CrossEntropy, ConvNetCommand.PaperSgdStep, ConvNetCommand.PaperAlpha,
                                     ConvNetCommand.PaperGamma, DistributedUsage);
    }

    /// <summary>Runs the sample as the command line would, writing to <paramref name="output"/> and errors to <paramref name="error"/> (default: the console).</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where tables and progress go; null for the process's console.</param>
    /// <param name="error">Where errors go; null for standard error.</param>
    /// <param name="interrupt">Cancelled to stop as Ctrl-C does (the current step finishes, everything is saved); null: the process's Ctrl-C and SIGTERM.</param>
    public static int Run(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, CancellationToken? interrupt = null) =>
        SampleCommandLine.Run(ConvNetCommand.Create, args, output, error, interrupt);
}
