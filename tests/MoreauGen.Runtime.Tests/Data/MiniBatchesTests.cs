using MoreauGen.Data;

namespace MoreauGen.Tests.Data;

/// <summary>Mini-batches: every sample once per epoch, the last partial batch, seeded orders, no allocation.</summary>
public sealed class MiniBatchesTests
{
    /// <summary>Sample i has features (i·F, i·F + 1, …) and label i mod classes, so a copied row names its sample.</summary>
    private static LabeledDataset<float> Numbered(int count, int features, int classes = 10)
    {
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++)
            x[i] = i;
        var labels = Enumerable.Range(0, count).Select(i => i % classes).ToArray();
        return new LabeledDataset<float>(x, labels, features, classes);
    }

    [Theory]
    [InlineData(60000, 256, 235, 96)]   // Fashion-MNIST: 234 full batches and one of 96
    [InlineData(1000, 256, 4, 232)]
    [InlineData(512, 256, 2, 256)]      // no partial batch
    [InlineData(5, 256, 1, 5)]          // fewer samples than one batch
    public void Every_sample_appears_exactly_once_per_epoch_with_a_short_last_batch(int count, int batchSize, int batches, int lastCount)
    {
        const int features = 3;
        var data = Numbered(count, features);
        var minibatches = new MiniBatches<float>(data, batchSize, seed: 11);
        Assert.Equal(batches, minibatches.BatchCount);

        var seen = new int[count];
        for (int epoch = 0; epoch < 2; epoch++)
        {
            Array.Clear(seen);
            minibatches.StartEpoch(epoch);
            int index = 0;
            foreach (var batch in minibatches)
            {
                Assert.Equal(index, batch.Index);
                Assert.Equal(index == batches - 1 ? lastCount : batchSize, batch.Count);
                Assert.Equal(batch.Count * features, batch.Features.Length);
                for (int i = 0; i < batch.Count; i++)
                {
                    int sample = batch.SampleIndices[i];
                    seen[sample]++;
                    Assert.Equal(data.Labels[sample], batch.Labels[i]);
                    for (int j = 0; j < features; j++)
                        Assert.Equal(sample * features + j, batch.Features[i * features + j]);
                }
                index++;
            }
            Assert.Equal(batches, index);
            Assert.All(seen, n => Assert.Equal(1, n));
        }
    }

    [Fact]
    public void The_same_seed_and_epoch_give_the_same_order_whatever_came_before()
    {
        var data = Numbered(1000, 1);
        var a = new MiniBatches<float>(data, 100, seed: 5);
        var b = new MiniBatches<float>(data, 64, seed: 5);
        a.StartEpoch(3);
        b.StartEpoch(1);
        b.StartEpoch(2);
        b.StartEpoch(3);
        Assert.Equal(a.Order.ToArray(), b.Order.ToArray());
    }

    [Fact]
    public void Different_seeds_and_different_epochs_give_different_orders()
    {
        var data = Numbered(1000, 1);
        var a = new MiniBatches<float>(data, 100, seed: 5);
        var b = new MiniBatches<float>(data, 100, seed: 6);
        int[] seed5Epoch0 = a.Order.ToArray();
        Assert.NotEqual(seed5Epoch0, b.Order.ToArray());
        a.StartEpoch(1);
        Assert.NotEqual(seed5Epoch0, a.Order.ToArray());
        Assert.NotEqual(Enumerable.Range(0, 1000).ToArray(), seed5Epoch0);
    }

    [Fact]
    public void Without_a_seed_batches_follow_storage_order()
    {
        var data = Numbered(10, 2);
        var minibatches = new MiniBatches<float>(data, 4, seed: null);
        minibatches.StartEpoch(7);
        Assert.Equal(Enumerable.Range(0, 10).ToArray(), minibatches.Order.ToArray());
        var last = minibatches.GetBatch(2);
        Assert.Equal([8, 9], last.SampleIndices.ToArray());
        Assert.Equal([16f, 17, 18, 19], last.Features.ToArray());
    }

    [Fact]
    public void The_shuffle_draws_every_permutation_about_equally_often()
    {
        // 6000 seeds, 6 permutations of 3 items: each expected 1000 times (σ ≈ 29); ±150 is over 5σ.
        var counts = new Dictionary<string, int>();
        Span<int> order = stackalloc int[3];
        for (ulong seed = 0; seed < 6000; seed++)
        {
            SeededShuffle.Permutation(order, seed, epoch: 0);
            string key = string.Join(",", order.ToArray());
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 850, 1150));
    }

    [Fact]
    public void Iterating_an_epoch_allocates_nothing()
    {
        var data = Numbered(1000, 8);
        var minibatches = new MiniBatches<float>(data, 64, seed: 1);
        float checksum = SumEpoch(minibatches); // first pass: JIT and tiering
        minibatches.StartEpoch(1);

        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += SumEpoch(minibatches);
        minibatches.StartEpoch(2);
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
        Assert.True(checksum > 0);
    }

    private static float SumEpoch(MiniBatches<float> minibatches)
    {
        float sum = 0;
        foreach (var batch in minibatches)
            sum += batch.Features[^1] + batch.Labels[0];
        return sum;
    }

    [Fact]
    public void GetBatch_rejects_an_index_past_the_epoch()
    {
        var minibatches = new MiniBatches<float>(Numbered(10, 1), 4, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => minibatches.GetBatch(3));
    }
}
