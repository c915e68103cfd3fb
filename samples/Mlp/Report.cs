using System.Globalization;
using MoreauGen.Samples.Common;
using Spectre.Console;

namespace MoreauGen.Samples.Mlp;

/// <summary>The sample's outputs: the per-epoch console table, <c>epochs.csv</c> and <c>curves.png</c>.</summary>
public static class Report
{
    /// <summary>The header of epochs.csv, one row per method and epoch (epoch 0: the initial parameters).</summary>
    public static readonly string[] EpochsHeader =
    [
        "method", "step", "gamma", "epoch", "train_loss", "best_train_loss", "train_accuracy", "test_loss", "test_accuracy",
        "best_test_accuracy", "train_seconds", "eval_seconds",
    ];

    /// <summary>File names inside the output folder.</summary>
    public const string EpochsFile = "epochs.csv", FigureFile = "curves.png";

    /// <summary>The per-epoch table of every method, then one line per method with its mean epoch time and how it ended.</summary>
    public static void Write(IReadOnlyList<MethodRun> runs, MlpSettings settings, Network network, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(console);
        EpochTable(runs, settings, network).Write(console);
        var inv = CultureInfo.InvariantCulture;
        foreach (MethodRun run in runs)
        {
            var trained = run.Epochs.Where(e => e.Epoch > run.ResumedFrom && e.Epoch > 0).ToList();
            string line = $"{Names.Display(run.Method)} ({StepText(run)}): ";
            line += trained.Count > 0
                ? string.Create(inv, $"{trained.Average(e => e.TrainSeconds):0.00} s per training epoch over {trained.Count} epochs, evaluation {trained.Average(e => e.EvalSeconds):0.00} s")
                : "no epoch trained in this run";
            if (run.ResumedFrom > 0)
                line += string.Create(inv, $"; resumed from epoch {run.ResumedFrom} of {run.CheckpointPath}");
            if (!double.IsNaN(run.EvaluationsPerStep))
                line += string.Create(inv, $"; inner solver: {run.EvaluationsPerStep:0.0} evaluations per step")
                        + (run.StepsWithSolverFailures > 0 ? string.Create(inv, $", line search failed in {run.StepsWithSolverFailures} steps") : "");
            console.WriteLine(line, Style.Plain);
            if (run.Failure is not null)
                console.WriteLine($"{Names.Display(run.Method)} {run.Failure}", Style.Plain);
        }
    }

    /// <summary>One row per method and epoch: losses, accuracies (in %), their best-so-far values and the times.</summary>
    public static ConsoleTable EpochTable(IReadOnlyList<MethodRun> runs, MlpSettings settings, Network network)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        var table = new ConsoleTable("method", "step", "epoch", "train loss", "best train loss", "train acc %", "test loss", "test acc %",
                                     "best test acc %", "train s", "eval s")
        {
            Title = $"{network.Shape}, {Names.Of(settings.Loss)} loss, batch {settings.BatchSize}, μ = {settings.L2.ToString("R", CultureInfo.InvariantCulture)}: "
                    + "losses and accuracies over the whole training and test sets after each epoch (epoch 0: initial parameters)",
            NumberFormat = "G5",
        };
        foreach (MethodRun run in runs)
        {
            double[] bestLoss = run.BestTrainLoss();
            double[] bestAccuracy = run.BestTestAccuracy();
            for (int i = 0; i < run.Epochs.Count; i++)
            {
                EpochRecord e = run.Epochs[i];
                table.AddRow(Names.Of(run.Method), StepText(run), e.Epoch, e.TrainLoss, bestLoss[i], Percent(e.TrainAccuracy), e.TestLoss,
                             Percent(e.TestAccuracy), Percent(bestAccuracy[i]), e.Epoch == 0 ? null : Math.Round(e.TrainSeconds, 2),
                             Math.Round(e.EvalSeconds, 2));
            }
        }

        return table;
    }

    /// <summary>Every epoch of every method, for <c>epochs.csv</c> (header <see cref="EpochsHeader"/>; accuracies as fractions).</summary>
    public static CsvTable EpochsCsv(IReadOnlyList<MethodRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var csv = new CsvTable(EpochsHeader);
        foreach (MethodRun run in runs)
        {
            double[] bestLoss = run.BestTrainLoss();
            double[] bestAccuracy = run.BestTestAccuracy();
            for (int i = 0; i < run.Epochs.Count; i++)
            {
                EpochRecord e = run.Epochs[i];
                csv.AddRow(Names.Of(run.Method), run.Step, run.Gamma, e.Epoch, e.TrainLoss, bestLoss[i], e.TrainAccuracy, e.TestLoss,
                           e.TestAccuracy, bestAccuracy[i], e.TrainSeconds, e.EvalSeconds);
            }
        }

        return csv;
    }

    /// <summary>
    /// The paper's Fig. 4 layout for the MLP: the best-so-far training loss (left) and the best-so-far test accuracy
    /// (right) against epochs, one line per method.
    /// </summary>
    public static LinePlot Figure(IReadOnlyList<MethodRun> runs, MlpSettings settings, Network network)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        var figure = new LinePlot();
        var loss = figure.AddPanel($"{network.Shape}: best training loss so far", "epoch k", $"min over epochs ≤ k of the {Names.Of(settings.Loss)} loss");
        var accuracy = figure.AddPanel($"{network.Shape}: best test accuracy so far", "epoch k", "max over epochs ≤ k of the test accuracy (%)");
        foreach (MethodRun run in runs)
        {
            double[] epochs = [.. run.Epochs.Select(e => (double)e.Epoch)];
            string label = $"{Names.Display(run.Method)} ({StepText(run)})";
            loss.AddSeries(label, epochs, run.BestTrainLoss());
            accuracy.AddSeries(label, epochs, [.. run.BestTestAccuracy().Select(a => 100 * a)]);
        }

        return figure;
    }

    /// <summary>"η = 2^-2" for SGD, "α = 2^1, γ = 2^0" for MorSGD.</summary>
    public static string StepText(MethodRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Gamma is double gamma ? $"α = {Names.Step(run.Step)}, γ = {Names.Step(gamma)}" : $"η = {Names.Step(run.Step)}";
    }

    private static double Percent(double fraction) => Math.Round(100 * fraction, 2);
}
