namespace MoreauGen.Samples.Mlp;

/// <summary>The loss L(y, ŷ) of the classifier's scores (paper §4: h is the batch mean of L).</summary>
public enum LossKind
{
    /// <summary>The paper's squared loss, h(ŷ) = (1/m)·Σᵢ ‖ŷᵢ − onehot(yᵢ)‖² (App. E.1.2). Command-line name <c>squared</c>.</summary>
    Squared,

    /// <summary>Softmax cross-entropy, h(z) = (1/m)·Σᵢ [log Σⱼ exp zᵢⱼ − zᵢ,yᵢ]. Command-line name <c>cross-entropy</c>.</summary>
    CrossEntropy,
}

/// <summary>
/// An objective h on the network's scores (m × classes) whose labels are set per batch (<see cref="SetLabels"/>):
/// the labels are instance data, read as non-differentiable values, as DESIGN.md says of objectives.
/// </summary>
/// <remarks>Holds its own copy of the labels (capacity fixed at construction), so setting them allocates nothing.</remarks>
public abstract class ClassificationObjective : IMoreauObjective<float>
{
    private readonly int[] _labels;
    private int _count;

    private protected ClassificationObjective(int classes, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Classes = classes;
        _labels = new int[capacity];
    }

    /// <summary>Creates the objective of <paramref name="kind"/> for <paramref name="classes"/> classes and batches of up to <paramref name="capacity"/> samples.</summary>
    public static ClassificationObjective Create(LossKind kind, int classes, int capacity) => kind switch
    {
        LossKind.Squared => new SquaredLossObjective(classes, capacity),
        LossKind.CrossEntropy => new CrossEntropyObjective(classes, capacity),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Number of classes: the scores of one sample.</summary>
    public int Classes { get; }

    /// <inheritdoc/>
    public int InputCount => Classes;

    /// <summary>The labels of the current batch (class indices in 0..Classes−1).</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _count);

    /// <summary>Sets the labels of the batch the next evaluations see (copied; at most the capacity given at construction).</summary>
    /// <exception cref="ArgumentException">More labels than the capacity, or a label outside 0..Classes−1.</exception>
    public void SetLabels(ReadOnlySpan<int> labels)
    {
        if (labels.Length > _labels.Length)
            throw new ArgumentException($"{labels.Length} labels exceed the objective's capacity of {_labels.Length}.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)Classes)
                throw new ArgumentException($"labels[{i}] = {labels[i]} is outside the {Classes} classes 0..{Classes - 1}.", nameof(labels));
        }

        labels.CopyTo(_labels);
        _count = labels.Length;
    }

    /// <inheritdoc/>
    public float Value(ReadOnlySpan<float> x) => Loss(x, Labels, Span<float>.Empty);

    /// <inheritdoc/>
    public float ValueAndGradient(ReadOnlySpan<float> x, Span<float> grad)
    {
        if (grad.Length != x.Length)
            throw new ArgumentException($"grad has {grad.Length} values; x has {x.Length}.", nameof(grad));
        return Loss(x, Labels, grad);
    }

    /// <summary>The batch mean of L over <paramref name="labels"/> and the scores <paramref name="x"/>, with its gradient when <paramref name="grad"/> is not empty.</summary>
    public abstract float Loss(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, Span<float> grad);
}

/// <summary>
/// The paper's squared loss h(ŷ) = (1/m)·Σᵢ ‖ŷᵢ − onehot(yᵢ)‖² (App. E.1.2), with its closed-form Moreau gradient
/// ∇env(γh)(ŷ) = 2γ/(m + 2γ)·(ŷ − onehot) (<see cref="Ops.SquaredLossMoreauGradient{T}"/>), so the Moreau
/// back-propagation starts without an inner solve.
/// </summary>
public sealed class SquaredLossObjective : ClassificationObjective, IMoreauEnvelope<float>
{
    /// <summary>For <paramref name="classes"/> classes and batches of up to <paramref name="capacity"/> samples.</summary>
    public SquaredLossObjective(int classes, int capacity)
        : base(classes, capacity)
    {
    }

    /// <inheritdoc/>
    public override float Loss(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, Span<float> grad) =>
        Ops.SquaredLoss(x, labels, Classes, grad);

    /// <inheritdoc/>
    public void MoreauGradient(ReadOnlySpan<float> x, float gamma, Span<float> result) =>
        Ops.SquaredLossMoreauGradient(x, Labels, Classes, gamma, result);
}

/// <summary>
/// Softmax cross-entropy h(z) = (1/m)·Σᵢ [log Σⱼ exp zᵢⱼ − zᵢ,yᵢ] (<see cref="Ops.SoftmaxCrossEntropy{T}(ReadOnlySpan{T}, ReadOnlySpan{int}, int, Span{T})"/>).
/// It has no closed-form Moreau gradient: the Moreau back-propagation computes ∇env(γh) with its inner solver.
/// </summary>
public sealed class CrossEntropyObjective : ClassificationObjective
{
    /// <summary>For <paramref name="classes"/> classes and batches of up to <paramref name="capacity"/> samples.</summary>
    public CrossEntropyObjective(int classes, int capacity)
        : base(classes, capacity)
    {
    }

    /// <inheritdoc/>
    public override float Loss(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, Span<float> grad) =>
        Ops.SoftmaxCrossEntropy(x, labels, Classes, grad);
}
