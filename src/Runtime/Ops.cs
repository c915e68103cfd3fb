using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen;

/// <summary>
/// Tensor operations a batched <see cref="MoreauLayerAttribute"/> body may call. Row-major, outputs are
/// written into the last span, generic over float and double. Each has a derivative rule in the generator;
/// the <c>*Backward</c> members are what those rules call in the reverse pass.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// y[m×n] = op(a)·op(b), where op(a) is m×k (stored k×m when <paramref name="transposeA"/>) and
    /// op(b) is k×n (stored n×k when <paramref name="transposeB"/>). y must not overlap a or b.
    /// </summary>
    public static void MatMul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n,
                                 bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        y[..(m * n)].Clear();
        ReferenceGemm.Multiply(a, b, y, m, k, n, transposeA, transposeB);
    }

    /// <summary>y[m×n] += op(a)·op(b), as <see cref="MatMul{T}"/> but accumulating (used by reverse passes).</summary>
    public static void MatMulAdd<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n,
                                    bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatMul(a, b, y, m, k, n);
        ReferenceGemm.Multiply(a, b, y, m, k, n, transposeA, transposeB);
    }

    /// <summary>y[i, j] += bias[j] for the m×n matrix y.</summary>
    public static void AddBias<T>(Span<T> y, ReadOnlySpan<T> bias, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLength(y, m * n, nameof(y));
        CheckLength(bias, n, nameof(bias));
        for (int i = 0; i < m; i++)
            TensorPrimitives.Add(y.Slice(i * n, n), bias, y.Slice(i * n, n));
    }

    /// <summary>result[j] = Σᵢ y[i, j] for the m×n matrix y (the reverse of <see cref="AddBias{T}"/>).</summary>
    public static void SumRows<T>(ReadOnlySpan<T> y, Span<T> result, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLength(y, m * n, nameof(y));
        CheckLength(result, n, nameof(result));
        result.Clear();
        for (int i = 0; i < m; i++)
            TensorPrimitives.Add(result, y.Slice(i * n, n), result);
    }

    /// <summary>y = max(x, 0) element-wise; x and y may be the same span.</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Max(x, T.Zero, y);
    }

    /// <summary>dx = dy where z &gt; 0, else 0; z is the input or the output of <see cref="Relu{T}"/> (same sign pattern).</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(z, dy, nameof(dy));
        CheckSameLength(z, dx, nameof(dx));
        for (int i = 0; i < z.Length; i++)
            dx[i] = z[i] > T.Zero ? dy[i] : T.Zero;
    }

    /// <summary>y = tanh(x) element-wise; x and y may be the same span.</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Tanh(x, y);
    }

    /// <summary>dx = dy·(1 − y²) where y = tanh(x) is the forward output.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(y, dy, nameof(dy));
        CheckSameLength(y, dx, nameof(dx));
        for (int i = 0; i < y.Length; i++)
            dx[i] = dy[i] * (T.One - y[i] * y[i]);
    }

    /// <summary>y = 1 / (1 + e^(−x)) element-wise; x and y may be the same span.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Sigmoid(x, y);
    }

    /// <summary>dx = dy·y·(1 − y) where y = sigmoid(x) is the forward output.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(y, dy, nameof(dy));
        CheckSameLength(y, dx, nameof(dx));
        for (int i = 0; i < y.Length; i++)
            dx[i] = dy[i] * y[i] * (T.One - y[i]);
    }

    /// <summary>y = a + b element-wise.</summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.Add(a, b, y);
    }

    /// <summary>y = a ⊙ b element-wise.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(a, b, nameof(b));
        CheckSameLength(a, y, nameof(y));
        TensorPrimitives.Multiply(a, b, y);
    }

    /// <summary>y = s·x element-wise; x and y may be the same span.</summary>
    public static void Scale<T>(ReadOnlySpan<T> x, T s, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameLength(x, y, nameof(y));
        TensorPrimitives.Multiply(x, s, y);
    }

    private static void CheckMatMul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int m, int k, int n)
    {
        if (m < 0 || k < 0 || n < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must be non-negative (m = {m}, k = {k}, n = {n}).");
        CheckLength(a, m * k, nameof(a));
        CheckLength(b, k * n, nameof(b));
        CheckLength(y, m * n, nameof(y));
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
