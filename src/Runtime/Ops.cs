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
    // The length and overlap checks every family of operations shares (one file per family: products, activations,
    // arithmetic, losses).

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
