using MoreauGen.Data;
using System.Numerics;

namespace MoreauGen.Distributed.Tests;

/// <summary>
/// The small training problems both the tests (one process) and the worker (under mpirun) run: a network
/// (<see cref="CreateChain{T}(string)"/>), a half squared distance to targets averaged over the batch, ℓ2 weight μ, and
/// data drawn from a seed. Step k uses the global batch of rows [k·m, (k + 1)·m).
/// </summary>
internal static class Problem
{
    public const int Inputs = 6, Hidden = 8, Outputs = 3;
    public const double StepSize = 0.2, Alpha = 0.5, Gamma = 2, L2 = 0.01;

    public static string Shape => Checkpoint.ShapeOf(Inputs, Hidden, Outputs);

    /// <summary>The network of the checkpoint tests: 6 → 8 (tanh) → 3.</summary>
    public static Chain<T> CreateChain<T>() where T : unmanaged, IFloatingPointIeee754<T> => CreateChain<T>("tanh");

    /// <summary>
    /// "tanh": 6 → 8 (tanh) → 3, where every λ/x-pass step has a closed form. "relu": 6 → 8 (ReLU) → 8 (ReLU) → 3, whose
    /// second layer's Φx the inner solver solves. "mix": 6 → 8 (ReLU) → 8 (tanh) → 8 (ReLU) → 3, and "smooth": 6 → 8 → 8 →
    /// 8 (tanh) → 3 (double only): two Φx solves each, and an objective hiding its closed form
    /// (<see cref="Objective{T}(string, SquaredDistance{T})"/>).
    /// </summary>
    public static Chain<T> CreateChain<T>(string network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        object chain = (network, typeof(T) == typeof(double)) switch
        {
            ("tanh", true) => new Chain<double>([new TanhDense(Inputs, Hidden), new Linear(Hidden, Outputs)]),
            ("tanh", false) => new Chain<float>([new TanhDenseSingle(Inputs, Hidden), new LinearSingle(Hidden, Outputs)]),
            ("relu", true) => new Chain<double>([new ReluDense(Inputs, Hidden), new ReluDense(Hidden, Hidden), new Linear(Hidden, Outputs)]),
            ("relu", false) => new Chain<float>([new ReluDenseSingle(Inputs, Hidden), new ReluDenseSingle(Hidden, Hidden), new LinearSingle(Hidden, Outputs)]),
            ("smooth", true) => new Chain<double>([new TanhDense(Inputs, Hidden), new TanhDense(Hidden, Hidden), new TanhDense(Hidden, Hidden), new Linear(Hidden, Outputs)]),
            ("mix", true) => new Chain<double>([new ReluDense(Inputs, Hidden), new TanhDense(Hidden, Hidden), new ReluDense(Hidden, Hidden), new Linear(Hidden, Outputs)]),
            _ => throw new ArgumentException($"Unknown network '{network}' for {typeof(T).Name}.", nameof(network)),
        };
        return (Chain<T>)chain;
    }

    /// <summary>
    /// The inner solver: "two-step" (the paper's, the default), "gradient-descent" (up to 20 steps, stopping at 10⁻²
    /// relative) or "lbfgs" (to 10⁻⁶ relative); the last two stop on a test, so their iteration counts depend on the data.
    /// </summary>
    public static InnerSolver<T> Solver<T>(string name) where T : unmanaged, IFloatingPointIeee754<T> => name switch
    {
        "two-step" => new TwoStepSolver<T>(),
        "lbfgs" => new LbfgsSolver<T> { RelativeTolerance = T.CreateChecked(1e-6) },
        "gradient-descent" => new GradientDescentSolver<T>(20) { RelativeTolerance = T.CreateChecked(1e-2) },
        _ => throw new ArgumentException($"Unknown solver '{name}'.", nameof(name)),
    };

    public static MoreauSchedule<T> Schedule<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        MoreauSchedule<T>.Constant(T.CreateChecked(Alpha), T.CreateChecked(Gamma));

    public static SquaredDistance<T> Objective<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new(Outputs) { Weight = T.CreateChecked(0.5), MeanOverBatch = true };

    /// <summary>
    /// The objective to train <paramref name="network"/> on, reading its targets from <paramref name="distance"/>: the
    /// squared distance itself, or for "mix" and "smooth" the same without its closed Moreau gradient (the inner solver then
    /// computes ∇env(γh) on each process's rows, a λ-pass solve).
    /// </summary>
    public static IMoreauObjective<T> Objective<T>(string network, SquaredDistance<T> distance) where T : unmanaged, IFloatingPointIeee754<T> =>
        network != "tanh" && network != "relu" ? new WithoutEnvelope<T>(distance) : distance;

    /// <summary>An objective that hides its inner objective's closed Moreau gradient.</summary>
    private sealed class WithoutEnvelope<T>(IMoreauObjective<T> inner) : IMoreauObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int InputCount => inner.InputCount;

        public T Value(ReadOnlySpan<T> x) => inner.Value(x);

        public T ValueAndGradient(ReadOnlySpan<T> x, Span<T> grad) => inner.ValueAndGradient(x, grad);
    }

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
