using MoreauGen.Samples.Common;
using MoreauGen.Samples.Pendulum;
using MoreauGen.Samples.Tests.Common;
using PendulumProgram = MoreauGen.Samples.Pendulum.Program;

namespace MoreauGen.Samples.Tests.Pendulum;

/// <summary>
/// The sample as a careful user meets it: bad values on every path (with --no-grid too) end in one line and exit 1
/// before any work, Ctrl-C writes what was finished, divergence exits 5, and the figures show the comparison.
/// </summary>
public sealed class CarefulUserTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--gd-step", "NaN")]
    [InlineData("--gd-step", "0")]
    [InlineData("--gd-step", "-1")]
    [InlineData("--gd-step", "Infinity")]
    [InlineData("--gd-step", "abc")]
    [InlineData("--horizons", "abc")]
    [InlineData("--horizons", "1e3")]
    [InlineData("--alpha", "NaN")]
    [InlineData("--gamma", "-Infinity")]
    [InlineData("--iterations", "100001")]
    public void A_bad_value_with_no_grid_is_one_line_and_exit_1_before_any_work(string option, string value)
    {
        string output = Path.Combine(_folder.Path, "never");
        var (status, stdout, stderr) = Run(CancellationToken.None, "--no-grid", option, value, "--out", output);

        Assert.Equal(SampleExitCodes.BadOption, status);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length); // the message and the --help hint: no stack trace
        Assert.Contains(option, lines[0], StringComparison.Ordinal);
        Assert.Contains(value, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void An_empty_output_path_is_a_bad_option_not_an_internal_error()
    {
        var (status, _, stderr) = Run(CancellationToken.None, "--out", "");

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains("--out: the path is empty", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Costs_of_every_run_that_would_not_fit_in_memory_are_refused_before_any_work()
    {
        Assert.True(MemoryBudget.AvailableBytes < 70L << 30, "this machine has more than 70 GiB: the case would fit");
        string output = Path.Combine(_folder.Path, "never");
        string[] horizons = [.. Enumerable.Range(1, 200).Select(h => h.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        // 200 horizons × 2 methods × 122 steps × 100001 iterations × 2 doubles ≈ 73 GiB.
        var (status, _, stderr) = Run(CancellationToken.None, ["--horizons", .. horizons, "--grid", "-60..60", "--iterations", "100000", "--out", output]);

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Contains("the costs of every run need about", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void An_output_file_that_is_a_folder_is_reported_before_any_run()
    {
        string output = Path.Combine(_folder.Path, "out");
        Directory.CreateDirectory(Path.Combine(output, "grid.csv"));
        var (status, stdout, stderr) = Run(CancellationToken.None, "-t", "50", "--grid", "-1..0", "-k", "5", "--out", output);

        Assert.Equal(SampleExitCodes.OutputError, status);
        Assert.Contains("it is a folder", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout); // no run, no table
        Assert.False(File.Exists(Path.Combine(output, "curves.csv")));
    }

    [Fact]
    public void A_fixed_step_that_diverges_exits_5_and_lists_only_the_files_written()
    {
        string output = Path.Combine(_folder.Path, "out");
        var (status, stdout, stderr) = Run(CancellationToken.None, "--no-grid", "--method", "gd", "--gd-step", "1000", "-t", "50", "-k", "20", "--out", output);

        Assert.Equal(SampleExitCodes.Diverged, status);
        Assert.Contains("Diverged: GD at τ = 50 (η = 1000", stderr, StringComparison.Ordinal);
        string listed = stdout.Split('\n').Last(l => l.Contains("curves.csv", StringComparison.Ordinal));
        foreach (string name in listed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            Assert.True(File.Exists(Path.Combine(output, name)), $"{name} is listed but does not exist");
        Assert.True(File.Exists(Path.Combine(output, "grid.csv")));
    }

    [Fact]
    public void Ctrl_C_before_any_run_finishes_writes_the_csv_headers_says_how_to_go_on_and_exits_130()
    {
        string output = Path.Combine(_folder.Path, "out");
        using var pressed = new CancellationTokenSource();
        pressed.Cancel();
        var (status, stdout, stderr) = Run(pressed.Token, "-t", "50", "--grid", "-1..0", "-k", "5", "--out", output);

        Assert.Equal(SampleExitCodes.Interrupted, status);
        Assert.Contains("Interrupted after 0 of", stderr, StringComparison.Ordinal);
        Assert.Contains("Run the same command with --resume", stderr, StringComparison.Ordinal);
        Assert.Equal(0, CsvTable.Load(Path.Combine(output, "curves.csv")).RowCount);
        Assert.False(File.Exists(Path.Combine(output, "fig3.png"))); // no horizon finished: no figure, and none listed
        Assert.DoesNotContain("fig3.png", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctrl_C_during_the_second_horizon_keeps_the_first_horizons_results_and_the_finished_runs()
    {
        string output = Path.Combine(_folder.Path, "out");
        // Plain progress lines name the horizon; the τ = 100 task reaches 100% only once all its runs are done.
        using var stdout = new TriggerWriter("τ = 100: 4 runs: 100%");
        var stderr = new StringWriter();
        int status = PendulumProgram.Run(["-t", "100", "50", "--method", "gd", "--grid", "-8..-6", "-k", "30", "--out", output], stdout, stderr, stdout.Interrupt);

        CsvTable grid = CsvTable.Load(Path.Combine(output, "grid.csv"));
        var horizons = Enumerable.Range(0, grid.RowCount).Select(r => grid.Cell(r, "horizon")).ToList();
        if (status == SampleExitCodes.Interrupted)
        {
            // τ = 100 is complete (its runs are started first); τ = 50 is partly done: its rows have no 'selected' flag.
            Assert.Contains("Interrupted after", stderr.ToString(), StringComparison.Ordinal);
            Assert.Equal(4, horizons.Count(h => h == "100"));
            Assert.True(File.Exists(Path.Combine(output, "fig3.png")));
            Assert.All(Enumerable.Range(0, grid.RowCount).Where(r => grid.Cell(r, "horizon") == "50"), r => Assert.Equal("", grid.Cell(r, "selected")));
        }
        else
        {
            // The last runs finished before the request was seen: a complete run, which must then be whole.
            Assert.Equal(SampleExitCodes.Success, status);
            Assert.Equal(8, horizons.Count);
        }
    }

    [Fact]
    public void Resume_after_Ctrl_C_computes_only_the_missing_runs_and_gives_the_files_of_an_uninterrupted_run()
    {
        string[] options = ["-t", "100", "50", "--grid", "-8..-5", "-k", "30"];
        string straight = Path.Combine(_folder.Path, "straight");
        string split = Path.Combine(_folder.Path, "split");
        Assert.Equal(0, Run(CancellationToken.None, [.. options, "--out", straight]).Status);

        using var stdout = new TriggerWriter("τ = 100: 10 runs: 100%"); // 4 grid steps × 2 methods + the paper's two fixed steps
        int status = PendulumProgram.Run([.. options, "--out", split], stdout, new StringWriter(), stdout.Interrupt);
        var (resumed, resumedOut, resumedError) = Run(CancellationToken.None, [.. options, "--out", split, "--resume"]);

        Assert.True(resumed == 0, resumedError);
        if (status == SampleExitCodes.Interrupted)
            Assert.Matches(@"Resuming: \d+ finished runs read from", resumedOut);
        foreach (string file in new[] { "curves.csv", "grid.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine(straight, file)), File.ReadAllText(Path.Combine(split, file)));
        Assert.True(File.Exists(Path.Combine(split, "fig3.png")));
    }

    [Fact]
    public void Resume_with_other_settings_is_refused_with_exit_4_naming_them()
    {
        string output = Path.Combine(_folder.Path, "out");
        Assert.Equal(0, Run(CancellationToken.None, "-t", "50", "--grid", "-1..0", "-k", "5", "--out", output).Status);

        var (status, _, stderr) = Run(CancellationToken.None, "-t", "50", "--grid", "-1..0", "-k", "5", "--gamma", "0.25", "--out", output, "--resume");

        Assert.Equal(SampleExitCodes.CheckpointError, status);
        Assert.Contains("gamma 0.5 (this run: 0.25)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Fig3_uses_a_log_axis_when_MorGD_ends_decades_below_GD_and_paper_picks_shows_GD_leaving_the_plot()
    {
        var settings = new PendulumSettings([50], [DescentMethod.GradientDescent, DescentMethod.MoreauGradientDescent], 50, [-1, 10],
                                            null, PendulumSettings.PaperAlpha, PendulumSettings.PaperGamma, InnerSolverKind.TwoStep, null, null, "unused", false);
        IReadOnlyList<HorizonResult> results = Experiment.Run(settings);

        LinePanel fig3 = Report.Figure(results, logScale: false).Panels.Single();
        Assert.True(fig3.LogY, "MorGD ends ~30× below GD at τ = 50: the linear axis hid it");

        LinePanel picks = Report.FixedFigure(results)!.Panels.Single();
        Assert.True(picks.LogY);
        // GD at the paper's η = 1 passes 1000 at k = 4: its line is drawn up to there, not reduced to a dot.
        var gd = picks.Series.Single(s => s.Label == "GD");
        Assert.True(gd.Y.Count(double.IsFinite) >= 2, $"GD has {gd.Y.Count(double.IsFinite)} points");
        Assert.Equal(Report.FixedFigureCeiling, gd.Y.Where(double.IsFinite).Max());
        Assert.Contains("> 1000 from k = ", picks.Title, StringComparison.Ordinal);
    }

    private static (int Status, string Stdout, string Stderr) Run(CancellationToken interrupt, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PendulumProgram.Run(args, stdout, stderr, interrupt);
        return (status, stdout.ToString(), stderr.ToString());
    }
}
