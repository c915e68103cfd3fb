using System.Diagnostics;
using System.Globalization;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>
/// The ConvNet sample's three forward convolutions (batch 256, 5×5, padding 2: 1→16 on 32×32, 16→20 on 16×16,
/// 20→20 on 8×8) beside the GEMMs they call, interleaved call by call in one process so that both see the same load:
/// <list type="bullet">
/// <item><c>conv</c>: <see cref="Ops.Conv2d{T}"/> (per sample: an implicit GEMM, the column matrix gathered panel by
/// panel into the micro-kernel's layout, see <c>ImplicitGemm</c>), the samples shared out over the worker pool;</item>
/// <item><c>gemm</c>: the same per-sample products W[C_out × K]·col[K × P] through the single-threaded packed GEMM
/// (which packs both operands on every call), with the same split of the samples over the same pool, on column
/// matrices gathered once beforehand;</item>
/// <item><c>wide</c>: the one product W[C_out × K]·B[K × 256·P] of the same flop count (context only).</item>
/// </list>
/// The goal is conv throughput ≥ 60% of the GEMM's, i.e. gemm / conv time ≥ 0.6. Usage:
/// <code>dotnet benchmarks/MoreauGen.Benchmarks/bin/Release/net10.0/MoreauGen.Benchmarks.dll conv-rounds [--rounds 7] [--calls 5]</code>
/// </summary>
internal static class ConvRounds
{
    private const int Batch = 256;

    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 7), calls = Option(args, "--calls", 5);
        Console.WriteLine($"conv-rounds: batch {Batch}, {rounds} rounds of {calls} calls per side; worker threads {WorkerPool.Shared.ThreadCount}; "
                          + $"GEMM kernel {Gemm.Resolve<float>(GemmKernel.Auto, 512)}; load average at start: {Rounds.LoadAverage()}");
        Console.WriteLine("| layer | conv ms | per-sample GEMM ms | wide GEMM ms | conv GFLOP/s | GEMM GFLOP/s | GEMM / conv time (range) | load |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach ((int cin, int size, int cout) in new[] { (1, 32, 16), (16, 16, 20), (20, 8, 20) })
            RunLayer(cin, size, cout, rounds, calls);
        Console.WriteLine($"load average at end: {Rounds.LoadAverage()}");
        return 0;
    }

    private static void RunLayer(int cin, int size, int cout, int rounds, int calls)
    {
        var shape = new ConvolutionShape(Batch, cin, size, size, cout, 5, 5, 1, 2);
        var random = new Random(1);
        float[] x = Fill(random, Batch * shape.InputSize), w = Fill(random, shape.WeightSize), y = new float[Batch * shape.OutputSize];
        float[] wide = Fill(random, shape.Patch * Batch * shape.Pixels), wideOut = new float[cout * Batch * shape.Pixels];
        var job = new PerSampleGemm(shape, x, w, y);
        var pool = WorkerPool.Shared;

        void Conv() => Ops.Conv2d<float>(x, w, y, Batch, cin, size, size, cout, 5, 5, 1, 2);
        void PerSample()
        {
            if (!pool.TryReserve())
                throw new InvalidOperationException("The worker pool is busy.");
            try
            {
                job.Reset();
                pool.RunReserved(job);
            }
            finally
            {
                pool.Release();
            }
        }
        void Wide() => Ops.MatMul<float>(w, wide, wideOut, cout, shape.Patch, Batch * shape.Pixels);

        Action[] sides = [Conv, PerSample, Wide];
        foreach (Action side in sides)
            side(); // JIT, buffers, threads
        var times = sides.Select(_ => new List<double>()).ToArray();
        var ratios = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var round = sides.Select(_ => new List<double>()).ToArray();
            for (int c = 0; c < calls; c++)
            {
                for (int s = 0; s < sides.Length; s++)
                {
                    int which = (s + c) % sides.Length; // the first side rotates
                    long start = Stopwatch.GetTimestamp();
                    sides[which]();
                    round[which].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            for (int s = 0; s < sides.Length; s++)
                times[s].Add(Rounds.Median(round[s]));
            ratios.Add(Rounds.Median(round[1]) / Rounds.Median(round[0]));
        }

        double flops = 2.0 * Batch * cout * shape.Patch * shape.Pixels;
        double conv = Rounds.Median(times[0]), gemm = Rounds.Median(times[1]), wideMs = Rounds.Median(times[2]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| conv {cin}→{cout}, {size}×{size} | {conv:0.00} | {gemm:0.00} | {wideMs:0.00} | {flops / conv / 1e6:0.0} | {flops / gemm / 1e6:0.0} | "
            + $"**{Rounds.Median(ratios):0.00}** ({ratios.Min():0.00}–{ratios.Max():0.00}) | {Rounds.LoadAverage().Split(' ')[0]} |"));
    }

    /// <summary>Values uniform in [−0.5, 0.5).</summary>
    internal static float[] Fill(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = random.NextSingle() - 0.5f;
        return values;
    }

    /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    internal static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The convolution's per-sample products on column matrices gathered once (one per thread), split over the pool as <c>Convolution</c> splits the samples.</summary>
    private sealed class PerSampleGemm : ParallelJob
    {
        private static readonly GemmOptions SingleThread = new() { MaxThreads = 1 };
        private readonly ConvolutionShape _shape;
        private readonly float[] _w, _y;
        private readonly float[][] _columns;
        private PaddedCounter _next;

        public PerSampleGemm(ConvolutionShape shape, float[] x, float[] w, float[] y)
        {
            _shape = shape;
            _w = w;
            _y = y;
            _columns = new float[WorkerPool.Shared.ThreadCount][];
            for (int t = 0; t < _columns.Length; t++)
            {
                _columns[t] = new float[shape.Patch * shape.Pixels];
                Im2Col.Gather<float>(x.AsSpan(t * shape.InputSize, shape.InputSize), _columns[t], shape);
            }
        }

        /// <summary>Starts a pass: every sample unclaimed.</summary>
        public void Reset() => _next.Value = 0;

        public override void Run(int thread)
        {
            while (true)
            {
                int n = (int)(Interlocked.Increment(ref _next.Value) - 1);
                if (n >= _shape.Batch)
                    return;
                Gemm.Multiply<float>(_w, _columns[thread], _y.AsSpan(n * _shape.OutputSize, _shape.OutputSize),
                                     _shape.OutChannels, _shape.Patch, _shape.Pixels, false, false, false, SingleThread);
            }
        }
    }
}
