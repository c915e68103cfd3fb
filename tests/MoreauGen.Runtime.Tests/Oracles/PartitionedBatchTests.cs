using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// <see cref="MoreauBackpropagation{T}.Partition"/>: several "processes" (threads whose sums meet at a barrier), each
/// with a block of the batch's rows, get the Moreau directions of the whole batch.
/// </summary>
public sealed class PartitionedBatchTests
{
    /// <summary>
    /// Parties sum by writing their vectors side by side, then each adds them in rank order. With
    /// <paramref name="reduceSolverScalars"/> false, the inner solver's scalars are not reduced (the identity
    /// reduction: every party solves its λ/x-pass subproblems on its own rows).
    /// </summary>
    private sealed class ThreadPartition(int rank, double[][] slots, Barrier barrier, bool reduceSolverScalars = true) : IBatchPartition<double>
    {
        public bool HoldsSharedTerms => rank == 0;

        public int Sums { get; private set; }

        public int Reductions { get; private set; }

        public double Sum(Span<double> values, double scalar)
        {
            double[] total = Exchange([.. values, scalar], (a, b) => a + b);
            total.AsSpan(0, values.Length).CopyTo(values);
            Sums++;
            return total[^1];
        }

        public void Sum(Span<double> partials)
        {
            if (!reduceSolverScalars)
                return;
            Exchange(partials.ToArray(), (a, b) => a + b).CopyTo(partials);
            Reductions++;
        }

        public double Max(double partial)
        {
            if (!reduceSolverScalars)
                return partial;
            Reductions++;
            return Exchange([partial], Math.Max)[0];
        }

        private double[] Exchange(double[] mine, Func<double, double, double> combine)
        {
            slots[rank] = mine;
            Meet();
            double[] total = [.. slots[0]];
            for (int p = 1; p < slots.Length; p++)
            {
                for (int i = 0; i < total.Length; i++)
                    total[i] = combine(total[i], slots[p][i]);
            }

            Meet();
            return total;
        }

        // A party that failed never arrives: time out instead of waiting forever.
        private void Meet()
        {
            if (!barrier.SignalAndWait(TimeSpan.FromSeconds(30)))
                throw new TimeoutException("Another party did not reach the sum.");
        }
    }

    private const int Inputs = 4, Hidden = 5, Outputs = 2;

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void TwoHalvesOfABatchGetTheWholeBatchsMoreauDirections(double l2)
    {
        // tanh layer first (its Φw needs the inner solver; the first layer's Φx is never formed), a linear layer
        // marked affine second, a squared distance with a closed Moreau gradient: every λ/x step is closed.
        const int m = 6;
        var chain = new Chain<double>([new TanhLayer(Inputs, Hidden), new DeclaredLinearLayer(Hidden, Outputs)]);
        var (w, x, y) = Draw(chain, m);
        IMoreauObjective<double> Objective(Range rows) => new SquaredDistance<double>(Outputs, y.AsMemory()[(rows.Start.Value * Outputs)..(rows.End.Value * Outputs)]) { Weight = 1.0 / m };
        var oracle = (IBatchPartition<double>? partition) => new MoreauBackpropagation<double>(chain, Schedule) { ParameterL2 = l2, Partition = partition };

        var (expected, whole) = Whole(oracle, w, x, Objective(..m));
        Assert.True(whole.Evaluations > 0, "the inner solver did not run: the test would not exercise the summed subproblem");
        var parties = Split(2, oracle, w, x, Objective, reduce: true);

        AssertClose(expected, parties[0].Direction, 1e-12);
        Assert.Equal(parties[0].Direction, parties[1].Direction);
        // One sum per layer for Φw at 0, one per inner evaluation of the tanh layer's Φw; no λ/x-pass solve.
        Assert.Equal(2 + whole.Evaluations, parties[0].Partition.Sums);
        Assert.Equal(0, parties[0].Partition.Reductions);
    }

    /// <summary>
    /// A tanh layer in the middle (its Φx subproblem needs the inner solver) and an objective without a closed Moreau
    /// gradient: the λ/x-pass solves run on each party's rows, and with the solver's scalars reduced every party takes
    /// the decisions of the whole batch's solve (the same iterations and evaluations) and the directions are the whole
    /// batch's up to the order of the additions (1e-12 relative in double).
    /// </summary>
    [Theory]
    [InlineData("two-step", 2)]
    [InlineData("two-step", 3)]
    [InlineData("lbfgs", 2)]
    [InlineData("lbfgs", 3)]
    public void PartiesSolvingTheirRowsOfTheXPassTakeTheWholeBatchsSteps(string solver, int parties)
    {
        const int m = 7; // rows split unevenly
        var (w, x, oracle) = LayerMix(solver, m);
        var (expected, whole) = Whole(oracle, w, x, new LogSquareObjective(Outputs));
        var results = Split(parties, oracle, w, x, _ => new LogSquareObjective(Outputs), reduce: true);
        foreach (var party in results)
        {
            AssertClose(expected, party.Direction, 1e-12);
            Assert.Equal(whole.Iterations, party.Statistics.Iterations);
            Assert.Equal(whole.Evaluations, party.Statistics.Evaluations);
            Assert.True(party.Partition.Reductions > 0);
        }
    }

    /// <summary>
    /// The same with the identity reduction (what the seam replaces): each party's λ/x-pass solves stop on their own
    /// rows' tests, so the directions are not the whole batch's (by more than 1000 times the tolerance above), and
    /// L-BFGS takes a different number of iterations on each party. Shows the test above can fail.
    /// </summary>
    [Theory]
    [InlineData("two-step")]
    [InlineData("lbfgs")]
    public void WithoutReducingTheSolversScalarsThePartiesDoNotTakeTheWholeBatchsSteps(string solver)
    {
        const int m = 7, parties = 3;
        var (w, x, oracle) = LayerMix(solver, m);
        var (expected, whole) = Whole(oracle, w, x, new LogSquareObjective(Outputs));
        var results = Split(parties, oracle, w, x, _ => new LogSquareObjective(Outputs), reduce: false);
        double difference = MaxRelativeDifference(expected, results[0].Direction);
        Assert.True(difference > 1e-9, $"the local solves matched the whole batch's ({difference:E2})");
        if (solver == "lbfgs")
            Assert.Contains(results, r => r.Statistics.Iterations != whole.Iterations);
    }

    private static readonly MoreauSchedule<double> Schedule = MoreauSchedule<double>.Constant(0.7, 1.5);

    private static (double[] W, double[] X, Func<IBatchPartition<double>?, MoreauBackpropagation<double>> Oracle) LayerMix(string solver, int m)
    {
        var chain = new Chain<double>([new TanhLayer(Inputs, Hidden), new TanhLayer(Hidden, Hidden), new DeclaredLinearLayer(Hidden, Outputs)]);
        var (w, x, _) = Draw(chain, m);
        InnerSolver<double> inner = solver == "lbfgs" ? new LbfgsSolver<double> { RelativeTolerance = 1e-6 } : new TwoStepSolver<double>();
        return (w, x, partition => new MoreauBackpropagation<double>(chain, Schedule, inner) { ParameterL2 = 0.01, Partition = partition });
    }

    private static (double[] W, double[] X, double[] Y) Draw(Chain<double> chain, int m)
    {
        var random = new Random(3);
        double[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2 - 1) * scale)];
        return (Values(chain.ParameterCount, 0.8), Values(m * chain.InputCount, 1), Values(m * chain.OutputCount, 1));
    }

    private static (double[] Direction, InnerSolveStatistics<double> Statistics) Whole(
        Func<IBatchPartition<double>?, MoreauBackpropagation<double>> create, double[] w, double[] x, IMoreauObjective<double> objective)
    {
        var oracle = create(null);
        var direction = new double[w.Length];
        oracle.Evaluate(w, x, objective, direction);
        return (direction, oracle.LastStatistics);
    }

    private static (double[] Direction, InnerSolveStatistics<double> Statistics, ThreadPartition Partition)[] Split(
        int parties, Func<IBatchPartition<double>?, MoreauBackpropagation<double>> create, double[] w, double[] x,
        Func<Range, IMoreauObjective<double>> objective, bool reduce)
    {
        var slots = new double[parties][];
        using var barrier = new Barrier(parties);
        var results = new (double[], InnerSolveStatistics<double>, ThreadPartition)[parties];
        var failures = new Exception?[parties];
        int m = x.Length / Inputs;
        // One thread per party (not the pool's: every party must run at once to meet at the barrier).
        var threads = Enumerable.Range(0, parties).Select(rank => new Thread(() =>
        {
            try
            {
                var rows = new Range(rank * m / parties, (rank + 1) * m / parties);
                var partition = new ThreadPartition(rank, slots, barrier, reduce);
                var oracle = create(partition);
                var direction = new double[w.Length];
                oracle.Evaluate(w, x.AsSpan()[(rows.Start.Value * Inputs)..(rows.End.Value * Inputs)], objective(rows), direction);
                results[rank] = (direction, oracle.LastStatistics, partition);
            }
            catch (Exception e)
            {
                failures[rank] = e;
            }
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        foreach (var failure in failures)
        {
            if (failure is not null)
                throw new InvalidOperationException("A party failed.", failure);
        }

        return results;
    }

    private static double MaxRelativeDifference(double[] expected, double[] actual) =>
        expected.Zip(actual, (e, a) => Math.Abs(a - e) / (1 + Math.Abs(e))).Max();

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        double difference = MaxRelativeDifference(expected, actual);
        Assert.True(difference <= tolerance, $"the directions differ by {difference:E2} > {tolerance:E0}");
    }
}
