using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using MoreauGen.Kernels;

namespace MoreauGen.Benchmarks.Kernels;

/// <summary>A product shape y[m×n] = op(A)[m×k]·op(B)[k×n] with its storage order.</summary>
public sealed record GemmShape(int M, int K, int N, bool TransposeA = false, bool TransposeB = false)
{
    public override string ToString() =>
        $"{M}x{K}x{N}{(TransposeA ? " At" : "")}{(TransposeB ? " Bt" : "")}";
}

/// <summary>
/// Float GEMM throughput beside OpenBLAS (<c>cblas_sgemm</c>) in the same run, with both libraries limited to
/// <see cref="Threads"/> threads: 2 is the machine (the issue's comparison); 1 compares the kernels alone and
/// is robust to another process taking the second core of a shared machine. The ratio column is time
/// relative to OpenBLAS (below 1 is faster). <c>MatMul</c> is <see cref="Ops.MatMul{T}"/> as users get it
/// (the widest kernel the machine has); <c>MatMul AVX2</c> forces the 6×16 ymm kernel, the one an AVX2-only
/// machine runs (and the instruction set of OpenBLAS's Haswell kernels).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private GemmOptions _options, _avx2Options, _avx2TilesKc256Options;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(KernelJobs.Measured);
            AddColumn(new GflopsColumn(b => Flops((GemmShape)b.Parameters["Shape"])));
            if (!OpenBlas.IsAvailable)
            {
                Console.WriteLine(OpenBlas.MissingMessage);
                AddFilter(new SimpleFilter(b => b.Descriptor.WorkloadMethod.Name != nameof(OpenBlasSgemm)));
            }
        }
    }

    private static double Flops(GemmShape shape) => 2.0 * shape.M * shape.K * shape.N;

    /// <summary>The issue's four shapes, then the two reverse-pass products of the 784→500 dense layer at batch 256.</summary>
    public static IEnumerable<GemmShape> Shapes() =>
    [
        new(256, 784, 500),
        new(256, 500, 300),
        new(4000, 4000, 256),
        new(1024, 1024, 1024),
        new(784, 256, 500, TransposeA: true),   // dW = xᵀ·dz
        new(256, 500, 784, TransposeB: true),   // dx = dz·Wᵀ
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = new(1, 1, 1);

    /// <summary>Threads each library may use.</summary>
    [Params(2, 1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = Fill(random, Shape.M * Shape.K);
        _b = Fill(random, Shape.K * Shape.N);
        _c = new float[Shape.M * Shape.N];
        _options = new GemmOptions { MaxThreads = Threads };
        _avx2Options = new GemmOptions { MaxThreads = Threads, Kernel = GemmKernel.Avx2 };
        _avx2TilesKc256Options = _avx2Options with
        {
            Split = GemmSplit.Tiles,
            Blocking = new GemmBlocking(MC: 240, KC: 256, NC: 4096),
        };
        if (OpenBlas.IsAvailable)
        {
            OpenBlas.SetThreads(Threads);
            Console.WriteLine($"// OpenBLAS kernel family: {OpenBlas.CoreName}");
        }
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = (float)(random.NextDouble() - 0.5);
        return values;
    }

    [Benchmark(Baseline = true, Description = "OpenBLAS sgemm")]
    public void OpenBlasSgemm() =>
        OpenBlas.MatMul(_a, _b, _c, Shape.M, Shape.K, Shape.N, Shape.TransposeA, Shape.TransposeB);

    /// <summary><see cref="Ops.MatMul{T}"/>'s kernel (<see cref="Gemm"/> with default options but the thread limit).</summary>
    [Benchmark(Description = "MatMul")]
    public void MatMul() =>
        Gemm.Multiply<float>(_a, _b, _c, Shape.M, Shape.K, Shape.N, Shape.TransposeA, Shape.TransposeB, false, _options);

    [Benchmark(Description = "MatMul AVX2")]
    public void MatMulAvx2() =>
        Gemm.Multiply<float>(_a, _b, _c, Shape.M, Shape.K, Shape.N, Shape.TransposeA, Shape.TransposeB, false, _avx2Options);

    /// <summary>
    /// The AVX2 kernel with the earlier schedule, for comparison in the same run: KC = 256 and every product
    /// shared out by tiles (<see cref="GemmSplit.Tiles"/>) instead of the row split tall products now get.
    /// </summary>
    [Benchmark(Description = "MatMul AVX2 KC256 tiles")]
    public void MatMulAvx2TilesKc256() =>
        Gemm.Multiply<float>(_a, _b, _c, Shape.M, Shape.K, Shape.N, Shape.TransposeA, Shape.TransposeB, false, _avx2TilesKc256Options);
}
