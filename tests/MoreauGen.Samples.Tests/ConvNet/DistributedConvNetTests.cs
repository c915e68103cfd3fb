using MoreauGen.Data;
using MoreauGen.Distributed.Tests;
using MoreauGen.Samples.Tests.Mlp;

namespace MoreauGen.Samples.Tests.ConvNet;

/// <summary><c>ConvNet --distributed</c> under mpirun on a small synthetic data set: 2 processes train as 1 does.</summary>
public sealed class DistributedConvNetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moreaugen-convnet-mpi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Assembly => typeof(MoreauGen.Samples.ConvNet.Program).Assembly.Location;

    /// <summary>
    /// SGD, and exact MorSGD, whose convolutions' Φx are solved by the inner solver on each process's rows with every
    /// scalar summed over the processes: the parameters after 2 epochs of 2 processes are those of 1 process.
    /// </summary>
    [Theory]
    [InlineData("sgd")]
    [InlineData("morsgd")]
    public void TwoProcessesTrainTheConvNetAsOneDoes(string method)
    {
        SyntheticFashion.Write(_folder, train: 128, test: 50);
        float[] one = Train(1, method), two = Train(2, method);
        Assert.Equal(one.Length, two.Length);
        double worst = 0, moved = 0;
        for (int i = 0; i < one.Length; i++)
            worst = Math.Max(worst, Math.Abs(one[i] - two[i]) / (1 + Math.Abs(one[i])));
        float[] start = Train(1, method, epochs: "1", maxSteps: "1");
        for (int i = 0; i < one.Length; i++)
            moved = Math.Max(moved, Math.Abs(one[i] - start[i]));
        // Float re-association over 4 steps, as for the MLP (DistributedMlpTests); the training must have moved the
        // parameters much further than that, or the comparison would say nothing.
        Assert.True(worst <= 1e-4, $"the parameters of 2 and 1 processes differ by {worst:E2}");
        Assert.True(moved > 1e-2, $"training moved the parameters by only {moved:E2}");
    }

    [Fact]
    public void HiddenWidthsAreAClearErrorForTheConvNet()
    {
        var (exitCode, output) = MpiJob.Run(1, Assembly, "--distributed", "--hidden", "10");
        Assert.Equal(1, exitCode);
        Assert.Contains("--hidden: the ConvNet's layers are fixed", output, StringComparison.Ordinal);
        Assert.Contains("ConvNet.dll --distributed", output, StringComparison.Ordinal);
    }

    private float[] Train(int processes, string method, string epochs = "2", string? maxSteps = null)
    {
        string checkpoint = Path.Combine(_folder, $"p{processes}-{method}-{epochs}.ckpt");
        string[] args = ["--distributed", "--data", _folder, "--method", method, "--epochs", epochs, "--batch", "64", "--checkpoint", checkpoint,
                         .. maxSteps is null ? Array.Empty<string>() : ["--max-steps", maxSteps]];
        var (exitCode, output) = MpiJob.Run(processes, Assembly, args);
        Assert.True(exitCode == 0, $"mpirun exited with {exitCode}:\n{output}");
        Assert.Contains($"{processes} processes", output, StringComparison.Ordinal);
        Assert.Contains($"epoch {epochs}: mean batch objective", output, StringComparison.Ordinal);
        CheckpointInfo info = Checkpoint.ReadInfo(checkpoint);
        Assert.StartsWith("conv", info.Shape, StringComparison.Ordinal);
        float[] w = new float[info.ParameterCount];
        Checkpoint.Load<float>(checkpoint, info.Shape, w);
        Assert.Equal(epochs, info.Metadata["epoch"]);
        return w;
    }
}
