using System.Diagnostics;
using System.Globalization;
using MoreauGen.Data;

namespace MoreauGen.Distributed.Tests;

/// <summary>A process that dies or fails ends the whole job with a clear error, and rank 0's last checkpoint stays whole.</summary>
public sealed class FailureTests : IDisposable
{
    private const int Steps = 6, Batch = 10, Seed = 7, FailAt = 4;
    private readonly string _folder = Directory.CreateTempSubdirectory("moreaugen-mpi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AKilledRankEndsTheJobAndLeavesTheLastCheckpointIntact()
    {
        string checkpoint = Path.Combine(_folder, "w.ckpt");
        var (exitCode, output) = MpiJob.Run(2, typeof(Program).Assembly.Location, Arguments(checkpoint, "--kill-rank", "1", "--kill-at-step", FailAt.ToString(CultureInfo.InvariantCulture)));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("rank 1", output, StringComparison.Ordinal);
        Assert.Contains("signal 9", output, StringComparison.Ordinal);
        CheckLastCheckpoint(checkpoint);
    }

    [Fact]
    public void ARankThatThrowsStopsTheOthersWithAClearError()
    {
        string checkpoint = Path.Combine(_folder, "w.ckpt");
        var (exitCode, output) = MpiJob.Run(2, typeof(Program).Assembly.Location, Arguments(checkpoint, "--throw-rank", "1", "--throw-at-step", FailAt.ToString(CultureInfo.InvariantCulture)));
        Assert.NotEqual(0, exitCode);
        Assert.Contains($"error: rank 1 of 2 failed: InvalidOperationException: injected failure at step {FailAt}", output, StringComparison.Ordinal);
        Assert.Contains("stopping all 2 processes", output, StringComparison.Ordinal);
        CheckLastCheckpoint(checkpoint);
    }

    [Fact]
    public void MissingOpenMpiIsAClearError()
    {
        var e = Assert.Throws<MpiUnavailableException>(() => MpiWorld.Initialize("libmpi-not-installed.so.40"));
        Assert.Contains("libmpi-not-installed.so.40", e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install openmpi-bin libopenmpi-dev", e.Message, StringComparison.Ordinal);

        // The same from a program: a message and exit code 3, no stack trace.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in (string[])["exec", typeof(Program).Assembly.Location, "worker", "--method", "sgd", "--mpi-library", "libmpi-not-installed.so.40"])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Equal(3, process.ExitCode);
        Assert.StartsWith("error: Open MPI's library 'libmpi-not-installed.so.40' could not be loaded", error.TrimStart(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private static string[] Arguments(string checkpoint, params string[] failure) =>
        ["worker", "--method", "sgd", "--precision", "double", "--steps", Steps.ToString(CultureInfo.InvariantCulture), "--batch",
         Batch.ToString(CultureInfo.InvariantCulture), "--seed", Seed.ToString(CultureInfo.InvariantCulture),
         "--out", checkpoint + ".txt", "--checkpoint", checkpoint, .. failure];

    /// <summary>
    /// The checkpoint loads (whole, checksum intact), was saved after the failing step's predecessor or the one before
    /// (rank 0 may be stopped while writing the later one), and holds the one-process parameters after that many steps.
    /// </summary>
    private static void CheckLastCheckpoint(string path)
    {
        double[] w = Problem.CreateChain<double>().CreateParameters();
        CheckpointInfo info = Checkpoint.Load<double>(path, Problem.Shape, w);
        int steps = int.Parse(info.Metadata["steps"], CultureInfo.InvariantCulture);
        Assert.InRange(steps, FailAt - 1, FailAt);
        var (_, expected, _, _) = Reference.Run<double>("sgd", steps, Batch, Seed, dataSteps: Steps);
        Assert.True(Reference.MaxRelativeDifference<double>(w, expected) <= DataParallelTests.DoubleTolerance);
    }
}
