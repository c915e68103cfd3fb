using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace MoreauGen;

/// <summary>
/// A parameterised chain of computations (paper Def. 1.1): x_t = φ_t(w_t, x_{t−1}) for t = 1..τ, f(w, x₀) = x_τ.
/// The same layer repeated τ times (a control problem) or different layers (a network). All parameters live in
/// one flat vector w = (w₁; …; w_τ) with a view per layer (<see cref="Parameters(Span{T}, int)"/>).
/// </summary>
/// <remarks>
/// <para>
/// Layers are numbered t = 1..τ in messages, as in the paper; methods take the zero-based index t − 1.
/// Sizes are checked when the chain is built: the output size of each layer must be the input size of the next.
/// </para>
/// <para>
/// A chain holds no per-call state and may be shared between threads; the states and tapes of a forward pass live
/// in a <see cref="ChainWorkspace{T}"/> (one per batch size, allocated once).
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class Chain<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IMoreauLayer<T>[] _layers;
    private readonly string[] _names;
    private readonly int[] _parameterOffsets;
    private readonly bool[] _affineInParameters;
    private readonly bool[] _affineInInputs;

    /// <summary>Builds the chain φ_τ ∘ … ∘ φ₁ of <paramref name="layers"/>, named after their types in messages.</summary>
    /// <exception cref="ArgumentException">No layer, or the output size of a layer differs from the input size of the next (the message names both layers and sizes).</exception>
    public Chain(IEnumerable<IMoreauLayer<T>> layers)
        : this(layers, null)
    {
    }

    /// <summary>Builds the chain of <paramref name="layers"/>, named <paramref name="names"/> in messages (one name per layer).</summary>
    /// <exception cref="ArgumentException">No layer, a missing name, or the output size of a layer differs from the input size of the next (the message names both layers and sizes).</exception>
    public Chain(IEnumerable<IMoreauLayer<T>> layers, IEnumerable<string>? names)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = [.. layers];
        int count = _layers.Length;
        if (count == 0)
            throw new ArgumentException("A chain needs at least one layer.", nameof(layers));
        for (int i = 0; i < count; i++)
        {
            if (_layers[i] is null)
                throw new ArgumentException($"Layer {i + 1} of {count} is null.", nameof(layers));
        }

        if (names is null)
        {
            _names = new string[count];
            for (int i = 0; i < count; i++)
                _names[i] = _layers[i].GetType().Name;
        }
        else
        {
            _names = [.. names];
            if (_names.Length != count)
                throw new ArgumentException($"{_names.Length} names were given for {count} layers.", nameof(names));
        }

        _parameterOffsets = new int[count + 1];
        _affineInParameters = new bool[count];
        _affineInInputs = new bool[count];
        for (int i = 0; i < count; i++)
        {
            IMoreauLayer<T> layer = _layers[i];
            if (layer.ParameterCount < 0 || layer.InputCount < 0 || layer.OutputCount < 0)
                throw new ArgumentException(
                    $"{Describe(i)} reports a negative size (ParameterCount = {layer.ParameterCount}, InputCount = {layer.InputCount}, OutputCount = {layer.OutputCount}).",
                    nameof(layers));
            if (i > 0 && _layers[i - 1].OutputCount != layer.InputCount)
                throw new ArgumentException(
                    $"{Describe(i - 1)} outputs {_layers[i - 1].OutputCount} values per sample but {Describe(i)} reads {layer.InputCount}: the output size of a layer must be the input size of the next.",
                    nameof(layers));
            _parameterOffsets[i + 1] = checked(_parameterOffsets[i] + layer.ParameterCount);
            _affineInParameters[i] = layer is IAffineInParameters;
            _affineInInputs[i] = layer is IAffineInInputs;
        }
    }

    /// <summary>The chain of <paramref name="count"/> copies of <paramref name="layer"/> (a discretised control problem), each with its own parameters.</summary>
    public static Chain<T> Repeat(IMoreauLayer<T> layer, int count)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var layers = new IMoreauLayer<T>[count];
        Array.Fill(layers, layer);
        return new Chain<T>(layers);
    }

    /// <summary>τ, the number of layers.</summary>
    public int Length => _layers.Length;

    /// <summary>The layer φ_t at zero-based <paramref name="index"/> = t − 1.</summary>
    public IMoreauLayer<T> this[int index] => _layers[index];

    /// <summary>Σ_t |w_t|, the length of the flat parameter vector.</summary>
    public int ParameterCount => _parameterOffsets[^1];

    /// <summary>|x₀| of one sample: the first layer's input size.</summary>
    public int InputCount => _layers[0].InputCount;

    /// <summary>|x_τ| of one sample: the last layer's output size.</summary>
    public int OutputCount => _layers[^1].OutputCount;

    /// <summary>The name of the layer at <paramref name="index"/> (its type name unless names were given).</summary>
    public string LayerName(int index) => _names[index];

    /// <summary>"layer t of τ (name)", as messages refer to the layer at zero-based <paramref name="index"/>.</summary>
    public string Describe(int index) => $"layer {index + 1} of {_layers.Length} ({_names[index]})";

    /// <summary>Where w_t starts in the flat parameter vector (index = t − 1).</summary>
    public int ParameterOffset(int index) => _parameterOffsets[index];

    /// <summary>The view w_t of the flat parameter vector <paramref name="w"/> (index = t − 1).</summary>
    public Span<T> Parameters(Span<T> w, int index) =>
        w.Slice(_parameterOffsets[index], _parameterOffsets[index + 1] - _parameterOffsets[index]);

    /// <summary>The view w_t of the flat parameter vector <paramref name="w"/> (index = t − 1).</summary>
    public ReadOnlySpan<T> Parameters(ReadOnlySpan<T> w, int index) =>
        w.Slice(_parameterOffsets[index], _parameterOffsets[index + 1] - _parameterOffsets[index]);

    /// <summary>A new zeroed flat parameter vector.</summary>
    public T[] CreateParameters() => new T[ParameterCount];

    /// <summary>Allocates the states, tapes and scratch vectors of a forward and backward pass for batches of <paramref name="batch"/> samples.</summary>
    public ChainWorkspace<T> CreateWorkspace(int batch) => new(this, batch);

    /// <summary>
    /// The batch size m of the inputs <paramref name="x0"/> (m·<see cref="InputCount"/> values), checked to be a whole
    /// number of samples. A chain whose first layer reads no input takes an empty <paramref name="x0"/> as one sample.
    /// </summary>
    public int BatchSize(ReadOnlySpan<T> x0)
    {
        int inputs = InputCount;
        if (inputs == 0)
        {
            if (!x0.IsEmpty)
                throw new ArgumentException($"x0 has {x0.Length} values but {Describe(0)} reads no input.", nameof(x0));
            return 1;
        }

        if (x0.Length == 0 || x0.Length % inputs != 0)
            throw new ArgumentException($"x0 has {x0.Length} values, not a positive whole number of samples of {inputs} ({Describe(0)} reads {inputs} per sample).", nameof(x0));
        return x0.Length / inputs;
    }

    /// <summary>
    /// The forward pass of paper Alg. 1 (and Alg. 3): x_t = φ_t(w_t, x_{t−1}) for t = 1..τ, keeping every state and
    /// every layer's tape in <paramref name="workspace"/> for a backward pass. <paramref name="x0"/> holds the
    /// workspace's batch of samples.
    /// </summary>
    /// <exception cref="NonFiniteValueException">A state x_t has a NaN or an infinity (names the layer).</exception>
    public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x0, ChainWorkspace<T> workspace) => Forward(w, x0, workspace, record: true);

    /// <param name="w">The parameters.</param>
    /// <param name="x0">The batch of inputs.</param>
    /// <param name="workspace">The workspace of the batch size.</param>
    /// <param name="record">Whether the layers record their tapes.</param>
    /// <param name="copyInput">
    /// Whether x₀ is copied into the workspace (its state 0); without it the first layer reads <paramref name="x0"/> where it
    /// is, which is only checked, and the workspace's state 0 is left as it was: the caller then reads x₀ from
    /// <paramref name="x0"/> (which must stay unchanged until it has).
    /// </param>
    internal void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x0, ChainWorkspace<T> workspace, bool record, bool copyInput = true)
    {
        CheckParameters(w, nameof(w));
        CheckWorkspace(workspace, x0);
        if (!(copyInput ? NonFinite.CopyAllFinite(x0, workspace.StateBuffer(0)) : NonFinite.AllFinite(x0)))
            ThrowForInput(x0);

        // Large states are checked right after their layer wrote them, while they are still in cache (a pass over all
        // states at the end reads them back from memory); small ones (a control problem's time steps) in one pass at the
        // end, which costs less than a call per layer. Either way the first layer whose output is not finite is named.
        bool eachLayer = workspace.AllStates.Length - x0.Length >= EachLayerCheckMinimum * _layers.Length;
        for (int i = 0; i < _layers.Length; i++)
        {
            ReadOnlySpan<T> input = i == 0 && !copyInput ? x0 : workspace.State(i);
            if (record)
                _layers[i].Forward(Parameters(w, i), input, workspace.StateBuffer(i + 1), workspace.TapeBuffer(i));
            else
                _layers[i].Forward(Parameters(w, i), input, workspace.StateBuffer(i + 1));
            if (eachLayer)
                NonFinite.Check(workspace.State(i + 1), this, i, NonFiniteQuantity.State);
        }

        if (!eachLayer && !NonFinite.AllFinite(workspace.AllStates[x0.Length..]))
        {
            for (int i = 0; i < _layers.Length; i++)
                NonFinite.Check(workspace.State(i + 1), this, i, NonFiniteQuantity.State);
        }
    }

    /// <summary>The mean state length (values per layer's output over the batch) from which each state is checked after its layer.</summary>
    private const int EachLayerCheckMinimum = 1024;

    [DoesNotReturn]
    private static void ThrowForInput(ReadOnlySpan<T> x0)
    {
        for (int j = 0; j < x0.Length; j++)
        {
            if (!T.IsFinite(x0[j]))
                throw new ArgumentException($"x0 holds a non-finite value ({x0[j]}) at index {j}.", nameof(x0));
        }

        throw new InvalidOperationException("x0 was reported non-finite but every value is finite.");
    }

    internal bool IsAffineInParameters(int index) => _affineInParameters[index];

    internal bool IsAffineInInputs(int index) => _affineInInputs[index];

    internal void CheckParameters(ReadOnlySpan<T> w, string name)
    {
        if (w.Length != ParameterCount)
            throw new ArgumentException($"{name} has {w.Length} values; the chain has {ParameterCount} parameters.", name);
    }

    internal void CheckWorkspace(ChainWorkspace<T> workspace, ReadOnlySpan<T> x0)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (!ReferenceEquals(workspace.Chain, this))
            throw new ArgumentException("The workspace was created by another chain.", nameof(workspace));
        int batch = BatchSize(x0);
        if (batch != workspace.BatchSize)
            throw new ArgumentException($"x0 holds {batch} samples; the workspace was created for batches of {workspace.BatchSize}.", nameof(x0));
    }
}
