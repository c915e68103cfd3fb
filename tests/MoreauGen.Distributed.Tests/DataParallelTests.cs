using System.Globalization;
using System.Numerics;
using Xunit.Abstractions;

namespace MoreauGen.Distributed.Tests;

/// <summary>
/// Several processes under mpirun take the one-process step on the same global batch. The tolerance is that of the
/// order of the additions (each process sums its rows, then the processes' sums are added): relative
/// <see cref="DoubleTolerance"/> in double and <see cref="FloatTolerance"/> in float, per parameter and per objective
/// value, as max |a − b| / (1 + |b|) after all steps.
/// </summary>
public sealed class DataParallelTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Re-association tolerance in double (rounding ~1e-16 amplified over a few steps).</summary>
    public const double DoubleTolerance = 1e-12;

    /// <summary>Re-association tolerance in float (rounding ~6e-8 amplified over a few steps).</summary>
    public const double FloatTolerance = 2e-5;

    internal const int Steps = 6, Batch = 10, Seed = 7;
    private readonly string _folder = Directory.CreateTempSubdirectory("moreaugen-mpi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("sgd", 2)]
    [InlineData("morsgd", 2)]
    [InlineData("morsgd", 3)]
    public void ProcessesReproduceTheOneProcessIteratesInDouble(string method, int processes) =>
        CheckAgainstOneProcess<double>(method, processes, DoubleTolerance);

    [Theory]
    [InlineData("sgd")]
    [InlineData("morsgd")]
    public void TwoProcessesReproduceTheOneProcessIteratesInFloat(string method) =>
        CheckAgainstOneProcess<float>(method, 2, FloatTolerance);

    [Fact]
    public void AveragedMorSgdIsAnApproximationNotTheGlobalStep()
    {
        var (_, w, _, _) = Reference.Run<double>("morsgd", Steps, Batch, Seed);
        var averaged = RunWorker(2, "morsgd-averaged", "double");
        double difference = Reference.MaxRelativeDifference<double>(averaged.W, w);
        output.WriteLine($"averaged vs one-process MorSGD: {difference:E2}");
        Assert.True(difference > 1000 * DoubleTolerance, $"the averaged directions matched the global step ({difference:E2}); the exactness test could not tell them apart");
    }

    private void CheckAgainstOneProcess<T>(string method, int processes, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (values, w, evaluations, _) = Reference.Run<T>(method, Steps, Batch, Seed);
        var result = RunWorker(processes, method, typeof(T) == typeof(float) ? "float" : "double");
        CheckIterates<T>(result, values, w, tolerance, output, "tanh", $"{method} on {processes} processes");

        // SGD sums once per step. Exact MorSGD sums, per step, Φw at 0 of both layers (from the pullback), the
        // objective's value, and once per evaluation the one-process inner solver made on the tanh layer's Φw (the
        // only subproblem here without a closed form).
        if (method == "sgd")
        {
            Assert.Equal(Steps, result.Sums);
        }
        else
        {
            Assert.True(evaluations >= Steps, $"the inner solver made only {evaluations} evaluations");
            Assert.Equal(3L * Steps + evaluations, result.Sums);
        }

        Assert.Equal(0, result.ScalarReductions);
    }

    /// <summary>
    /// Asserts that the worker's objective values (on <paramref name="network"/>) and final parameters are the one-process ones within
    /// <paramref name="tolerance"/>, and that the parameters moved by more than 1000 times it (a run where nothing
    /// happened could not fail).
    /// </summary>
    internal static void CheckIterates<T>(WorkerResult result, T[] values, T[] w, double tolerance, ITestOutputHelper output, string network, string label)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double parameterDifference = Reference.MaxRelativeDifference<T>(result.W, w);
        double valueDifference = Reference.MaxRelativeDifference<T>(result.Values, values);
        output.WriteLine($"{label} vs 1: parameters {parameterDifference:E2}, objective {valueDifference:E2}");
        Assert.True(parameterDifference <= tolerance, $"parameters differ by {parameterDifference:E2} > {tolerance:E0}");
        Assert.True(valueDifference <= tolerance, $"objective values differ by {valueDifference:E2} > {tolerance:E0}");
        double moved = Reference.MaxRelativeDifference(result.W, Problem.Data(Problem.CreateChain<T>(network), 1, Seed).W);
        Assert.True(moved > 1000 * tolerance, $"the parameters moved by only {moved:E2}");
    }

    private WorkerResult RunWorker(int processes, string method, string precision) =>
        Worker.Run(_folder, output, processes, "--method", method, "--precision", precision, "--steps", Steps.ToString(CultureInfo.InvariantCulture),
                   "--batch", Batch.ToString(CultureInfo.InvariantCulture), "--seed", Seed.ToString(CultureInfo.InvariantCulture));
}
