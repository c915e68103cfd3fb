using System.Globalization;
using MoreauGen.Data;
using MoreauGen.Distributed.Tests;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary><c>Mlp --distributed</c> under mpirun on a small synthetic data set: 2 processes train as 1 does.</summary>
public sealed class DistributedMlpTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moreaugen-mlp-mpi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// SGD, and exact MorSGD with two ReLU hidden layers (the second one's Φx is solved by the inner solver on each
    /// process's rows, its scalars summed over the processes).
    /// </summary>
    [Theory]
    [InlineData("sgd", "16")]
    [InlineData("morsgd", "16,12")]
    public void TwoProcessesTrainTheSampleAsOneDoes(string method, string hidden)
    {
        SyntheticFashion.Write(_folder, train: 256, test: 100);
        float[] one = Train(1, method, hidden), two = Train(2, method, hidden);
        double worst = 0;
        for (int i = 0; i < one.Length; i++)
            worst = Math.Max(worst, Math.Abs(one[i] - two[i]) / (1 + Math.Abs(one[i])));
        // Float re-association over 8 steps (tests/MoreauGen.Distributed.Tests measures 4e-8 (SGD) and 2e-7 (MorSGD) after 6).
        Assert.True(worst <= 1e-4, $"the parameters of 2 and 1 processes differ by {worst:E2}");
    }

    [Fact]
    public void ABadOptionIsAClearError()
    {
        var (exitCode, output) = MpiJob.Run(1, typeof(MoreauGen.Samples.Mlp.Program).Assembly.Location, "--distributed", "--method", "adam");
        Assert.Equal(1, exitCode);
        Assert.Contains("--method: 'adam' is not a method; give sgd, morsgd or morsgd-averaged.", output, StringComparison.Ordinal);
    }

    private float[] Train(int processes, string method, string hidden)
    {
        string checkpoint = Path.Combine(_folder, $"p{processes}.ckpt");
        var (exitCode, output) = MpiJob.Run(processes, typeof(MoreauGen.Samples.Mlp.Program).Assembly.Location, "--distributed",
            "--data", _folder, "--hidden", hidden, "--method", method, "--epochs", "2", "--batch", "64", "--checkpoint", checkpoint);
        Assert.True(exitCode == 0, $"mpirun exited with {exitCode}:\n{output}");
        Assert.Contains($"{processes} processes", output, StringComparison.Ordinal);
        Assert.Contains("epoch 2: mean batch objective", output, StringComparison.Ordinal);
        int[] widths = [SyntheticFashion.Pixels, .. hidden.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)), SyntheticFashion.Classes];
        float[] w = new float[widths.Zip(widths.Skip(1), (a, b) => a * b + b).Sum()];
        CheckpointInfo info = Checkpoint.Load<float>(checkpoint, Checkpoint.ShapeOf(widths), w);
        Assert.Equal("2", info.Metadata["epoch"]);
        return w;
    }
}
