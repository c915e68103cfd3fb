using Xunit.Abstractions;

namespace MoreauGen.Distributed.Tests;

/// <summary>Runs this assembly's worker (<see cref="Program"/>) under mpirun and reads what its rank 0 wrote.</summary>
internal static class Worker
{
    /// <summary>Runs "worker <paramref name="arguments"/>" as <paramref name="processes"/> processes, writing its result under <paramref name="folder"/>.</summary>
    public static WorkerResult Run(string folder, ITestOutputHelper output, int processes, params string[] arguments)
    {
        string file = Path.Combine(folder, $"{Guid.NewGuid():N}.txt");
        var (exitCode, text) = MpiJob.Run(processes, typeof(Program).Assembly.Location, ["worker", .. arguments, "--out", file]);
        Assert.True(exitCode == 0, $"mpirun exited with {exitCode}:\n{text}");
        var result = Reference.ReadResult(file);
        output.WriteLine($"{processes} processes, {string.Join(' ', arguments)}: {result.Sums} allreduces ({result.ScalarReductions} of solver scalars); " +
                         $"solver iterations per rank {string.Join(", ", result.Iterations)}, evaluations {string.Join(", ", result.Evaluations)}");
        return result;
    }
}
