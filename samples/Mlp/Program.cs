using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Mlp;

/// <summary>
/// Training an MLP classifier on Fashion-MNIST with SGD and MorSGD (paper §4, App. E.1.2, E.2.2; Fig. 4).
/// <c>dotnet run -c Release --project samples/Mlp -- --help</c> lists the options.
/// </summary>
public static class Program
{
    /// <summary>The process entry point: parses <paramref name="args"/> and runs; 0 on success (see <see cref="MlpCommand"/> for the other exit codes).</summary>
    /// <remarks>With <c>--distributed</c> (under mpirun), <see cref="DistributedTraining"/> runs instead.</remarks>
    public static int Main(string[] args) => args.Contains(DistributedSettings.Flag) ? DistributedTraining.Run(args) : Run(args);

    /// <summary>
    /// Runs the sample as the command line would, writing tables, progress and help to <paramref name="output"/> and
    /// errors to <paramref name="error"/> (default: the process's console and standard error).
    /// </summary>
    /// <returns>0 on success; 1 for a bad option (the message says which and why); otherwise an exit code of <see cref="MlpCommand"/>.</returns>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where tables and progress go; null for the process's console.</param>
    /// <param name="error">Where errors go; null for standard error.</param>
    /// <param name="interrupt">Cancelled to stop as Ctrl-C does (the current step finishes, everything is saved); null: the process's Ctrl-C and SIGTERM.</param>
    public static int Run(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, CancellationToken? interrupt = null) =>
        SampleCommandLine.Run(MlpCommand.Create, args, output, error, interrupt);
}
