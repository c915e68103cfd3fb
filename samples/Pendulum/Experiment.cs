using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Pendulum;

/// <summary>What was run for one horizon: the grid of each method, its selected step, and the fixed (paper's) steps.</summary>
/// <param name="Horizon">τ.</param>
/// <param name="Grids">Per method, the grid runs in ascending step order (empty without a grid).</param>
/// <param name="Selected">Per method, the grid run with the smallest <see cref="Curve.MeanBestCost"/>; absent when there is no grid or every grid run stopped on a non-finite value.</param>
/// <param name="Fixed">Per method, the run at the fixed step (the paper's pick unless overridden); absent when there is none.</param>
public sealed record HorizonResult(
    int Horizon,
    IReadOnlyDictionary<DescentMethod, IReadOnlyList<Curve>> Grids,
    IReadOnlyDictionary<DescentMethod, Curve> Selected,
    IReadOnlyDictionary<DescentMethod, Curve> Fixed)
{
    /// <summary>Every distinct run of this horizon, grid first (method by method, ascending steps), then fixed steps not on the grid.</summary>
    public IEnumerable<Curve> AllCurves()
    {
        var seen = new HashSet<Curve>(ReferenceEqualityComparer.Instance);
        foreach (var grid in Grids.Values)
        {
            foreach (Curve curve in grid)
            {
                if (seen.Add(curve))
                    yield return curve;
            }
        }

        foreach (Curve curve in Fixed.Values)
        {
            if (seen.Add(curve))
                yield return curve;
        }
    }
}

/// <summary>What <see cref="Experiment.Run(PendulumSettings, ConsoleProgress?, CancellationToken, IReadOnlyDictionary{Experiment.RunKey, Curve}?)"/> computed.</summary>
/// <param name="Results">The horizons whose runs all finished, in the order asked for.</param>
/// <param name="PartialRuns">The finished runs of horizons left incomplete by an interruption.</param>
/// <param name="Finished">Runs finished.</param>
/// <param name="Planned">Runs planned.</param>
/// <param name="Interrupted">Whether an interruption stopped the experiment before every run finished.</param>
public sealed record ExperimentOutcome(IReadOnlyList<HorizonResult> Results, IReadOnlyList<Curve> PartialRuns, int Finished, int Planned, bool Interrupted);

/// <summary>
/// The experiment of paper §4 / App. E.2.2: for each horizon and method, a grid search over steps 2^e choosing the
/// step with the smallest mean best-so-far cost over the iterations, plus the fixed (paper's) steps. The runs are
/// independent and run in parallel over the machine's cores; the results do not depend on the order.
/// </summary>
public static class Experiment
{
    /// <summary>Runs everything <paramref name="settings"/> asks for, showing progress on <paramref name="progress"/> (one task per horizon).</summary>
    public static IReadOnlyList<HorizonResult> Run(PendulumSettings settings, ConsoleProgress? progress = null) =>
        Run(settings, progress, CancellationToken.None).Results;

    /// <summary>The key of one run: horizon, method and step.</summary>
    public readonly record struct RunKey(int Horizon, DescentMethod Method, double Step);

    /// <summary>
    /// Runs everything <paramref name="settings"/> asks for until <paramref name="interrupt"/> is cancelled: the runs
    /// under way then finish, no new one starts, and the result holds the horizons whose runs all finished, plus the
    /// finished runs of the other horizons. Runs found in <paramref name="finished"/> (read back by --resume) are not run again.
    /// </summary>
    public static ExperimentOutcome Run(PendulumSettings settings, ConsoleProgress? progress, CancellationToken interrupt,
                                        IReadOnlyDictionary<RunKey, Curve>? finished = null)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // The distinct runs: (horizon, method, step); a fixed step on the grid is run once.
        var plan = new List<(int Horizon, DescentMethod Method, double Step)>();
        foreach (int horizon in settings.Horizons)
        {
            foreach (DescentMethod method in settings.Methods)
            {
                foreach (int e in settings.GridExponents)
                    Add(horizon, method, Math.ScaleB(1.0, e));
                if (settings.FixedStep(method, horizon) is double step)
                    Add(horizon, method, step);
            }
        }

        var curves = new Curve?[plan.Count];
        for (int i = 0; i < plan.Count; i++)
            curves[i] = finished?.GetValueOrDefault(new RunKey(plan[i].Horizon, plan[i].Method, plan[i].Step));

        var tasks = new Dictionary<int, ProgressItem>();
        if (progress is not null)
        {
            foreach (int horizon in settings.Horizons)
            {
                int left = Enumerable.Range(0, plan.Count).Count(i => plan[i].Horizon == horizon && curves[i] is null);
                if (left > 0)
                    tasks[horizon] = progress.AddTask($"τ = {horizon}: {left} runs", left);
            }
        }

        // Longest runs first (MorGD on the longest horizon) so that the cores stay busy to the end.
        int[] order = [.. Enumerable.Range(0, plan.Count).Where(i => curves[i] is null)
            .OrderByDescending(i => plan[i].Horizon * (plan[i].Method == DescentMethod.GradientDescent ? 1 : 4))];
        bool interrupted = false;
        try
        {
            Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = interrupt }, RunOne);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            // The runs under way have finished; the others never started (if any is left: it may come after the last).
            interrupted = curves.Any(c => c is null);
        }

        void RunOne(int i)
        {
            var (horizon, method, step) = plan[i];
            InnerSolver<double>? solver = method == DescentMethod.GradientDescent ? null : settings.CreateSolver();
            curves[i] = SwingUp.Run(horizon, method, step, settings.Iterations, settings.Gamma, solver, settings.Beta, settings.KappaOf(method));
            if (tasks.TryGetValue(horizon, out ProgressItem? task))
                task.Increment();
        }

        var results = new List<HorizonResult>();
        var partial = new List<Curve>();
        foreach (int horizon in settings.Horizons)
        {
            Curve?[] ofHorizon = [.. Enumerable.Range(0, plan.Count).Where(i => plan[i].Horizon == horizon).Select(i => curves[i])];
            if (ofHorizon.Any(c => c is null))
            {
                partial.AddRange(ofHorizon.OfType<Curve>());
                continue;
            }

            var grids = new Dictionary<DescentMethod, IReadOnlyList<Curve>>();
            var selected = new Dictionary<DescentMethod, Curve>();
            var fixedRuns = new Dictionary<DescentMethod, Curve>();
            foreach (DescentMethod method in settings.Methods)
            {
                Curve Find(double step) => curves[plan.IndexOf((horizon, method, step))]!;
                Curve[] grid = [.. settings.GridExponents.Select(e => Find(Math.ScaleB(1.0, e)))];
                grids[method] = grid;
                if (Select(grid) is Curve best)
                    selected[method] = best;
                if (settings.FixedStep(method, horizon) is double step)
                    fixedRuns[method] = Find(step);
            }

            results.Add(new HorizonResult(horizon, grids, selected, fixedRuns));
        }

        return new ExperimentOutcome(results, partial, curves.Count(c => c is not null), plan.Count, interrupted);

        void Add(int horizon, DescentMethod method, double step)
        {
            if (!plan.Contains((horizon, method, step)))
                plan.Add((horizon, method, step));
        }
    }

    /// <summary>
    /// App. E.2.2's choice: the run with the smallest mean best-so-far cost (the smaller step on a tie), or null when
    /// every run stopped on a NaN or an infinity.
    /// </summary>
    public static Curve? Select(IEnumerable<Curve> grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        Curve? best = null;
        foreach (Curve curve in grid)
        {
            double score = curve.MeanBestCost;
            if (double.IsFinite(score) && (best is null || score < best.MeanBestCost || (score == best.MeanBestCost && curve.Step < best.Step)))
                best = curve;
        }

        return best;
    }
}
