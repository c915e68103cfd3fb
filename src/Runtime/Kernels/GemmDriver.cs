using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen.Kernels;

/// <summary>Cache-blocking sizes of the packed GEMM, in elements.</summary>
/// <param name="MC">Rows of op(A) packed at a time (the Ã block lives in L2).</param>
/// <param name="KC">
/// Depth of one packed block: at the kernels' default KC a kc×NR panel of B̃ lives in L1. For m up to 2·MC (a batch of 256,
/// or half of one) <see cref="GemmTask{T, TKernel}.Prepare"/> deepens the block up to 4·KC, so the panel (kc = 784: 98 KB of
/// floats at NR = 32) is read from L2 beside Ã instead, and C is read and written once per product.
/// </param>
/// <param name="NC">Columns of op(B) packed at a time (the B̃ block lives in L3).</param>
/// <param name="DeepKC">
/// For m above 2·MC: the deepest depth block (0: KC). A depth block deeper than KC is read from L2 as in the batch-256 case,
/// and <see cref="GemmTask{T, TKernel}.Prepare"/> shrinks MC and NC by the same factor, so Ã and B̃ keep their sizes: C is
/// read and written once per depth block, k/kc times per product (1024³ at KC = 384: three times, at 1024 once).
/// </param>
internal readonly record struct GemmBlocking(int MC, int KC, int NC, int DeepKC = 0);

/// <summary>
/// One packed matrix product C (+)= op(A)·op(B) in the Goto/BLIS structure, run by one or several threads:
/// <code>
/// for jc in 0..n step NC
///   for pc in 0..k step KC
///     for ic in 0..m step MC
///       pack  B̃ = op(B)[pc.., jc..] (KC×NC, NR-panels; only when ic = 0, then reused for every ic)
///             and Ã = op(A)[ic.., pc..] (MC×KC, MR-panels); panels are claimed by the threads; barrier
///       compute the (jr, ir) tiles, claimed by the threads:
///         micro-kernel C[ic + ir·MR.., jc + jr·NR..] (+)= Ã panel ir · B̃ panel jr
/// </code>
/// With several threads Ã and B̃ are double-buffered, so one barrier per (pc, ic) step suffices: the
/// packing of the next block may start while another thread still computes on the current one.
/// Tall products on several threads take the row split instead (<see cref="GemmSplit.Rows"/>, <see cref="RunRows"/>),
/// which has no barrier at all.
/// An instance owns its pack buffers (pinned, 64-byte aligned) and reuses them from call to call.
/// </summary>
internal sealed unsafe partial class GemmTask<T, TKernel> : ParallelJob
    where T : unmanaged, IFloatingPointIeee754<T>
    where TKernel : struct, IMicroKernel<T>
{
    [ThreadStatic] private static GemmTask<T, TKernel>? t_local;
    private static GemmTask<T, TKernel>? s_shared;

    private readonly AlignedBuffer<T> _packA = new();
    private readonly AlignedBuffer<T> _packB = new();
    private readonly SpinBarrier _barrier = new();
    private PaddedCounter _counter;
    private PaddedCounter _packCounter;
    private PaddedCounter _packedDone; // row/column split: shared panels packed so far, over all steps
    private long[] _blockSteps = [];   // row/column split: steps done by block u at [u · BlockStride], over all steps

    private T* _a, _b, _c;
    private int _m, _k, _n;
    private int _lda; // the distance of the stored rows of A (GemmOptions.LeadingDimensionA, or the dense one)
    private bool _transA, _transB, _accumulate;
    private GemmBlocking _blocking;
    private int _threads;
    private nint _aBlock, _bBlock;
    private bool _rowSplit;
    private int _rowBlocks;
    private bool _columnSplit;
    private int _columnBlocks;
    private bool _columnsOwnA;
    private GemmEpilogue<T> _epilogue;

    /// <summary>The calling thread's single-threaded instance.</summary>
    public static GemmTask<T, TKernel> Local => t_local ??= new GemmTask<T, TKernel>();

    /// <summary>The instance the <see cref="WorkerPool"/> runs (used only while the pool is held).</summary>
    public static GemmTask<T, TKernel> Shared => s_shared ??= new GemmTask<T, TKernel>();

    /// <summary>Sets the problem and makes sure the pack buffers are large enough.</summary>
    public void Prepare(T* a, T* b, T* c, int m, int k, int n, bool transA, bool transB, bool accumulate,
                        GemmBlocking blocking, int threads, GemmSplit split, in GemmEpilogue<T> epilogue, int rowBlocksPerThread = 2,
                        bool columnsPackOwnA = false, int lda = 0)
    {
        _a = a; _b = b; _c = c;
        _lda = lda != 0 ? lda : transA ? m : k;
        _epilogue = epilogue;
        _m = m; _k = k; _n = n;
        _transA = transA; _transB = transB; _accumulate = accumulate;
        _threads = threads;

        int mr = TKernel.MR, nr = TKernel.NR;
        // Balance the blocks: k = 784 with KC = 256 becomes 4 blocks of 196 rather than 3 of 256 and a thin
        // one of 16 (whose micro-kernel calls would be dominated by loading and storing C); likewise MC, NC.
        // m up to 2·MC (a batch of 256, the column split's shapes; half of it, each half of the SGD step on two halves):
        // depth up to 4·KC in one block while an Ã of all m rows stays within 1 MB (a core's L2); C is then read and written
        // once rather than once per KC step. Set from the shape alone, so every split and the single-thread fallback sum in
        // the same order. m = 256, Avx512 float, best call of 5 rounds (gemm-rounds --variants columns-kc500,columns-kc784):
        // k = 500 in one block against two of 250 311 vs 285 GFLOP/s (256×500×300) and 331 vs 309 (256×500×784, B
        // transposed); k = 784 in one against four 320 vs 301. m = 128 on one core (gemm-rounds --threads 1 --variants
        // auto-kc784, median of 7 rounds, benchmarks/RESULTS.md): k = 784 in one block against three 143.9 vs 134.6 GFLOP/s.
        int kcLimit = blocking.KC;
        if (m <= 2 * blocking.MC)
            kcLimit = Math.Min(4 * blocking.KC, Math.Max(blocking.KC, (int)((1 << 20) / (sizeof(T) * RoundUp(m, mr)))));
        else if (m > 2 * blocking.MC)
            kcLimit = Math.Max(blocking.KC, blocking.DeepKC); // GemmBlocking.DeepKC
        int kc = Balance(k, kcLimit, 1);
        // A deeper block keeps B̃'s size (KC·NC elements: 6 MB of floats, not up to 4 times that pinned) and, above 2·MC rows, Ã's
        // (MC·KC) by fewer columns and rows per block. Neither changes the order of any sum (only the depth blocks do), so every
        // split and one thread still agree bit for bit. 1024³ on two threads, unpreempted calls of gemm-calls (benchmarks/RESULTS.md):
        // KC 1024 with MC 96 or 72, 371 GFLOP/s against 351 at KC 384 (MC 240), 360 at KC 512.
        int mcLimit = blocking.MC, ncLimit = blocking.NC;
        if (kc > blocking.KC)
        {
            ncLimit = Math.Max(nr, (int)((long)blocking.NC * blocking.KC / kc) / nr * nr);
            if (m > 2 * blocking.MC)
                mcLimit = Math.Max(mr, (int)((long)blocking.MC * blocking.KC / kc) / mr * mr);
        }
        _blocking = new GemmBlocking(Balance(m, mcLimit, mr), kc, Balance(n, ncLimit, nr));
        _aBlock = RoundUp(_blocking.MC, mr) * (nint)kc;
        _bBlock = RoundUp(_blocking.NC, nr) * (nint)kc;
        _rowBlocks = (m + _blocking.MC - 1) / _blocking.MC;
        bool autoColumns = split == GemmSplit.Auto && PrefersColumns(m, n, threads, blocking);
        _columnSplit = threads > 1 && (split == GemmSplit.Columns || autoColumns);
        _rowSplit = threads > 1 && !_columnSplit && (split == GemmSplit.Rows || (split == GemmSplit.Auto && _rowBlocks >= threads));
        if (_columnSplit)
            PrepareColumns(m, n, blocking, threads, columnsPackOwnA); // sets _blocking, _aBlock, _bBlock, _columnBlocks, the buffers
        else if (_rowSplit)
        {
            // As many row blocks as MC requires, rounded up to a multiple of the threads, and at least rowBlocksPerThread
            // per thread (m = 256 on two threads: 2 blocks of 128 rows; 4 of 64 with two per thread), each an even share of the row groups (RunRows): the threads
            // finish together on an idle machine, and a thread that starts late or is preempted leaves blocks to the others.
            int groups = (m + TKernel.EdgeRows - 1) / TKernel.EdgeRows;
            _rowBlocks = Math.Min(Math.Max((_rowBlocks + threads - 1) / threads, Math.Max(1, rowBlocksPerThread)) * threads, groups);
            // RunRows's largest block (whole row groups) may pass MC by less than a group: size each thread's Ã for it.
            int blockRows = (groups + _rowBlocks - 1) / _rowBlocks * TKernel.EdgeRows;
            _aBlock = RoundUp(Math.Max(_blocking.MC, blockRows), mr) * (nint)kc;
        }
        if (!_columnSplit)
        {
            int copies = threads > 1 ? 2 : 1;
            // Tiles: Ã double-buffered and shared; rows: one Ã per thread (a row block never has more than MC rows).
            _packA.EnsureCapacity((_rowSplit ? threads : copies) * _aBlock);
            _packB.EnsureCapacity(copies * _bBlock);
        }
        _barrier.Reset(threads);
        _counter.Value = 0;
        _packCounter.Value = 0;
        _packedDone.Value = 0;
        int blocks = _rowSplit ? _rowBlocks : _columnSplit ? _columnBlocks : 0;
        if (blocks > 0)
        {
            if (_blockSteps.Length < blocks * BlockStride)
                _blockSteps = new long[blocks * BlockStride]; // grows only: no allocation once the largest product ran
            Array.Clear(_blockSteps, 0, blocks * BlockStride);
        }
    }

    /// <summary>Elements of one B̃ block as last prepared (for tests of the buffers' bound).</summary>
    internal nint BBlockElements => _bBlock;

    /// <summary>Releases the operand pointers once the product is done.</summary>
    public void Clear()
    {
        _a = _b = _c = null;
        _epilogue = default;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    public override void Run(int t)
    {
        if (t >= _threads)
            return;
#if GEMM_TRACE
        GemmTrace.Enter(t);
#endif
        if (_rowSplit)
        {
            RunRows(t);
        }
        else if (_columnSplit)
        {
            RunColumns(t);
        }
        else
        {
            RunTiles(t);
        }
#if GEMM_TRACE
        GemmTrace.Leave();
#endif
    }

    /// <summary>The <see cref="GemmSplit.Tiles"/> schedule (and the single thread's) of thread <paramref name="t"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private void RunTiles(int t)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int threads = _threads;
        bool doubleBuffer = threads > 1;
        T* tile = stackalloc T[mr * nr];
        // Work is claimed from shared counters that only grow: each phase every thread claims until it
        // gets an index past the end, i.e. exactly once too many, so all threads agree on the next base.
        long counterBase = 0, packBase = 0;
        int aStep = 0, bStep = 0;
        (int mcMax, int kcMax, int ncMax, _) = _blocking;

        for (int jc = 0; jc < _n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, _n - jc);
            int nrPanels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < _k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, _k - pc);
                bool accumulate = _accumulate || pc > 0;
                T* packB = _packB.Pointer + (doubleBuffer ? (bStep++ & 1) * _bBlock : 0);
                for (int ic = 0; ic < _m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, _m - ic);
                    int mrPanels = (mc + mr - 1) / mr;
                    T* packA = _packA.Pointer + (doubleBuffer ? (aStep++ & 1) * _aBlock : 0);

                    // Pack: the B̃ panels (first ic block of this pc only), then the Ã panels, claimed
                    // dynamically like the tiles below.
                    int bUnits = ic == 0 ? nrPanels : 0;
                    int packUnits = bUnits + mrPanels;
                    for (int u = threads == 1 ? 0 : Claim(ref _packCounter.Value, packBase);
                         u < packUnits;
                         u = threads == 1 ? u + 1 : Claim(ref _packCounter.Value, packBase))
                    {
                        if (u < bUnits)
                        {
                            int col0 = u * nr;
                            PackB(pc, kc, jc + col0, Math.Min(nr, nc - col0), packB + (nint)u * nr * kc);
                        }
                        else
                        {
                            int panel = u - bUnits;
                            int row0 = panel * mr;
                            PackA(ic + row0, Math.Min(mr, mc - row0), pc, kc, packA + (nint)panel * mr * kc);
                        }
                    }
                    if (threads > 1)
                    {
                        packBase += packUnits + threads;
                        _barrier.SignalAndWait();
                    }

                    // Compute: tiles of the (jr, ir) grid, claimed dynamically so a thread slowed down by
                    // other work on the machine does not hold the others back.
                    Grid(nrPanels, mrPanels, threads, out int jrChunk, out int jrUnits, out int irChunk, out int irUnits);
                    int units = jrUnits * irUnits;
                    if (threads == 1)
                    {
                        ComputeUnits(0, units, jrChunk, irChunk, irUnits, nrPanels, mrPanels, ic, jc, mc, nc, kc,
                                     accumulate, pc + kc >= _k, packA, packB, tile);
                    }
                    else
                    {
                        for (int u = Claim(ref _counter.Value, counterBase); u < units; u = Claim(ref _counter.Value, counterBase))
                        {
                            ComputeUnits(u, u + 1, jrChunk, irChunk, irUnits, nrPanels, mrPanels, ic, jc, mc,
                                         nc, kc, accumulate, pc + kc >= _k, packA, packB, tile);
                        }
                        counterBase += units + threads;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The <see cref="GemmSplit.Rows"/> schedule of thread <paramref name="t"/>, step s = 0, 1, … over (jc, pc):
    /// <code>
    /// for jc in 0..n step NC
    ///   for pc in 0..k step KC
    ///     wait until every row block has done step s − 2 (its B̃ buffer is this step's); pack B̃ = op(B)[pc.., jc..]: NR-panels claimed
    ///     wait until every panel of B̃ is packed
    ///     for each row block claimed by this thread
    ///       wait until this block has done step s − 1 (it wrote the rows of C this step adds to)
    ///       pack its Ã into this thread's buffer, then multiply it by every panel of B̃
    /// </code>
    /// Ã never leaves the core that packed it. There is no barrier: every unit is claimed and every wait is for
    /// completed units, so the calling thread alone completes the product (<see cref="WorkersOptional"/>) and a pool
    /// thread that wakes late, or is preempted on a shared machine, only joins in with the blocks still unclaimed.
    /// A thread done with its blocks of step s goes on to step s + 1 without waiting for the other threads' blocks of
    /// step s: only the block it claims must have done step s, and only B̃'s buffer two steps back must be free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private void RunRows(int t)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        T* tile = stackalloc T[mr * nr];
        T* packA = _packA.Pointer + t * _aBlock;
        long packBase = 0;
        int step = 0;
        (_, int kcMax, int ncMax, _) = _blocking;
        int edgeRows = TKernel.EdgeRows;
        int rowGroups = (_m + edgeRows - 1) / edgeRows;
        int rowBlocks = _rowBlocks;

        for (int jc = 0; jc < _n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, _n - jc);
            int nrPanels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < _k; pc += kcMax, step++)
            {
                int kc = Math.Min(kcMax, _k - pc);
                bool accumulate = _accumulate || pc > 0;
                T* packB = _packB.Pointer + (step & 1) * _bBlock;
                PackShared(packB: true, step, rowBlocks, ref packBase, jc, nc, pc, kc, packB);

                for (int i = 0, home = t * rowBlocks / _threads; i < rowBlocks; i++)
                {
                    int u = (home + i) % rowBlocks;
                    if (!TryClaimBlock(u, step))
                        continue;
                    // Block u holds the row groups [u·G/B, (u+1)·G/B) of EdgeRows rows each: shares differ by at most one
                    // group, and a block's last, partial panel costs only its groups (m = 256 on two threads: 128 rows each,
                    // 10 panels of 12 and one of 8, where whole panels would give one thread 132 rows).
                    ref long blockSteps = ref _blockSteps[u * BlockStride];
                    WaitFor(ref blockSteps, step, GemmTrace.Field.WaitBlock);
                    int first = (int)((long)u * rowGroups / rowBlocks);
                    int end = (int)((long)(u + 1) * rowGroups / rowBlocks);
                    if (first < end)
                    {
                        int ic = first * edgeRows;
                        int mc = Math.Min(_m, end * edgeRows) - ic;
                        int mrPanels = (mc + mr - 1) / mr;
                        for (int panel = 0; panel < mrPanels; panel++)
                        {
                            int row0 = panel * mr;
                            PackA(ic + row0, Math.Min(mr, mc - row0), pc, kc, packA + (nint)panel * mr * kc);
                        }
                        ComputeUnits(0, 1, nrPanels, mrPanels, 1, nrPanels, mrPanels, ic, jc, mc, nc, kc, accumulate,
                                     pc + kc >= _k, packA, packB, tile);
#if GEMM_TRACE
                        GemmTrace.Add(GemmTrace.Field.Blocks, 1);
                        GemmTrace.Add(GemmTrace.Field.RowPanels, mrPanels);
#endif
                    }
                    Volatile.Write(ref blockSteps, step + 1);
                }
            }
        }
    }

    /// <summary>
    /// The shared operand's step in the row split (B̃: <paramref name="packB"/>) or the column split (Ã): wait until every block
    /// has done step s − 2 (the buffer is free), pack the panels [first, first + size) of the operand, claimed panel by panel,
    /// and wait until every panel is packed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private void PackShared(bool packB, int step, int blocks, ref long packBase, int first, int size, int pc, int kc, T* dst)
    {
        for (int u = 0; u < blocks; u++)
            WaitFor(ref _blockSteps[u * BlockStride], step - 1, GemmTrace.Field.WaitBuffer);
        int width = packB ? TKernel.NR : TKernel.MR;
        int panels = (size + width - 1) / width;
        for (int u = ClaimBounded(ref _packCounter.Value, packBase, panels); u < panels;
             u = ClaimBounded(ref _packCounter.Value, packBase, panels))
        {
            int offset = u * width;
            T* panel = dst + (nint)u * width * kc;
            if (packB)
                PackB(pc, kc, first + offset, Math.Min(width, size - offset), panel);
            else
                PackA(first + offset, Math.Min(width, size - offset), pc, kc, panel);
            Interlocked.Increment(ref _packedDone.Value);
#if GEMM_TRACE
            GemmTrace.Add(GemmTrace.Field.Panels, 1);
#endif
        }
        packBase += panels;
        WaitFor(ref _packedDone.Value, packBase, GemmTrace.Field.WaitPacked);
    }

    /// <summary>
    /// Claims block <paramref name="u"/> (of the row or column split) for <paramref name="step"/> if no thread has: each thread
    /// tries its own blocks first (t·B/T onwards), so on an idle machine a block of C stays on one core from step to step (in
    /// its L2, and never waited for), and a thread that is late or preempted leaves its blocks to the others.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryClaimBlock(int u, long step)
    {
        ref long claimed = ref _blockSteps[u * BlockStride + 1]; // steps claimed so far: step when this one is free
        return Volatile.Read(ref claimed) == step && Interlocked.CompareExchange(ref claimed, step + 1, step) == step;
    }

    /// <summary>Longs between two row blocks' step counters (<see cref="_blockSteps"/>): one 64-byte line each, not shared.</summary>
    private const int BlockStride = 8;

    /// <summary>Whether the calling thread alone completes the product: the row and column splits have no barrier.</summary>
    public override bool WorkersOptional => _rowSplit || _columnSplit;

    /// <summary>Claims the next of <paramref name="units"/> work units of a phase starting at <paramref name="phaseBase"/>, or returns <paramref name="units"/> when none is left; never moves the counter past the phase.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ClaimBounded(ref long counter, long phaseBase, int units)
    {
        long seen = Volatile.Read(ref counter);
        while (seen - phaseBase < units)
        {
            long found = Interlocked.CompareExchange(ref counter, seen + 1, seen);
            if (found == seen)
                return (int)(seen - phaseBase);
            seen = found;
        }
        return units;
    }

    /// <summary>Spins until <paramref name="counter"/> reaches <paramref name="target"/> (the spin counted as <paramref name="what"/> in a <see cref="GemmTrace"/> build).</summary>
    private static void WaitFor(ref long counter, long target, GemmTrace.Field what)
    {
        if (Volatile.Read(ref counter) >= target)
            return;
#if GEMM_TRACE
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
#endif
        var spin = new SpinWait();
        while (Volatile.Read(ref counter) < target)
            spin.SpinOnce(sleep1Threshold: -1);
#if GEMM_TRACE
        GemmTrace.Add(what, System.Diagnostics.Stopwatch.GetTimestamp() - start);
#else
        _ = what;
#endif
    }

    /// <summary>Packs one NR-panel of B̃ (cols ≤ NR columns from col0) and adds its columns' sums when the epilogue asks for them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PackB(int pc, int kc, int col0, int cols, T* panel, bool sums = true)
    {
        int nr = TKernel.NR;
        GemmPacking.PackB(_b, _k, _n, _transB, pc, kc, col0, cols, panel, nr);
        if (_epilogue.MaskB != null)
            GemmOperandMask.ApplyToPanelB(_epilogue.MaskB, _k, _n, _transB, pc, kc, col0, cols, panel, nr);
        if (sums && _epilogue.ColumnSums != null)
            GemmEpilogueKernels.AddColumnSums(panel, kc, nr, cols, _epilogue.ColumnSums + col0);
    }

    /// <summary>Packs one MR-panel of Ã (rows ≤ MR rows from row0), masked when the epilogue asks for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PackA(int row0, int rows, int pc, int kc, T* panel)
    {
        int mr = TKernel.MR;
        // PackA reads the stored rows m apart when transposed, else k apart: the leading dimension stands in for that one.
        GemmPacking.PackA(_a, _transA ? _lda : _m, _transA ? _k : _lda, _transA, row0, rows, pc, kc, panel, mr);
        if (_epilogue.MaskA != null)
            GemmOperandMask.ApplyToPanelA(_epilogue.MaskA, _m, _k, _transA, row0, rows, pc, kc, panel, mr);
    }

    /// <summary>Claims the next work unit of the current phase (an index relative to the phase's base).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Claim(ref long counter, long phaseBase) =>
        (int)Math.Min(int.MaxValue, Interlocked.Increment(ref counter) - 1 - phaseBase);

    /// <summary>Splits the nrPanels × mrPanels tile grid into work units: one for a single thread, else about 4 per thread.</summary>
    private static void Grid(int nrPanels, int mrPanels, int threads,
                             out int jrChunk, out int jrUnits, out int irChunk, out int irUnits)
    {
        if (threads == 1)
        {
            jrChunk = nrPanels; jrUnits = 1; irChunk = mrPanels; irUnits = 1;
            return;
        }
        int target = 4 * threads;
        jrChunk = Math.Max(1, (nrPanels + target - 1) / target);
        jrUnits = (nrPanels + jrChunk - 1) / jrChunk;
        irUnits = jrUnits >= target ? 1 : Math.Min(mrPanels, (target + jrUnits - 1) / jrUnits);
        irChunk = (mrPanels + irUnits - 1) / irUnits;
        irUnits = (mrPanels + irChunk - 1) / irChunk;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private void ComputeUnits(int first, int end, int jrChunk, int irChunk, int irUnits, int nrPanels, int mrPanels,
                              int ic, int jc, int mc, int nc, int kc, bool accumulate, bool lastBlock, T* packA, T* packB, T* tile)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        nint ldc = _n;
        bool finish = lastBlock && _epilogue.FinishesC;
        for (int u = first; u < end; u++)
        {
            int jr0 = u / irUnits * jrChunk, ir0 = u % irUnits * irChunk;
            int jr1 = Math.Min(nrPanels, jr0 + jrChunk), ir1 = Math.Min(mrPanels, ir0 + irChunk);
            for (int jr = jr0; jr < jr1; jr++)
            {
                int cols = Math.Min(nr, nc - jr * nr);
                T* bPanel = packB + (nint)jr * nr * kc;
                for (int ir = ir0; ir < ir1; ir++)
                {
                    int rows = Math.Min(mr, mc - ir * mr);
                    T* aPanel = packA + (nint)ir * mr * kc;
                    T* c = _c + (nint)(ic + ir * mr) * ldc + jc + jr * nr;
                    if (rows == mr && cols == nr)
                    {
                        TKernel.Run(kc, aPanel, bPanel, c, ldc, accumulate);
                    }
                    else
                    {
                        TKernel.RunEdge(kc, aPanel, bPanel, c, ldc, accumulate, rows, cols, tile);
                    }
                    if (finish)
                    {
                        // The tile's sums are final: add the bias, take the ReLU and copy it while it is in L1 (GemmEpilogue).
                        GemmEpilogueKernels.Finish(c, ldc, rows, cols, _epilogue.Bias == null ? null : _epilogue.Bias + jc + jr * nr,
                                                   _epilogue.Relu, _epilogue.Copy == null ? null : _epilogue.Copy + (c - _c), _epilogue.CopyBeforeRelu);
                    }
                }
            }
        }
    }

    private static nint RoundUp(int value, int multiple) => (nint)((value + multiple - 1) / multiple * multiple);

    /// <summary>The block size for <paramref name="size"/>: as many blocks as the limit requires, evenly sized, rounded up to a multiple of the register tile.</summary>
    private static int Balance(int size, int limit, int multiple)
    {
        int blocks = (size + limit - 1) / limit;
        int even = (size + blocks - 1) / blocks;
        int rounded = (even + multiple - 1) / multiple * multiple;
        return Math.Max(multiple, Math.Min(rounded, Math.Max(limit, multiple)));
    }
}

/// <summary>A counter alone on its cache lines, so threads claiming work do not falsely share with other fields.</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 192)]
internal struct PaddedCounter
{
    [System.Runtime.InteropServices.FieldOffset(64)] public long Value;
}

/// <summary>
/// A growable buffer on the pinned object heap with a 64-byte aligned start; it only ever grows, so after
/// the first product of a given size no further allocation happens.
/// </summary>
internal sealed unsafe class AlignedBuffer<T> where T : unmanaged
{
    private T[]? _array;

    /// <summary>The aligned start (valid after <see cref="EnsureCapacity"/>).</summary>
    public T* Pointer { get; private set; }

    /// <summary>Makes room for at least <paramref name="length"/> elements.</summary>
    public void EnsureCapacity(nint length)
    {
        nint extra = 64 / sizeof(T);
        if (_array is not null && _array.Length >= length + extra)
            return;
        _array = GC.AllocateUninitializedArray<T>(checked((int)(length + extra)), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref _array[0]);
        Pointer = (T*)((address + 63) & ~(nint)63);
    }
}
