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
        T mu = ParameterL2;
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

        // One sweep per layer after its direction is formed checks it, sums ‖w‖² and bounds |w| and |g| (ParameterUpdate),
        // as back-propagation does: the ℓ2 value and the optimiser's in-place update w ← w − g need no further pass.
        T squares = T.Zero, maxParameter = T.Zero, maxDirection = T.Zero;
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
                previous = workspace.Multiplier(1 - current, input.Length);
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

            // g_t = ∇env(α_t·λ_tᵀφ_t(·, x_{t−1}) + (α_tμ/2)‖·‖²)(w_t) (Alg. 2 line 5; App. D.6).
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
            else if (dense is { } structure && TryGramForm(structure, wt, input, state, lambda, alpha, kappa, alpha * lambdaDotState, workspace, i, update, ref statistics))
            {
                // Φw solved in the Gram form (same iterates as the solve below).
            }
            else if (update.Length > 0)
            {
                if (dense is not null)
                    layer.Pullback(wt, input, workspace.Tape(i), lambda, update, Span<T>.Empty); // the Gram form declined: ∇_w λᵀφ after all
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

            ParameterSweep<T> sweep = ParameterUpdate.AddL2(wt, T.Zero, update, addL2: false);
            if (!sweep.GradientFinite)
                NonFinite.Check(update, chain, i, NonFiniteQuantity.Direction);
            NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
            squares += sweep.SumOfSquares;
            maxParameter = T.IsNaN(sweep.MaxParameter) ? sweep.MaxParameter : T.Max(maxParameter, sweep.MaxParameter);
            maxDirection = T.IsNaN(sweep.MaxDirection) ? sweep.MaxDirection : T.Max(maxDirection, sweep.MaxDirection);
            lambda = previous;
            current = 1 - current;
        }

        LastStatistics = statistics;
        LastSweep = new ParameterSweep<T>(true, squares, maxParameter, maxDirection);
        return value;
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
                             T alpha, T kappa, T startValue, ChainWorkspace<T> workspace, int index, Span<T> update, ref InnerSolveStatistics<T> statistics)
    {
        int m = workspace.BatchSize, n = structure.Outputs, mn = m * n;
        ReadOnlySpan<T> z0 = structure.PreActivationTapeOffset >= 0 ? workspace.Tape(index).Slice(structure.PreActivationTapeOffset, mn) : state;
        Span<T> scaledLambda = workspace.StateScratch(1, lambda.Length);
        Vectors.Multiply(lambda, alpha, scaledLambda);
        if (!DenseGramSolve<T>.TrySolve((TwoStepSolver<T>)Solver, structure, wt, input, z0, scaledLambda, kappa, startValue, update,
                                        workspace.GramScratch(m * m + 3 * mn + 4), workspace.GramIndices(n + 1 + mn), out SolverReport<T> report))
        {
            return false;
        }

        statistics.Add(report);
        return true;
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
