using System.Numerics;
using System.Runtime.ExceptionServices;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// The Moreau backward pass (paper Alg. 2) on two cores: part 0 runs the chain of multipliers λ_τ → λ_0 (pullback, Φx; and
/// Φw for the layers not taken here), publishing each λ_{t−1} once it is checked; part 1 solves, as their multipliers are
/// published, the Φw of the layers whose Φw takes the Gram form (<see cref="DenseGramSolve{T}"/>), which needs λ_t, x_{t−1},
/// the tape and w_t but not λ_{t−1} (Alg. 2 line 5), and sweeps their directions. Part 0 never waits on part 1, and the
/// calling thread claims part 0 before anything else (<see cref="PairJob"/>), so side by side or one after the other (the
/// pool held elsewhere) the parts still finish. Part 1 first forms every
/// G = x·xᵀ (+ 11ᵀ), which needs no multiplier; the lowest layer taken (<see cref="Last"/>, whose λ comes when the chain is
/// done) is solved after the pair, its products on the whole pool.
/// </summary>
/// <remarks>
/// <para>
/// The parts share no scratch: part 0 uses the workspace's (multipliers go to one buffer per layer here, so that λ_t stays
/// intact while part 1 reads it), part 1 its own scaled multiplier, Gram scratch and indices, all allocated with the job,
/// once per workspace. Products inside a part run on its own core with the same bits as on the pool (<see cref="PairJob"/>),
/// and every sum is formed in the sequential pass's order, so the iterates are those of the sequential pass.
/// </para>
/// <para>
/// A failure in a part is recorded with where the sequential pass would have met it (layer, stage); after
/// <see cref="PairJob.Run()"/> the first in that order is rethrown. Part 0 failing releases part 1 from waiting.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
internal sealed unsafe class MoreauPairJob<T> : PairJob where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Stages of one layer in the sequential pass's order.</summary>
    public const int Pullback = 0, InputSolve = 1, ParameterSolve = 2, DirectionCheck = 3, MultiplierCheck = 4;

    private readonly MoreauBackpropagation<T> _oracle;
    private readonly ChainWorkspace<T> _workspace;
    private readonly DenseStructure?[] _structures;
    private readonly T[][] _lambdas, _grams;
    private readonly bool[] _gramFormed;
    private readonly T[] _scaledLambda, _gramScratch;
    private readonly int[] _gramIndices;

    private T* _w, _direction;
    private int _wLength, _directionLength;
    private ChainProgress _ready;      // the lowest t whose λ_t is published, and whether part 0 has stopped (done or failed)
    private int _layer0, _stage0;      // where part 0 is
    private Failure _failure0, _failure1;
    private InnerSolveStatistics<T> _chainStatistics;

    private readonly record struct Failure(Exception? Exception, int Layer, int Stage);

    public MoreauPairJob(MoreauBackpropagation<T> oracle, ChainWorkspace<T> workspace, DenseStructure?[] structures)
    {
        _oracle = oracle;
        _workspace = workspace;
        _structures = structures;
        int count = structures.Length, m = workspace.BatchSize, maxState = 0, scratch = 0, indices = 0;
        _lambdas = new T[count][];
        _grams = new T[count][];
        _gramFormed = new bool[count];
        Last = -1;
        for (int t = 0; t < count; t++)
        {
            _lambdas[t] = t + 1 < count ? new T[workspace.StateLength(t + 1)] : [];
            _grams[t] = [];
            if (structures[t] is { } s)
            {
                if (Last < 0)
                    Last = t;
                _grams[t] = new T[m * m];
                maxState = Math.Max(maxState, workspace.StateLength(t + 1));
                scratch = Math.Max(scratch, MoreauBackpropagation<T>.GramScratchLength(m, s.Outputs));
                indices = Math.Max(indices, MoreauBackpropagation<T>.GramIndexLength(m, s.Outputs));
            }
        }

        _scaledLambda = new T[maxState];
        _gramScratch = new T[scratch];
        _gramIndices = new int[indices];
        Sweeps = new ParameterSweep<T>[count];
        Reports = new SolverReport<T>[count];
        HasReport = new bool[count];
        Declined = new bool[count];
    }

    /// <summary>
    /// The lowest layer taken: its λ comes last, when part 0 is done, so its Gram solve runs after <see cref="PairJob.Run()"/> on
    /// the whole pool (its G formed by part 1 meanwhile).
    /// </summary>
    public int Last { get; }

    /// <summary>G = x·xᵀ (+ 11ᵀ) of layer <paramref name="t"/> (taken), formed by part 1, or here if it was not.</summary>
    public ReadOnlySpan<T> Gram(int t)
    {
        if (!_gramFormed[t])
        {
            DenseGramSolve<T>.FormGram(_structures[t]!.Value, _workspace.State(t), _grams[t]);
            _gramFormed[t] = true;
        }
        return _grams[t];
    }

    /// <summary>Per layer, its direction's sweep (written by the part that formed the direction).</summary>
    public ParameterSweep<T>[] Sweeps { get; }

    /// <summary>Per layer taken, the report of its Gram-form solve (when <see cref="HasReport"/>).</summary>
    public SolverReport<T>[] Reports { get; }

    /// <summary>Per layer taken, whether its Gram-form solve ran (its report in <see cref="Reports"/>).</summary>
    public bool[] HasReport { get; }

    /// <summary>Per layer taken, whether the Gram form declined (the caller then solves on the parameters).</summary>
    public bool[] Declined { get; }

    /// <summary>Part 0's statistics (with the objective's, given to <see cref="Start"/>).</summary>
    public InnerSolveStatistics<T> ChainStatistics => _chainStatistics;

    /// <summary>The structure of layer <paramref name="t"/> (taken).</summary>
    public DenseStructure Structure(int t) => _structures[t]!.Value;

    /// <summary>Whether part 1 takes the Φw of layer <paramref name="t"/>.</summary>
    public bool Takes(int t) => _structures[t] is not null;

    /// <summary>λ_t: the workspace's first multiplier buffer for the last layer (λ_τ), else this job's buffer of layer t.</summary>
    public Span<T> Lambda(int t) => t + 1 == _lambdas.Length ? _workspace.Multiplier(0, _workspace.Output.Length) : _lambdas[t];

    /// <summary>Part 0 is at <paramref name="stage"/> of layer <paramref name="t"/> (for ordering a failure).</summary>
    public void At(int t, int stage)
    {
        _layer0 = t;
        _stage0 = stage;
    }

    /// <summary>λ_t is final and checked: part 1 may read it.</summary>
    public void Publish(int t) => _ready.Publish(t);

    /// <summary>Prepares a run on the pinned parameters and direction; <paramref name="statistics"/>: what the pass did so far.</summary>
    public void Start(T* w, int wLength, T* direction, int directionLength, in InnerSolveStatistics<T> statistics)
    {
        _w = w;
        _wLength = wLength;
        _direction = direction;
        _directionLength = directionLength;
        _ready.Reset(_structures.Length - 1);
        _failure0 = _failure1 = default;
        _chainStatistics = statistics;
        Array.Clear(HasReport);
        Array.Clear(Declined);
        Array.Clear(_gramFormed);
    }

    /// <summary>Forgets the pinned pointers after the run.</summary>
    public void Unpin() => _w = _direction = null;

    /// <summary>Whether a recorded failure comes before stage <paramref name="stage"/> of layer <paramref name="t"/> in the sequential order.</summary>
    public bool FailsBefore(int t, int stage) => First() is { Exception: not null } f && Precedes(f.Layer, f.Stage, t, stage);

    /// <summary>Rethrows the first recorded failure in the sequential order, if any.</summary>
    public void ThrowFailure()
    {
        if (First() is { Exception: { } exception })
            ExceptionDispatchInfo.Capture(exception).Throw();
    }

    private Failure First()
    {
        if (_failure0.Exception is null)
            return _failure1;
        if (_failure1.Exception is null)
            return _failure0;
        return Precedes(_failure1.Layer, _failure1.Stage, _failure0.Layer, _failure0.Stage) ? _failure1 : _failure0;
    }

    // The sequential pass goes from the last layer down, each layer's stages in order.
    private static bool Precedes(int layer, int stage, int otherLayer, int otherStage) =>
        layer > otherLayer || (layer == otherLayer && stage < otherStage);

    protected override void RunPart(int part)
    {
        if (part == 0)
            RunChain();
        else
            RunParameterSolves();
    }

    private void RunChain()
    {
        try
        {
            _oracle.RunChain(new ReadOnlySpan<T>(_w, _wLength), _workspace, new Span<T>(_direction, _directionLength), this, ref _chainStatistics);
        }
        catch (Exception exception)
        {
            _failure0 = new Failure(exception, _layer0, _stage0);
        }
        finally
        {
            _ready.Stop();
        }
    }

    private void RunParameterSolves()
    {
        Chain<T> chain = _oracle.Chain;
        MoreauSchedule<T> schedule = _oracle.Schedule;
        ReadOnlySpan<T> w = new(_w, _wLength);
        Span<T> direction = new(_direction, _directionLength);

        // First every G = x·xᵀ (+ 11ᵀ): they need no multiplier, so part 0 need not be waited for.
        for (int t = _structures.Length - 1; t >= 0; t--)
        {
            if (_structures[t] is not { } taken)
                continue;
            try
            {
                DenseGramSolve<T>.FormGram(taken, _workspace.State(t), _grams[t]);
                _gramFormed[t] = true;
            }
            catch (Exception exception)
            {
                _failure1 = new Failure(exception, t, ParameterSolve);
                return;
            }
        }

        for (int t = _structures.Length - 1; t > Last; t--)
        {
            if (_structures[t] is not { } structure)
                continue;

            // Wait for λ_t (part 0 runs on the calling thread, which claims it first), or stop when part 0 stopped without it.
            if (!_ready.WaitFor(t))
                return;

            int stage = ParameterSolve;
            try
            {
                // g_t = ∇env(α_t·λ_tᵀφ_t(·, x_{t−1}) + (α_tμ/2)‖·‖²)(w_t) (Alg. 2 line 5; App. D.6) in the Gram form.
                ReadOnlySpan<T> wt = chain.Parameters(w, t);
                Span<T> update = chain.Parameters(direction, t);
                ReadOnlySpan<T> state = _workspace.State(t + 1);
                ReadOnlySpan<T> lambda = Lambda(t);
                T alpha = schedule.ParameterStep(t);
                T startValue = alpha * Vectors.Dot(lambda, state);
                int m = _workspace.BatchSize, n = structure.Outputs;
                if (!_oracle.TryGramForm(structure, wt, _workspace.State(t), state, lambda, alpha, alpha * _oracle.ParameterL2, startValue,
                                         _workspace.Tape(t), update, _scaledLambda.AsSpan(0, lambda.Length), _grams[t],
                                         _gramScratch.AsSpan(0, MoreauBackpropagation<T>.GramScratchLength(m, n)),
                                         _gramIndices.AsSpan(0, MoreauBackpropagation<T>.GramIndexLength(m, n)), out T weightScale, out SolverReport<T> report))
                {
                    Declined[t] = true;
                    continue;
                }

                Reports[t] = report;
                HasReport[t] = true;
                stage = DirectionCheck;
                Sweeps[t] = _oracle.Sweep(wt, weightScale, update, t);
            }
            catch (Exception exception)
            {
                _failure1 = new Failure(exception, t, stage);
                return;
            }
        }
    }
}
