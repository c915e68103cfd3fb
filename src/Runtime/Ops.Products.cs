using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>Matrix products (<see cref="MatMul{T}"/> and its reverse) and the bias of a dense layer.</summary>
public static partial class Ops
{
    /// <summary>
    /// y[m×n] = op(a)·op(b), where op(a) is m×k (stored k×m when <paramref name="transposeA"/>) and
    /// op(b) is k×n (stored n×k when <paramref name="transposeB"/>). y must not overlap a or b; its previous
    /// contents are ignored.
    /// </summary>
    /// <remarks>A packed, cache-blocked FMA kernel on both cores for large products; an unpacked kernel for
    /// few rows (a batch of one) and tiny products.</remarks>
    public static void MatMul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n,
                                 bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        Gemm.Multiply(a, b, y, m, k, n, transposeA, transposeB, accumulate: false);
    }

    /// <summary>y[m×n] += op(a)·op(b), as <see cref="MatMul{T}"/> but accumulating (used by reverse passes).</summary>
    public static void MatMulAdd<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n,
                                    bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        Gemm.Multiply(a, b, y, m, k, n, transposeA, transposeB, accumulate: true);
    }

    /// <summary>
    /// The reverse of y = op(a)·op(b) (<see cref="MatMul{T}"/> with the same m, k, n and flags): given dy[m×n],
    /// writes da = ∂⟨dy, y⟩/∂a (shaped like a as stored: m×k, or k×m when <paramref name="transposeA"/>) and
    /// db = ∂⟨dy, y⟩/∂b (shaped like b as stored), or adds them when <paramref name="accumulate"/>.
    /// An empty <paramref name="da"/> or <paramref name="db"/> skips that gradient. One matrix product each:
    /// dop(a) = dy·op(b)ᵀ and dop(b) = op(a)ᵀ·dy, with the transposes arranged so no copy is made.
    /// </summary>
    public static void MatMulBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> dy,
                                         Span<T> da, Span<T> db, int m, int k, int n,
                                         bool transposeA = false, bool transposeB = false, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(m, k, n);
        CheckLength(a, m * k, nameof(a));
        CheckLength(b, k * n, nameof(b));
        CheckLength(dy, m * n, nameof(dy));
        if (!da.IsEmpty)
        {
            CheckLength(da, m * k, nameof(da));
            CheckDisjoint(da, a, nameof(da), nameof(a));
            CheckDisjoint(da, b, nameof(da), nameof(b));
            CheckDisjoint(da, dy, nameof(da), nameof(dy));
            if (!transposeA)
                Gemm.Multiply(dy, b, da, m, n, k, false, !transposeB, accumulate);   // da = dy·op(b)ᵀ        (m×k)
            else
                Gemm.Multiply(b, dy, da, k, n, m, transposeB, true, accumulate);     // da = op(b)·dyᵀ        (k×m)
        }
        if (!db.IsEmpty)
        {
            CheckLength(db, k * n, nameof(db));
            CheckDisjoint(db, a, nameof(db), nameof(a));
            CheckDisjoint(db, b, nameof(db), nameof(b));
            CheckDisjoint(db, dy, nameof(db), nameof(dy));
            if (!transposeB)
                Gemm.Multiply(a, dy, db, k, m, n, !transposeA, false, accumulate);   // db = op(a)ᵀ·dy        (k×n)
            else
                Gemm.Multiply(dy, a, db, n, m, k, true, transposeA, accumulate);     // db = dyᵀ·op(a)        (n×k)
        }
    }

    // ---------------------------------------------------------------- bias

    /// <summary>y[i, j] += bias[j] for the m×n matrix y.</summary>
    public static void AddBias<T>(Span<T> y, ReadOnlySpan<T> bias, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(m, 0, n);
        CheckLength(y, m * n, nameof(y));
        CheckLength(bias, n, nameof(bias));
        CheckDisjoint(y, bias, nameof(y), nameof(bias));
        for (int i = 0; i < m; i++)
            TensorPrimitives.Add(y.Slice(i * n, n), bias, y.Slice(i * n, n));
    }

    /// <summary>result[j] = Σᵢ y[i, j] for the m×n matrix y (the reverse of <see cref="AddBias{T}"/>).</summary>
    public static void SumRows<T>(ReadOnlySpan<T> y, Span<T> result, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(m, 0, n);
        CheckLength(y, m * n, nameof(y));
        CheckLength(result, n, nameof(result));
        CheckDisjoint(result, y, nameof(result), nameof(y));
        result.Clear();
        for (int i = 0; i < m; i++)
            TensorPrimitives.Add(result, y.Slice(i * n, n), result);
    }

    /// <summary>result[j] += Σᵢ y[i, j] for the m×n matrix y (<see cref="SumRows{T}"/>, accumulating).</summary>
    public static void SumRowsAdd<T>(ReadOnlySpan<T> y, Span<T> result, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(m, 0, n);
        CheckLength(y, m * n, nameof(y));
        CheckLength(result, n, nameof(result));
        CheckDisjoint(result, y, nameof(result), nameof(y));
        for (int i = 0; i < m; i++)
            TensorPrimitives.Add(result, y.Slice(i * n, n), result);
    }
}
