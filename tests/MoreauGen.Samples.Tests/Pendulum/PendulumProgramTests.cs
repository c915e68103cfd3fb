using System.Globalization;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.Tests.Common;
using PendulumProgram = MoreauGen.Samples.Pendulum.Program;

namespace MoreauGen.Samples.Tests.Pendulum;

/// <summary>The sample's entry point on small settings: its files, its tables, its help and its errors.</summary>
public sealed class PendulumProgramTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_small_grid_writes_every_curve_to_the_csv_and_both_figures_as_png()
    {
        string output = Path.Combine(_folder.Path, "out");
        var (status, stdout, stderr) = Run("--horizons", "50", "--iterations", "5", "--grid", "-2..1", "--out", output);

        Assert.True(status == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("τ = 50", stdout, StringComparison.Ordinal);
        Assert.Contains("paper (App. E.2.2)", stdout, StringComparison.Ordinal);
        Assert.Contains("grid: min mean best", stdout, StringComparison.Ordinal);

        string csvPath = Path.Combine(output, "curves.csv");
        Assert.Equal("horizon,method,step,iteration,cost,best_cost", File.ReadLines(csvPath).First());
        CsvTable csv = CsvTable.Load(csvPath);
        // Grid 2^-2..2^1 for both methods, plus the paper's MorGD α = 2^7 (GD's η = 1 is on the grid): 9 runs × 6 iterations.
        Assert.Equal(9 * 6, csv.RowCount);
        var runs = new HashSet<(string Method, double Step)>();
        var keys = new HashSet<(string, double, int)>();
        double previousBest = double.NaN;
        for (int row = 0; row < csv.RowCount; row++)
        {
            Assert.Equal("50", csv.Cell(row, "horizon"));
            string method = csv.Cell(row, "method");
            Assert.Contains(method, new[] { "gd", "morgd" });
            double step = csv.GetDouble(row, "step");
            int k = int.Parse(csv.Cell(row, "iteration"), NumberStyles.None, CultureInfo.InvariantCulture);
            double cost = csv.GetDouble(row, "cost"), best = csv.GetDouble(row, "best_cost");
            Assert.True(keys.Add((method, step, k)), $"duplicate row {method} {step} {k}");
            runs.Add((method, step));
            Assert.True(double.IsFinite(cost) && double.IsFinite(best));
            // best_cost is the running minimum of cost within a run.
            Assert.Equal(k == 0 ? cost : Math.Min(previousBest, cost), best);
            previousBest = best;
        }

        foreach (double step in new[] { 0.25, 0.5, 1, 2 })
        {
            Assert.Contains(("gd", step), runs);
            Assert.Contains(("morgd", step), runs);
        }

        Assert.Contains(("morgd", 128.0), runs);
        Assert.Equal(9, runs.Count);

        foreach (string png in new[] { "fig3.png", "paper-picks.png" })
            Assert.Equal(PngSignature, File.ReadAllBytes(Path.Combine(output, png))[..8]);
        Assert.Equal(MoreauGen.Samples.Pendulum.Report.GridHeader, CsvTable.Load(Path.Combine(output, "grid.csv")).Header);
    }

    [Fact]
    public void Numbers_are_written_in_the_invariant_culture_whatever_the_users_locale()
    {
        string output = Path.Combine(_folder.Path, "out");
        int status;
        using (new CultureScope())
            (status, _, _) = Run("-t", "10", "-k", "3", "--method", "gd", "--grid", "-1..-1", "--out", output);

        Assert.Equal(0, status);
        string[] lines = File.ReadAllLines(Path.Combine(output, "curves.csv"));
        Assert.Equal("10,gd,0.5,0,9.869604401089358,9.869604401089358", lines[1]); // π² at w = 0, round-trip digits
        Assert.All(lines, line => Assert.DoesNotContain('\u2212', line));
    }

    [Fact]
    public void Runs_that_overflow_are_reported_written_and_exit_5()
    {
        // GD on τ = 100 with η = 2^10..2^12 overflows before iteration 50: every grid step scores +∞, and the paper's
        // η = 1/4, shown instead, diverges too: GD has no result at τ = 100.
        string output = Path.Combine(_folder.Path, "out");
        var (status, stdout, stderr) = Run("-t", "100", "--method", "gd", "--grid", "10..12", "--out", output);

        Assert.Equal(SampleExitCodes.Diverged, status);
        Assert.Contains("Diverged: GD at τ = 100", stderr, StringComparison.Ordinal);
        Assert.Contains("non-finite at k = ", stdout, StringComparison.Ordinal);
        Assert.Contains("grid: every step non-finite", stdout, StringComparison.Ordinal);
        CsvTable grid = CsvTable.Load(Path.Combine(output, "grid.csv"));
        int failed = Enumerable.Range(0, grid.RowCount).Count(r => grid.Cell(r, "failed_at_iteration") != "");
        Assert.Equal(3, failed);
        Assert.True(File.Exists(Path.Combine(output, "fig3.png"))); // the figure falls back on the paper's η = 1/4
    }

    [Theory]
    [InlineData("--method", "sgd")]
    [InlineData("--iterations", "0")]
    [InlineData("--iterations", "0x")] // not a number: the validator must not throw
    [InlineData("--horizons", "fifty")]
    [InlineData("--solver-steps", "many")]
    [InlineData("--grid", "5..1")]
    [InlineData("--grid", "ten")]
    [InlineData("--gd-step", "-1")]
    [InlineData("--alpha", "2^x")]
    [InlineData("--horizons", "0")]
    [InlineData("--solver", "newton")]
    [InlineData("--solver-tolerance", "1e-6")] // with the default two-step solver, which has none
    [InlineData("--no-such-option")]
    [InlineData("--no-grid", "-t", "30")] // GD has no step there without a grid
    public void A_bad_option_exits_non_zero_with_a_message_naming_it(params string[] bad)
    {
        string output = Path.Combine(_folder.Path, "never");
        var (status, stdout, stderr) = Run([.. bad, "--out", output]);

        Assert.NotEqual(0, status);
        Assert.Contains(bad[0], stderr, StringComparison.Ordinal);
        Assert.Contains("Run with --help", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Options:", stdout, StringComparison.Ordinal); // a hint, not the whole help
        Assert.False(Directory.Exists(output)); // nothing ran
    }

    [Fact]
    public void An_output_path_that_is_a_file_exits_with_2_and_says_what_to_do()
    {
        string file = _folder.File("taken");
        File.WriteAllText(file, "");
        var (status, _, stderr) = Run("-k", "1", "--no-grid", "--out", file);

        Assert.Equal(2, status);
        Assert.Contains("is a file, not a folder", stderr, StringComparison.Ordinal);
        Assert.Contains("--out", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_explains_every_option()
    {
        var (status, stdout, _) = Run("--help");

        Assert.Equal(0, status);
        foreach (string option in new[]
                 {
                     "--horizons", "--method", "--iterations", "--grid", "--no-grid", "--gd-step", "--alpha", "--gamma", "--solver",
                     "--solver-steps", "--solver-tolerance", "--out", "--log-scale",
                 })
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        Assert.Contains("eq. (52)", stdout, StringComparison.Ordinal);     // the α convention
        Assert.Contains("App. E.2.2", stdout, StringComparison.Ordinal);   // the selection criterion
        Assert.Contains("[default: 50]", stdout, StringComparison.Ordinal);
    }

    private static (int Status, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PendulumProgram.Run(args, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }
}
