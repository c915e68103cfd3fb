using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Pendulum;

/// <summary>
/// Swinging up a pendulum with GD and MorGD (paper §4, App. E.1.1, E.2.2; Fig. 3).
/// <c>dotnet run -c Release --project samples/Pendulum -- --help</c> lists the options.
/// </summary>
public static class Program
{
    /// <summary>The process entry point: parses <paramref name="args"/> and runs; 0 on success, non-zero on a bad option or an unusable output folder.</summary>
    public static int Main(string[] args) => Run(args);

    /// <summary>
    /// Runs the sample as the command line would, writing tables, progress and help to <paramref name="output"/> and
    /// errors to <paramref name="error"/> (default: the process's console and standard error).
    /// </summary>
    /// <returns>0 on success; otherwise a code of <see cref="SampleExitCodes"/>: 1 bad option, 2 output folder unusable, 5 diverged, 130 interrupted.</returns>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where tables and progress go; null for the process's console.</param>
    /// <param name="error">Where errors go; null for standard error.</param>
    /// <param name="interrupt">Cancelled to stop as Ctrl-C does (the finished runs are written); null: the process's Ctrl-C and SIGTERM.</param>
    public static int Run(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, CancellationToken? interrupt = null) =>
        SampleCommandLine.Run(PendulumCommand.Create, args, output, error, interrupt);
}
