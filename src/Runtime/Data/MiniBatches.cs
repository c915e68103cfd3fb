using System.Numerics;

namespace MoreauGen.Data;

/// <summary>
/// One mini-batch: <see cref="Count"/> samples copied, in epoch order, into buffers that the
/// <see cref="MiniBatches{T}"/> reuses — valid until its next <see cref="MiniBatches{T}.GetBatch"/>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly ref struct MiniBatch<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal MiniBatch(int index, ReadOnlySpan<T> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> sampleIndices)
    {
        Index = index;
        Features = features;
        Labels = labels;
        SampleIndices = sampleIndices;
    }

    /// <summary>Position of this batch in the epoch, 0..BatchCount−1.</summary>
    public int Index { get; }

    /// <summary>Number of samples m: the batch size, or fewer for the last batch of an epoch.</summary>
    public int Count => Labels.Length;

    /// <summary>The m samples' features back to back, m × FeatureCount row-major (the layer's x).</summary>
    public ReadOnlySpan<T> Features { get; }

    /// <summary>The m samples' class indices.</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>Which samples of the data set these are (indices into it), in batch order.</summary>
    public ReadOnlySpan<int> SampleIndices { get; }
}

/// <summary>
/// Cuts a <see cref="LabeledDataset{T}"/> into mini-batches, epoch after epoch, in a seeded random order (or in
/// storage order for evaluation). Every sample appears exactly once per epoch; the last batch holds the remainder
/// (60 000 samples in batches of 256 give 234 full batches and one of 96). Each batch's rows are copied into one
/// reusable buffer, so iterating allocates nothing.
/// </summary>
/// <example>
/// <code>
/// var batches = new MiniBatches&lt;float&gt;(data.Train, batchSize: 256, seed: 42);
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     batches.StartEpoch(epoch);
///     foreach (var batch in batches)
///         Step(batch.Features, batch.Labels, batch.Count);
/// }
/// </code>
/// </example>
/// <typeparam name="T">float or double.</typeparam>
public sealed class MiniBatches<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LabeledDataset<T> _data;
    private readonly int[] _order;
    private readonly T[] _features;
    private readonly int[] _labels;
    private readonly ulong? _seed;

    /// <summary>
    /// Batches of <paramref name="batchSize"/> samples; with a <paramref name="seed"/> each epoch's order is the seeded
    /// permutation of <see cref="SeededShuffle"/> for (seed, epoch), without one the samples stay in storage order.
    /// The order is that of epoch 0 until <see cref="StartEpoch"/> is called.
    /// </summary>
    public MiniBatches(LabeledDataset<T> data, int batchSize, ulong? seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _data = data;
        _seed = seed;
        BatchSize = batchSize;
        int capacity = Math.Min(batchSize, data.Count);
        _order = new int[data.Count];
        _features = new T[capacity * data.FeatureCount];
        _labels = new int[capacity];
        StartEpoch(0);
    }

    /// <summary>The largest number of samples in one batch.</summary>
    public int BatchSize { get; }

    /// <summary>Batches per epoch: ⌈SampleCount / BatchSize⌉.</summary>
    public int BatchCount => (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Samples per epoch (the data set's size).</summary>
    public int SampleCount => _data.Count;

    /// <summary>Values per sample.</summary>
    public int FeatureCount => _data.FeatureCount;

    /// <summary>The epoch whose order is current.</summary>
    public int Epoch { get; private set; }

    /// <summary>The current epoch's order: sample indices, batch after batch.</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>Sets the order for <paramref name="epoch"/> (the same for the same seed and epoch, whatever came before).</summary>
    public void StartEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        if (_seed is ulong seed)
        {
            SeededShuffle.Permutation(_order, seed, epoch);
        }
        else
        {
            for (int i = 0; i < _order.Length; i++)
                _order[i] = i;
        }
    }

    /// <summary>
    /// Copies batch <paramref name="index"/> of the current epoch into the reusable buffers and returns views of them;
    /// they are overwritten by the next call.
    /// </summary>
    public MiniBatch<T> GetBatch(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BatchCount);
        int start = index * BatchSize;
        int count = Math.Min(BatchSize, _data.Count - start);
        int features = _data.FeatureCount;
        ReadOnlySpan<int> indices = _order.AsSpan(start, count);
        ReadOnlySpan<T> source = _data.Features;
        Span<T> destination = _features.AsSpan(0, count * features);
        for (int i = 0; i < indices.Length; i++)
        {
            int sample = indices[i];
            source.Slice(sample * features, features).CopyTo(destination.Slice(i * features, features));
            _labels[i] = _data.Labels[sample];
        }
        return new MiniBatch<T>(index, destination, _labels.AsSpan(0, count), indices);
    }

    /// <summary>Enumerates the current epoch's batches in order (each one valid until the next is taken).</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Allocation-free enumerator over the batches of the current epoch.</summary>
    public struct Enumerator
    {
        private readonly MiniBatches<T> _owner;
        private int _index;

        internal Enumerator(MiniBatches<T> owner)
        {
            _owner = owner;
            _index = -1;
        }

        /// <summary>The batch at the enumerator's position.</summary>
        public readonly MiniBatch<T> Current => _owner.GetBatch(_index);

        /// <summary>Advances to the next batch; false after the last.</summary>
        public bool MoveNext() => ++_index < _owner.BatchCount;
    }
}
