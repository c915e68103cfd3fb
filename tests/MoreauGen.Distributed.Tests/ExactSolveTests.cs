using System.Globalization;
using System.Numerics;
using Xunit.Abstractions;

namespace MoreauGen.Distributed.Tests;

/// <summary>
/// Exact MorSGD on networks whose λ/x-pass needs the inner solver (ReLU and tanh layers' Φx subproblems, an objective
/// without a closed Moreau gradient): each process solves on its own rows and reduces every scalar the solver computes,
/// so P processes take the one-process step on the same global batch. Tolerances as in <see cref="DataParallelTests"/>
/// (the order of the additions: the solvers' decisions are the same, so only rounding differs, ~1e-16 in double and
/// ~1e-7 in float, amplified over 6 steps).
/// </summary>
public sealed class ExactSolveTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moreaugen-mpi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// The parameters and objective values after 6 steps are the one-process ones, and every rank's inner solver made
    /// exactly the iterations and evaluations of the one-process solver (the same decisions, not just close results).
    /// </summary>
    [Theory]
    [InlineData("relu", "two-step", "double", 2)]
    [InlineData("relu", "two-step", "double", 3)]
    [InlineData("relu", "two-step", "float", 2)]
    [InlineData("mix", "gradient-descent", "double", 2)]
    [InlineData("mix", "gradient-descent", "double", 3)]
    [InlineData("smooth", "lbfgs", "double", 3)]
    public void ProcessesTakeTheOneProcessStepWhereTheXPassNeedsTheSolver(string network, string solver, string precision, int processes)
    {
        if (precision == "float")
            Check<float>(network, solver, processes, DataParallelTests.FloatTolerance);
        else
            Check<double>(network, solver, processes, DataParallelTests.DoubleTolerance);
    }

    /// <summary>
    /// The same jobs with the identity reduction (<see cref="UnreducedPartition{T}"/>): the Φw subproblems are still
    /// summed, but each rank's λ/x-pass solves decide on its own rows, so the iterates leave the one-process ones by far
    /// more than the tolerance and, with the solvers that stop on a test, the ranks take different numbers of
    /// iterations. The test above would fail without the reduction.
    /// </summary>
    [Theory]
    [InlineData("relu", "two-step", 2)]
    [InlineData("mix", "gradient-descent", 3)]
    [InlineData("smooth", "lbfgs", 3)]
    public void WithoutTheReductionTheStepIsNotTheOneProcessStep(string network, string solver, int processes)
    {
        var (_, w, _, _) = Reference.Run<double>("morsgd", DataParallelTests.Steps, DataParallelTests.Batch, DataParallelTests.Seed, network: network, solver: solver);
        var result = RunWorker(network, solver, "double", processes, "none");
        double difference = Reference.MaxRelativeDifference<double>(result.W, w);
        output.WriteLine($"without the reduction: parameters differ by {difference:E2}");
        Assert.True(difference > 1000 * DataParallelTests.DoubleTolerance, $"the unreduced run matched the one-process iterates ({difference:E2})");
        if (solver != "two-step")
            Assert.True(result.Iterations.Distinct().Count() > 1, $"every rank made {result.Iterations[0]} solver iterations");
    }

    private void Check<T>(string network, string solver, int processes, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (values, w, evaluations, iterations) = Reference.Run<T>("morsgd", DataParallelTests.Steps, DataParallelTests.Batch, DataParallelTests.Seed,
                                                                   network: network, solver: solver);
        var result = RunWorker(network, solver, typeof(T) == typeof(float) ? "float" : "double", processes, "all");
        output.WriteLine($"one process: {iterations} solver iterations, {evaluations} evaluations");
        DataParallelTests.CheckIterates<T>(result, values, w, tolerance, output, network, $"{network}/{solver} on {processes} processes");
        Assert.All(result.Iterations, count => Assert.Equal(iterations, count));
        Assert.All(result.Evaluations, count => Assert.Equal(evaluations, count));
        Assert.True(result.ScalarReductions > 0, "no solver scalar was reduced: the λ/x-pass needed no solve");
    }

    private WorkerResult RunWorker(string network, string solver, string precision, int processes, string reduction) =>
        Worker.Run(_folder, output, processes, "--method", "morsgd", "--network", network, "--solver", solver, "--reduction", reduction,
                   "--precision", precision, "--steps", DataParallelTests.Steps.ToString(CultureInfo.InvariantCulture),
                   "--batch", DataParallelTests.Batch.ToString(CultureInfo.InvariantCulture), "--seed", DataParallelTests.Seed.ToString(CultureInfo.InvariantCulture));
}
