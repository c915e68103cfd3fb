using System.Globalization;
using MoreauGen.Samples.Common;
using Spectre.Console;

namespace MoreauGen.Samples.Pendulum;

/// <summary>The sample's outputs: console tables, <c>curves.csv</c>, <c>grid.csv</c> and the plots.</summary>
public static class Report
{
    /// <summary>The header of curves.csv, one row per run and iteration.</summary>
    public static readonly string[] CurvesHeader = ["horizon", "method", "step", "iteration", "cost", "best_cost"];

    /// <summary>The header of grid.csv, one row per run.</summary>
    public static readonly string[] GridHeader =
        ["horizon", "method", "step", "mean_best_cost", "final_cost", "final_best_cost", "failed_at_iteration", "selected", "fixed"];

    /// <summary>File names inside the output folder.</summary>
    public const string CurvesFile = "curves.csv", GridFile = "grid.csv", FigureFile = "fig3.png", FixedFigureFile = "paper-picks.png";

    /// <summary>The settings the runs in the folder were computed with (see <see cref="PendulumSettings.RunKeys"/>), for --resume.</summary>
    public const string SettingsFile = "run-settings.txt";

    /// <summary>
    /// The finished runs in <paramref name="curvesPath"/> (written by <see cref="CurvesTable"/>), with the iteration a
    /// NaN or an infinity stopped a run taken from <paramref name="gridPath"/>'s <c>failed_at_iteration</c>.
    /// </summary>
    /// <exception cref="FormatException">A file is not one this sample wrote, or a run's iterations are not 0, 1, 2, … in order.</exception>
    public static Dictionary<Experiment.RunKey, Curve> ReadCurves(string curvesPath, string gridPath, int iterations)
    {
        var failures = new Dictionary<Experiment.RunKey, int>();
        if (File.Exists(gridPath))
        {
            CsvTable grid = CsvTable.Load(gridPath);
            for (int r = 0; r < grid.RowCount; r++)
            {
                if (grid.Cell(r, "failed_at_iteration") is { Length: > 0 } failed)
                    failures[KeyOf(grid, r)] = int.Parse(failed, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        var costs = new Dictionary<Experiment.RunKey, (List<double> Cost, List<double> Best)>();
        CsvTable csv = CsvTable.Load(curvesPath);
        for (int r = 0; r < csv.RowCount; r++)
        {
            Experiment.RunKey key = KeyOf(csv, r);
            if (!costs.TryGetValue(key, out var run))
                costs[key] = run = ([], []);
            if (int.Parse(csv.Cell(r, "iteration"), NumberStyles.None, CultureInfo.InvariantCulture) != run.Cost.Count)
                throw new FormatException($"'{curvesPath}' line {r + 2}: the iterations of a run are not 0, 1, 2, … in order.");
            run.Cost.Add(csv.GetDouble(r, "cost"));
            run.Best.Add(csv.GetDouble(r, "best_cost"));
        }

        var curves = new Dictionary<Experiment.RunKey, Curve>();
        foreach (var (key, (cost, best)) in costs)
        {
            bool failed = failures.TryGetValue(key, out int at);
            if (!failed && cost.Count != iterations + 1)
                continue; // not a whole run: compute it again
            string? failure = failed ? string.Create(CultureInfo.InvariantCulture, $"non-finite value at iteration {at} (read back from {GridFile})") : null;
            curves[key] = new Curve(key.Horizon, key.Method, key.Step, iterations, [.. cost], [.. best], failure);
        }

        return curves;
    }

    private static Experiment.RunKey KeyOf(CsvTable table, int row)
    {
        string name = table.Cell(row, "method");
        DescentMethod method = Names.Parse(name) ?? throw new FormatException($"'{name}' is not a method of this sample.");
        return new Experiment.RunKey(int.Parse(table.Cell(row, "horizon"), NumberStyles.None, CultureInfo.InvariantCulture), method, table.GetDouble(row, "step"));
    }

    /// <summary>
    /// "2^e" for a power of two (as the grid and the paper write steps), otherwise the shortest round-trip decimal.
    /// </summary>
    public static string StepText(double step)
    {
        if (step > 0 && double.IsFinite(step))
        {
            int e = Math.ILogB(step);
            if (Math.ScaleB(1.0, e) == step)
                return "2^" + e.ToString(CultureInfo.InvariantCulture);
        }

        return step.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The iterations at which the tables show the cost: 0, 5, 10, 20 and K (those ≤ K).</summary>
    public static int[] Checkpoints(int iterations) => [.. new[] { 0, 5, 10, 20, iterations }.Where(k => k <= iterations).Distinct()];

    /// <summary>Prints, per horizon, the grid (mean best-so-far cost per step and method) and the summary table.</summary>
    public static void WriteTables(IReadOnlyList<HorizonResult> results, PendulumSettings settings, IAnsiConsole console)
    {
        foreach (HorizonResult result in results)
        {
            if (settings.GridExponents.Count > 0)
                GridTable(result, settings).Write(console);
            SummaryTable(result, settings).Write(console);
            console.WriteLine();
        }
    }

    /// <summary>The grid of one horizon: per step, each method's mean best-so-far cost and final cost; ← marks the selected steps.</summary>
    public static ConsoleTable GridTable(HorizonResult result, PendulumSettings settings)
    {
        var methods = settings.Methods;
        var columns = new List<string> { "step" };
        foreach (DescentMethod method in methods)
        {
            string name = Names.Of(method);
            columns.AddRange([$"{name} mean best", $"{name} cost@{settings.Iterations}", name]);
        }

        var table = new ConsoleTable([.. columns])
        {
            Title = $"τ = {result.Horizon}: grid over steps 2^e (GD: η; MorGD: α, γ = {Text(settings.Gamma)}); "
                    + "mean best = mean over k = 0..K of min_{i≤k} h; ← chosen (App. E.2.2)",
            NumberFormat = "G4",
        };
        foreach (int e in settings.GridExponents)
        {
            var row = new List<object?> { StepText(Math.ScaleB(1.0, e)) };
            foreach (DescentMethod method in methods)
            {
                Curve curve = result.Grids[method].Single(c => c.Step == Math.ScaleB(1.0, e));
                bool chosen = result.Selected.TryGetValue(method, out Curve? selected) && ReferenceEquals(selected, curve);
                row.Add(Finite(curve.MeanBestCost));
                row.Add(Finite(curve.CostAt(settings.Iterations)));
                row.Add(curve.IsNonFinite ? $"∞: non-finite at k = {curve.FailedAtIteration}"
                        : chosen ? "←"
                        : curve.EndedAboveStart ? "diverges" : "");
            }

            table.AddRow([.. row]);
        }

        return table;
    }

    /// <summary>The summary of one horizon: the cost at iterations 0, 5, 10, 20, K for each method's selected and fixed step.</summary>
    public static ConsoleTable SummaryTable(HorizonResult result, PendulumSettings settings)
    {
        int[] checkpoints = Checkpoints(settings.Iterations);
        var columns = new List<string> { "method", "step", "chosen by", "mean best" };
        columns.AddRange(checkpoints.Select(k => $"cost@{k}"));
        columns.Add($"best@{settings.Iterations}");
        columns.Add("note");
        var table = new ConsoleTable([.. columns])
        {
            Title = $"τ = {result.Horizon}: cost h(x_τ) at iteration k from w = 0 (GD step η; MorGD α, γ = {Text(settings.Gamma)}, "
                    + $"inner solver {InnerSolvers.Name(settings.Solver)})",
            NumberFormat = "G4",
        };
        foreach (DescentMethod method in settings.Methods)
        {
            if (result.Selected.TryGetValue(method, out Curve? selected))
                AddSummaryRow(table, selected, "grid: min mean best", checkpoints);
            else if (settings.GridExponents.Count > 0)
                table.AddRow([Names.Of(method), "none", "grid: every step non-finite", .. Enumerable.Repeat<object?>(null, columns.Count - 3)]);
            if (result.Fixed.TryGetValue(method, out Curve? fixedRun))
            {
                string origin = settings.FixedStepIsPapers(method)
                    ? "paper (App. E.2.2)"
                    : method == DescentMethod.GradientDescent ? "--gd-step" : "--alpha";
                AddSummaryRow(table, fixedRun, origin, checkpoints);
            }
        }

        return table;
    }

    private static void AddSummaryRow(ConsoleTable table, Curve curve, string origin, int[] checkpoints)
    {
        var row = new List<object?> { Names.Of(curve.Method), StepText(curve.Step), origin, Finite(curve.MeanBestCost) };
        row.AddRange(checkpoints.Select(k => Finite(curve.CostAt(k))));
        row.Add(Finite(curve.FinalBestCost));
        row.Add(curve.IsNonFinite
            ? $"stopped: non-finite value at k = {curve.FailedAtIteration}"
            : curve.EndedAboveStart ? "diverged: cost at K above cost at 0" : "");
        table.AddRow([.. row]);
    }

    /// <summary>
    /// Every run, one row per iteration computed, for <c>curves.csv</c> (header <see cref="CurvesHeader"/>): those of
    /// <paramref name="results"/>, then the finished runs of horizons an interruption left incomplete.
    /// </summary>
    public static CsvTable CurvesTable(IReadOnlyList<HorizonResult> results, IEnumerable<Curve>? partialRuns = null)
    {
        var csv = new CsvTable(CurvesHeader);
        foreach (Curve curve in results.SelectMany(r => r.AllCurves()).Concat(partialRuns ?? []))
        {
            for (int k = 0; k < curve.Costs.Length; k++)
                csv.AddRow(curve.Horizon, Names.Of(curve.Method), curve.Step, k, curve.Costs[k], curve.BestCosts[k]);
        }

        return csv;
    }

    /// <summary>
    /// Each method and horizon whose shown run (the grid's choice, else the fixed step) is missing, stopped on a NaN or
    /// an infinity, or ended above its starting cost, e.g. "GD at τ = 50 (η = 2^10: non-finite at k = 3)".
    /// </summary>
    public static IEnumerable<string> Diverged(IReadOnlyList<HorizonResult> results, PendulumSettings settings)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(settings);
        foreach (HorizonResult result in results)
        {
            foreach (DescentMethod method in settings.Methods)
            {
                if (!result.Selected.TryGetValue(method, out Curve? shown) && !result.Fixed.TryGetValue(method, out shown))
                    yield return $"{Names.Display(method)} at τ = {result.Horizon} (every grid step non-finite)";
                else if (shown.IsNonFinite || shown.EndedAboveStart)
                    yield return $"{Names.Display(method)} at τ = {result.Horizon} ({Names.StepSymbol(method)} = {StepText(shown.Step)}: "
                                 + (shown.IsNonFinite ? $"non-finite at k = {shown.FailedAtIteration})" : "cost at K above cost at 0)");
            }
        }
    }

    /// <summary>
    /// One row per run with its selection score, for <c>grid.csv</c> (header <see cref="GridHeader"/>; RESULTS.md
    /// describes each column). Finished runs of a horizon an interruption left incomplete come last, with an empty
    /// <c>selected</c> cell: their grid was not finished, so no step was chosen.
    /// </summary>
    public static CsvTable GridCsv(IReadOnlyList<HorizonResult> results, IEnumerable<Curve>? partialRuns = null, PendulumSettings? settings = null)
    {
        var csv = new CsvTable(GridHeader);
        foreach (HorizonResult result in results)
        {
            foreach (Curve curve in result.AllCurves())
            {
                bool selected = result.Selected.TryGetValue(curve.Method, out Curve? s) && ReferenceEquals(s, curve);
                bool isFixed = result.Fixed.TryGetValue(curve.Method, out Curve? f) && ReferenceEquals(f, curve);
                AddGridRow(csv, curve, selected, isFixed);
            }
        }

        foreach (Curve curve in partialRuns ?? [])
            AddGridRow(csv, curve, selected: null, settings?.FixedStep(curve.Method, curve.Horizon) == curve.Step);
        return csv;
    }

    private static void AddGridRow(CsvTable csv, Curve curve, bool? selected, bool isFixed) =>
        csv.AddRow(curve.Horizon, Names.Of(curve.Method), curve.Step, curve.MeanBestCost, curve.CostAt(curve.Iterations),
                   curve.FinalBestCost, curve.FailedAtIteration, selected, isFixed);

    /// <summary>
    /// The paper's Fig. 3 layout: one panel per horizon, cost against iteration for GD and MorGD at their selected
    /// steps (at the fixed step for a method without a grid). The cost axis is logarithmic with
    /// <paramref name="logScale"/>, otherwise wherever the costs span more than a factor <see cref="LinePlot.AutoLogRatio"/>.
    /// </summary>
    public static LinePlot Figure(IReadOnlyList<HorizonResult> results, bool logScale)
    {
        var figure = new LinePlot();
        foreach (HorizonResult result in results)
        {
            var shown = new List<Curve>();
            foreach (DescentMethod method in Enum.GetValues<DescentMethod>())
            {
                if (result.Selected.TryGetValue(method, out Curve? curve) || result.Fixed.TryGetValue(method, out curve))
                    shown.Add(curve);
            }

            AddPanel(figure, result.Horizon, shown, logScale ? true : null);
        }

        return figure;
    }

    /// <summary>Costs above this are not drawn in <see cref="FixedFigure"/> (the CSV holds them).</summary>
    public const double FixedFigureCeiling = 1e3;

    /// <summary>
    /// The same layout for the fixed (paper's) steps, on a logarithmic cost axis; a run that diverges is drawn up to
    /// where it passes <see cref="FixedFigureCeiling"/> and leaves the panel there (its line ends at the top edge, and
    /// the title says from which iteration); the CSV holds the values above.
    /// </summary>
    public static LinePlot? FixedFigure(IReadOnlyList<HorizonResult> results)
    {
        if (results.All(r => r.Fixed.Count == 0))
            return null;
        var figure = new LinePlot();
        foreach (HorizonResult result in results)
            AddPanel(figure, result.Horizon, [.. result.Fixed.Values.OrderBy(c => c.Method)], logScale: true, FixedFigureCeiling);
        return figure;
    }

    private static void AddPanel(LinePlot figure, int horizon, IReadOnlyList<Curve> curves, bool? logScale, double ceiling = double.PositiveInfinity)
    {
        var parts = new List<string>();
        foreach (Curve curve in curves)
        {
            string part = $"{Names.Display(curve.Method)} {Names.StepSymbol(curve.Method)} = {StepText(curve.Step)}";
            int above = Array.FindIndex(curve.Costs, c => !(c <= ceiling));
            if (above >= 0)
                part += string.Create(CultureInfo.InvariantCulture, $", > {ceiling:0.###} from k = {above}");
            else if (curve.IsNonFinite)
                part += $", non-finite at k = {curve.FailedAtIteration}";
            parts.Add(part);
        }

        var panel = figure.AddPanel($"τ = {horizon} ({string.Join("; ", parts)})", "iteration", "cost h(x_τ)", logScale);
        foreach (Curve curve in curves)
        {
            // The first point above the ceiling is drawn at the ceiling: the line visibly leaves the panel there.
            int above = Array.FindIndex(curve.Costs, c => !(c <= ceiling));
            double[] costs = [.. curve.Costs.Select((c, k) => above < 0 || k < above ? c : k == above ? ceiling : double.NaN)];
            panel.AddSeries(Names.Display(curve.Method), costs); // one label per method: the same colour in every panel
        }
    }

    /// <summary>A finite value as a table cell; null (an empty cell) for a value the run never reached.</summary>
    private static object? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
