using System.Runtime.CompilerServices;

namespace MoreauGen.Kernels;

/// <summary>The <see cref="GemmSplit.Columns"/> schedule of <see cref="GemmTask{T, TKernel}"/>.</summary>
internal sealed unsafe partial class GemmTask<T, TKernel>
{
    /// <summary>
    /// Whether the automatic split shares the product out by columns: never for now (the row split and the tile split
    /// cover every shape; <see cref="GemmSplit.Columns"/> is chosen explicitly).
    /// </summary>
    private static bool PrefersColumns(int m, int n, int threads) => false;

    /// <summary>
    /// Blocking of the column split: Ã holds up to 2·MC rows (m = 256 in one block, so each thread packs its B̃ once per
    /// KC step), shared and double-buffered; B̃ is one column block per thread, of whole NR-panels, at most NC columns.
    /// </summary>
    private void PrepareColumns(int m, int k, int n, GemmBlocking blocking, int threads)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        _blocking = _blocking with { MC = Balance(m, 2 * blocking.MC, mr) };
        int kc = _blocking.KC;
        int panels = (n + nr - 1) / nr;
        int blocks = (n + blocking.NC - 1) / blocking.NC;
        _columnBlocks = Math.Min((blocks + threads - 1) / threads * threads, panels);
        _aBlock = RoundUp(_blocking.MC, mr) * (nint)kc;
        _bBlock = (panels + _columnBlocks - 1) / _columnBlocks * (nint)nr * kc;
        _packA.EnsureCapacity(2 * _aBlock);
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
    ///       pack its B̃ into this thread's buffer, then multiply every panel of Ã by it
    /// </code>
    /// B̃ never leaves the core that packed it, and the shared operand is the smaller Ã (256 rows against n columns).
    /// As in <see cref="RunRows"/> there is no barrier: every unit is claimed and every wait is for completed units.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a kernel: fully optimised from its first call
    private void RunColumns(int t)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        T* tile = stackalloc T[mr * nr];
        T* packB = _packB.Pointer + t * _bBlock;
        long columnBase = 0, packBase = 0;
        int step = 0;
        (int mcMax, int kcMax, _) = _blocking;
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
                T* packA = _packA.Pointer + (step & 1) * _aBlock;
                for (int u = 0; u < blocks; u++)
                    WaitFor(ref _blockSteps[u * BlockStride], step - 1);
                for (int u = ClaimBounded(ref _packCounter.Value, packBase, mrPanels); u < mrPanels;
                     u = ClaimBounded(ref _packCounter.Value, packBase, mrPanels))
                {
                    int row0 = u * mr;
                    PackA(ic + row0, Math.Min(mr, mc - row0), pc, kc, packA + (nint)u * mr * kc);
                    Interlocked.Increment(ref _packedDone.Value);
                }
                packBase += mrPanels;
                WaitFor(ref _packedDone.Value, packBase);

                for (int u = ClaimBounded(ref _counter.Value, columnBase, blocks); u < blocks;
                     u = ClaimBounded(ref _counter.Value, columnBase, blocks))
                {
                    // Block u holds the panels [u·P/B, (u+1)·P/B): shares differ by at most one panel.
                    ref long blockSteps = ref _blockSteps[u * BlockStride];
                    WaitFor(ref blockSteps, step);
                    int first = (int)((long)u * panels / blocks);
                    int end = (int)((long)(u + 1) * panels / blocks);
                    if (first < end)
                    {
                        int jc = first * nr;
                        int nc = Math.Min(_n, end * nr) - jc;
                        int nrPanels = end - first;
                        for (int panel = 0; panel < nrPanels; panel++)
                        {
                            int col0 = panel * nr;
                            // Column sums once per column: B̃ is packed again for every further row block.
                            PackB(pc, kc, jc + col0, Math.Min(nr, nc - col0), packB + (nint)panel * nr * kc, sums: ic == 0);
                        }
                        ComputeUnits(0, 1, nrPanels, mrPanels, 1, nrPanels, mrPanels, ic, jc, mc, nc, kc, accumulate,
                                     pc + kc >= _k, packA, packB, tile);
                    }
                    Volatile.Write(ref blockSteps, step + 1);
                }
                columnBase += blocks;
            }
        }
    }
}
