using MoreauGen.Samples.Common;

namespace MoreauGen.Benchmarks.Timing;

/// <summary>
/// Times the samples' training steps: <c>dotnet run -c Release --project benchmarks/StepTimer -- mlp</c> (or
/// <c>convnet</c>); <c>--help</c> lists the options.
/// </summary>
public static class Program
{
    /// <summary>The process entry point: parses <paramref name="args"/> and runs; 0 on success (<see cref="StepTimerCommand"/> lists the other exit codes).</summary>
    public static int Main(string[] args) => Run(args);

    /// <summary>Runs as the command line would, writing tables to <paramref name="output"/> and errors to <paramref name="error"/> (default: the console).</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where tables go; null for the process's console.</param>
    /// <param name="error">Where errors go; null for standard error.</param>
    public static int Run(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null) =>
        SampleCommandLine.Run(StepTimerCommand.Create, args, output, error, interrupt: null);
}
