using MoreauGen.Data;
using System.Numerics;

namespace MoreauGen.Distributed.Tests;

/// <summary>
/// The small training problem both the tests (one process) and the worker (under mpirun) run: a 6 → 8 (tanh) → 3
/// network, a half squared distance to targets averaged over the batch, ℓ2 weight μ, and data drawn from a seed.
/// Step k uses the global batch of rows [k·m, (k + 1)·m).
/// </summary>
internal static class Problem
{
    public const int Inputs = 6, Hidden = 8, Outputs = 3;
    public const double StepSize = 0.2, Alpha = 0.5, Gamma = 2, L2 = 0.01;

    public static string Shape => Checkpoint.ShapeOf(Inputs, Hidden, Outputs);

    public static Chain<T> CreateChain<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        object chain = typeof(T) == typeof(double)
            ? new Chain<double>([new TanhDense(Inputs, Hidden), new Linear(Hidden, Outputs)])
            : new Chain<float>([new TanhDenseSingle(Inputs, Hidden), new LinearSingle(Hidden, Outputs)]);
        return (Chain<T>)chain;
    }

    public static MoreauSchedule<T> Schedule<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        MoreauSchedule<T>.Constant(T.CreateChecked(Alpha), T.CreateChecked(Gamma));

    public static SquaredDistance<T> Objective<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new(Outputs) { Weight = T.CreateChecked(0.5), MeanOverBatch = true };

    /// <summary>Parameters, inputs (samples × Inputs) and targets (samples × Outputs) drawn from <paramref name="seed"/>.</summary>
    public static (T[] W, T[] X, T[] Y) Data<T>(Chain<T> chain, int samples, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] w = chain.CreateParameters();
        for (int i = 0; i < w.Length; i++)
            w[i] = T.CreateChecked((random.NextDouble() * 2 - 1) * 0.6);
        var x = new T[samples * Inputs];
        for (int i = 0; i < x.Length; i++)
            x[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        var y = new T[samples * Outputs];
        for (int i = 0; i < y.Length; i++)
            y[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return (w, x, y);
    }
}
