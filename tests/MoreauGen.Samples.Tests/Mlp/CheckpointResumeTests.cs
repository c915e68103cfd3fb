using MoreauGen.Data;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.Tests.Common;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// The sample's use of checkpoints: a run resumed from its checkpoint continues exactly where it stopped, and a
/// checkpoint that is corrupt, for another network or saved with other settings is refused with a message and left
/// as it was; a missing one starts afresh. (The checkpoint format itself is tested in the runtime's tests.)
/// </summary>
public sealed class CheckpointResumeTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _data;

    public CheckpointResumeTests()
    {
        _data = Path.Combine(_folder.Path, "data");
        Directory.CreateDirectory(_data);
        SyntheticFashion.Write(_data, train: 300, test: 100);
    }

    public void Dispose() => _folder.Dispose();

    private string[] Options(string output, int epochs, params string[] changes) =>
        MlpProgramTests.Arguments(
            ["--data", _data, "--hidden", "16", "--batch", "32", "--sgd-step", "2^-3", "--alpha", "2^-3", "--gamma", "2^-2",
             "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", output], changes);

    [Fact]
    public void Two_epochs_then_two_resumed_epochs_give_the_parameters_and_history_of_four_epochs_in_one_run()
    {
        string straight = Path.Combine(_folder.Path, "straight");
        string split = Path.Combine(_folder.Path, "split");
        Assert.Equal(0, MlpProgramTests.Run(Options(straight, 4)).Status);
        Assert.Equal(0, MlpProgramTests.Run(Options(split, 2)).Status);
        var (status, stdout, stderr) = MlpProgramTests.Run(Options(split, 4, "--resume"));

        Assert.True(status == 0, stderr);
        Assert.Contains("resumed from epoch 2", stdout, StringComparison.Ordinal);
        foreach (string method in new[] { "sgd", "morsgd" })
        {
            float[] expected = Load(Path.Combine(straight, method + ".ckpt"), out CheckpointInfo straightInfo);
            float[] actual = Load(Path.Combine(split, method + ".ckpt"), out CheckpointInfo splitInfo);
            Assert.Equal(expected, actual); // same batches in the same order from the same parameters: bit for bit
            Assert.Equal("4", splitInfo.Metadata["epoch"]);
            Assert.Equal(straightInfo.Metadata["method"], splitInfo.Metadata["method"]);
        }

        CsvTable a = CsvTable.Load(Path.Combine(straight, "epochs.csv"));
        CsvTable b = CsvTable.Load(Path.Combine(split, "epochs.csv"));
        Assert.Equal(a.RowCount, b.RowCount);
        foreach (string column in new[] { "method", "epoch", "train_loss", "best_train_loss", "test_accuracy_pct", "best_test_accuracy_pct" })
        {
            for (int r = 0; r < a.RowCount; r++)
                Assert.Equal(a.Cell(r, column), b.Cell(r, column));
        }
    }

    [Fact]
    public void A_corrupted_checkpoint_is_refused_with_exit_4_and_left_untouched()
    {
        string output = Path.Combine(_folder.Path, "out");
        Assert.Equal(0, MlpProgramTests.Run(Options(output, 1, "--method", "sgd")).Status);
        string path = Path.Combine(output, "sgd.ckpt");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40; // one flipped bit among the parameters
        File.WriteAllBytes(path, bytes);

        var (status, _, stderr) = MlpProgramTests.Run(Options(output, 2, "--method", "sgd", "--resume"));

        Assert.Equal(4, status);
        Assert.Contains("corrupt", stderr, StringComparison.Ordinal);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_truncated_checkpoint_is_refused_with_exit_4()
    {
        string output = Path.Combine(_folder.Path, "out");
        Assert.Equal(0, MlpProgramTests.Run(Options(output, 1, "--method", "sgd")).Status);
        string path = Path.Combine(output, "sgd.ckpt");
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var (status, _, stderr) = MlpProgramTests.Run(Options(output, 2, "--method", "sgd", "--resume"));

        Assert.Equal(4, status);
        Assert.Contains("truncated", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_of_another_network_is_refused_with_exit_4_and_left_untouched()
    {
        string output = Path.Combine(_folder.Path, "out");
        Assert.Equal(0, MlpProgramTests.Run(Options(output, 1, "--method", "morsgd")).Status);
        string path = Path.Combine(output, "morsgd.ckpt");
        byte[] before = File.ReadAllBytes(path);

        var (status, _, stderr) = MlpProgramTests.Run(Options(output, 2, "--method", "morsgd", "--resume", "--hidden", "12"));

        Assert.Equal(4, status);
        Assert.Contains("was saved for network '64-16-10'", stderr, StringComparison.Ordinal);
        Assert.Contains("'64-12-10'", stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_checkpoint_saved_with_other_settings_is_refused_and_the_message_names_them()
    {
        string output = Path.Combine(_folder.Path, "out");
        Assert.Equal(0, MlpProgramTests.Run(Options(output, 1, "--method", "sgd")).Status);

        var (status, _, stderr) = MlpProgramTests.Run(Options(output, 2, "--method", "sgd", "--resume", "--sgd-step", "2^-2", "--seed", "3"));

        Assert.Equal(4, status);
        Assert.Contains("sgd-step 0.125 (this run: 0.25)", stderr, StringComparison.Ordinal);
        Assert.Contains("seed 0 (this run: 3)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Resuming_continues_the_method_that_has_a_checkpoint_and_starts_the_one_that_has_none()
    {
        string output = Path.Combine(_folder.Path, "out");
        Assert.Equal(0, MlpProgramTests.Run(Options(output, 1, "--method", "sgd")).Status);
        var (status, stdout, stderr) = MlpProgramTests.Run(Options(output, 2, "--resume"));

        Assert.True(status == 0, stderr);
        Assert.Contains("MorSGD: no checkpoint at", stdout, StringComparison.Ordinal);
        Assert.Contains("starting afresh", stdout, StringComparison.Ordinal);
        Assert.Contains("resumed from epoch 1", stdout, StringComparison.Ordinal);
        Assert.Equal("2", Checkpoint.ReadInfo(Path.Combine(output, "sgd.ckpt")).Metadata["epoch"]);
        Assert.Equal("2", Checkpoint.ReadInfo(Path.Combine(output, "morsgd.ckpt")).Metadata["epoch"]);
    }

    [Fact]
    public void A_checkpoint_path_with_the_method_placeholder_gets_one_file_per_method()
    {
        string output = Path.Combine(_folder.Path, "out");
        string pattern = Path.Combine(_folder.Path, "saved", "net-{method}.bin");
        var (status, _, stderr) = MlpProgramTests.Run(Options(output, 1, "--checkpoint", pattern));

        Assert.True(status == 0, stderr);
        Assert.Equal(["net-morsgd.bin", "net-sgd.bin"], Directory.GetFiles(Path.Combine(_folder.Path, "saved")).Select(Path.GetFileName).Order());
    }

    private static float[] Load(string path, out CheckpointInfo info)
    {
        info = Checkpoint.ReadInfo(path);
        var w = new float[info.ParameterCount];
        Checkpoint.Load<float>(path, info.Shape, w);
        return w;
    }
}
