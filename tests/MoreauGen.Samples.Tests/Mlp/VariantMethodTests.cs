using MoreauGen.Samples.Common;
using MoreauGen.Samples.Tests.Common;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// The paper's variants as methods of the MLP sample (<c>--method al-msgd|tp|proxprop</c>, lists of methods), their
/// options and errors, and the <c>compare</c> subcommand that draws Fig. 9 and Fig. 10, on the synthetic data set.
/// </summary>
public sealed class VariantMethodTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly TempFolder _folder = new();
    private readonly string _data;

    public VariantMethodTests()
    {
        _data = Path.Combine(_folder.Path, "data");
        Directory.CreateDirectory(_data);
        SyntheticFashion.Write(_data);
    }

    public void Dispose() => _folder.Dispose();

    private string[] Small(string output, params string[] changes) =>
        MlpProgramTests.Arguments(["--data", _data, "--hidden", "32", "--batch", "32", "--epochs", "3", "--alpha", "2^-3", "--gamma", "2^-2", "--out", output], changes);

    [Theory]
    [InlineData("al-msgd", "AL-MSGD", new[] { "--beta", "1", "--kappa", "1e-5" })]
    [InlineData("tp", "TP", new[] { "--kappa", "1", "--target-step", "2^-2" })]
    [InlineData("proxprop", "ProxProp", new[] { "--kappa", "1" })]
    public void Each_variant_trains_from_the_command_line_and_its_training_loss_falls(string method, string display, string[] options)
    {
        string output = Path.Combine(_folder.Path, method);
        var (status, stdout, stderr) = MlpProgramTests.Run(Small(output, ["--method", method, .. options]));

        Assert.True(status == 0, stderr + stdout);
        CsvTable csv = CsvTable.Load(Path.Combine(output, "epochs.csv"));
        Assert.Equal(4, csv.RowCount); // epochs 0..3
        Assert.All(Enumerable.Range(0, 4), r => Assert.Equal(method, csv.Cell(r, "method")));
        double initial = csv.GetDouble(0, "train_loss"), final = csv.GetDouble(3, "best_train_loss");
        Assert.True(final < 0.8 * initial, $"{method}: best training loss {final} after 3 epochs, {initial} at the start");
        Assert.True(csv.GetDouble(3, "best_test_accuracy_pct") > 30, $"{method}: {csv.Cell(3, "best_test_accuracy_pct")}% (chance is 10%)");
        Assert.Equal(double.Parse(options[Array.IndexOf(options, "--kappa") + 1], System.Globalization.CultureInfo.InvariantCulture), csv.GetDouble(0, "kappa"));
        Assert.Contains($"{display} (", stdout, StringComparison.Ordinal);
        Assert.Contains("evaluations per step", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, method + ".ckpt")));
    }

    [Fact]
    public void A_list_of_methods_trains_each_from_the_same_start_in_the_order_given()
    {
        string output = Path.Combine(_folder.Path, "list");
        var (status, _, stderr) = MlpProgramTests.Run(Small(output, "--method", "al-msgd,sgd", "--epochs", "1", "--sgd-step", "2^-3"));

        Assert.True(status == 0, stderr);
        CsvTable csv = CsvTable.Load(Path.Combine(output, "epochs.csv"));
        Assert.Equal(["al-msgd", "al-msgd", "sgd", "sgd"], Enumerable.Range(0, csv.RowCount).Select(r => csv.Cell(r, "method")));
        Assert.Equal(csv.GetDouble(0, "train_loss"), csv.GetDouble(2, "train_loss")); // the same initial parameters
        Assert.Equal("", csv.Cell(2, "beta"));
        Assert.Equal(0.1, csv.GetDouble(0, "beta")); // the default β, the paper's for this MLP
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd,adam")]
    [InlineData("sgd,sgd")]
    [InlineData("")]
    public void A_method_name_that_is_not_one_exits_1_listing_the_valid_names(string name)
    {
        var (status, _, stderr) = MlpProgramTests.Run(Small(Path.Combine(_folder.Path, "bad"), "--method", name));

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains("--method", stderr, StringComparison.Ordinal);
        foreach (string valid in new[] { "sgd", "morsgd", "al-msgd", "tp", "proxprop" })
            Assert.Contains(valid, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "bad")));
    }

    [Theory]
    [InlineData("tp")]
    [InlineData("proxprop")]
    public void Target_propagation_and_proxprop_refuse_kappa_0_before_any_work(string method)
    {
        var (status, _, stderr) = MlpProgramTests.Run(Small(Path.Combine(_folder.Path, "bad"), "--method", method, "--kappa", "0"));

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains($"--kappa: {method} needs κ > 0", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--beta", "-1")]
    [InlineData("--kappa", "x")]
    [InlineData("--target-step", "0")]
    public void A_variant_parameter_out_of_range_exits_1_naming_the_option(string option, string value)
    {
        var (status, _, stderr) = MlpProgramTests.Run(Small(Path.Combine(_folder.Path, "bad"), "--method", "al-msgd", option, value));

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_methods_need_the_method_placeholder_in_a_checkpoint_path()
    {
        var (status, _, stderr) = MlpProgramTests.Run(Small(Path.Combine(_folder.Path, "bad"), "--method", "sgd,tp", "--checkpoint", Path.Combine(_folder.Path, "one.ckpt")));

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains("{method}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_propagation_run_that_overflows_exits_5_and_names_its_step_options()
    {
        // AL-MSGD and ProxProp land on a proximal point, which stays finite for any step; TP's η multiplies its direction.
        var (status, _, stderr) = MlpProgramTests.Run(Small(Path.Combine(_folder.Path, "big"), "--method", "tp", "--target-step", "1e30", "--epochs", "1"));

        Assert.Equal(SampleExitCodes.Diverged, status);
        Assert.Contains("TP diverged", stderr, StringComparison.Ordinal);
        Assert.Contains("--target-step", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_draws_the_runs_of_several_folders_in_one_figure_and_a_missing_run_exits_2()
    {
        string a = Path.Combine(_folder.Path, "a"), b = Path.Combine(_folder.Path, "b");
        Assert.Equal(0, MlpProgramTests.Run(Small(a, "--method", "sgd", "--epochs", "1", "--sgd-step", "2^-3")).Status);
        Assert.Equal(0, MlpProgramTests.Run(Small(b, "--method", "al-msgd", "--epochs", "1")).Status);
        string png = Path.Combine(_folder.Path, "fig.png");

        var (status, stdout, stderr) = MlpProgramTests.Run("compare", "--out", png, "--title", "64-32-10", a, Path.Combine(b, "epochs.csv"));

        Assert.True(status == 0, stderr);
        Assert.Contains(png, stdout, StringComparison.Ordinal);
        Assert.Equal(PngSignature, File.ReadAllBytes(png)[..8]);

        var (missing, _, message) = MlpProgramTests.Run("compare", "--out", png, Path.Combine(_folder.Path, "nothing"));
        Assert.Equal(SampleExitCodes.OutputError, missing);
        Assert.Contains("Cannot read the runs", message, StringComparison.Ordinal);
    }
}
