namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Once warm (per-thread column and partial buffers sized, workers started), a conv layer's forward and reverse
/// operations allocate nothing on the calling thread, on the threaded path (a batch) and on the calling-thread path
/// (a batch of one).
/// </summary>
[Collection(nameof(AllocationCollection))]
public sealed class ConvolutionAllocationTests
{
    [Fact]
    public void A_conv_layer_step_allocates_nothing_once_warm()
    {
        const int cin = 4, h = 16, w = 16, cout = 8, k = 5, pad = 2, oh = 8;
        var random = new Random(3);
        float[] weights = ConvolutionChecks.Random<float>(random, cout * cin * k * k);
        float[] bias = ConvolutionChecks.Random<float>(random, cout);
        float[] dWeights = new float[weights.Length], dBias = new float[cout];

        void Step(int batch)
        {
            float[] x = ConvolutionChecks.Random<float>(new Random(batch), batch * cin * h * w);
            float[] z = new float[batch * cout * h * w], pooled = new float[batch * cout * oh * oh];
            float[] dz = new float[z.Length], dx = new float[x.Length];
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 4; i++)
            {
                Ops.Conv2d<float>(x, weights, z, batch, cin, h, w, cout, k, k, 1, pad);
                Ops.AddChannelBias<float>(z, bias, batch, cout, h * w);
                Ops.Relu<float>(z, z);
                Ops.MaxPool2d<float>(z, pooled, batch, cout, h, w, 2, 2);
                Ops.MaxPool2dBackward<float>(z, pooled, dz, batch, cout, h, w, 2, 2);
                Ops.ReluBackward<float>(z, dz, dz);
                Ops.SumChannels<float>(dz, dBias, batch, cout, h * w);
                Ops.Conv2dBackwardWeights<float>(x, dz, dWeights, batch, cin, h, w, cout, k, k, 1, pad);
                Ops.Conv2dBackwardInput<float>(weights, dz, dx, batch, cin, h, w, cout, k, k, 1, pad);
                Ops.AvgPool2d<float>(z, pooled, batch, cout, h, w, 2, 2);
                Ops.AvgPool2dBackwardAdd<float>(pooled, dz, batch, cout, h, w, 2, 2);
                if (i == 0)
                    before = GC.GetAllocatedBytesForCurrentThread(); // the first round warms the buffers
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Step(16);
        Step(1);
    }
}
