using System.CommandLine;
using System.Globalization;
using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Tests.Common;

/// <summary>What the samples share for a careful user: log-axis ticks, live tables, up-front file checks and the last-resort error handling.</summary>
public sealed class CarefulCommonTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0.05, 10)]      // the τ = 100 panel of paper-picks.png: one decade and a bit had a single label
    [InlineData(1.2, 9.9)]      // inside one decade
    [InlineData(0.3, 0.9)]
    [InlineData(1e-3, 1e3)]     // six decades: powers of ten
    [InlineData(1e-12, 1e12)]   // many decades: every few powers of ten
    public void A_log_axis_gets_at_least_three_labels_inside_the_range_and_at_most_ten(double low, double high)
    {
        var (major, minor) = LogTicks.For(low, high);

        var inside = major.Where(t => t.Position >= Math.Log10(low) - 1e-9 && t.Position <= Math.Log10(high) + 1e-9).ToList();
        Assert.True(inside.Count >= 3, $"{inside.Count} labels for {low}..{high}: {string.Join(", ", major.Select(t => t.Label))}");
        Assert.True(major.Count <= 10, $"{major.Count} labels for {low}..{high}");
        foreach (var (position, label) in major)
        {
            // Each label is the value at its position.
            double value = double.Parse(label, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.Equal(Math.Pow(10, position), value, Math.Pow(10, position) * 1e-9);
        }

        Assert.NotEmpty(minor);
    }

    [Fact]
    public void A_narrow_log_range_still_labels_both_ends()
    {
        var (major, _) = LogTicks.For(3.1, 3.4);

        Assert.True(major.Count >= 2);
    }

    [Fact]
    public void An_automatic_axis_is_logarithmic_only_when_the_values_span_more_than_the_ratio()
    {
        var plot = new LinePlot();
        LinePanel wide = plot.AddPanel("wide", "k", "cost", logY: null).AddSeries("a", [9.8, 1, 0.1]);
        LinePanel narrow = plot.AddPanel("narrow", "k", "loss", logY: null).AddSeries("a", [0.25, 0.2, 0.18]);

        Assert.True(wide.LogY);
        Assert.False(narrow.LogY);
        Assert.NotEmpty(plot.RenderPng());
    }

    [Fact]
    public void A_live_table_prints_each_row_the_moment_it_is_written()
    {
        var text = new StringWriter();
        var table = new LiveTable(SampleConsole.Create(text), ("method", 6), ("epoch", 5), ("test acc %", 6));
        table.WriteHeader("title");
        table.WriteRow("sgd", 1, "85.10");

        string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // title, headings, rule, row
        Assert.Equal(lines[1].TrimEnd().Length, lines[3].TrimEnd().Length); // numbers right-aligned under their headings
        Assert.EndsWith("85.10", lines[3].TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_under_a_file_is_refused_up_front_naming_the_option()
    {
        string file = Path.Combine(_folder.Path, "plain");
        File.WriteAllText(file, "");

        var e = Assert.Throws<IOException>(() => OutputFolder.PrepareFile(Path.Combine(file, "x.ckpt"), "--checkpoint"));
        Assert.Contains("--checkpoint", e.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => OutputFolder.PrepareFile(_folder.Path, "--checkpoint")); // a folder, not a file
        Assert.EndsWith("ok.ckpt", OutputFolder.PrepareFile(Path.Combine(_folder.Path, "new", "ok.ckpt"), "--checkpoint"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unexpected_exception_is_one_line_and_exit_70_not_a_stack_trace()
    {
        var stderr = new StringWriter();
        int status = SampleCommandLine.Run(_ =>
        {
            var command = new RootCommand("test");
            command.SetAction(new Func<ParseResult, int>(_ => throw new InvalidOperationException("boom")));
            return command;
        }, [], new StringWriter(), stderr, CancellationToken.None);

        Assert.Equal(SampleExitCodes.InternalError, status);
        Assert.Equal("Internal error (InvalidOperationException): boom Please report it with the command line.", stderr.ToString().Trim());
    }

    [Fact]
    public void A_command_validator_reading_a_value_that_failed_to_convert_gets_the_fallback_not_an_exception()
    {
        var option = new Option<int>("--n");
        var command = new RootCommand("test") { option };
        int seen = -1;
        command.Validators.Add(result => seen = SampleCommandLine.ValueOr(result, option, 7));
        var stderr = new StringWriter();

        int status = SampleCommandLine.Run(_ => command, ["--n", "abc"], new StringWriter(), stderr, CancellationToken.None);

        Assert.Equal(SampleExitCodes.BadOption, status);
        Assert.Equal(7, seen);
        Assert.Contains("--n", stderr.ToString(), StringComparison.Ordinal);
    }
}
