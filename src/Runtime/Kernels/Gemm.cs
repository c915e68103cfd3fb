using System.Numerics;

namespace MoreauGen.Kernels;

/// <summary>Which micro-kernel the packed GEMM uses.</summary>
internal enum GemmKernel
{
    /// <summary>The fastest the hardware supports (AVX-512, else AVX2+FMA, else portable).</summary>
    Auto,
    /// <summary>Scalar 4×4 kernel; runs anywhere.</summary>
    Portable,
    /// <summary><see cref="Avx2Kernel{T}"/>: 6 × 2 ymm.</summary>
    Avx2,
    /// <summary><see cref="Avx512Kernel{T}"/>: 12 × 2 zmm.</summary>
    Avx512,
    /// <summary><see cref="Avx512WideKernel{T}"/>: 8 × 3 zmm.</summary>
    Avx512Wide,
}

/// <summary>How the packed GEMM shares one product among several threads.</summary>
internal enum GemmSplit
{
    /// <summary>
    /// <see cref="Columns"/> when op(A) has more than one but at most two MC row blocks (batch 256) and op(B) at least two
    /// NR-panels per thread: each thread multiplies the columns it claims with its own B̃, and the threads pack the shared Ã
    /// (256 rows) together, with no barrier, as in OpenBLAS's level-3 threading of a row-major product, where each thread
    /// owns a range of C's columns and packs its part of the other operand alone. Otherwise <see cref="Rows"/> when op(A) has
    /// at least one MC row block per thread, else <see cref="Tiles"/>.
    /// </summary>
    Auto,
    /// <summary>
    /// Every (KC, MC) block is packed by all threads together and its (jr, ir) tiles are shared out; one barrier
    /// per block. Suits products with few rows.
    /// </summary>
    Tiles,
    /// <summary>
    /// The threads pack each KC×NC block of B̃ together, then claim row blocks of op(A) (at most MC rows, at least
    /// <see cref="GemmOptions.RowBlocksPerThread"/> per thread), each packed into the claiming thread's own Ã and
    /// multiplied there; waits for completed units instead of barriers (<see cref="GemmTask{T, TKernel}"/>). Suits tall products
    /// (e.g. 4000×4000×256, whose 16 column panels give the tile split little to share).
    /// </summary>
    Rows,
    /// <summary>
    /// The dual of <see cref="Rows"/>: the threads pack each KC×MC′ block of Ã together (MC′ = 2·MC, so a batch of 256 is one
    /// block), then claim column blocks of op(B) (whole NR-panels, at most NC columns), each packed into the claiming
    /// thread's own B̃ and multiplied there (<see cref="GemmTask{T, TKernel}"/>, RunColumns).
    /// </summary>
    Columns,
}

/// <summary>
/// Tuning knobs of <see cref="Gemm"/>. The defaults are what <see cref="Ops.MatMul{T}"/> uses; tests set them
/// to reach every path (each kernel, tiny blocks that cross every block edge, forced threading).
/// </summary>
internal readonly record struct GemmOptions
{
    public GemmOptions() { }

    /// <summary>The micro-kernel (a kernel the hardware lacks falls back to the next one down).</summary>
    public GemmKernel Kernel { get; init; } = GemmKernel.Auto;

    /// <summary>Cache blocking; null for the kernel's tuned default.</summary>
    public GemmBlocking? Blocking { get; init; }

    /// <summary>Largest number of threads (the caller included); 0 for the whole <see cref="WorkerPool"/>.</summary>
    public int MaxThreads { get; init; }

    /// <summary>How several threads share a product.</summary>
    public GemmSplit Split { get; init; } = GemmSplit.Auto;

    /// <summary>Products with fewer rows than this use the unpacked path.</summary>
    public int DirectRowsBelow { get; init; } = 5;

    /// <summary>Products with at most this many multiply-adds (m·k·n) use the unpacked path.</summary>
    public long DirectWorkAtMost { get; init; } = 4096;

    /// <summary>Products with fewer multiply-adds than this stay on the calling thread.</summary>
    public long ParallelWorkAtLeast { get; init; } = 1L << 20;

    /// <summary>Fewest row blocks per thread in the row split (<see cref="GemmSplit.Rows"/>); more blocks balance a shared machine better.</summary>
    public int RowBlocksPerThread { get; init; } = 1;

    /// <summary>
    /// In the column split (<see cref="GemmSplit.Columns"/>): each thread packs the whole Ã block itself instead of half of a
    /// shared one, so the threads never wait for each other's packing (the packing of Ã is done once per thread).
    /// </summary>
    public bool ColumnsPackOwnA { get; init; }

    /// <summary>Whether the unpacked path may be used at all.</summary>
    public bool AllowDirect { get; init; } = true;

    /// <summary>
    /// The distance between consecutive stored rows of A, or 0 for a dense A (k when A is stored m×k, m when stored k×m
    /// transposed): a larger one reads a block of columns of a wider stored matrix from a pointer to the block's first
    /// column (x₀'s columns of one core's rows of a dense first layer's weights, <see cref="BatchHalves{T}"/>). Takes the
    /// packed path, never the unpacked one.
    /// </summary>
    public int LeadingDimensionA { get; init; }

    /// <summary>Whether A has a leading dimension of its own.</summary>
    internal bool Strided => LeadingDimensionA != 0;
}

/// <summary>
/// The matrix product behind <see cref="Ops.MatMul{T}"/>: C[m×n] (+)= op(A)·op(B), row-major, where op(A)
/// is m×k (stored k×m when transposed) and op(B) is k×n (stored n×k when transposed).
/// Dispatches between the unpacked path (few rows, tiny products) and the packed Goto/BLIS path
/// (<see cref="GemmTask{T, TKernel}"/>) with the best micro-kernel the hardware has.
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>C[m×n] = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>, with the default options (what <see cref="Ops"/> uses); the lengths must already be checked.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n,
                                   bool transA, bool transB, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Multiply(a, b, c, m, k, n, transA, transB, accumulate, new GemmOptions());

    /// <summary>C (+)= op(A)·op(B) with explicit <paramref name="options"/>; the lengths must already be checked.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n,
                                   bool transA, bool transB, bool accumulate, in GemmOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Multiply(a, b, c, m, k, n, transA, transB, accumulate, options, GemmEpilogue<T>.None);

    /// <summary>
    /// C (+)= op(A)·op(B), then the <paramref name="epilogue"/> (bias and ReLU on C, column sums of op(B)) done inside
    /// the packed product where it takes that path, else as separate passes; the lengths must already be checked.
    /// </summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n,
                                   bool transA, bool transB, bool accumulate, in GemmOptions options, in GemmEpilogue<T> epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0)
            return;
        if (options.Strided)
            CheckStrided(a.Length, m, k, n, transA, options, epilogue);
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            long work = (long)m * k * n;
            if (m == 0 || k == 0 || (options.AllowDirect && !options.Strided && (m < options.DirectRowsBelow || work <= options.DirectWorkAtMost)))
            {
                T* da = pa, db = pb; // the operands, or their masked copies (GemmOperandMask)
                if (m > 0 && k > 0)
                    GemmOperandMask.MaskForDirect(epilogue, ref da, ref db, m, k, n);
                if (m > 0 && k == 0 && !accumulate)
                    c[..(m * n)].Clear();
                else if (m > 0 && k > 0)
                    GemmDirect.Run(da, db, pc, m, k, n, transA, transB, accumulate);
                GemmEpilogueKernels.Separately(epilogue, db, pc, m, k, n, transB);
                return;
            }

            if (epilogue.ColumnSums != null)
                new Span<T>(epilogue.ColumnSums, n).Clear(); // the packing adds every block's sums to these
            switch (Resolve<T>(options.Kernel, n))
            {
                case GemmKernel.Avx512Wide:
                    Packed<T, Avx512WideKernel<T>>(pa, pb, pc, m, k, n, transA, transB, accumulate, options, work, epilogue);
                    break;
                case GemmKernel.Avx512:
                    Packed<T, Avx512Kernel<T>>(pa, pb, pc, m, k, n, transA, transB, accumulate, options, work, epilogue);
                    break;
                case GemmKernel.Avx2:
                    Packed<T, Avx2Kernel<T>>(pa, pb, pc, m, k, n, transA, transB, accumulate, options, work, epilogue);
                    break;
                default:
                    Packed<T, PortableKernel<T>>(pa, pb, pc, m, k, n, transA, transB, accumulate, options, work, epilogue);
                    break;
            }
        }
    }

    /// <summary>Refuses a leading dimension shorter than A's rows or an A too short for it, and the masks (which read dense operands).</summary>
    private static void CheckStrided<T>(int aLength, int m, int k, int n, bool transA, in GemmOptions options, in GemmEpilogue<T> epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ld = options.LeadingDimensionA, rows = transA ? k : m, columns = transA ? m : k; // A as stored
        if (ld < columns || (rows > 0 && columns > 0 && aLength < (long)(rows - 1) * ld + columns))
            throw new ArgumentException($"A leading dimension of {ld} for A does not fit its {rows}×{columns} values in {aLength}.", nameof(options));
        if (epilogue.MaskA != null || epilogue.MaskB != null)
            throw new ArgumentException("A masked operand takes no leading dimension.", nameof(options));
        if (k == 0 && m > 0 && n > 0)
            throw new ArgumentException("A product of depth 0 takes no leading dimension.", nameof(options));
    }

    /// <summary>
    /// C = op(A)·op(B) with the fused epilogue given as spans: an empty <paramref name="bias"/> adds none, an empty
    /// <paramref name="columnSums"/> takes none (else n values each), an empty <paramref name="copy"/> receives no copy of C
    /// (else m×n values); the lengths must already be checked.
    /// </summary>
    public static void MultiplyFused<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool transA, bool transB,
                                        in GemmOptions options, ReadOnlySpan<T> bias, bool relu, Span<T> columnSums, Span<T> copy = default,
                                        bool copyBeforeRelu = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pbias = bias)
        fixed (T* psums = columnSums)
        fixed (T* pcopy = copy)
        {
            Multiply(a, b, c, m, k, n, transA, transB, accumulate: false, options,
                     new GemmEpilogue<T>(bias.IsEmpty ? null : pbias, relu, columnSums.IsEmpty ? null : psums, copy.IsEmpty ? null : pcopy,
                                          copyBeforeRelu && !copy.IsEmpty));
        }
    }

    /// <summary>The kernel a request resolves to on this machine for a product with n columns.</summary>
    public static GemmKernel Resolve<T>(GemmKernel requested, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (requested == GemmKernel.Auto)
        {
            // A narrow C would leave most of the wide kernel's columns as padding: use the AVX2 kernel there.
            requested = Avx512Kernel<T>.IsSupported && n > Avx2Kernel<T>.NR ? GemmKernel.Avx512 : GemmKernel.Avx2;
        }
        if (requested == GemmKernel.Avx512Wide && !Avx512WideKernel<T>.IsSupported)
            requested = GemmKernel.Avx2;
        if (requested == GemmKernel.Avx512 && !Avx512Kernel<T>.IsSupported)
            requested = GemmKernel.Avx2;
        if (requested == GemmKernel.Avx2 && !Avx2Kernel<T>.IsSupported)
            requested = GemmKernel.Portable;
        return requested;
    }

    /// <summary>The cache blocking of a kernel (elements; see <see cref="GemmBlocking"/>).</summary>
    /// <remarks>
    /// For the 48 KB L1d / 1 MB L2 per core of the machines we tune on (AMD Zen 5): KC = 256 keeps a kc×NR
    /// panel of B̃ in L1 (16 KB for the AVX2 float kernel, 32 KB for AVX-512 doubles); the AVX-512 float kernel takes
    /// KC = 384 (a 48 KB panel, read partly from L2 with the kernel's prefetch), which halves C's re-reads at large k:
    /// 1024³ at 377–379 GFLOP/s against 371–374 with KC = 256 in two alternating pairs, the other five shapes of
    /// gemm-rounds unchanged (benchmarks/results/kc384-*). MC = 240 floats (120 doubles)
    /// makes the Ã block 240 KB, well inside L2 next to the B̃ panels streaming through; NC = 4096 floats
    /// (2048 doubles) bounds the shared B̃ block to KC·NC elements (4 MB at KC = 256, 6 MB at KC = 384). The blocks are
    /// then evened out per product (<see cref="GemmTask{T, TKernel}.Prepare"/>), and deepened up to 4·KC for m up
    /// to 2·MC, where the B̃ panel no longer fits in L1 (<see cref="GemmBlocking"/>). Measured on one core: MC 120–480 and KC 192–512 are all
    /// within ±3% of each other on the benchmark shapes.
    /// The AVX2 float kernel takes KC = 384 (a 24 KB B̃ panel and a 9 KB Ã panel, still inside L1): against
    /// OpenBLAS at 4000×4000×256 (k = 4000, so C is re-read and re-written once per KC block) KC = 256 measured
    /// 1.05–1.08 of OpenBLAS's time on one core and KC = 384 0.99–1.02 (benchmarks/RESULTS.md, run 4).
    /// Above 2·MC rows the AVX-512 float kernel takes depth blocks up to DeepKC = 1024 with MC and NC shrunk to keep Ã and B̃
    /// at their sizes (<see cref="GemmBlocking.DeepKC"/>): C is then read and written once per 1024 of depth, not once per
    /// 384 (1024³ +5.7 % and 4000×4000×256 +3.7 % in calls not preempted; benchmarks/RESULTS.md, "Issue 17: why calls of
    /// 1024³ vary").
    /// Measured on this kernel only; the others keep KC.
    /// </remarks>
    public static GemmBlocking DefaultBlocking<T>(GemmKernel kernel)
        where T : unmanaged
    {
        bool isFloat = sizeof(T) == 4;
        return kernel switch
        {
            GemmKernel.Avx512 => isFloat ? new GemmBlocking(MC: 240, KC: 384, NC: 4096, DeepKC: 1024) : new GemmBlocking(120, 256, 2048),
            // A kc×48 float panel of B̃ at KC = 192 is 36 KB, inside the 48 KB L1d beside a 6 KB Ã panel.
            GemmKernel.Avx512Wide => isFloat ? new GemmBlocking(MC: 256, KC: 192, NC: 4080) : new GemmBlocking(128, 192, 2040),
            GemmKernel.Avx2 => isFloat ? new GemmBlocking(MC: 240, KC: 384, NC: 4096) : new GemmBlocking(120, 256, 2048),
            _ => new GemmBlocking(MC: 64, KC: 128, NC: 1024),
        };
    }

    private static void Packed<T, TKernel>(T* a, T* b, T* c, int m, int k, int n, bool transA, bool transB,
                                           bool accumulate, in GemmOptions options, long work, in GemmEpilogue<T> epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
    {
        GemmBlocking blocking = options.Blocking ?? DefaultBlocking<T>(Resolve<T>(options.Kernel, n));
        WorkerPool pool = WorkerPool.Shared;
        int threads = options.MaxThreads > 0 ? Math.Min(options.MaxThreads, pool.ThreadCount) : pool.ThreadCount;
        if (threads > 1 && work >= options.ParallelWorkAtLeast)
        {
            GemmTask<T, TKernel> shared = GemmTask<T, TKernel>.Shared;
            // Prepare the shared task only once the pool is ours; a busy pool means another thread is
            // multiplying, and this product runs on the calling thread instead.
            if (pool.TryReserve())
            {
                try
                {
                    shared.Prepare(a, b, c, m, k, n, transA, transB, accumulate, blocking, threads, options.Split, epilogue, options.RowBlocksPerThread,
                                   options.ColumnsPackOwnA, options.LeadingDimensionA);
                    pool.RunReserved(shared);
                }
                finally
                {
                    shared.Clear();
                    pool.Release();
                }
                return;
            }
        }

        GemmTask<T, TKernel> local = GemmTask<T, TKernel>.Local;
        local.Prepare(a, b, c, m, k, n, transA, transB, accumulate, blocking, threads: 1, GemmSplit.Tiles, epilogue, lda: options.LeadingDimensionA);
        local.Run(0);
        local.Clear();
    }
}
