using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// Tensor operations a batched <see cref="MoreauLayerAttribute"/> body may call. Row-major, outputs are
/// written into the last span, generic over float and double. Each has a derivative rule in the generator;
/// the <c>*Backward</c>, <c>*Add</c> and <see cref="MatMulBackward{T}"/> members are what those rules call
/// in the reverse pass. Nothing here allocates; lengths are checked first (an <see cref="ArgumentException"/>
/// names the offending span). Element-wise work goes through <see cref="TensorPrimitives"/>; the matrix
/// products and the fused reverse kernels are our own (<c>MoreauGen.Kernels</c>).
/// </summary>
/// <remarks>
/// Aliasing: an output may be the very same span as an input where a member says so (e.g. in-place
/// <c>Relu(y, y)</c>); partial overlap is never allowed, and matrix-product outputs must not overlap inputs.
/// </remarks>
public static partial class Ops
{
    // ---------------------------------------------------------------- matrix products

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

    // ---------------------------------------------------------------- activations

    /// <summary>y = max(x, 0) element-wise; x and y may be the same span.</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Max(x, T.Zero, y);
    }

    /// <summary>
    /// dx = dy where z &gt; 0, else 0; z is the input or the output of <see cref="Relu{T}"/> (same sign
    /// pattern). dx may be the same span as dy or z.
    /// </summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(z, dy, nameof(dy));
        CheckSameLength(z, dx, nameof(dx));
        CheckInPlace(z, dx, nameof(dx), nameof(z));
        CheckInPlace(dy, dx, nameof(dx), nameof(dy));
        Elementwise.Apply<T, ReluBackwardOperator<T>>(z, dy, dx, accumulate: false);
    }

    /// <summary>dx += (z &gt; 0 ? dy : 0), the accumulating <see cref="ReluBackward{T}"/>. dx may be the same span as z.</summary>
    public static void ReluBackwardAdd<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(z, dy, nameof(dy));
        CheckSameLength(z, dx, nameof(dx));
        CheckInPlace(z, dx, nameof(dx), nameof(z));
        CheckInPlace(dy, dx, nameof(dx), nameof(dy));
        Elementwise.Apply<T, ReluBackwardOperator<T>>(z, dy, dx, accumulate: true);
    }

    /// <summary>y = tanh(x) element-wise; x and y may be the same span.</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Tanh(x, y);
    }

    /// <summary>dx = dy·(1 − y²) where y = tanh(x) is the forward output. dx may be the same span as dy or y.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(y, dy, nameof(dy));
        CheckSameLength(y, dx, nameof(dx));
        CheckInPlace(y, dx, nameof(dx), nameof(y));
        CheckInPlace(dy, dx, nameof(dx), nameof(dy));
        Elementwise.Apply<T, TanhBackwardOperator<T>>(y, dy, dx, accumulate: false);
    }

    /// <summary>dx += dy·(1 − y²), the accumulating <see cref="TanhBackward{T}"/>. dx may be the same span as y.</summary>
    public static void TanhBackwardAdd<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(y, dy, nameof(dy));
        CheckSameLength(y, dx, nameof(dx));
        CheckInPlace(y, dx, nameof(dx), nameof(y));
        CheckInPlace(dy, dx, nameof(dx), nameof(dy));
        Elementwise.Apply<T, TanhBackwardOperator<T>>(y, dy, dx, accumulate: true);
    }

    /// <summary>y = 1 / (1 + e^(−x)) element-wise; x and y may be the same span.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        if (!x.IsEmpty) // TensorPrimitives.Sigmoid rejects empty spans
            TensorPrimitives.Sigmoid(x, y);
    }

    /// <summary>dx = dy·y·(1 − y) where y = sigmoid(x) is the forward output. dx may be the same span as dy or y.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(y, dy, nameof(dy));
        CheckSameLength(y, dx, nameof(dx));
        CheckInPlace(y, dx, nameof(dx), nameof(y));
        CheckInPlace(dy, dx, nameof(dx), nameof(dy));
        Elementwise.Apply<T, SigmoidBackwardOperator<T>>(y, dy, dx, accumulate: false);
    }

    /// <summary>dx += dy·y·(1 − y), the accumulating <see cref="SigmoidBackward{T}"/>. dx may be the same span as y.</summary>
    public static void SigmoidBackwardAdd<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(y, dy, nameof(dy));
        CheckSameLength(y, dx, nameof(dx));
        CheckInPlace(y, dx, nameof(dx), nameof(y));
        CheckInPlace(dy, dx, nameof(dx), nameof(dy));
        Elementwise.Apply<T, SigmoidBackwardOperator<T>>(y, dy, dx, accumulate: true);
    }

    // ---------------------------------------------------------------- arithmetic

    /// <summary>y = a + b element-wise; y may be the same span as a or b (so <c>Add(y, d, y)</c> accumulates d into y).</summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.Add(a, b, y);
    }

    /// <summary>y = a ⊙ b element-wise; y may be the same span as a or b.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.Multiply(a, b, y);
    }

    /// <summary>y += a ⊙ b element-wise (the accumulating reverse of <see cref="Multiply{T}"/>: da += dy ⊙ b).</summary>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.MultiplyAdd(a, b, y, y);
    }

    /// <summary>y = s·x element-wise; x and y may be the same span.</summary>
    public static void Scale<T>(ReadOnlySpan<T> x, T s, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Multiply(x, s, y);
    }

    /// <summary>y += s·x element-wise (the accumulating reverse of <see cref="Scale{T}"/>: dx += s·dy).</summary>
    public static void ScaleAdd<T>(ReadOnlySpan<T> x, T s, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.MultiplyAdd(x, s, y, y);
    }

    /// <summary>Σᵢ a[i]·b[i] (the reverse of <see cref="Scale{T}"/> with respect to s: ds = ⟨x, dy⟩).</summary>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        return TensorPrimitives.Dot(a, b);
    }

    // ---------------------------------------------------------------- checks

    private static void CheckMatMul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n)
    {
        CheckSizes(m, k, n);
        CheckLength(a, m * k, nameof(a));
        CheckLength(b, k * n, nameof(b));
        CheckLength(y, m * n, nameof(y));
        CheckDisjoint(y, a, nameof(y), nameof(a));
        CheckDisjoint(y, b, nameof(y), nameof(b));
    }

    /// <summary>For outputs written while the input is still read in another order (products, row sums): no overlap at all.</summary>
    private static void CheckDisjoint<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> input, string outputName, string inputName)
    {
        if (output.Overlaps(input))
            throw new ArgumentException($"{outputName} overlaps {inputName}; they must be separate spans.", outputName);
    }

    /// <summary>An element-wise output may be the very same span as an input, but must not partly overlap it.</summary>
    internal static void CheckInPlace<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, string outputName, string inputName)
    {
        if (output.Overlaps(input, out int offset) && offset != 0)
            throw new ArgumentException($"{outputName} partly overlaps {inputName}; it may only be the same span or a separate one.", outputName);
    }

    private static void CheckSizes(int m, int k, int n)
    {
        if (m < 0 || k < 0 || n < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must be non-negative (m = {m}, k = {k}, n = {n}).");
        if ((long)m * k > int.MaxValue || (long)k * n > int.MaxValue || (long)m * n > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes m = {m}, k = {k}, n = {n} exceed the span length limit.");
    }

    internal static void CheckLength<T>(ReadOnlySpan<T> span, int expected, string name)
    {
        if (span.Length != expected)
            throw new ArgumentException($"{name} has {span.Length} values; expected {expected}.", name);
    }

    internal static void CheckSameLength<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> other, string name)
    {
        if (other.Length != reference.Length)
            throw new ArgumentException($"{name} has {other.Length} values; expected {reference.Length} (the length of the first operand).", name);
    }
}
