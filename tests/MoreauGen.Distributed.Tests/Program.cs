using System.Diagnostics;
using System.Globalization;
using System.Numerics;

namespace MoreauGen.Distributed.Tests;

/// <summary>
/// The program the tests start under mpirun ("worker" mode): trains <see cref="Problem"/> data-parallel for a number
/// of steps and has rank 0 write the objective per step and the final parameters, and optionally a checkpoint after
/// every step. A rank can be made to fail (killed, or throwing) at a step, to test how the job stops.
/// </summary>
/// <remarks>
/// Usage: worker --method sgd|morsgd|morsgd-averaged --precision float|double --steps K --batch m --seed s --out FILE
/// [--network tanh|relu|mix] [--solver two-step|lbfgs] [--reduction all|none] [--checkpoint FILE]
/// [--kill-rank r --kill-at-step k] [--throw-rank r --throw-at-step k] [--mpi-library NAME].
/// --reduction none gives exact MorSGD an <see cref="UnreducedPartition{T}"/>.
/// </remarks>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "worker")
        {
            Console.Error.WriteLine("This assembly holds tests; run it as 'worker …' under mpirun (see Program.cs).");
            return 2;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
            options[args[i]] = args[i + 1];
        try
        {
            return DistributedRun.Execute(
                world => options.GetValueOrDefault("--precision", "double") == "float" ? Run<float>(world, options) : Run<double>(world, options),
                options.GetValueOrDefault("--mpi-library"));
        }
        catch (MpiUnavailableException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 3;
        }
    }

    private static int Run<T>(MpiWorld world, Dictionary<string, string> options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int Int(string name, int fallback) => options.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        string method = options["--method"];
        int steps = Int("--steps", 5), batch = Int("--batch", 10), seed = Int("--seed", 1);
        int killRank = Int("--kill-rank", -1), killStep = Int("--kill-at-step", -1);
        int throwRank = Int("--throw-rank", -1), throwStep = Int("--throw-at-step", -1);
        string? checkpoint = options.GetValueOrDefault("--checkpoint");
        string network = options.GetValueOrDefault("--network", "tanh");
        InnerSolver<T> solver = Problem.Solver<T>(options.GetValueOrDefault("--solver", "two-step"));
        T l2 = T.CreateChecked(Problem.L2);

        Chain<T> chain = Problem.CreateChain<T>(network);
        var (w, x, y) = Problem.Data(chain, steps * batch, seed);
        if (!world.IsRoot)
            w.AsSpan().Clear(); // the broadcast must supply rank 0's start
        DataParallelTrainer<T> trainer = (method, options.GetValueOrDefault("--reduction", "all")) switch
        {
            ("sgd", _) => DataParallelTrainer<T>.Sgd(world, chain, T.CreateChecked(Problem.StepSize), l2),
            ("morsgd", "all") => DataParallelTrainer<T>.MorSgd(world, chain, Problem.Schedule<T>(), solver, l2),
            ("morsgd", "none") => DataParallelTrainer<T>.MorSgd(world, new MoreauBackpropagation<T>(chain, Problem.Schedule<T>(), solver)
                { ParameterL2 = l2, Partition = new UnreducedPartition<T>(new MpiBatchPartition<T>(world)) }),
            ("morsgd-averaged", _) => DataParallelTrainer<T>.MorSgd(world, chain, Problem.Schedule<T>(), solver, l2, exact: false),
            _ => throw new ArgumentException($"Unknown method '{method}' or reduction."),
        };
        trainer.BroadcastParameters(w);

        SquaredDistance<T> distance = Problem.Objective<T>();
        IMoreauObjective<T> objective = Problem.Objective(network, distance);
        long iterations = 0, evaluations = 0;
        Range rows = DataParallelTrainer<T>.LocalRows(batch, world.Rank, world.Size);
        var values = new T[steps];
        for (int k = 0; k < steps; k++)
        {
            if (world.Rank == killRank && k == killStep)
                Process.GetCurrentProcess().Kill(); // SIGKILL: no handler runs, as when a machine dies
            if (world.Rank == throwRank && k == throwStep)
                throw new InvalidOperationException($"injected failure at step {k}");
            int first = k * batch + rows.Start.Value, count = rows.End.Value - rows.Start.Value;
            distance.Targets = y.AsMemory(first * Problem.Outputs, count * Problem.Outputs);
            values[k] = trainer.Step(w, x.AsSpan(first * Problem.Inputs, count * Problem.Inputs), objective, batch);
            if (trainer.Oracle is MoreauBackpropagation<T> moreau)
            {
                iterations += moreau.LastStatistics.Iterations;
                evaluations += moreau.LastStatistics.Evaluations;
            }
            if (checkpoint is not null)
                trainer.SaveCheckpoint(checkpoint, w, Problem.Shape, new Dictionary<string, string> { ["steps"] = (k + 1).ToString(CultureInfo.InvariantCulture) });
        }

        // Every rank's solver statistics to rank 0 (each fills its own pair; the sum gathers them).
        long sums = trainer.Partition.SumCount, scalarReductions = trainer.Partition.ScalarReductionCount;
        var solverCounts = new double[2 * world.Size];
        solverCounts[2 * world.Rank] = iterations;
        solverCounts[2 * world.Rank + 1] = evaluations;
        world.AllReduceSum<double>(solverCounts);
        if (world.IsRoot)
        {
            using var output = new StreamWriter(options["--out"]);
            output.WriteLine(string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            output.WriteLine(string.Join(' ', w.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{world.Size} {sums} {scalarReductions}"));
            output.WriteLine(string.Join(' ', solverCounts.Select(v => ((long)v).ToString(CultureInfo.InvariantCulture))));
        }

        return 0;
    }
}
