using System.Numerics;
using System.Runtime.ExceptionServices;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// The backward pass of <see cref="Backpropagation{T}"/> over layers count−1..1 as two streams side by side
/// (<see cref="PairJob"/>): part 0 runs the chain of multipliers λ_{t−1} = ∇_x(λ_tᵀφ_t) (paper Alg. 3–4), each layer's
/// pullback asked for the input gradient only, and part 1 runs each layer's parameter gradient g_t = ∇_w(λ_tᵀφ_t) as soon
/// as part 0 has published λ_t. Only the λ chain is sequential; g_t needs only λ_t, so on 784-500-300-100-10 the products
/// pair up as dX_t ‖ dW_t, each multiplied by one core with no fork and join per product. Layer 0 (whose pullback has no
/// multiplier to pass on) is left to the caller, on the whole pool, and so are the fused descent's update sweeps, which
/// must wait for both products of their layer (the input-gradient product reads the old w_t).
/// </summary>
/// <remarks>
/// <para>
/// Part 0 never waits for part 1, and the calling thread claims part 0 before anything else (<see cref="PairJob"/>), so
/// part 1's waits always end: side by side part 0 is running on the other thread, one after the other it has already
/// finished. Each λ_t has its own buffer
/// (part 1 may lag part 0 by any number of layers).
/// </para>
/// <para>
/// Values: a product gives the same bits on one thread as on the pool, and a sweep the same sums (chunk order), so the
/// gradients, multipliers and iterates are those of the layer-by-layer pass bit for bit. Failures: each part stops at its
/// first failure (an exception from a layer, a non-finite multiplier or gradient) and records it with its rank in the
/// order the layer-by-layer pass meets them: layer t from the top, then within a layer the pullback's exception, then for
/// the oracle's pass the gradient check and the multiplier check, for the fused descent the multiplier check and the
/// update sweep (<see cref="SweepPrecedes"/>). Part 0 publishes its failure so that part 1 stops waiting; part 1 publishes
/// its own so that part 0 skips the layers below. Every failure that ranks before a recorded one has been looked for by
/// then, so the earliest recorded is the one the layer-by-layer pass would have met.
/// </para>
/// </remarks>
internal sealed unsafe class BackwardStreams<T> : PairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// The fewest multiply-adds Σ_{t≥1} |w_t|·m of a part's products (≈ each part's, for dense layers) for which the two
    /// streams are taken: 2²¹, about 0.1 ms of products on one core. Below it (the pendulum's one-parameter layers, small
    /// chains) a pullback is too short for the overlap to pay its hand-offs.
    /// </summary>
    internal const long MinimumWork = 1L << 21;

    /// <summary>
    /// The most parameters a layer t ≥ 1 may have for the two streams: 2¹⁹ (2 MiB in float), so that a product of a
    /// stream finds its layer's weights in or near its core's L2. Above it (784-4000-1000-4000-10: 4 M parameters a
    /// layer) each stream's products stream their operands from memory side by side, where a product on the pool shares
    /// its packed operand between the threads; the two streams measured no faster there, so such chains keep the pool.
    /// </summary>
    internal const int MaximumLayerParameters = 1 << 19;

    private const int None = int.MaxValue;

    private readonly Chain<T> _chain;
    private readonly int[] _multiplierOffsets;
    private readonly ParameterSweep<T>[] _sweeps;
    private T[] _multipliers = [];

    // One call's operands (pinned by the caller around Run).
    private ChainWorkspace<T>? _workspace;
    private T* _w, _gradient;
    private int _length;
    private bool _descend, _addL2;
    private T _mu;

    // Progress and failures.
    private ChainProgress _ready; // part 0 has written the multiplier of state t (the input of layer t); count at the start
    private int _stopBelow;   // part 1 failed at this layer: part 0 skips the layers below it
    private int _rank0, _rank1;
    private ExceptionDispatchInfo? _error0, _error1;
    private int _thread0, _thread1;

    /// <summary>The job for <paramref name="chain"/> (allocated once per oracle).</summary>
    public BackwardStreams(Chain<T> chain)
    {
        _chain = chain;
        _multiplierOffsets = new int[chain.Length + 1];
        _sweeps = new ParameterSweep<T>[chain.Length];
    }

    /// <summary>
    /// Whether the two streams pay for <paramref name="chain"/> at batch <paramref name="batch"/>: at least two layers,
    /// a pool with a second thread, <see cref="MinimumWork"/> multiply-adds in layers 1.., and none of them larger than
    /// <see cref="MaximumLayerParameters"/>.
    /// </summary>
    public static bool Pays(Chain<T> chain, int batch)
    {
        if (chain.Length < 2 || WorkerPool.Shared.ThreadCount < 2)
            return false;
        long work = 0;
        for (int i = 1; i < chain.Length; i++)
        {
            if (chain[i].ParameterCount > MaximumLayerParameters)
                return false;
            work += (long)chain[i].ParameterCount * batch;
        }
        return work >= MinimumWork;
    }

    /// <summary>The multiplier λ on state <paramref name="t"/> (the output of layer t − 1) after a run, t ≥ 1.</summary>
    public Span<T> Multiplier(int t) => Lambda(t);

    /// <summary>Layer t's parameter sweep of the oracle's pass (t ≥ 1), after a run without failure.</summary>
    public ParameterSweep<T> Sweep(int t) => _sweeps[t];

    /// <summary>
    /// Whether the fused descent's update sweep of layer <paramref name="t"/> comes, in the layer-by-layer order, before
    /// every failure the streams met (each layer's sweep follows its pullback and its multiplier check).
    /// </summary>
    public bool SweepPrecedes(int t) => Rank(t, 2) < Math.Min(_rank0, _rank1);

    /// <summary>Whether the last run's two parts ran on two threads (a diagnostic for the benchmarks).</summary>
    public bool SideBySide => _thread0 != _thread1;

    /// <summary>Whether a part met a failure.</summary>
    public bool Failed => _rank0 != None || _rank1 != None;

    /// <summary>The exception of the earliest failure, null when there is none or it was not an exception (fused descent).</summary>
    public ExceptionDispatchInfo? FirstError => _rank1 <= _rank0 ? _error1 : _error0;

    /// <summary>
    /// Runs layers count−1..1 of the backward pass as two streams: g_t into <paramref name="gradient"/>, and with
    /// <paramref name="descend"/> false (the oracle's pass) d_t = g_t + μw_t by <see cref="ParameterUpdate.AddL2"/>'s sweep
    /// (<see cref="Sweep"/>); with it true (the fused descent) the caller sweeps afterwards.
    /// </summary>
    public void Run(ChainWorkspace<T> workspace, T* w, T* gradient, int length, T mu, bool addL2, bool descend)
    {
        int count = _chain.Length;
        int total = 0;
        for (int t = 1; t < count; t++)
        {
            _multiplierOffsets[t] = total;
            total = checked(total + workspace.StateLength(t));
        }
        if (_multipliers.Length < total)
            _multipliers = new T[total];

        _workspace = workspace;
        _w = w;
        _gradient = gradient;
        _length = length;
        _mu = mu;
        _addL2 = addL2;
        _descend = descend;
        _ready.Reset(count);
        _stopBelow = 0;
        _rank0 = _rank1 = None;
        _error0 = _error1 = null;
        try
        {
            Run();
        }
        finally
        {
            _w = _gradient = null; // the workspace stays, for Multiplier(1)
        }
    }

    /// <inheritdoc/>
    protected override void RunPart(int part)
    {
        if (part == 0)
        {
            _thread0 = Environment.CurrentManagedThreadId;
            Multipliers();
        }
        else
        {
            _thread1 = Environment.CurrentManagedThreadId;
            ParameterGradients();
        }
    }

    private int Rank(int layer, int kind) => (_chain.Length - 1 - layer) * 3 + kind;

    private Span<T> Lambda(int t) =>
        t == _chain.Length
            ? _workspace!.Multiplier(0, _workspace.StateLength(t))
            : _multipliers.AsSpan(_multiplierOffsets[t], _workspace!.StateLength(t));

    private Span<T> Parameters(int t) => _chain.Parameters(new Span<T>(_w, _length), t);

    private Span<T> Gradient(int t) => _chain.Parameters(new Span<T>(_gradient, _length), t);

    /// <summary>Part 0: λ_{t−1} = ∇_x(λ_tᵀφ_t) for t = count−1..1, each published once checked.</summary>
    private void Multipliers()
    {
        ChainWorkspace<T> workspace = _workspace!;
        for (int t = _chain.Length - 1; t >= 1; t--)
        {
            if (Volatile.Read(ref _stopBelow) > t)
                break; // part 1 failed at a later layer: what comes after it is never reported
            int kind = 0;
            try
            {
                Span<T> previous = Lambda(t);
                _chain[t].Pullback(Parameters(t), workspace.State(t), workspace.Tape(t), Lambda(t + 1), Span<T>.Empty, previous);
                if (_descend)
                {
                    if (!NonFinite.AllFinite<T>(previous))
                    {
                        _rank0 = Rank(t, 1);
                        break;
                    }
                }
                else
                {
                    kind = 2;
                    NonFinite.Check(previous, _chain, t, NonFiniteQuantity.Multiplier); // throws, naming the layer
                }
            }
            catch (Exception e)
            {
                _error0 = ExceptionDispatchInfo.Capture(e);
                _rank0 = Rank(t, kind);
                break;
            }
            _ready.Publish(t);
        }
        _ready.Stop();
    }

    /// <summary>Part 1: g_t for t = count−1..1 as λ_t becomes ready, and for the oracle's pass its sweep d_t = g_t + μw_t.</summary>
    private void ParameterGradients()
    {
        ChainWorkspace<T> workspace = _workspace!;
        for (int t = _chain.Length - 1; t >= 1; t--)
        {
            if (!_ready.WaitFor(t + 1))
                return; // part 0 stopped before λ_t
            int kind = 0;
            try
            {
                Span<T> gradient = Gradient(t);
                _chain[t].Pullback(Parameters(t), workspace.State(t), workspace.Tape(t), Lambda(t + 1), gradient, Span<T>.Empty);
                if (!_descend)
                {
                    kind = 1;
                    ParameterSweep<T> sweep = ParameterUpdate.AddL2(Parameters(t), _mu, gradient, _addL2);
                    if (!sweep.GradientFinite)
                        NonFinite.Check(gradient, _chain, t, NonFiniteQuantity.Direction); // throws, naming the layer
                    _sweeps[t] = sweep;
                }
            }
            catch (Exception e)
            {
                Fail1(Rank(t, kind), ExceptionDispatchInfo.Capture(e), t);
                return;
            }
        }
    }

    private void Fail1(int rank, ExceptionDispatchInfo error, int layer)
    {
        _rank1 = rank;
        _error1 = error;
        Volatile.Write(ref _stopBelow, layer);
    }
}
