using System.Runtime.CompilerServices;

namespace MoreauGen.Kernels;

/// <summary>The <see cref="GemmSplit.Columns"/> schedule of <see cref="GemmTask{T, TKernel}"/>.</summary>
internal sealed unsafe partial class GemmTask<T, TKernel>
{
    /// <summary>
    /// Whether the automatic split shares the product out by columns (Ã shared unless <see cref="GemmOptions.ColumnsPackOwnA"/>): when op(A) has
    /// more than one but at most two MC row blocks (a batch of 256: the row split would give each thread a block of 128 rows
    /// and a barrier-free but shared B̃) and op(B) has at least two NR-panels per thread.
    /// </summary>
    private static bool PrefersColumns(int m, int n, int threads, GemmBlocking blocking) =>
        m > blocking.MC && m <= 2 * blocking.MC && n >= 2 * threads * TKernel.NR;

    /// <summary>
    /// Blocking of the column split: Ã holds up to 2·MC rows (m = 256 in one block, so each thread packs its B̃ once per
    /// KC step), shared and double-buffered (or one per thread, <paramref name="ownA"/>); the column blocks are whole NR-panels,
    /// at most NC columns, plus a share of the Ã panels of the panels left over (<see cref="RunColumns"/>), and B̃ is one
    /// panel per thread.
    /// </summary>
    private void PrepareColumns(int m, int n, GemmBlocking blocking, int threads, bool ownA)
    {
        _columnsOwnA = ownA;
        int mr = TKernel.MR, nr = TKernel.NR;
        _blocking = _blocking with { MC = Balance(m, 2 * blocking.MC, mr) };
        int kc = _blocking.KC;
        int panels = (n + nr - 1) / nr;
        int blocks = (n + blocking.NC - 1) / blocking.NC;
        _columnBlocks = Math.Min((blocks + threads - 1) / threads * threads, panels);
        _aBlock = RoundUp(_blocking.MC, mr) * (nint)kc;
        _bBlock = (nint)nr * kc; // one panel per thread (RunColumns)
        _packA.EnsureCapacity((ownA ? threads : 2) * _aBlock); // own: one Ã per thread; shared: double-buffered
        _packB.EnsureCapacity(threads * _bBlock);
    }

    /// <summary>
    /// The <see cref="GemmSplit.Columns"/> schedule of thread <paramref name="t"/>, the row split's dual (and OpenBLAS's
    /// level-3 split of a row-major product with few rows, whose column-major "m" is our n), step s = 0, 1, … over (ic, pc):
    /// <code>
    /// for ic in 0..m step MC'   (MC' = 2·MC: m = 256 is one block)
    ///   for pc in 0..k step KC
    ///     wait until every column block has done step s − 2 (its Ã buffer is this step's); pack Ã = op(A)[ic.., pc..]: MR-panels claimed
    ///     wait until every panel of Ã is packed
    ///     for each column block claimed by this thread
    ///       wait until this block has done step s − 1 (it wrote the columns of C this step adds to)
    ///       for each NR-panel of the block: pack it into this thread's panel buffer, multiply every panel of Ã by it
    ///       for each NR-panel left over (P mod B of them): pack it, multiply the block's share of the Ã panels by it
    /// </code>
    /// B̃ never leaves the core that packed it, and the shared operand is the smaller Ã (256 rows against n columns).
    /// With <see cref="GemmOptions.ColumnsPackOwnA"/> each thread packs all of Ã itself before its first block of a step,
    /// and the threads wait only for the blocks of C they go on adding to.
    /// As in <see cref="RunRows"/> there is no barrier: every unit is claimed and every wait is for completed units.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private void RunColumns(int t)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        T* tile = stackalloc T[mr * nr];
        T* packB = _packB.Pointer + t * _bBlock;
        long packBase = 0;
        int step = 0;
        (int mcMax, int kcMax, _, _) = _blocking;
        int panels = (_n + nr - 1) / nr;
        int blocks = _columnBlocks;

        for (int ic = 0; ic < _m; ic += mcMax)
        {
            int mc = Math.Min(mcMax, _m - ic);
            int mrPanels = (mc + mr - 1) / mr;
            for (int pc = 0; pc < _k; pc += kcMax, step++)
            {
                int kc = Math.Min(kcMax, _k - pc);
                bool accumulate = _accumulate || pc > 0;
                T* packA = _packA.Pointer + (_columnsOwnA ? t : step & 1) * _aBlock;
                bool packed = false;
                if (!_columnsOwnA)
                {
                    PackShared(packB: false, step, blocks, ref packBase, ic, mc, pc, kc, packA);
                    packed = true;
                }

                for (int i = 0, home = t * blocks / _threads; i < blocks; i++)
                {
                    int u = (home + i) % blocks;
                    if (!TryClaimBlock(u, step))
                        continue;
                    // Block u holds the whole panels [u·W, (u+1)·W), W = ⌊P/B⌋, and of each of the P − W·B panels left over the
                    // Ã panels [u·R/B, (u+1)·R/B) (R Ã panels): every block gets the same share of the product to within one
                    // Ã panel. Whole panels to one block and the rest to the other would leave a thread idle for a panel's time
                    // (256×500×784: 25 panels, 12 against 13 of which the last is 16 columns wide).
                    ref long blockSteps = ref _blockSteps[u * BlockStride];
                    WaitFor(ref blockSteps, step, GemmTrace.Field.WaitBlock);
                    int whole = panels / blocks;
                    int first = u * whole, end = first + whole;
                    int tailFirst = (int)((long)u * mrPanels / blocks), tailEnd = (int)((long)(u + 1) * mrPanels / blocks);
                    bool tailWork = whole * blocks < panels && (tailFirst < tailEnd || (u == 0 && ic == 0));
                    if (first < end || tailWork)
                    {
                        if (!packed)
                        {
                            // Own Ã: packed by this thread alone, once per step, before its first block of the step.
                            for (int panel = 0; panel < mrPanels; panel++)
                            {
                                int row0 = panel * mr;
                                PackA(ic + row0, Math.Min(mr, mc - row0), pc, kc, packA + (nint)panel * mr * kc);
                            }
                            packed = true;
                        }
                        // Each NR-panel of B̃ is packed into the thread's one panel buffer and multiplied by all of Ã while it
                        // is in L1: B̃ never makes a round trip through L2 or L3 (n = 4000: 2000 columns per thread).
                        for (int jc = first * nr; jc < end * nr; jc += nr)
                        {
                            int cols = Math.Min(nr, _n - jc);
                            // Column sums once per column: B̃ is packed again for every further row block.
                            PackB(pc, kc, jc, cols, packB, sums: ic == 0);
                            ComputeUnits(0, 1, 1, mrPanels, 1, 1, mrPanels, ic, jc, mc, cols, kc, accumulate,
                                         pc + kc >= _k, packA, packB, tile);
                        }
                        // The panels left over: every block packs them, block 0 alone adds their column sums.
                        for (int jc = whole * blocks * nr; tailWork && jc < _n; jc += nr)
                        {
                            int cols = Math.Min(nr, _n - jc);
                            PackB(pc, kc, jc, cols, packB, sums: ic == 0 && u == 0);
                            for (int ir = tailFirst; ir < tailEnd; ir++)
                            {
                                ComputeUnits(ir, ir + 1, 1, 1, mrPanels, 1, mrPanels, ic, jc, mc, cols, kc, accumulate,
                                             pc + kc >= _k, packA, packB, tile);
                            }
                        }
                    }
                    Volatile.Write(ref blockSteps, step + 1);
                }
            }
        }
    }
}
