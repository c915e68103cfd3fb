using System.Globalization;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.Tests.Common;
using MlpProgram = MoreauGen.Samples.Mlp.Program;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// The sample's entry point trained on a small synthetic data set written in Fashion-MNIST's files: the accuracy it
/// reaches, its CSV and PNG, its help and its errors.
/// </summary>
public sealed class MlpProgramTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly TempFolder _folder = new();
    private readonly string _data;

    public MlpProgramTests()
    {
        _data = Path.Combine(_folder.Path, "data");
        Directory.CreateDirectory(_data);
        SyntheticFashion.Write(_data);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Options of a small, fast run on the synthetic data (64 → 32 → 10, batches of 32), with <paramref name="changes"/> (option, value, …) replacing or adding options.</summary>
    private string[] Small(string output, params string[] changes) =>
        Arguments(["--data", _data, "--hidden", "32", "--batch", "32", "--sgd-step", "2^-3", "--alpha", "2^-3", "--gamma", "2^-2", "--out", output], changes);

    /// <summary><paramref name="defaults"/> (option, value pairs, or a lone flag) with the options of <paramref name="changes"/> replaced or added.</summary>
    internal static string[] Arguments(string[] defaults, string[] changes)
    {
        var result = new List<string>(defaults);
        for (int i = 0; i < changes.Length; i++)
        {
            bool hasValue = i + 1 < changes.Length && !changes[i + 1].StartsWith("--", StringComparison.Ordinal);
            int at = result.IndexOf(changes[i]);
            if (at >= 0 && hasValue)
                result[at + 1] = changes[i + 1];
            else
                result.AddRange(hasValue ? [changes[i], changes[i + 1]] : [changes[i]]);
            if (hasValue)
                i++;
        }

        return [.. result];
    }

    [Fact]
    public void Both_methods_reach_90_percent_test_accuracy_on_the_synthetic_set_and_write_the_csv_and_the_figure()
    {
        string output = Path.Combine(_folder.Path, "out");
        var (status, stdout, stderr) = Run(Small(output, "--epochs", "6"));

        Assert.True(status == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("600 training and 200 test images of 64 pixels", stdout, StringComparison.Ordinal);
        Assert.Contains("64-32-10, squared loss, batch 32", stdout, StringComparison.Ordinal);

        string csvPath = Path.Combine(output, "epochs.csv");
        Assert.Equal(string.Join(',', MoreauGen.Samples.Mlp.Report.EpochsHeader), File.ReadLines(csvPath).First());
        CsvTable csv = CsvTable.Load(csvPath);
        Assert.Equal(2 * 7, csv.RowCount); // epochs 0..6 for each method
        foreach (string method in new[] { "sgd", "morsgd" })
        {
            int[] rows = [.. Enumerable.Range(0, csv.RowCount).Where(r => csv.Cell(r, "method") == method)];
            Assert.Equal(Enumerable.Range(0, 7), rows.Select(r => int.Parse(csv.Cell(r, "epoch"), CultureInfo.InvariantCulture)));
            double bestLoss = double.PositiveInfinity, bestAccuracy = 0;
            foreach (int r in rows)
            {
                bestLoss = Math.Min(bestLoss, csv.GetDouble(r, "train_loss"));
                bestAccuracy = Math.Max(bestAccuracy, csv.GetDouble(r, "test_accuracy_pct"));
                Assert.Equal(bestLoss, csv.GetDouble(r, "best_train_loss"));
                Assert.Equal(bestAccuracy, csv.GetDouble(r, "best_test_accuracy_pct"));
            }

            // Chance is 10%; both methods must learn the classes.
            // Percentages, as on screen and in the plot.
            Assert.True(csv.GetDouble(rows[0], "test_accuracy_pct") < 30, $"{method} starts at {csv.Cell(rows[0], "test_accuracy_pct")}%");
            double final = csv.GetDouble(rows[^1], "test_accuracy_pct");
            Assert.True(final >= 90, $"{method} reached only {final}% test accuracy after 6 epochs");
            Assert.True(csv.GetDouble(rows[^1], "train_loss") < 0.5 * csv.GetDouble(rows[0], "train_loss"));
            Assert.True(File.Exists(Path.Combine(output, method + ".ckpt")));
        }

        Assert.Equal(0.125, csv.GetDouble(0, "step"));
        Assert.Equal("", csv.Cell(0, "gamma"));
        Assert.Equal(PngSignature, File.ReadAllBytes(Path.Combine(output, "curves.png"))[..8]);
    }

    [Fact]
    public void Cross_entropy_training_also_learns()
    {
        string output = Path.Combine(_folder.Path, "out");
        var (status, _, stderr) = Run(Small(output, "--epochs", "4", "--loss", "cross-entropy", "--sgd-step", "2^-1", "--alpha", "2^-1"));

        Assert.True(status == 0, stderr);
        CsvTable csv = CsvTable.Load(Path.Combine(output, "epochs.csv"));
        foreach (string method in new[] { "sgd", "morsgd" })
        {
            int last = Enumerable.Range(0, csv.RowCount).Last(r => csv.Cell(r, "method") == method);
            Assert.True(csv.GetDouble(last, "test_accuracy_pct") >= 90, $"{method}: {csv.Cell(last, "test_accuracy_pct")}%");
        }
    }

    [Fact]
    public void Numbers_are_written_in_the_invariant_culture_whatever_the_users_locale()
    {
        string output = Path.Combine(_folder.Path, "out");
        int status;
        using (new CultureScope())
            (status, _, _) = Run(Small(output, "--epochs", "1", "--method", "sgd"));

        Assert.Equal(0, status);
        string[] lines = File.ReadAllLines(Path.Combine(output, "epochs.csv"));
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("sgd,0.125,,0,", lines[1], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.DoesNotContain('\u2212', line));
    }

    [Fact]
    public void A_training_run_that_overflows_exits_5_says_where_and_lists_only_files_that_exist()
    {
        string output = Path.Combine(_folder.Path, "out");
        var (status, stdout, stderr) = Run(Small(output, "--epochs", "2", "--method", "sgd", "--sgd-step", "2^20"));

        Assert.Equal(SampleExitCodes.Diverged, status);
        Assert.Contains("SGD stopped in epoch 1 at batch", stdout, StringComparison.Ordinal);
        Assert.Contains("non-finite value", stdout, StringComparison.Ordinal);
        Assert.Contains("SGD diverged", stderr, StringComparison.Ordinal);
        Assert.Contains("--sgd-step", stderr, StringComparison.Ordinal);
        Assert.Equal(1, CsvTable.Load(Path.Combine(output, "epochs.csv")).RowCount); // epoch 0 only
        Assert.False(File.Exists(Path.Combine(output, "sgd.ckpt"))); // no epoch completed, nothing saved
        Assert.DoesNotContain("sgd.ckpt", stdout, StringComparison.Ordinal);  // and none is listed
        Assert.Contains("epochs.csv", stdout, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // one line, no stack trace
    }

    [Theory]
    [InlineData("--method", "adam")]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "0x")] // not a number: the validator must not throw
    [InlineData("--batch", "1.5")]
    [InlineData("--train-limit", "all")]
    [InlineData("--solver-tolerance", "tiny")]
    [InlineData("--l2", "none")]
    [InlineData("--batch", "0")]
    [InlineData("--hidden", "32,,8")]
    [InlineData("--hidden", "wide")]
    [InlineData("--hidden", "0")]
    [InlineData("--sgd-step", "-1")]
    [InlineData("--alpha", "2^x")]
    [InlineData("--gamma", "0")]
    [InlineData("--loss", "hinge")]
    [InlineData("--solver", "newton")]
    [InlineData("--solver-steps", "3")] // with the default two-step solver, which has none
    [InlineData("--train-limit", "0")]
    [InlineData("--seed", "-1")]
    [InlineData("--l2", "-1e-6")]
    [InlineData("--checkpoint", "one-file.ckpt")] // both methods would share it
    [InlineData("--no-such-option")]
    public void A_bad_option_exits_non_zero_with_a_message_naming_it(params string[] bad)
    {
        string output = Path.Combine(_folder.Path, "never");
        var (status, stdout, stderr) = Run([.. bad, "--data", _data, "--out", output]);

        Assert.Equal(1, status);
        Assert.Contains(bad[0], stderr, StringComparison.Ordinal);
        Assert.Contains("Run with --help", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Options:", stdout, StringComparison.Ordinal); // a hint, not the whole help
        Assert.False(Directory.Exists(output)); // nothing ran
    }

    [Fact]
    public void A_missing_data_set_exits_with_3_and_says_how_to_install_it()
    {
        string empty = Path.Combine(_folder.Path, "empty");
        Directory.CreateDirectory(empty);
        var (status, _, stderr) = Run("--data", empty, "--out", Path.Combine(_folder.Path, "out"));

        Assert.Equal(3, status);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(empty, "train-images-idx3-ubyte.gz"), stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_path_that_is_a_file_exits_with_2_and_says_what_to_do()
    {
        string file = _folder.File("taken");
        File.WriteAllText(file, "");
        var (status, _, stderr) = Run("--data", _data, "--out", file);

        Assert.Equal(2, status);
        Assert.Contains("is a file, not a folder", stderr, StringComparison.Ordinal);
        Assert.Contains("--out", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_explains_every_option_and_the_conventions()
    {
        var (status, stdout, _) = Run("--help");

        Assert.Equal(0, status);
        foreach (string option in new[]
                 {
                     "--hidden", "--epochs", "--batch", "--method", "--sgd-step", "--alpha", "--gamma", "--solver", "--solver-steps",
                     "--solver-tolerance", "--loss", "--train-limit", "--seed", "--l2", "--checkpoint", "--resume", "--overwrite", "--out", "--data",
                 })
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        Assert.Contains("eq. (52)", stdout, StringComparison.Ordinal);                 // the α convention
        Assert.Contains("U(±1/√fan_in)", stdout, StringComparison.Ordinal);            // the initialisation
        Assert.Contains("standardised with the training set's mean", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: 256]", stdout, StringComparison.Ordinal);
        Assert.Contains("[default: 500,300,100]", stdout, StringComparison.Ordinal);
    }

    internal static (int Status, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = MlpProgram.Run(args, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }
}
