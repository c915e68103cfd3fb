using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace MoreauGen.Kernels;

/// <summary>
/// Work a packed product does on its way, so that a dense layer's passes over its activations are not separate sweeps:
/// a bias added to every row of C and a ReLU applied to it (the forward y = relu(x·W + b), done on each register tile
/// right after its last KC block, while the tile is still in L1), and the column sums of op(B) (the bias gradient
/// db = Σ_rows dz of the reverse pass, summed from each packed B̃ panel while it is still in L1), and a copy of the
/// finished C (the taped forward's record of y, stored from the same registers instead of a pass that re-reads y).
/// </summary>
/// <remarks>
/// Every value is computed with the same operations in the same order as the separate passes it replaces
/// (<see cref="Ops.AddBias{T}"/>, <see cref="Ops.Relu{T}"/>, <see cref="Ops.SumRows{T}"/>), so the results are bit for bit
/// the same: the bias is added to the finished sum, then max(·, 0) is taken (NaN stays NaN); each column sum starts at 0
/// and adds op(B)[p, j] for p = 0, 1, …, k − 1, which is the order in which the B̃ blocks are packed.
/// </remarks>
internal readonly unsafe struct GemmEpilogue<T> where T : unmanaged
{
    /// <summary>An epilogue of the given parts.</summary>
    /// <param name="bias">n values added to every row of C after the product, or null.</param>
    /// <param name="relu">Whether C ← max(C, 0) after the bias.</param>
    /// <param name="columnSums">n values that receive Σ_p op(B)[p, j], or null.</param>
    /// <param name="copy">An m×n matrix that receives the finished C too (a layer's tape), or null.</param>
    /// <param name="copyBeforeRelu">Whether <paramref name="copy"/> receives C before the ReLU (the pre-activation z = x·W + b).</param>
    public GemmEpilogue(T* bias, bool relu, T* columnSums, T* copy = null, bool copyBeforeRelu = false)
    {
        Bias = bias;
        Relu = relu;
        ColumnSums = columnSums;
        Copy = copy;
        CopyBeforeRelu = copyBeforeRelu;
    }

    /// <summary>n values added to every row of C after the product, or null.</summary>
    public T* Bias { get; }

    /// <summary>Whether C ← max(C, 0) after the bias.</summary>
    public bool Relu { get; }

    /// <summary>n values that receive Σ_p op(B)[p, j], or null.</summary>
    public T* ColumnSums { get; }

    /// <summary>No epilogue: the plain product.</summary>
    public static GemmEpilogue<T> None => default;

    /// <summary>An m×n matrix that receives the finished C too (a layer's tape), or null.</summary>
    public T* Copy { get; }

    /// <summary>A matrix stored like A: op(A) is read as mask &gt; 0 ? A : 0 while it is packed (<see cref="GemmOperandMask"/>), or null.</summary>
    public T* MaskA { get; init; }

    /// <summary>A matrix stored like B: op(B) is read as mask &gt; 0 ? B : 0 while it is packed (<see cref="GemmOperandMask"/>), or null.</summary>
    public T* MaskB { get; init; }

    /// <summary>Whether <see cref="Copy"/> receives C before the ReLU (after the bias) rather than after it.</summary>
    public bool CopyBeforeRelu { get; }

    /// <summary>Whether each finished tile of C needs more work (bias, ReLU or copy).</summary>
    public bool FinishesC => Bias != null || Relu || Copy != null;
}

/// <summary>The loops of <see cref="GemmEpilogue{T}"/>.</summary>
internal static unsafe class GemmEpilogueKernels
{
    /// <summary>
    /// C[i, j] ← max(C[i, j] + bias[j], 0) (either part optional) on a rows × cols region of C with row stride ldc, also
    /// written to the same region of <paramref name="copy"/> (same stride) when that is not null — before the ReLU when
    /// <paramref name="copyBeforeRelu"/> is set.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Finish<T>(T* c, nint ldc, int rows, int cols, T* bias, bool relu, T* copy = null, bool copyBeforeRelu = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector.IsHardwareAccelerated ? Vector<T>.Count : int.MaxValue;
        for (int i = 0; i < rows; i++)
        {
            T* row = c + i * ldc;
            T* copyRow = copy == null ? null : copy + i * ldc;
            int j = 0;
            for (; j + w <= cols; j += w)
            {
                Vector<T> v = Unsafe.ReadUnaligned<Vector<T>>(row + j);
                if (bias != null)
                    v += Unsafe.ReadUnaligned<Vector<T>>(bias + j);
                if (copyBeforeRelu)
                    Unsafe.WriteUnaligned(copyRow + j, v);
                if (relu)
                    v = Vector.Max(v, Vector<T>.Zero);
                Unsafe.WriteUnaligned(row + j, v);
                if (copyRow != null && !copyBeforeRelu)
                    Unsafe.WriteUnaligned(copyRow + j, v);
            }
            for (; j < cols; j++)
            {
                T v = row[j];
                if (bias != null)
                    v += bias[j];
                if (copyBeforeRelu)
                    copyRow[j] = v;
                if (relu)
                    v = T.Max(v, T.Zero);
                row[j] = v;
                if (copyRow != null && !copyBeforeRelu)
                    copyRow[j] = v;
            }
        }
    }

    /// <summary>sums[j] += Σ_p panel[p·nr + j] for p = 0..kc−1 in order, j &lt; cols (one packed B̃ panel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddColumnSums<T>(T* panel, int kc, int nr, int cols, T* sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector.IsHardwareAccelerated ? Vector<T>.Count : int.MaxValue;
        int j = 0;
        for (; j + w <= cols; j += w)
        {
            Vector<T> s = Unsafe.ReadUnaligned<Vector<T>>(sums + j);
            T* p = panel + j;
            for (int q = 0; q < kc; q++, p += nr)
                s += Unsafe.ReadUnaligned<Vector<T>>(p);
            Unsafe.WriteUnaligned(sums + j, s);
        }
        for (; j < cols; j++)
        {
            T s = sums[j];
            T* p = panel + j;
            for (int q = 0; q < kc; q++, p += nr)
                s += *p;
            sums[j] = s;
        }
    }

    /// <summary>
    /// The epilogue as separate passes after a product computed without it (the unpacked path): exactly
    /// <see cref="Ops.SumRows{T}"/> of op(B), then <see cref="Ops.AddBias{T}"/> and <see cref="Ops.Relu{T}"/> on C.
    /// </summary>
    public static void Separately<T>(in GemmEpilogue<T> epilogue, T* b, T* c, int m, int k, int n, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (epilogue.ColumnSums != null)
        {
            var sums = new Span<T>(epilogue.ColumnSums, n);
            sums.Clear();
            for (int p = 0; p < k; p++)
            {
                if (!transB)
                {
                    TensorPrimitives.Add(sums, new ReadOnlySpan<T>(b + (nint)p * n, n), sums);
                }
                else
                {
                    for (int j = 0; j < n; j++)
                        sums[j] += b[(nint)j * k + p];
                }
            }
        }
        if (epilogue.FinishesC)
            Finish(c, n, m, n, epilogue.Bias, epilogue.Relu, epilogue.Copy, epilogue.CopyBeforeRelu);
    }
}
