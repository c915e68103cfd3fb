using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen;

/// <summary>Batch losses on integer labels, for objectives (<see cref="IMoreauObjective{T}"/>) over a network's output.</summary>
public static partial class Ops
{
    /// <summary>
    /// The paper's squared loss: h(ŷ) = (1/m)·Σᵢ ‖ŷᵢ − onehot(labelsᵢ)‖² over a batch of m = labels.Length rows
    /// of <paramref name="classes"/> scores (ŷ is m×classes, row-major). Returns h; when
    /// <paramref name="gradient"/> is not empty writes ∇h = (2/m)·(ŷ − onehot) into it (m×classes; it may be
    /// the same span as <paramref name="scores"/>). An empty batch has loss 0.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match, or a label is outside [0, classes).</exception>
    public static T SquaredLoss<T>(ReadOnlySpan<T> scores, ReadOnlySpan<int> labels, int classes, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLoss(scores, labels, classes, gradient);
        int m = labels.Length;
        if (m == 0)
            return T.Zero;

        // ‖ŷᵢ − e_c‖² = Σ_{j≠c} ŷᵢⱼ² + (ŷᵢc − 1)², summed without a temporary and without the cancellation
        // of the expanded form ‖ŷᵢ‖² − 2ŷᵢc + 1 near a perfect fit.
        T total = T.Zero;
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<T> row = scores.Slice(i * classes, classes);
            int c = labels[i];
            T miss = row[c] - T.One;
            total += TensorPrimitives.SumOfSquares(row[..c]) + TensorPrimitives.SumOfSquares(row[(c + 1)..]) + miss * miss;
        }
        T scale = T.One / T.CreateChecked(m);

        if (!gradient.IsEmpty)
        {
            T twoOverM = scale + scale;
            TensorPrimitives.Multiply(scores, twoOverM, gradient);
            for (int i = 0; i < m; i++)
                gradient[i * classes + labels[i]] -= twoOverM;
        }
        return total * scale;
    }

    /// <summary>The value of <see cref="SquaredLoss{T}(ReadOnlySpan{T}, ReadOnlySpan{int}, int, Span{T})"/> alone.</summary>
    public static T SquaredLoss<T>(ReadOnlySpan<T> scores, ReadOnlySpan<int> labels, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SquaredLoss(scores, labels, classes, Span<T>.Empty);

    /// <summary>
    /// The closed-form Moreau gradient of γ·h for the squared loss h above (an objective's
    /// <see cref="IMoreauEnvelope{T}"/>): ∇env(γh)(ŷ) = −argmin_u { γ·h(ŷ + u) + ½‖u‖² }
    /// = (2γ / (m + 2γ))·(ŷ − onehot), written into <paramref name="result"/> (m×classes).
    /// </summary>
    public static void SquaredLossMoreauGradient<T>(ReadOnlySpan<T> scores, ReadOnlySpan<int> labels, int classes,
                                                    T gamma, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLoss(scores, labels, classes, Span<T>.Empty);
        CheckLength(result, scores.Length, nameof(result));
        CheckInPlace(scores, result, nameof(result), nameof(scores));
        if (!(gamma >= T.Zero))
            throw new ArgumentOutOfRangeException(nameof(gamma), $"gamma must be non-negative; it is {gamma}.");
        int m = labels.Length;
        if (m == 0)
            return;
        // The minimiser u* solves (2γ/m)(ŷ + u − e) + u = 0, so −u* = (2γ/m)/(1 + 2γ/m)·(ŷ − e).
        T twoGamma = gamma + gamma;
        T c = twoGamma / (T.CreateChecked(m) + twoGamma);
        TensorPrimitives.Multiply(scores, c, result);
        for (int i = 0; i < m; i++)
            result[i * classes + labels[i]] -= c;
    }

    /// <summary>
    /// Softmax cross-entropy: h(z) = (1/m)·Σᵢ [log Σⱼ exp(zᵢⱼ) − zᵢ,labelsᵢ] over a batch of m = labels.Length
    /// rows of <paramref name="classes"/> logits (z is m×classes, row-major), computed stably (the row
    /// maximum is subtracted first). Returns h; when <paramref name="gradient"/> is not empty writes
    /// ∇h = (softmax(zᵢ) − onehot(labelsᵢ))/m into it (it may be the same span as <paramref name="logits"/>).
    /// An empty batch has loss 0.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match, or a label is outside [0, classes).</exception>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int classes, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLoss(logits, labels, classes, gradient, nameof(logits));
        int m = labels.Length;
        if (m == 0)
            return T.Zero;

        T scale = T.One / T.CreateChecked(m);
        T total = T.Zero;
        const int Chunk = 256;
        Span<T> exps = stackalloc T[Chunk];
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<T> row = logits.Slice(i * classes, classes);
            T max = TensorPrimitives.Max(row);
            T target = row[labels[i]];
            T sum;
            if (!gradient.IsEmpty)
            {
                // The gradient row holds exp(z − max) first, then is normalised in place.
                Span<T> g = gradient.Slice(i * classes, classes);
                TensorPrimitives.Subtract(row, max, g);
                TensorPrimitives.Exp(g, g);
                sum = TensorPrimitives.Sum<T>(g);
                TensorPrimitives.Multiply(g, scale / sum, g);
                g[labels[i]] -= scale;
            }
            else
            {
                sum = T.Zero;
                for (int j = 0; j < classes; j += Chunk)
                {
                    int len = Math.Min(Chunk, classes - j);
                    Span<T> e = exps[..len];
                    TensorPrimitives.Subtract(row.Slice(j, len), max, e);
                    TensorPrimitives.Exp(e, e);
                    sum += TensorPrimitives.Sum<T>(e);
                }
            }
            total += max + T.Log(sum) - target;
        }
        return total * scale;
    }

    /// <summary>The value of <see cref="SoftmaxCrossEntropy{T}(ReadOnlySpan{T}, ReadOnlySpan{int}, int, Span{T})"/> alone.</summary>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SoftmaxCrossEntropy(logits, labels, classes, Span<T>.Empty);

    private static void CheckLoss<T>(ReadOnlySpan<T> scores, ReadOnlySpan<int> labels, int classes, Span<T> gradient,
                                     string scoresName = "scores")
    {
        if (classes <= 0)
            throw new ArgumentOutOfRangeException(nameof(classes), $"classes must be positive; it is {classes}.");
        if ((long)labels.Length * classes != scores.Length)
            throw new ArgumentException(
                $"{scoresName} has {scores.Length} values; expected labels.Length × classes = {labels.Length} × {classes}.", scoresName);
        if (!gradient.IsEmpty)
        {
            CheckLength(gradient, scores.Length, nameof(gradient));
            CheckInPlace(scores, gradient, nameof(gradient), scoresName);
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"labels[{i}] = {labels[i]} is outside [0, {classes}).", nameof(labels));
        }
    }
}
