using System.Globalization;
using System.Numerics;

namespace MoreauGen.Distributed.Tests;

/// <summary>The one-process run of <see cref="Problem"/> with the runtime's own optimisers, and the worker's result file.</summary>
internal static class Reference
{
    /// <summary>
    /// The objective before each of the first <paramref name="steps"/> steps, the parameters after them and the inner
    /// solver's evaluations summed over the steps (MorSGD); one process, the whole global batch per step. The data are
    /// drawn for <paramref name="dataSteps"/> steps (default <paramref name="steps"/>), as the worker draws them.
    /// </summary>
    public static (T[] Values, T[] W, int Evaluations) Run<T>(string method, int steps, int batch, int seed, int? dataSteps = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chain<T> chain = Problem.CreateChain<T>();
        var (w, x, y) = Problem.Data(chain, (dataSteps ?? steps) * batch, seed);
        ChainOptimizer<T> optimizer = method == "sgd"
            ? new GradientDescent<T>(chain, T.CreateChecked(Problem.StepSize), T.CreateChecked(Problem.L2))
            : new MoreauGradientDescent<T>(chain, Problem.Schedule<T>(), l2: T.CreateChecked(Problem.L2));
        SquaredDistance<T> objective = Problem.Objective<T>();
        var values = new T[steps];
        int evaluations = 0;
        for (int k = 0; k < steps; k++)
        {
            objective.Targets = y.AsMemory(k * batch * Problem.Outputs, batch * Problem.Outputs);
            values[k] = optimizer.Step(w, x.AsSpan(k * batch * Problem.Inputs, batch * Problem.Inputs), objective);
            if (optimizer is MoreauGradientDescent<T> morgd)
                evaluations += morgd.Oracle.LastStatistics.Evaluations;
        }

        return (values, w, evaluations);
    }

    /// <summary>Reads the worker's file: values per step, final parameters, then "processes sums".</summary>
    public static (double[] Values, double[] W, long Sums) ReadResult(string path)
    {
        string[] lines = File.ReadAllLines(path);
        static double[] Parse(string line) => [.. line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
        return (Parse(lines[0]), Parse(lines[1]), long.Parse(lines[2].Split(' ')[1], CultureInfo.InvariantCulture));
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
