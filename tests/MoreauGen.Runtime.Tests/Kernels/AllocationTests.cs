namespace MoreauGen.Tests.Kernels;

/// <summary>Runs alone, so no other test holds the kernels' worker pool while allocations are counted.</summary>
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>
/// Once warm (pack buffers sized, worker started), the operations of a dense layer's forward and reverse
/// pass allocate nothing on the calling thread. BenchmarkDotNet's MemoryDiagnoser checks the whole process
/// in the benchmarks; this guards against regressions in every test run.
/// </summary>
[Collection(nameof(AllocationCollection))]
public sealed class AllocationTests
{
    [Fact]
    public void A_dense_layer_step_allocates_nothing_once_warm()
    {
        const int batch = 64, inputs = 300, outputs = 200;
        var random = new Random(2);
        float[] w = [.. Enumerable.Range(0, inputs * outputs + outputs).Select(_ => random.NextSingle() - 0.5f)];
        float[] x = [.. Enumerable.Range(0, batch * inputs).Select(_ => random.NextSingle())];
        float[] lambda = [.. Enumerable.Range(0, batch * outputs).Select(_ => random.NextSingle() - 0.5f)];
        var tape = new float[batch * outputs];
        var y = new float[batch * outputs];
        var dz = new float[batch * outputs];
        var gradW = new float[w.Length];
        var gradX = new float[x.Length];
        int[] labels = [.. Enumerable.Range(0, batch).Select(i => i % outputs)];

        void Step()
        {
            ReadOnlySpan<float> weights = w.AsSpan(0, inputs * outputs);
            Ops.MatMul(x, weights, tape, batch, inputs, outputs);
            Ops.AddBias<float>(tape, w.AsSpan(inputs * outputs), batch, outputs);
            Ops.Relu<float>(tape, y);
            Ops.SoftmaxCrossEntropy<float>(y, labels, outputs, dz);
            Ops.ReluBackward<float>(tape, lambda, dz);
            Ops.SumRows<float>(dz, gradW.AsSpan(inputs * outputs), batch, outputs);
            Ops.MatMul<float>(x, dz, gradW.AsSpan(0, inputs * outputs), inputs, batch, outputs, transposeA: true);
            Ops.MatMul(dz, weights, gradX, batch, outputs, inputs, transposeB: true);
            Ops.MatMulAdd(x.AsSpan(0, inputs), weights, y.AsSpan(0, outputs), 1, inputs, outputs); // a batch of one
        }

        for (int i = 0; i < 3; i++)
            Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
