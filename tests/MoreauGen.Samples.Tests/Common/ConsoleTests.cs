using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Tests.Common;

/// <summary>Console tables and progress when output is captured (as in CI): plain text, invariant numbers.</summary>
public sealed class ConsoleTests
{
    [Fact]
    public void Progress_prints_a_plain_line_at_each_tenth_when_not_interactive()
    {
        var output = new StringWriter();
        var console = SampleConsole.Create(output);

        bool interactive = ConsoleProgress.Run(progress =>
        {
            var grid = progress.AddTask("grid τ=50", total: 20);
            for (int i = 0; i < 20; i++)
                grid.Increment();
            Assert.True(grid.IsComplete);
            return progress.IsInteractive;
        }, console);

        Assert.False(interactive);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
        Assert.StartsWith("grid τ=50: 10% (2/20), ", lines[0]);
        Assert.StartsWith("grid τ=50: 50% (10/20), ", lines[4]);
        Assert.StartsWith("grid τ=50: 100% (20/20), ", lines[9]);
        Assert.EndsWith(" elapsed", lines[9]);
        Assert.DoesNotContain('\u001b', output.ToString()); // no escape codes in a log
    }

    [Fact]
    public void Plain_progress_follows_description_changes_and_completion()
    {
        var output = new StringWriter();
        ConsoleProgress.Run(progress =>
        {
            var epochs = progress.AddTask("sgd", total: 1000);
            epochs.Increment(50);           // 5%: nothing yet
            epochs.Description = "sgd loss 0.42";
            epochs.Increment(100);          // 15%: one line
            epochs.Complete();              // 100%: one line
        }, SampleConsole.Create(output));

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("sgd loss 0.42: 15% (150/1000)", lines[0]);
        Assert.StartsWith("sgd loss 0.42: 100% (1000/1000)", lines[1]);
    }

    [Fact]
    public void Progress_from_several_threads_counts_every_increment()
    {
        var output = new StringWriter();
        double value = ConsoleProgress.Run(progress =>
        {
            var task = progress.AddTask("parallel", total: 4000);
            Parallel.For(0, 4000, _ => task.Increment());
            return task.Value;
        }, SampleConsole.Create(output));
        Assert.Equal(4000, value);
        Assert.Equal(10, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void A_table_prints_invariant_numbers_and_literal_brackets()
    {
        var output = new StringWriter();
        using (new CultureScope())
        {
            var table = new ConsoleTable("method", "step", "cost@0", "cost@50") { Title = "τ = 50 [best]" };
            table.AddRow("[gd]", 0.25, -1234.56789, 1.5e-7);
            table.AddRow("morgd", 128, 10.0, null);
            table.Write(SampleConsole.Create(output));
        }

        string text = output.ToString();
        Assert.Contains("τ = 50 [best]", text);
        Assert.Contains("[gd]", text);
        Assert.Contains("-1234.57", text);
        Assert.Contains("1.5E-07", text);
        Assert.Contains("0.25", text);
        Assert.DoesNotContain('\u2212', text);
        Assert.DoesNotContain('\u001b', text);
    }

    [Fact]
    public void A_wide_table_is_not_wrapped_when_redirected()
    {
        var output = new StringWriter();
        var table = new ConsoleTable("method", "step", "cost@0", "cost@5", "cost@10", "cost@20", "cost@50", "best step");
        table.AddRow("morgd", 0.0078125, 123.456789, 12.3456789, 1.23456789, 0.123456789, 0.0123456789, 128.0);
        table.Write(SampleConsole.Create(output));
        Assert.Contains("0.0078125", output.ToString());
        Assert.Contains("0.0123457", output.ToString());
        Assert.Contains("best step", output.ToString());
    }
}
