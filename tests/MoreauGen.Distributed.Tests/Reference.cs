using System.Globalization;
using System.Numerics;

namespace MoreauGen.Distributed.Tests;

/// <summary>The one-process run of <see cref="Problem"/> with the runtime's own optimisers, and the worker's result file.</summary>
internal static class Reference
{
    /// <summary>
    /// The objective before each of the first <paramref name="steps"/> steps, the parameters after them and the inner
    /// solver's evaluations and iterations summed over the steps (MorSGD); one process, the whole global batch per
    /// step. The data are drawn for <paramref name="dataSteps"/> steps (default <paramref name="steps"/>), as the worker
    /// draws them.
    /// </summary>
    public static (T[] Values, T[] W, int Evaluations, int Iterations) Run<T>(string method, int steps, int batch, int seed, int? dataSteps = null,
                                                                              string network = "tanh", string solver = "two-step")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chain<T> chain = Problem.CreateChain<T>(network);
        var (w, x, y) = Problem.Data(chain, (dataSteps ?? steps) * batch, seed);
        ChainOptimizer<T> optimizer = method == "sgd"
            ? new GradientDescent<T>(chain, T.CreateChecked(Problem.StepSize), T.CreateChecked(Problem.L2))
            : new MoreauGradientDescent<T>(chain, Problem.Schedule<T>(), Problem.Solver<T>(solver), T.CreateChecked(Problem.L2));
        SquaredDistance<T> distance = Problem.Objective<T>();
        IMoreauObjective<T> objective = Problem.Objective(network, distance);
        var values = new T[steps];
        int evaluations = 0, iterations = 0;
        for (int k = 0; k < steps; k++)
        {
            distance.Targets = y.AsMemory(k * batch * Problem.Outputs, batch * Problem.Outputs);
            values[k] = optimizer.Step(w, x.AsSpan(k * batch * Problem.Inputs, batch * Problem.Inputs), objective);
            if (optimizer is MoreauGradientDescent<T> morgd)
            {
                evaluations += morgd.Oracle.LastStatistics.Evaluations;
                iterations += morgd.Oracle.LastStatistics.Iterations;
            }
        }

        return (values, w, evaluations, iterations);
    }

    /// <summary>
    /// Reads the worker's file: values per step, final parameters, "processes sums scalar-reductions", then the inner
    /// solver's iterations and evaluations of every rank (summed over the steps), as pairs.
    /// </summary>
    public static WorkerResult ReadResult(string path)
    {
        string[] lines = File.ReadAllLines(path);
        static double[] Parse(string line) => [.. line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
        long[] counts = [.. lines[2].Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
        long[] solver = [.. lines[3].Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
        return new WorkerResult(Parse(lines[0]), Parse(lines[1]), counts[1], counts[2],
                                [.. solver.Where((_, i) => i % 2 == 0)], [.. solver.Where((_, i) => i % 2 == 1)]);
    }

    /// <summary>max_i |a_i − b_i| / (1 + |b_i|).</summary>
    public static double MaxRelativeDifference<T>(ReadOnlySpan<double> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(b.Length, a.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double reference = double.CreateChecked(b[i]);
            worst = Math.Max(worst, Math.Abs(a[i] - reference) / (1 + Math.Abs(reference)));
        }

        return worst;
    }
}

/// <summary>
/// What the worker's rank 0 wrote: the objective per step, the final parameters, the MPI_Allreduce calls
/// (<see cref="Sums"/>, of which <see cref="ScalarReductions"/> reduced an inner solver's scalars), and per rank the
/// inner solver's iterations and evaluations summed over the steps.
/// </summary>
internal sealed record WorkerResult(double[] Values, double[] W, long Sums, long ScalarReductions, long[] Iterations, long[] Evaluations);
