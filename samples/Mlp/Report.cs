using System.Globalization;
using MoreauGen.Samples.Common;
using Spectre.Console;

namespace MoreauGen.Samples.Mlp;

/// <summary>The sample's outputs: the per-epoch console table, <c>epochs.csv</c> and <c>curves.png</c>.</summary>
public static class Report
{
    /// <summary>
    /// The header of epochs.csv, one row per method and epoch (epoch 0: the initial parameters). Accuracies are
    /// percentages, as on screen and in the plot; samples/Mlp/RESULTS.md describes every column.
    /// </summary>
    public static readonly string[] EpochsHeader =
    [
        "method", "step", "gamma", "epoch", "train_loss", "best_train_loss", "train_accuracy_pct", "test_loss", "test_accuracy_pct",
        "best_test_accuracy_pct", "train_seconds", "eval_seconds", "beta", "kappa",
    ];

    /// <summary>File names inside the output folder.</summary>
    public const string EpochsFile = "epochs.csv", FigureFile = "curves.png";

    /// <summary>
    /// The per-epoch table, printed a row at a time as each epoch's evaluation is ready (see <see cref="WriteEpochRow"/>):
    /// losses, accuracies (in %), their best-so-far values and the times. Its heading is printed now.
    /// </summary>
    public static LiveTable LiveEpochs(MlpSettings settings, Network network, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        var table = new LiveTable(console, ("method", 8), ("step", 36), ("epoch", 5), ("train loss", 10), ("best train loss", 10),
                                  ("train acc %", 8), ("test loss", 10), ("test acc %", 8), ("best test acc %", 8), ("train s", 7), ("eval s", 6));
        table.WriteHeader($"{network.Shape}, {Names.Of(settings.Loss)} loss, batch {settings.BatchSize}, μ = {settings.L2.ToString("R", CultureInfo.InvariantCulture)}: "
                          + "losses and accuracies over the whole training and test sets after each epoch (epoch 0: initial parameters)");
        return table;
    }

    /// <summary>Prints the row of <paramref name="run"/>'s last epoch.</summary>
    public static void WriteEpochRow(LiveTable table, MethodRun run)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(run);
        int i = run.Epochs.Count - 1;
        EpochRecord e = run.Epochs[i];
        var inv = CultureInfo.InvariantCulture;
        table.WriteRow(Names.Of(run.Method), StepText(run), e.Epoch, e.TrainLoss, run.BestTrainLoss()[i], Percent(e.TrainAccuracy).ToString("0.00", inv),
                       e.TestLoss, Percent(e.TestAccuracy).ToString("0.00", inv), Percent(run.BestTestAccuracy()[i]).ToString("0.00", inv),
                       e.Epoch == 0 ? "" : e.TrainSeconds.ToString("0.00", inv), e.EvalSeconds.ToString("0.00", inv));
    }

    /// <summary>One line per method with its mean epoch time, inner-solver work and how it ended (after the live table).</summary>
    public static void Write(IReadOnlyList<MethodRun> runs, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(console);
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
            if (run.ConvexityWarnings > 0)
                console.WriteLine(string.Create(inv, $"{Names.Display(run.Method)}: the Prop. 2.3 guard warned {run.ConvexityWarnings} times; the first: {run.FirstConvexityWarning}. ")
                                  + "A smaller --gamma (or --back-off) keeps the subproblems strongly convex.", Style.Plain);
            if (run.Failure is not null)
                console.WriteLine($"{Names.Display(run.Method)} {run.Failure}", Style.Plain);
        }
    }

    /// <summary>Every epoch of every method, for <c>epochs.csv</c> (header <see cref="EpochsHeader"/>; accuracies in %).</summary>
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
                csv.AddRow(Names.Of(run.Method), run.Step, run.Gamma, e.Epoch, e.TrainLoss, bestLoss[i], Percent(e.TrainAccuracy), e.TestLoss,
                           Percent(e.TestAccuracy), Percent(bestAccuracy[i]), e.TrainSeconds, e.EvalSeconds, run.Beta, run.Kappa);
            }
        }

        return csv;
    }

    /// <summary>
    /// The paper's Fig. 4 layout for the MLP: the best-so-far training loss (left) and the best-so-far test accuracy in %
    /// (right) against epochs, one line per method. With two trained epochs or more the curves start at epoch 1: the
    /// initial point (the same for both methods, far above) would flatten the gap between them; the titles give it.
    /// The loss axis is logarithmic when the losses span more than a factor <see cref="LinePlot.AutoLogRatio"/>.
    /// </summary>
    public static LinePlot Figure(IReadOnlyList<MethodRun> runs, MlpSettings settings, Network network)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        var inv = CultureInfo.InvariantCulture;
        bool fromEpochOne = runs.Any(r => r.Epochs.Count(e => e.Epoch > 0) >= 2);
        EpochRecord? initial = runs.Select(r => r.Epochs.FirstOrDefault(e => e.Epoch == 0)).FirstOrDefault(e => e is not null);
        string lossNote = fromEpochOne && initial is not null ? string.Create(inv, $" (epoch 0: {initial.TrainLoss:G3})") : "";
        string accuracyNote = fromEpochOne && initial is not null ? string.Create(inv, $" (epoch 0: {Percent(initial.TestAccuracy):0.#}%)") : "";
        var figure = new LinePlot();
        var loss = figure.AddPanel($"{network.Shape}: best training loss so far{lossNote}", "epoch k",
                                   $"min over epochs ≤ k of the {Names.Of(settings.Loss)} loss", logY: null);
        var accuracy = figure.AddPanel($"{network.Shape}: best test accuracy so far{accuracyNote}", "epoch k", "max over epochs ≤ k of the test accuracy (%)");
        foreach (MethodRun run in runs)
        {
            int first = fromEpochOne ? run.Epochs.FindIndex(e => e.Epoch >= 1) : 0;
            if (first < 0)
                continue;
            double[] epochs = [.. run.Epochs.Skip(first).Select(e => (double)e.Epoch)];
            string label = $"{Names.Display(run.Method)} ({StepText(run)})";
            loss.AddSeries(label, epochs, run.BestTrainLoss().AsSpan(first));
            accuracy.AddSeries(label, epochs, [.. run.BestTestAccuracy().Skip(first).Select(Percent)]);
        }

        return figure;
    }

    /// <summary>"η = 2^-2" for SGD, "α = 2^1, γ = 2^0" for MorSGD, with β and κ for the variants that have them.</summary>
    public static string StepText(MethodRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        string text = run.Gamma is double gamma ? $"α = {Names.Step(run.Step)}, γ = {Names.Step(gamma)}" : $"η = {Names.Step(run.Step)}";
        if (run.Beta is double beta)
            text += $", β = {Names.Step(beta)}";
        if (run.Kappa is double kappa)
            text += $", κ = {Names.Step(kappa)}";
        if (run.TargetStep is double eta)
            text += $", η = {Names.Step(eta)}";
        return text;
    }

    /// <summary>A fraction of samples (0..1) in percent, as every output shows accuracies.</summary>
    public static double Percent(double fraction) => 100 * fraction;
}
