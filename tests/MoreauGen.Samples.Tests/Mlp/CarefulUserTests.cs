using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using MoreauGen.Data;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.Tests.Benchmarks;
using MoreauGen.Samples.Tests.Common;
using MlpProgram = MoreauGen.Samples.Mlp.Program;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// The sample as a careful user meets it, on a small synthetic data set: sizes and values refused before any work,
/// Ctrl-C that saves the step in progress and a --resume that continues it exactly, checkpoints never replaced
/// silently, output paths checked first, gunzipped data accepted, and each epoch's row printed as it ends.
/// </summary>
public sealed class CarefulUserTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _data;

    public CarefulUserTests()
    {
        _data = Path.Combine(_folder.Path, "data");
        Directory.CreateDirectory(_data);
        SyntheticFashion.Write(_data, train: 600, test: 100); // 19 batches of 32 per epoch
    }

    public void Dispose() => _folder.Dispose();

    private string[] Options(string output, params string[] changes) =>
        MlpProgramTests.Arguments(
            ["--data", _data, "--hidden", "16", "--batch", "32", "--sgd-step", "2^-3", "--alpha", "2^-3", "--gamma", "2^-2", "--epochs", "3", "--out", output],
            changes);

    [Theory]
    [InlineData("65536,65536", "one array can hold")]        // 4.3e9 parameters: more than an int counts
    [InlineData("45000,45000", "GiB of memory")]             // 2.06e9 parameters × 4 bytes × 8 copies ≈ 61 GiB
    public void Hidden_sizes_beyond_an_int_or_the_memory_are_refused_before_any_work(string hidden, string reason)
    {
        Assert.True(MemoryBudget.AvailableBytes < 60L << 30, "this machine has more than 60 GiB: the memory case would fit");
        string output = Path.Combine(_folder.Path, "never");
        foreach (var (status, stdout, stderr) in new[] { MlpProgramTests.Run(Options(output, "--hidden", hidden)), StepTimerTests.Run("mlp", "--hidden", hidden, "--data", _data) })
        {
            Assert.Equal(SampleExitCodes.BadOption, status);
            Assert.Contains($"--hidden {hidden}: ", stderr, StringComparison.Ordinal);
            Assert.Contains(reason, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Fashion-MNIST from", stdout, StringComparison.Ordinal); // the data was never read
            Assert.False(Directory.Exists(output));
        }
    }

    [Fact]
    public void A_batch_whose_activations_overflow_is_refused_in_training_and_in_the_step_timer()
    {
        foreach (var (status, _, stderr) in new[] { MlpProgramTests.Run(Options(Path.Combine(_folder.Path, "never"), "--hidden", "65536", "--batch", "100000")), StepTimerTests.Run("mlp", "--hidden", "65536", "--batch", "100000") })
        {
            Assert.Equal(SampleExitCodes.BadOption, status);
            Assert.Contains("the activations of a batch number", stderr, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--data")]
    [InlineData("--checkpoint")]
    public void An_empty_path_is_a_bad_option_not_an_internal_error(string option)
    {
        string[] args = option == "--data" ? ["--data", ""] : ["--data", _data, option, ""];
        var (status, _, stderr) = MlpProgramTests.Run(args);

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains($"{option}: the path is empty", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--sgd-step", "NaN")]
    [InlineData("--sgd-step", "Infinity")]
    [InlineData("--alpha", "0")]
    [InlineData("--gamma", "abc")]
    [InlineData("--l2", "NaN")]
    [InlineData("--l2", "Infinity")]
    [InlineData("--epochs", "-3")]
    [InlineData("--batch", "1e3")]
    [InlineData("--resume", "--overwrite")]
    public void A_bad_value_is_one_line_and_exit_1_before_any_work(string option, string value)
    {
        string output = Path.Combine(_folder.Path, "never");
        var (status, _, stderr) = MlpProgramTests.Run([.. Options(output), option, value]);

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains(option, stderr.Split('\n')[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_train_limit_above_the_training_set_is_an_error_not_quietly_cut()
    {
        string output = Path.Combine(_folder.Path, "out");
        AssertRefusedBeforeAnyWork(SampleExitCodes.BadOption, MlpProgramTests.Run(Options(output, "--train-limit", "601")),
                                   "--train-limit: 601 is out of range", "has 600 samples");
        Assert.Empty(Directory.GetFiles(output));
    }

    [Fact]
    public void An_existing_checkpoint_is_never_replaced_without_resume_or_overwrite()
    {
        string output = Path.Combine(_folder.Path, "out");
        Assert.Equal(0, MlpProgramTests.Run(Options(output, "--method", "sgd", "--epochs", "2")).Status);
        string path = Path.Combine(output, "sgd.ckpt");
        byte[] before = File.ReadAllBytes(path);

        AssertRefusedBeforeAnyWork(SampleExitCodes.OutputError, MlpProgramTests.Run(Options(output, "--method", "sgd", "--epochs", "1")),
                                   $"Checkpoint '{path}' exists (epoch 2 of an earlier run)", "--resume", "--overwrite");
        Assert.Equal(before, File.ReadAllBytes(path));

        var (replaced, _, replacedError) = MlpProgramTests.Run(Options(output, "--method", "sgd", "--epochs", "1", "--overwrite"));
        Assert.True(replaced == 0, replacedError);
        Assert.Equal("1", Checkpoint.ReadInfo(path).Metadata["epoch"]);
    }

    [Fact]
    public void An_unwritable_checkpoint_path_is_reported_before_the_data_is_read()
    {
        string file = Path.Combine(_folder.Path, "a-file");
        File.WriteAllText(file, "");
        string output = Path.Combine(_folder.Path, "out");
        AssertRefusedBeforeAnyWork(SampleExitCodes.OutputError, MlpProgramTests.Run(Options(output, "--checkpoint", Path.Combine(file, "{method}.ckpt"))),
                                   "Cannot write", "--checkpoint");
        Assert.Empty(Directory.GetFiles(output));
    }

    [Fact]
    public void Gunzipped_idx_files_are_accepted()
    {
        foreach (string name in new[] { FashionMnist.TrainImagesFile, FashionMnist.TrainLabelsFile, FashionMnist.TestImagesFile, FashionMnist.TestLabelsFile })
        {
            string gz = Path.Combine(_data, name);
            using (var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
            using (FileStream plain = File.Create(gz[..^3]))
                input.CopyTo(plain);
            File.Delete(gz);
        }

        var (status, stdout, stderr) = MlpProgramTests.Run(Options(Path.Combine(_folder.Path, "out"), "--epochs", "1", "--method", "sgd"));

        Assert.True(status == 0, stderr);
        Assert.Contains("600 training and 100 test images of 64 pixels", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_epochs_row_is_printed_when_the_epoch_ends_not_at_the_end_of_the_run()
    {
        var (status, stdout, stderr) = MlpProgramTests.Run(Options(Path.Combine(_folder.Path, "out"), "--method", "sgd"));

        Assert.True(status == 0, stderr);
        string[] lines = stdout.Split('\n');
        int row1 = Array.FindIndex(lines, l => l.StartsWith("sgd ", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4] == "1");
        int epoch2 = Array.FindIndex(lines, l => l.StartsWith("SGD: epoch 2/3", StringComparison.Ordinal));
        Assert.True(row1 >= 0 && epoch2 > row1, $"the row of epoch 1 (line {row1}) must come before the progress of epoch 2 (line {epoch2}):\n{stdout}");
    }

    [Fact]
    public void Ctrl_C_in_an_epoch_saves_the_finished_steps_and_resume_continues_them_exactly()
    {
        string straight = Path.Combine(_folder.Path, "straight");
        string split = Path.Combine(_folder.Path, "split");
        Assert.Equal(0, MlpProgramTests.Run(Options(straight)).Status);

        // The plain progress line at 40% of SGD's 57 steps comes in epoch 2: the request is seen at the next batch.
        using var stdout = new TriggerWriter("SGD: epoch 2/3: 40%");
        var stderr = new StringWriter();
        int status = MlpProgram.Run(Options(split), stdout, stderr, stdout.Interrupt);

        Assert.Equal(SampleExitCodes.Interrupted, status);
        string message = stderr.ToString();
        Assert.Contains("Interrupted: SGD: 1 of 3 epochs done and ", message, StringComparison.Ordinal);
        Assert.Contains("batches of epoch 2, saved in", message, StringComparison.Ordinal);
        Assert.Contains("MorSGD not started", message, StringComparison.Ordinal);
        Assert.Contains("--resume", message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(split, "epochs.csv")));
        Assert.True(File.Exists(Path.Combine(split, "curves.png")));
        Assert.False(File.Exists(Path.Combine(split, "morsgd.ckpt")));
        Assert.Equal(2, CsvTable.Load(Path.Combine(split, "epochs.csv")).RowCount); // epochs 0 and 1
        Assert.True(Checkpoint.ReadInfo(Path.Combine(split, "sgd.ckpt")).Metadata.ContainsKey("batches-done"));

        var (resumed, _, resumedError) = MlpProgramTests.Run([.. Options(split), "--resume"]);

        Assert.True(resumed == 0, resumedError);
        AssertSameRun(straight, split);
    }

    [Fact]
    public async Task A_real_SIGINT_to_the_process_saves_what_is_finished_and_resume_completes_the_run()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGINT is a POSIX signal");
        // Long enough that the signal, sent at the first progress line (10% of the steps), lands while SGD still
        // trains on an idle machine too: an epoch of this small run takes milliseconds.
        const string Epochs = "1000";
        string straight = Path.Combine(_folder.Path, "straight");
        string split = Path.Combine(_folder.Path, "split");
        Assert.Equal(0, MlpProgramTests.Run(Options(straight, "--epochs", Epochs)).Status);

        // perl (part of every Debian base system) restores SIGINT's default action before it execs the sample: a test
        // runner started in the background inherits SIGINT ignored, and .NET installs no handler for an ignored SIGINT.
        var start = new ProcessStartInfo("perl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\\n\";");
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mlp.dll"));
        foreach (string arg in Options(split, "--epochs", Epochs))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string? line;
        var output = new System.Text.StringBuilder();
        while ((line = await process.StandardOutput.ReadLineAsync()) is not null)
        {
            output.AppendLine(line);
            if (line.StartsWith("SGD: epoch ", StringComparison.Ordinal)) // a progress line: SGD is training
            {
                Assert.Equal(0, Kill(process.Id, SigInt));
                break;
            }
        }

        output.Append(await process.StandardOutput.ReadToEndAsync());
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            await process.WaitForExitAsync(timeout.Token); // throws if the process does not stop after SIGINT
        string stderr = await error;
        Assert.True(process.ExitCode == SampleExitCodes.Interrupted, $"exit {process.ExitCode}\n{output}\n{stderr}");
        Assert.Contains("Interrupted: finishing the current step", stderr, StringComparison.Ordinal);
        Assert.Contains("--resume", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(split, "sgd.ckpt")));
        Assert.True(File.Exists(Path.Combine(split, "epochs.csv")));

        var (resumed, _, resumedError) = MlpProgramTests.Run([.. Options(split, "--epochs", Epochs), "--resume"]);
        Assert.True(resumed == 0, resumedError);
        AssertSameRun(straight, split);
    }

    /// <summary>The run ended with <paramref name="expected"/> and a one-line message holding <paramref name="messages"/>, before reading the data.</summary>
    private static void AssertRefusedBeforeAnyWork(int expected, (int Status, string Stdout, string Stderr) run, params string[] messages)
    {
        Assert.Equal(expected, run.Status);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (string message in messages)
            Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Fashion-MNIST from", run.Stdout, StringComparison.Ordinal); // the data was never read
    }

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Both methods' final parameters equal bit for bit, and the per-epoch losses and accuracies match.</summary>
    private static void AssertSameRun(string expectedFolder, string actualFolder)
    {
        foreach (string method in new[] { "sgd", "morsgd" })
        {
            CheckpointInfo info = Checkpoint.ReadInfo(Path.Combine(expectedFolder, method + ".ckpt"));
            var expected = new float[info.ParameterCount];
            var actual = new float[info.ParameterCount];
            Checkpoint.Load<float>(Path.Combine(expectedFolder, method + ".ckpt"), info.Shape, expected);
            Checkpoint.Load<float>(Path.Combine(actualFolder, method + ".ckpt"), info.Shape, actual);
            Assert.Equal(expected, actual);
        }

        CsvTable a = CsvTable.Load(Path.Combine(expectedFolder, "epochs.csv"));
        CsvTable b = CsvTable.Load(Path.Combine(actualFolder, "epochs.csv"));
        Assert.Equal(a.RowCount, b.RowCount);
        foreach (string column in new[] { "method", "epoch", "train_loss", "test_accuracy_pct", "best_test_accuracy_pct" })
        {
            for (int r = 0; r < a.RowCount; r++)
                Assert.Equal(a.Cell(r, column), b.Cell(r, column));
        }
    }
}
