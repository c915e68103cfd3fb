using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>
/// Moreau back-propagation (paper Alg. 1–2, eq. 52): approximate Moreau gradients g_t ≈ ∇env(αh∘f_{w,t})(w_t)
/// of every layer, computed by passing multipliers back through the layers' Moreau gradients Φx_t and taking
/// each layer's update from Φw_t. With <see cref="MoreauGradientDescent{T}"/> this is paper Alg. 6.
/// </summary>
/// <remarks>
/// <para>
/// With a <see cref="MoreauSchedule{T}"/> giving the objective step e and scale a, and per layer the steps c_t
/// (Φx), b_t (multiplier scale) and α_t (Φw):
/// λ_τ = a·∇env(e·h)(x_τ); for t = τ..1: λ_{t−1} = b_t·∇env(c_t·λ_tᵀφ_t(w_t, ·))(x_{t−1}) (skipped for t = 1),
/// g_t = ∇env(α_t·λ_tᵀφ_t(·, x_{t−1}) + (α_tμ/2)‖·‖²)(w_t). Eq. 52 (<see cref="MoreauSchedule{T}.Constant"/>):
/// e = c_t = γ, a = b_t = 1, α_t = α. See <see cref="MoreauSchedule{T}"/> for the α convention.
/// </para>
/// <para>
/// Each ∇env is taken, in order of preference, from a closed form: the objective's <see cref="IMoreauEnvelope{T}"/>,
/// or the pullback for a layer marked <see cref="IAffineInInputs"/> / <see cref="IAffineInParameters"/> (then
/// g_t = (α_t·∇_wλ_tᵀφ_t + α_tμ·w_t)/(1 + α_tμ)); otherwise from <see cref="Solver"/> on the layer's
/// <see cref="IMoreauLayer{T}.SubproblemX"/> / <see cref="IMoreauLayer{T}.SubproblemW"/>, started at 0 with the
/// value and gradient there taken from the forward pass (λᵀx_t and the pullback at the tape), so a solve costs
/// only its steps.
/// </para>
/// <para>
/// The ℓ2 term (<see cref="ChainOracle{T}.ParameterL2"/> = μ) follows App. D.6: r_t(w) = (μ/2)‖w‖² joins the Φw
/// subproblem, scaled by its step like the multiplier.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class MoreauBackpropagation<T> : ChainOracle<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the oracle for <paramref name="chain"/> with step sizes <paramref name="schedule"/> and the inner solver <paramref name="solver"/> (default: the paper's <see cref="TwoStepSolver{T}"/>).</summary>
    public MoreauBackpropagation(Chain<T> chain, MoreauSchedule<T> schedule, InnerSolver<T>? solver = null)
        : base(chain)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.CheckLength(chain.Length);
        Schedule = schedule;
        Solver = solver ?? new TwoStepSolver<T>();
        _declaresDense = new bool[chain.Length];
        for (int i = 0; i < chain.Length; i++)
            _declaresDense[i] = chain[i] is IDenseStructure;
    }

    /// <summary>
    /// Per layer, whether it implements <see cref="IDenseStructure"/> (a fact of its type): a layer that does not skips the
    /// structure's checks without an interface type test per layer and step (99 of them per pendulum iteration).
    /// </summary>
    private readonly bool[] _declaresDense;

    /// <summary>The step sizes.</summary>
    public MoreauSchedule<T> Schedule { get; }

    /// <summary>The inner algorithm A for the subproblems without a closed form.</summary>
    public InnerSolver<T> Solver { get; }

    /// <summary>
    /// The processes holding the other rows of the batch, or null (default) when this process holds all of it. When
    /// set, every Φw subproblem and its closed form are those of the whole batch, and every solve of a Φx subproblem or
    /// of the objective's envelope reduces its scalars over the processes (see <see cref="IBatchPartition{T}"/>), so the
    /// directions are the one-process directions on the whole batch, up to the order of the additions.
    /// </summary>
    public IBatchPartition<T>? Partition { get; init; }

    /// <summary>What the inner solver did during the last <see cref="ChainOracle{T}.Evaluate"/>.</summary>
    public InnerSolveStatistics<T> LastStatistics { get; private set; }

    private protected override T Backward(ReadOnlySpan<T> w, IMoreauObjective<T> objective, ChainWorkspace<T> workspace, Span<T> direction)
    {
        Chain<T> chain = Chain;
        MoreauSchedule<T> schedule = Schedule;
        int count = chain.Length;
        var statistics = new InnerSolveStatistics<T>();
        SolverWorkspace<T>? solverWorkspace = null;

        // λ_τ = a·∇env(e·h)(x_τ) (Alg. 2 line 2).
        ReadOnlySpan<T> output = workspace.Output;
        T value = objective.Value(output);
        CheckValue(value, objective);
        int current = 0;
        Span<T> lambda = workspace.Multiplier(current, output.Length);
        T objectiveStep = schedule.ObjectiveStep(count);
        if (objective is IMoreauEnvelope<T> envelope)
        {
            envelope.MoreauGradient(output, objectiveStep, lambda);
        }
        else
        {
            solverWorkspace = workspace.SolverWorkspace(Solver);
            var subproblem = new ObjectiveEnvelopeSubproblem<T>(objective, output, objectiveStep, workspace.StateScratch(0, output.Length));
            statistics.Add(Solver.MoreauGradient(ref subproblem, lambda, solverWorkspace, Partition));
        }

        T objectiveScale = schedule.ObjectiveScale(count);
        if (objectiveScale != T.One)
            Vectors.Multiply(lambda, objectiveScale, lambda);
        NonFinite.CheckObjective(lambda, chain, objective, NonFiniteQuantity.ObjectiveGradient);

        // Where a layer's Φw takes the Gram form, its solve needs only λ_t, x_{t−1}, the tape and w_t, not λ_{t−1}: it runs
        // on a second core (MoreauPairJob) beside the chain of multipliers, which alone is sequential.
        if (PairedLayers(workspace) is { } paired)
            return BackwardPaired(w, workspace, direction, value, paired, ref statistics);

        // One sweep per layer after its direction is formed checks it, sums ‖w‖² and bounds |w| and |g| (ParameterUpdate),
        // as back-propagation does: the ℓ2 value and the optimiser's in-place update w ← w − g need no further pass.
        var sums = new SweepSums();
        Layers(w, workspace, direction, lambda, current, ref solverWorkspace, ref statistics, null, ref sums);
        LastStatistics = statistics;
        LastSweep = sums.Sweep;
        return value;
    }

    /// <summary>
    /// The layers τ..1 of Alg. 2 from λ_τ = <paramref name="lambda"/>: per layer the pullback, λ_{t−1} (Φx) and, unless
    /// <paramref name="job"/> takes it (a Gram-form Φw solved beside this chain), g_t (Φw) and its sweep. With a job, λ_{t−1}
    /// goes to the job's buffer of layer t − 1 and is published once checked.
    /// </summary>
    private void Layers(ReadOnlySpan<T> w, ChainWorkspace<T> workspace, Span<T> direction, Span<T> lambda, int current,
                        ref SolverWorkspace<T>? solverWorkspace, ref InnerSolveStatistics<T> statistics, MoreauPairJob<T>? job, ref SweepSums sums)
    {
        Chain<T> chain = Chain;
        MoreauSchedule<T> schedule = Schedule;
        int count = chain.Length;
        T mu = ParameterL2;
        for (int i = count - 1; i >= 0; i--)
        {
            IMoreauLayer<T> layer = chain[i];
            ReadOnlySpan<T> wt = chain.Parameters(w, i);
            ReadOnlySpan<T> input = workspace.State(i);
            ReadOnlySpan<T> state = workspace.State(i + 1);
            Span<T> update = chain.Parameters(direction, i);
            bool needInput = i > 0;
            Span<T> inputGradient = needInput ? workspace.StateScratch(0, input.Length) : Span<T>.Empty;

            // A dense layer whose Φw the Gram form solves (DenseGramSolve) needs no ∇_w λᵀφ from the pullback.
            DenseStructure? dense = GramForm(layer, i, workspace);
            bool deferred = job is not null && dense is not null && job.Takes(i);
            job?.At(i, MoreauPairJob<T>.Pullback);

            // ∇_w λᵀφ and ∇_x λᵀφ at the forward pass's tape: the subproblems' gradients at 0, up to their steps.
            layer.Pullback(wt, input, workspace.Tape(i), lambda, dense is null ? update : Span<T>.Empty, inputGradient);
            T lambdaDotState = Vectors.Dot(lambda, state);

            // On a partitioned batch, Φw's value and gradient at 0 are summed over the processes (Φx's stay on the local
            // rows; its solver reduces the scalars it computes from them).
            T parameterDotState = Partition is { } partition && update.Length > 0 ? partition.Sum(update, lambdaDotState) : lambdaDotState;

            Span<T> previous = Span<T>.Empty;
            if (needInput)
            {
                // λ_{t−1} = b·∇env(c·λ_tᵀφ_t(w_t, ·))(x_{t−1}) (Alg. 2 line 4; eq. 52).
                previous = job is null ? workspace.Multiplier(1 - current, input.Length) : job.Lambda(i - 1);
                job?.At(i, MoreauPairJob<T>.InputSolve);
                T c = schedule.InputStep(i);
                if (chain.IsAffineInInputs(i))
                {
                    Vectors.Multiply(inputGradient, c * schedule.MultiplierScale(i), previous);
                }
                else
                {
                    // A dense layer: the same solve on its pre-activations (DenseInputSolve), else a few states on one
                    // process (a control problem's time step): the same solve in one frame.
                    if (InputForm(layer, i, workspace) is { } structure
                        && TryInputForm(structure, wt, lambda, c, inputGradient, c * lambdaDotState, workspace, i, previous, ref statistics))
                    {
                        // Φx solved on the pre-activations (same iterates as the solve below).
                    }
                    else if (Partition is null && Solver is TwoStepSolver<T> twoStep
                        && twoStep.TrySmallInputMoreauGradient(layer, wt, input, lambda, c, inputGradient, lambdaDotState, previous, out SolverReport<T> small))
                    {
                        statistics.Add(small);
                    }
                    else
                    {
                        solverWorkspace ??= workspace.SolverWorkspace(Solver);
                        Span<T> scaledLambda = workspace.StateScratch(1, lambda.Length);
                        Vectors.Multiply(lambda, c, scaledLambda);
                        Vectors.Multiply(inputGradient, c, inputGradient);
                        var subproblem = new LayerInputSubproblem<T>(layer, wt, input, scaledLambda);
                        statistics.Add(Solver.MoreauGradient(ref subproblem, previous, c * lambdaDotState, inputGradient, solverWorkspace, Partition));
                    }

                    T b = schedule.MultiplierScale(i);
                    if (b != T.One)
                        Vectors.Multiply(previous, b, previous);
                }
            }

            if (deferred)
            {
                // g_t and its sweep are the job's other part; λ_{t−1} checked, it may start on layer t − 1.
                job!.At(i, MoreauPairJob<T>.MultiplierCheck);
                NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
                job.Publish(i - 1);
                lambda = previous;
                current = 1 - current;
                continue;
            }

            // g_t = ∇env(α_t·λ_tᵀφ_t(·, x_{t−1}) + (α_tμ/2)‖·‖²)(w_t) (Alg. 2 line 5; App. D.6).
            job?.At(i, MoreauPairJob<T>.ParameterSolve);
            T weightScale = T.Zero; // the Gram form's ℓ2 part κβ·w, which the sweep adds
            T alpha = schedule.ParameterStep(i);
            T kappa = alpha * mu;
            if (chain.IsAffineInParameters(i))
            {
                if (T.IsZero(kappa))
                {
                    Vectors.Multiply(update, alpha, update);
                }
                else
                {
                    T shrink = T.One / (T.One + kappa);
                    Vectors.Multiply(update, alpha * shrink, update);
                    Vectors.MultiplyAdd(wt, kappa * shrink, update, update);
                }
            }
            else if (dense is { } structure && TryGramForm(structure, wt, input, state, lambda, alpha, kappa, alpha * lambdaDotState, workspace, i, update,
                                                           out weightScale, ref statistics))
            {
                // Φw solved in the Gram form (same iterates as the solve below).
            }
            else if (update.Length > 0)
            {
                SolveOnParameters(layer, wt, input, workspace.Tape(i), lambda, update, alpha, kappa, parameterDotState, dense is not null,
                                  workspace, ref solverWorkspace, ref statistics);
            }

            job?.At(i, MoreauPairJob<T>.DirectionCheck);
            ParameterSweep<T> sweep = Sweep(wt, weightScale, update, i);
            job?.At(i, MoreauPairJob<T>.MultiplierCheck);
            NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
            if (job is null)
                sums.Add(sweep);
            else
                job.Sweeps[i] = sweep;
            job?.Publish(i - 1);
            lambda = previous;
            current = 1 - current;
        }
    }

    /// <summary>
    /// Whether the Gram form's κβ·w is added by a pass of its own before the sweep, as before it joined the sweep (same bits):
    /// kept only so that morsgd-pair-rounds can time the pass as it was against the pass as it is, step by step in one process.
    /// </summary>
    internal bool SeparateGramWeightPass { get; set; }

    /// <summary>Whether a Gram-form Φw may run beside the chain of multipliers (<see cref="MoreauPairJob{T}"/>); false: one after the other, as before.</summary>
    /// <remarks>
    /// A product inside a part runs on the thread-local GEMM instance of whichever thread claimed the part, and the parts
    /// may change threads from step to step: a thread's pack buffers grow (once, to the largest product it has run) the
    /// first time it runs the other part, which can be after the first steps (1.2 MB seen once in StepAllocationTests on
    /// 784-500-300-100-10, which measures rounds until one allocates nothing). They never shrink, so the steps after that
    /// allocate nothing.
    /// </remarks>
    internal bool PairedGramForm { get; set; } = true;

    /// <summary>
    /// The most weights (k·n) of a Gram-form layer for which the pass is paired. Each product inside a part runs on one core:
    /// that pays where a product on two cores is far from twice as fast and the passes between products are a large share
    /// (784-500-300-100-10 at batch 256: 392,000 weights at most, the step 13 % faster), not on 784-4000-1000-4000-10
    /// (3.1–4 M weights a layer: 2–3 % slower paired, morsgd-pair-rounds).
    /// </summary>
    internal const long PairedWeightLimit = 1L << 20;

    // The pair job of each workspace seen (Job null: none for that workspace), so a batch size that alternates (an epoch's
    // last partial batch) finds its job again instead of making a new one.
    private (ChainWorkspace<T> Workspace, MoreauPairJob<T>? Job)[] _pairs = [];

    /// <summary>
    /// The job that solves the Gram-form Φw beside the chain for <paramref name="workspace"/> (made on its first use), or
    /// null when no layer takes the Gram form or pairing is off. Small chains without dense layers (the pendulum's) keep the
    /// sequential pass.
    /// </summary>
    private MoreauPairJob<T>? PairedLayers(ChainWorkspace<T> workspace)
    {
        if (!PairedGramForm || Partition is not null || Solver is not TwoStepSolver<T> { EvaluateFinalGradient: false })
            return null;
        var pairs = _pairs;
        for (int i = 0; i < pairs.Length; i++)
        {
            if (ReferenceEquals(pairs[i].Workspace, workspace))
                return pairs[i].Job;
        }

        var structures = new DenseStructure?[Chain.Length];
        bool any = false, small = true;
        for (int i = 0; i < Chain.Length; i++)
        {
            structures[i] = GramForm(Chain[i], i, workspace);
            any |= structures[i] is not null;
            small &= structures[i] is not { } s || (long)s.Inputs * s.Outputs <= PairedWeightLimit;
        }

        any &= small;

        MoreauPairJob<T>? job = any ? new MoreauPairJob<T>(this, workspace, structures) : null;
        _pairs = [.. pairs, (workspace, job)];
        return job;
    }

    /// <summary>
    /// <see cref="Layers"/> on the calling thread (part 0) while the job's other part solves the Gram-form Φw of the layers it
    /// takes as their multipliers are published; then the solves the Gram form declined, the first failure in the sequential
    /// order rethrown, and the statistics and sweeps combined in layer order (the same sums as the sequential pass).
    /// </summary>
    private unsafe T BackwardPaired(ReadOnlySpan<T> w, ChainWorkspace<T> workspace, Span<T> direction, T value, MoreauPairJob<T> job,
                                    ref InnerSolveStatistics<T> statistics)
    {
        fixed (T* pw = w)
        fixed (T* pd = direction)
        {
            job.Start(pw, w.Length, pd, direction.Length, statistics);
            try
            {
                job.Run();
            }
            finally
            {
                job.Unpin();
            }
        }

        statistics = job.ChainStatistics;
        int count = Chain.Length;
        for (int i = count - 1; i >= 0; i--)
        {
            if (!job.Takes(i))
                continue;
            if (job.FailsBefore(i, MoreauPairJob<T>.ParameterSolve))
                break;
            if (i == job.Last)
            {
                // λ_i came last: its Gram solve on the whole pool, with the G part 1 formed.
                ReadOnlySpan<T> wt = Chain.Parameters(w, i);
                Span<T> update = Chain.Parameters(direction, i);
                ReadOnlySpan<T> lambda = job.Lambda(i);
                ReadOnlySpan<T> state = workspace.State(i + 1);
                T alpha = Schedule.ParameterStep(i);
                int m = workspace.BatchSize, n = state.Length / m;
                if (TryGramForm(job.Structure(i), wt, workspace.State(i), state, lambda, alpha, alpha * ParameterL2, alpha * Vectors.Dot(lambda, state),
                                workspace.Tape(i), update, workspace.StateScratch(1, lambda.Length), job.Gram(i), workspace.GramScratch(GramScratchLength(m, n)),
                                workspace.GramIndices(GramIndexLength(m, n)), out T weightScale, out SolverReport<T> report))
                {
                    statistics.Add(report);
                    job.Sweeps[i] = Sweep(wt, weightScale, update, i);
                    continue;
                }

                job.Declined[i] = true;
            }

            if (job.HasReport[i])
            {
                statistics.Add(job.Reports[i]);
            }
            else if (job.Declined[i])
            {
                // The Gram form declined (nothing written): the solve on the parameters, here on the whole pool.
                IMoreauLayer<T> layer = Chain[i];
                ReadOnlySpan<T> wt = Chain.Parameters(w, i);
                Span<T> update = Chain.Parameters(direction, i);
                ReadOnlySpan<T> lambda = job.Lambda(i);
                T alpha = Schedule.ParameterStep(i);
                SolverWorkspace<T>? solverWorkspace = null;
                SolveOnParameters(layer, wt, workspace.State(i), workspace.Tape(i), lambda, update, alpha, alpha * ParameterL2,
                                  Vectors.Dot(lambda, workspace.State(i + 1)), true, workspace, ref solverWorkspace, ref statistics);
                job.Sweeps[i] = Sweep(wt, T.Zero, update, i);
            }
        }

        job.ThrowFailure();
        var sums = new SweepSums();
        for (int i = count - 1; i >= 0; i--)
            sums.Add(job.Sweeps[i]);
        LastStatistics = statistics;
        LastSweep = sums.Sweep;
        return value;
    }

    /// <summary>Part 0 of <see cref="MoreauPairJob{T}"/>: the chain of multipliers from λ_τ (in the workspace's first multiplier buffer).</summary>
    internal void RunChain(ReadOnlySpan<T> w, ChainWorkspace<T> workspace, Span<T> direction, MoreauPairJob<T> job, ref InnerSolveStatistics<T> statistics)
    {
        SolverWorkspace<T>? solverWorkspace = null;
        var sums = new SweepSums();
        Layers(w, workspace, direction, workspace.Multiplier(0, workspace.Output.Length), 0, ref solverWorkspace, ref statistics, job, ref sums);
    }

    /// <summary>
    /// The sweep over layer <paramref name="index"/>'s direction (<see cref="ParameterUpdate.AddL2"/>): g ← g + <paramref name="weightScale"/>·w
    /// (the Gram form's ℓ2 part, the operations of the separate pass it replaces), its check, ‖w‖² and the bounds. A non-finite
    /// g, or a sum that overflows (a bound NaN or infinite), throws as the check of g + κβ·w did: the values before the first non-finite
    /// one are written, so the check finds it at the same place.
    /// </summary>
    internal ParameterSweep<T> Sweep(ReadOnlySpan<T> wt, T weightScale, Span<T> update, int index)
    {
        if (SeparateGramWeightPass && !T.IsZero(weightScale))
        {
            Vectors.MultiplyAdd(wt, weightScale, update, update);
            weightScale = T.Zero;
        }

        bool scaled = !T.IsZero(weightScale);
        ParameterSweep<T> sweep = ParameterUpdate.AddL2(wt, weightScale, update, addL2: scaled);
        if (!sweep.GradientFinite || (scaled && !T.IsFinite(sweep.MaxDirection)))
            NonFinite.Check(update, Chain, index, NonFiniteQuantity.Direction);
        return sweep;
    }

    /// <summary>‖w‖², max |w| and max |g| over the layers' sweeps, added in layer order.</summary>
    private struct SweepSums
    {
        private T _squares, _maxParameter, _maxDirection;

        public void Add(in ParameterSweep<T> sweep)
        {
            _squares += sweep.SumOfSquares;
            _maxParameter = T.IsNaN(sweep.MaxParameter) ? sweep.MaxParameter : T.Max(_maxParameter, sweep.MaxParameter);
            _maxDirection = T.IsNaN(sweep.MaxDirection) ? sweep.MaxDirection : T.Max(_maxDirection, sweep.MaxDirection);
        }

        public readonly ParameterSweep<T> Sweep => new(true, _squares, _maxParameter, _maxDirection);
    }

    /// <summary>
    /// Φw of layer <paramref name="layer"/> by <see cref="Solver"/> on its parameters, started at 0 with the pullback's ∇_w λᵀφ
    /// in <paramref name="update"/> (formed here first when <paramref name="gramDeclined"/>: the Gram form was to replace it).
    /// </summary>
    private void SolveOnParameters(IMoreauLayer<T> layer, ReadOnlySpan<T> wt, ReadOnlySpan<T> input, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda,
                                   Span<T> update, T alpha, T kappa, T parameterDotState, bool gramDeclined, ChainWorkspace<T> workspace,
                                   ref SolverWorkspace<T>? solverWorkspace, ref InnerSolveStatistics<T> statistics)
    {
        if (gramDeclined)
            layer.Pullback(wt, input, tape, lambda, update, Span<T>.Empty); // the Gram form declined: ∇_w λᵀφ after all
        solverWorkspace ??= workspace.SolverWorkspace(Solver);
        Span<T> startGradient = workspace.ParameterScratch(0, update.Length);
        T startValue = alpha * parameterDotState;
        if (T.IsZero(kappa))
        {
            Vectors.Multiply(update, alpha, startGradient);
        }
            else
            {
                // α·∇_wλᵀφ + κ·w and ‖w‖² in one pass.
                startValue += kappa / (T.One + T.One) * FusedVectors.CombineWithSquares(alpha, update, kappa, wt, startGradient);
            }

            Span<T> scaledLambda = workspace.StateScratch(1, lambda.Length);
            Vectors.Multiply(lambda, alpha, scaledLambda);
            var subproblem = new LayerParameterSubproblem<T>(layer, wt, input, scaledLambda, kappa, workspace.ParameterScratch(1, update.Length));
            if (Partition is null)
            {
                statistics.Add(Solver.MoreauGradient(ref subproblem, update, startValue, startGradient, solverWorkspace));
            }
            else
            {
                var whole = new PartitionedSubproblem<T, LayerParameterSubproblem<T>>(subproblem, Partition, wt, kappa);
                statistics.Add(Solver.MoreauGradient(ref whole, update, startValue, startGradient, solverWorkspace));
            }
    }

    /// <summary>
    /// The structure of the layer at <paramref name="index"/> when its Φw is solved in the Gram form: a dense layer
    /// (<see cref="IDenseStructure"/>) not affine in w, the paper's two-step solver, one process, and fewer multiply-adds
    /// than an evaluation on the parameters (<see cref="DenseGramSolve{T}.Pays"/>); else null.
    /// </summary>
    private DenseStructure? GramForm(IMoreauLayer<T> layer, int index, ChainWorkspace<T> workspace) =>
        _declaresDense[index] && Partition is null && Solver is TwoStepSolver<T> { EvaluateFinalGradient: false } && !Chain.IsAffineInParameters(index) && layer.ParameterCount > 0
            ? DenseGramSolve<T>.Applicable(layer, workspace.BatchSize, workspace.Tape(index).Length)
            : null;

    /// <summary>
    /// The structure of the layer at <paramref name="index"/> when its Φx is solved on its pre-activations
    /// (<see cref="DenseInputSolve{T}"/>): a dense layer (<see cref="IDenseStructure"/>), the paper's two-step solver and one
    /// process; else null.
    /// </summary>
    private DenseStructure? InputForm(IMoreauLayer<T> layer, int index, ChainWorkspace<T> workspace) =>
        _declaresDense[index] && Partition is null && Solver is TwoStepSolver<T> { EvaluateFinalGradient: false }
            ? DenseGramSolve<T>.Declared(layer, workspace.BatchSize, workspace.Tape(index).Length)
            : null;

    /// <summary>
    /// Φx of a dense layer by <see cref="DenseInputSolve{T}"/> with step <paramref name="c"/> (<paramref name="inputGradient"/>:
    /// the pullback's, unscaled); false when the solve declines, having changed nothing the solve below reads.
    /// </summary>
    private bool TryInputForm(in DenseStructure structure, ReadOnlySpan<T> wt, ReadOnlySpan<T> lambda, T c, Span<T> inputGradient, T startValue,
                              ChainWorkspace<T> workspace, int index, Span<T> previous, ref InnerSolveStatistics<T> statistics)
    {
        int m = workspace.BatchSize, k = structure.Inputs, n = structure.Outputs, mn = m * n;
        ReadOnlySpan<T> z0 = structure.PreActivationTapeOffset >= 0 ? workspace.Tape(index).Slice(structure.PreActivationTapeOffset, mn) : workspace.State(index + 1);
        Span<T> scaledLambda = workspace.StateScratch(1, lambda.Length);
        Vectors.Multiply(lambda, c, scaledLambda);
        if (!DenseInputSolve<T>.TrySolve((TwoStepSolver<T>)Solver, structure, wt, z0, scaledLambda, inputGradient, c, startValue, previous,
                                         workspace.GramScratch(DenseInputSolve<T>.ScratchLength(m, k, n)), workspace.GramIndices(DenseInputSolve<T>.IndexLength(m, n)),
                                         DenseInputSolve<T>.SparseLimit(m, n), out SolverReport<T> report))
        {
            return false;
        }

        statistics.Add(report);
        return true;
    }

    /// <summary>Φw of a dense layer by <see cref="DenseGramSolve{T}"/>; false when it declines (nothing written).</summary>
    private bool TryGramForm(in DenseStructure structure, ReadOnlySpan<T> wt, ReadOnlySpan<T> input, ReadOnlySpan<T> state, ReadOnlySpan<T> lambda,
                             T alpha, T kappa, T startValue, ChainWorkspace<T> workspace, int index, Span<T> update, out T weightScale,
                             ref InnerSolveStatistics<T> statistics)
    {
        int m = workspace.BatchSize, n = structure.Outputs;
        if (!TryGramForm(structure, wt, input, state, lambda, alpha, kappa, startValue, workspace.Tape(index), update, workspace.StateScratch(1, lambda.Length),
                         ReadOnlySpan<T>.Empty, workspace.GramScratch(GramScratchLength(m, n)), workspace.GramIndices(GramIndexLength(m, n)), out weightScale, out SolverReport<T> report))
        {
            return false;
        }

        statistics.Add(report);
        return true;
    }

    /// <summary>Values of scratch <see cref="DenseGramSolve{T}.TrySolve"/> needs for a batch of m and n outputs.</summary>
    internal static int GramScratchLength(int m, int n) => m * m + 3 * m * n + 4;

    /// <summary>Ints of index scratch <see cref="DenseGramSolve{T}.TrySolve"/> needs for a batch of m and n outputs.</summary>
    internal static int GramIndexLength(int m, int n) => n + 1 + m * n;

    /// <summary>
    /// Φw of a dense layer by <see cref="DenseGramSolve{T}"/> on the given scratch (<paramref name="scaledLambda"/>: |λ| values;
    /// <paramref name="gram"/>: G formed beforehand, or empty),
    /// but its ℓ2 part <paramref name="weightScale"/>·w, which <see cref="Sweep"/> adds; false when it declines (nothing written
    /// to <paramref name="update"/>).
    /// </summary>
    internal bool TryGramForm(in DenseStructure structure, ReadOnlySpan<T> wt, ReadOnlySpan<T> input, ReadOnlySpan<T> state, ReadOnlySpan<T> lambda,
                              T alpha, T kappa, T startValue, ReadOnlySpan<T> tape, Span<T> update, Span<T> scaledLambda, ReadOnlySpan<T> gram,
                              Span<T> scratch, Span<int> indices, out T weightScale, out SolverReport<T> report)
    {
        int mn = lambda.Length;
        ReadOnlySpan<T> z0 = structure.PreActivationTapeOffset >= 0 ? tape.Slice(structure.PreActivationTapeOffset, mn) : state;
        Vectors.Multiply(lambda, alpha, scaledLambda);
        return DenseGramSolve<T>.TrySolve((TwoStepSolver<T>)Solver, structure, wt, input, z0, scaledLambda, kappa, startValue, update, gram, scratch, indices, out weightScale, out report);
    }
}

/// <summary>What the inner solver did during one Moreau backward pass (summed over its subproblems).</summary>
/// <typeparam name="T">float or double.</typeparam>
public struct InnerSolveStatistics<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Subproblems solved by the inner solver (closed forms are not counted).</summary>
    public int Solves { get; private set; }

    /// <summary>Solver iterations, summed.</summary>
    public int Iterations { get; private set; }

    /// <summary>Function evaluations, summed.</summary>
    public int Evaluations { get; private set; }

    /// <summary>Solves whose line search failed or whose start was not finite.</summary>
    public int Failures { get; private set; }

    /// <summary>The largest final ‖∇F‖/‖∇F(0)‖ over the solves (see <see cref="SolverReport{T}.GradientNorm"/> for where it is measured).</summary>
    public readonly T MaxRelativeGradientNorm => _worstInitial > T.Zero ? T.Sqrt(_worstFinal / _worstInitial) : _worstFinal;

    // The worst ratio as a fraction of squared norms, compared by cross-multiplying (no division per solve).
    private T _worstFinal, _worstInitial;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once per solve, on the path of a 2-value solve
    internal void Add(in SolverReport<T> report)
    {
        Solves++;
        Iterations += report.Iterations;
        Evaluations += report.Evaluations;
        if (report.Status is SolverStatus.LineSearchFailed or SolverStatus.NonFiniteStart)
            Failures++;
        T final = report.FinalSquared, initial = report.InitialSquared;
        if (T.IsNaN(final) || T.IsNaN(initial))
        {
            _worstFinal = T.NaN;
            _worstInitial = T.One;
        }
        else if (initial > T.Zero && final * _worstInitial >= _worstFinal * initial)
        {
            _worstFinal = final;
            _worstInitial = initial;
        }
    }
}
