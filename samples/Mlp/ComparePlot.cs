using System.CommandLine;
using System.Globalization;
using MoreauGen.Samples.Common;
using Spectre.Console;

namespace MoreauGen.Samples.Mlp;

/// <summary>
/// The <c>compare</c> subcommand: draws runs of the sample written to separate folders (e.g. AL-MSGD at several κ, and
/// SGD) in one figure, as the paper's Fig. 9 and Fig. 10 do: the best-so-far training loss (left) and the best-so-far
/// test loss (right), min_{i≤k} F(w⁽ⁱ⁾), against epochs (with <c>--batch</c> = the training-set size, iterations).
/// </summary>
public static class ComparePlot
{
    /// <summary>Builds the subcommand; it writes what it saved to <paramref name="console"/> and problems to <paramref name="error"/>.</summary>
    public static Command CreateCommand(IAnsiConsole console, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(error);
        var inputs = new Argument<string[]>("RUN")
        {
            Description = "Output folders of runs of the sample (or their epochs.csv files); every method of each is drawn.",
            Arity = ArgumentArity.OneOrMore,
        };
        var file = new Option<string>("--out", "-o") { Description = "The PNG to write.", HelpName = "FILE", DefaultValueFactory = _ => "compare.png" };
        var title = new Option<string>("--title") { Description = "Put before each panel's title, e.g. the network.", HelpName = "TEXT", DefaultValueFactory = _ => "" };
        var xLabel = new Option<string>("--x-label") { Description = "The x axis: epochs, or iterations for full-batch runs.", HelpName = "TEXT", DefaultValueFactory = _ => "epoch k" };
        var command = new Command("compare", "Draws the best-so-far training and test losses of several runs in one figure (the paper's Fig. 9 and Fig. 10 layout).")
        {
            inputs, file, title, xLabel,
        };
        command.SetAction(parseResult =>
        {
            string path = parseResult.GetValue(file) ?? "compare.png";
            LinePlot figure;
            try
            {
                figure = Figure(parseResult.GetValue(inputs) ?? [], parseResult.GetValue(title) ?? "", parseResult.GetValue(xLabel) ?? "epoch k");
            }
            catch (Exception e) when (e is IOException or FormatException or ArgumentException or UnauthorizedAccessException)
            {
                error.WriteLine($"Cannot read the runs: {e.Message}");
                return SampleExitCodes.OutputError;
            }

            try
            {
                figure.SavePng(path, panelWidth: 720, height: 520);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"--out: cannot write {path}: {e.Message}");
                return SampleExitCodes.OutputError;
            }

            console.WriteLine($"Written: {path}.", Style.Plain);
            return SampleExitCodes.Success;
        });
        return command;
    }

    /// <summary>The figure of the runs in <paramref name="runs"/> (folders or epochs.csv files).</summary>
    public static LinePlot Figure(IReadOnlyList<string> runs, string title, string xLabel)
    {
        ArgumentNullException.ThrowIfNull(runs);
        string prefix = title.Length > 0 ? title + ": " : "";
        var figure = new LinePlot();
        LinePanel train = figure.AddPanel(prefix + "best training loss so far", xLabel, "min over i ≤ k of the training loss", logY: null);
        LinePanel test = figure.AddPanel(prefix + "best test loss so far", xLabel, "min over i ≤ k of the test loss", logY: null);
        foreach (string run in runs)
        {
            string csvPath = Directory.Exists(run) ? Path.Combine(run, Report.EpochsFile) : run;
            CsvTable csv = CsvTable.Load(csvPath);
            foreach (string method in Enumerable.Range(0, csv.RowCount).Select(r => csv.Cell(r, "method")).Distinct())
            {
                int[] rows = [.. Enumerable.Range(0, csv.RowCount).Where(r => csv.Cell(r, "method") == method)];
                double[] epochs = [.. rows.Select(r => csv.GetDouble(r, "epoch"))];
                string label = Label(csv, rows[0]);
                train.AddSeries(label, epochs, RunningMin(rows.Select(r => csv.GetDouble(r, "train_loss"))));
                test.AddSeries(label, epochs, RunningMin(rows.Select(r => csv.GetDouble(r, "test_loss"))));
            }
        }

        return figure;
    }

    /// <summary>"AL-MSGD (α = 2^3, γ = 2^5, β = 0.1, κ = 1E-05)" from a row of epochs.csv.</summary>
    private static string Label(CsvTable csv, int row)
    {
        string method = csv.Cell(row, "method");
        int index = VariantOptions.MethodNames.ToList().IndexOf(method);
        string name = index >= 0 ? Names.Display((TrainingMethod)index) : method;
        var parts = new List<string>();
        string step = csv.Cell(row, "step");
        string gamma = csv.Cell(row, "gamma");
        parts.Add(gamma.Length > 0 ? $"α = {Names.Step(Parse(step))}, γ = {Names.Step(Parse(gamma))}" : $"η = {Names.Step(Parse(step))}");
        foreach (var (column, symbol) in new[] { ("beta", "β"), ("kappa", "κ") })
        {
            if (csv.Header.Contains(column) && csv.Cell(row, column) is { Length: > 0 } text)
                parts.Add($"{symbol} = {Names.Step(Parse(text))}");
        }

        return $"{name} ({string.Join(", ", parts)})";
    }

    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double[] RunningMin(IEnumerable<double> values)
    {
        var result = new List<double>();
        double best = double.PositiveInfinity;
        foreach (double value in values)
        {
            if (!double.IsNaN(value))
                best = Math.Min(best, value);
            result.Add(best);
        }

        return [.. result];
    }
}
