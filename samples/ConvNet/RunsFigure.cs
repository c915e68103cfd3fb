using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.ConvNet;

/// <summary>
/// <c>plot</c>: one figure from finished runs' <c>epochs.csv</c> files, drawn as the sample draws its own curves
/// (<see cref="LinePlot"/>): the best training loss and the best test accuracy so far against epochs, one line per run
/// (<c>--run LABEL=FILE</c>); and, for a grid written by grid.sh (<c>--grid DIR</c>), a third panel with each run's
/// test accuracy after its last epoch against log₂ of its step: SGD against η, MorSGD against α, one line per γ.
/// </summary>
public static partial class RunsFigure
{
    /// <summary>The <c>plot</c> subcommand.</summary>
    public static Command Create()
    {
        var runs = new Option<string[]>("--run") { Description = "A run to draw, LABEL=PATH/epochs.csv (repeat; each file's rows, of one method or two).", AllowMultipleArgumentsPerToken = false };
        var grid = new Option<string?>("--grid") { Description = "A folder written by samples/ConvNet/grid.sh (its sgd_eta=2^E and morsgd_alpha=2^A_gamma=2^G runs).", HelpName = "DIR" };
        var output = new Option<string>("--out", "-o") { Description = "The PNG to write.", HelpName = "FILE", DefaultValueFactory = _ => "convnet-runs.png" };
        var command = new Command("plot", "Draws finished runs' epochs.csv files (and a step grid) in one PNG.") { runs, grid, output };
        command.SetAction(parseResult =>
        {
            LinePlot figure = Draw(parseResult.GetValue(runs) ?? [], parseResult.GetValue(grid));
            string path = parseResult.GetValue(output) ?? "convnet-runs.png";
            figure.SavePng(path);
            Console.WriteLine($"wrote {path}");
            return 0;
        });
        return command;
    }

    /// <summary>The figure for <paramref name="runs"/> (LABEL=FILE) and an optional grid folder.</summary>
    /// <exception cref="ArgumentException">A run is not LABEL=FILE.</exception>
    public static LinePlot Draw(IReadOnlyList<string> runs, string? grid)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var figure = new LinePlot();
        if (runs.Count > 0)
        {
            LinePanel loss = figure.AddPanel("Best training loss so far", "epoch k", "min over epochs ≤ k of the cross-entropy loss", logY: null);
            LinePanel accuracy = figure.AddPanel("Best test accuracy so far", "epoch k", "max over epochs ≤ k of the test accuracy (%)");
            foreach (string run in runs)
            {
                int at = run.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0)
                    throw new ArgumentException($"--run '{run}': write LABEL=PATH/epochs.csv.", nameof(runs));
                CsvTable csv = CsvTable.Load(run[(at + 1)..]);
                // From epoch 1: the initial point, far above, would flatten the differences (as the sample's own figure).
                int[] rows = [.. Enumerable.Range(0, csv.RowCount).Where(r => csv.GetDouble(r, "epoch") >= 1)];
                double[] epochs = [.. rows.Select(r => csv.GetDouble(r, "epoch"))];
                loss.AddSeries(run[..at], epochs, [.. rows.Select(r => csv.GetDouble(r, "best_train_loss"))]);
                accuracy.AddSeries(run[..at], epochs, [.. rows.Select(r => Percent(csv, r, "best_test_accuracy"))]);
            }
        }

        if (grid is not null)
            AddGrid(figure, grid);
        return figure;
    }

    private static void AddGrid(LinePlot figure, string folder)
    {
        var sgd = new SortedDictionary<int, double>();
        var morsgd = new SortedDictionary<int, SortedDictionary<int, double>>();
        var finished = new List<(string Name, int Epoch, double Accuracy)>();
        foreach (string dir in Directory.EnumerateDirectories(folder))
        {
            string csvPath = Path.Combine(dir, Report.EpochsFile);
            if (!File.Exists(csvPath))
                continue;
            CsvTable csv = CsvTable.Load(csvPath);
            finished.Add((Path.GetFileName(dir), (int)csv.GetDouble(csv.RowCount - 1, "epoch"), Percent(csv, csv.RowCount - 1, "test_accuracy")));
        }

        // A run that stopped early (diverged) has fewer epochs than the others: it is left out, not drawn at its last accuracy.
        int epochs = finished.Count == 0 ? 0 : finished.Max(f => f.Epoch);
        foreach ((string name, _, double last) in finished.Where(f => f.Epoch == epochs))
        {
            if (SgdName().Match(name) is { Success: true } s)
                sgd[Exponent(s.Groups[1].Value)] = last;
            else if (MorSgdName().Match(name) is { Success: true } m)
            {
                int gamma = Exponent(m.Groups[2].Value);
                if (!morsgd.TryGetValue(gamma, out var line))
                    morsgd[gamma] = line = [];
                line[Exponent(m.Groups[1].Value)] = last;
            }
        }

        LinePanel panel = figure.AddPanel(string.Create(CultureInfo.InvariantCulture, $"Step grid: test accuracy after epoch {epochs}"),
                                          "log₂ of the step (SGD: η; MorSGD: α)", "test accuracy (%)");
        if (sgd.Count > 0)
            panel.AddSeries("SGD", [.. sgd.Keys.Select(k => (double)k)], [.. sgd.Values]);
        foreach ((int gamma, SortedDictionary<int, double> line) in morsgd)
            panel.AddSeries(string.Create(CultureInfo.InvariantCulture, $"MorSGD γ = 2^{gamma}"), [.. line.Keys.Select(k => (double)k)], [.. line.Values]);
    }

    /// <summary>An accuracy in %: the <c>_pct</c> column of current epochs.csv files, or the fraction of older ones × 100.</summary>
    private static double Percent(CsvTable csv, int row, string column) =>
        csv.Header.Contains(column + "_pct") ? csv.GetDouble(row, column + "_pct") : 100 * csv.GetDouble(row, column);

    private static int Exponent(string text) => int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^sgd_eta=2\^(-?\d+)$")]
    private static partial Regex SgdName();

    [GeneratedRegex(@"^morsgd_alpha=2\^(-?\d+)_gamma=2\^(-?\d+)$")]
    private static partial Regex MorSgdName();
}
