using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.ConvNet;

/// <summary>
/// Training the paper's ConvNet on Fashion-MNIST with SGD and MorSGD (paper §4, App. E.1.2, E.2.2; Fig. 4 bottom).
/// <c>dotnet run -c Release --project samples/ConvNet -- --help</c> lists the options.
/// </summary>
public static class Program
{
    /// <summary>The process entry point: parses <paramref name="args"/> and runs; 0 on success (exit codes of <see cref="Mlp.MlpCommand"/>).</summary>
    public static int Main(string[] args) => Run(args);

    /// <summary>Runs the sample as the command line would, writing to <paramref name="output"/> and errors to <paramref name="error"/> (default: the console).</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where tables and progress go; null for the process's console.</param>
    /// <param name="error">Where errors go; null for standard error.</param>
    /// <param name="interrupt">Cancelled to stop as Ctrl-C does (the current step finishes, everything is saved); null: the process's Ctrl-C and SIGTERM.</param>
    public static int Run(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, CancellationToken? interrupt = null) =>
        SampleCommandLine.Run(ConvNetCommand.Create, args, output, error, interrupt);
}
