using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// <see cref="MoreauBackpropagation{T}.Partition"/>: two "processes" (threads whose sums meet at a barrier), each with
/// half of the batch, get the Moreau directions of the whole batch.
/// </summary>
public sealed class PartitionedBatchTests
{
    /// <summary>Two parties sum by writing their vectors side by side, then both add them in the same order.</summary>
    private sealed class TwoThreadPartition(int rank, double[][] slots, Barrier barrier) : IBatchPartition<double>
    {
        public bool HoldsSharedTerms => rank == 0;

        public int Sums { get; private set; }

        public double Sum(Span<double> values, double scalar)
        {
            slots[rank] = [.. values, scalar];
            Meet();
            double[] a = slots[0], b = slots[1];
            for (int i = 0; i < values.Length; i++)
                values[i] = a[i] + b[i];
            double sum = a[^1] + b[^1];
            Meet();
            Sums++;
            return sum;
        }

        // A party that failed never arrives: time out instead of waiting forever.
        private void Meet()
        {
            if (!barrier.SignalAndWait(TimeSpan.FromSeconds(30)))
                throw new TimeoutException("The other party did not reach the sum.");
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void TwoHalvesOfABatchGetTheWholeBatchsMoreauDirections(double l2)
    {
        // tanh layer first (its Φw needs the inner solver; the first layer's Φx is never formed), a linear layer
        // marked affine second, a squared distance with a closed Moreau gradient: every λ/x step is closed, so the
        // split is exact up to the order of the additions.
        const int inputs = 4, hidden = 5, outputs = 2, m = 6;
        var chain = new Chain<double>([new TanhLayer(inputs, hidden), new DeclaredLinearLayer(hidden, outputs)]);
        var random = new Random(3);
        double[] Draw(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2 - 1) * scale)];
        double[] w = Draw(chain.ParameterCount, 0.8), x = Draw(m * inputs, 1), y = Draw(m * outputs, 1);
        var schedule = MoreauSchedule<double>.Constant(0.7, 1.5);

        var whole = new MoreauBackpropagation<double>(chain, schedule) { ParameterL2 = l2 };
        var expected = new double[chain.ParameterCount];
        whole.Evaluate(w, x, new SquaredDistance<double>(outputs, y) { Weight = 1.0 / m }, expected);
        Assert.True(whole.LastStatistics.Evaluations > 0, "the inner solver did not run: the test would not exercise the summed subproblem");

        var slots = new double[2][];
        using var barrier = new Barrier(2);
        var results = new double[2][];
        var partitions = new TwoThreadPartition[2];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, rank =>
        {
            int rows = m / 2, first = rank * rows;
            partitions[rank] = new TwoThreadPartition(rank, slots, barrier);
            var oracle = new MoreauBackpropagation<double>(chain, schedule) { ParameterL2 = l2, Partition = partitions[rank] };
            // The global batch's h, restricted to these rows: c·Σ‖x − y‖² with c = 1/m (not the mean over the half).
            var h = new SquaredDistance<double>(outputs, y.AsMemory(first * outputs, rows * outputs)) { Weight = 1.0 / m };
            results[rank] = new double[chain.ParameterCount];
            oracle.Evaluate(w, x.AsSpan(first * inputs, rows * inputs), h, results[rank]);
        });

        Assert.Equal(results[0], results[1]);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(results[0][i] - expected[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"direction[{i}]: {results[0][i]} vs {expected[i]}");
        // One sum per layer for Φw at 0, one per inner evaluation of the tanh layer's Φw.
        Assert.Equal(2 + whole.LastStatistics.Evaluations, partitions[0].Sums);
    }
}
