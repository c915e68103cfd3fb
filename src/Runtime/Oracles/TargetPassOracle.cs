using System.Numerics;
using System.Runtime.ExceptionServices;
using MoreauGen.Kernels;

namespace MoreauGen;

/// <summary>
/// The backward pass shared by the block-coordinate methods on the augmented-Lagrangian (37) and penalised (20)
/// formulations (paper App. D.4–D.5): <see cref="AugmentedLagrangianBackpropagation{T}"/> (Alg. 8–9),
/// <see cref="TargetPropagation{T}"/> (Alg. 10–11) and <see cref="ProximalBackpropagation{T}"/> (Alg. 12–13).
/// Targets x⁺_t, not multipliers, travel backwards; the direction of layer t is d_t = w_t − w⁺_t, so that the step
/// w ← w − d lands on the pass's w⁺.
/// </summary>
/// <remarks>
/// <para>
/// The pass: x⁺_τ = x_τ − ∇env(e·h)(x_τ) (the objective's proximal step; e depends on the variant); then for
/// t = τ..1, with r_t = x_t − x⁺_t, each layer solves (<see cref="LayerTargetSubproblem{T}"/>)
/// x⁺_{t−1} = argmin_y β_t r_tᵀφ_t(w_t, y) + (κ/2)‖φ_t(w_t, y) − x⁺_t‖² + ((1/γ_{t−1} + e_x)/2)‖y − x_{t−1}‖² (skipped for t = 1, x₀ fixed) and
/// w⁺_t = argmin_v β_t r_tᵀφ_t(v, x_{t−1}) + (κ/2)‖φ_t(v, x_{t−1}) − x⁺_t‖² + (μ/2)‖v‖² + (1/(2α_t))‖v − w_t‖²,
/// where a step of +∞ drops the proximal term (target propagation).
/// </para>
/// <para>
/// Each subproblem starts at the forward point, whose value and gradient come from the forward pass (x_t and one
/// pullback of r_t at the tape serve both subproblems). A layer marked <see cref="IAffineInInputs"/> /
/// <see cref="IAffineInParameters"/> has a linear least-squares subproblem, solved by conjugate gradients
/// (<see cref="ConjugateGradientIterations"/>, <see cref="ConjugateGradientTolerance"/>); any other by <see cref="Solver"/>.
/// </para>
/// <para>
/// <b>Prop. 2.3 guard.</b> When a solve with a proximal term meets curvature ≤ 0 or a failed line search, the
/// subproblem is not strongly convex at its step: <see cref="ConvexityViolated"/> is raised with the layer, the
/// step and an estimate of the largest safe step (<see cref="ConvexityWarning{T}"/>). With
/// <see cref="BackOffSteps"/> the state step γ_{t−1} of that layer is capped at half the estimate (or halved when there
/// is none) for this and every later pass of this oracle, and the subproblem is solved again. These caps, and the first
/// trial steps of <see cref="ScaledFirstTrial"/>, are the only state an oracle keeps between calls.
/// </para>
/// <para>
/// <b>Two parts side by side.</b> Φw_t needs x⁺_t but nothing needs w⁺_t, so layers τ..2 run as two parts on the
/// worker pool: one solves Φx_t layer after layer, moving the targets down, the other follows it with Φw_t (each
/// product inside a part on one thread, same bits as on the pool); layer 1's Φw_1 then runs alone on the pool. Every
/// iterate is the same, bit for bit, as solving the layers one after the other. The solver's statistics, the guard's
/// warnings (raised on the calling thread once the parts are done) and any failure come in the order of that pass.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public abstract class TargetPassOracle<T> : ChainOracle<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _inputStepCaps;
    private TargetWorkspace<T>[] _workspaces = [];

    private protected TargetPassOracle(Chain<T> chain, InnerSolver<T>? solver, bool scaledFirstTrial)
        : base(chain)
    {
        Solver = solver ?? new TwoStepSolver<T>();
        ScaledFirstTrial = scaledFirstTrial;
        _inputStepCaps = new T[chain.Length];
        _inputStepCaps.AsSpan().Fill(T.PositiveInfinity);
    }

    /// <summary>The inner algorithm A for the subproblems of layers not declared affine in the moved argument.</summary>
    public InnerSolver<T> Solver { get; }

    /// <summary>The most conjugate-gradient steps of an affine layer's least-squares subproblem (default 20; 0 keeps only the proximal part).</summary>
    public int ConjugateGradientIterations
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ConjugateGradientIterations), value, "Must be non-negative.");
    } = 20;

    /// <summary>Conjugate gradients stop when the residual of the normal equations falls to this fraction of its start (default √ε).</summary>
    public T ConjugateGradientTolerance
    {
        get;
        init => field = value >= T.Zero && T.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(ConjugateGradientTolerance), value, "Must be finite and non-negative.");
    } = T.Sqrt(T.BitIncrement(T.One) - T.One);

    /// <summary>
    /// Whether <see cref="TwoStepSolver{T}"/>'s line search starts each non-affine subproblem at 1/c, c the curvature
    /// (<see cref="SolverReport{T}.Curvature"/>) it saw along its first step on the same layer and argument in the previous
    /// pass on the same workspace (the first pass, or after c ≤ 0: its <see cref="TwoStepSolver{T}.InitialStep"/>).
    /// Default: on for target propagation and ProxProp, off for the augmented Lagrangian.
    /// </summary>
    /// <remarks>
    /// The penalty (κ/2)‖φ_t(·) − x⁺_t‖² has curvature up to sκ‖J‖², which on a wide layer's parameters is 10⁴–10⁵ times
    /// that of the unit step, the exact step of the linearised Moreau subproblems (eq. 52) for which the solver's
    /// <see cref="TwoStepSolver{T}.InitialStep"/> of 1 is chosen; the line search then spends two more trials (each a
    /// forward and a pullback of the layer) finding the step. 1/c is the exact step along the steepest descent of a
    /// quadratic with the previous pass's curvature along its steepest descent, and Goldstein's rule accepts any step within
    /// [½, 3/2] of the exact one, so one trial usually suffices while the curvature drifts slowly from pass to pass. The
    /// algorithm is unchanged (App. E.2.1: a gradient step meeting Goldstein's rule, then a Barzilai–Borwein step); only
    /// which acceptable first step the search finds differs, and so the iterates, by the second-order error of that step.
    /// A pass then depends on the passes before it on the same workspace, as a momentum method's does.
    /// </remarks>
    public bool ScaledFirstTrial { get; init; }

    /// <summary>
    /// Whether layers τ..2 run as two parts side by side: the state subproblems Φx_t moving the targets down, and the
    /// parameter subproblems Φw_t following them (see <see cref="PassAbove"/>); false: one layer after the other on the
    /// calling thread, the reference the side-by-side pass reproduces bit for bit. Null (default): side by side when the
    /// pool has a second thread and those layers hold at least <see cref="TargetWorkspace{T}.SideBySideValues"/> unknowns.
    /// </summary>
    internal bool? SideBySide { get; init; }

    /// <summary>Whether a <see cref="ConvexityWarning{T}"/> on a state subproblem caps that layer's γ_{t−1} and solves again (default false).</summary>
    public bool BackOffSteps { get; init; }

    /// <summary>
    /// Raised by the Prop. 2.3 guard (see the remarks); the handler runs on the thread evaluating, in the order of the
    /// pass, for layers τ..2 once their subproblems are solved (a back-off has then already been taken).
    /// </summary>
    public event Action<ConvexityWarning<T>>? ConvexityViolated;

    /// <summary>What the inner solver did during the last <see cref="ChainOracle{T}.Evaluate"/>.</summary>
    public InnerSolveStatistics<T> LastStatistics { get; private set; }

    /// <summary>The state step γ_{t−1} of layer index <paramref name="index"/> (= t − 1) after any back-off: the schedule's, or a cap set by the guard.</summary>
    public T InputStep(int index) => T.Min(Terms(index).InputStep, _inputStepCaps[index]);

    /// <summary>The step e of the objective's proximal step x⁺_τ = x_τ − ∇env(e·h)(x_τ).</summary>
    private protected abstract T ObjectiveStep();

    /// <summary>The terms of layer index <paramref name="index"/> (= t − 1).</summary>
    private protected abstract LayerTerms Terms(int index);

    /// <summary>
    /// β_t and κ of the layer terms; the state step γ_{t−1} with e_x added to its inverse (1/γ + e_x); the parameter
    /// step α_t. A step of +∞ means no proximal term.
    /// </summary>
    private protected readonly record struct LayerTerms(T Beta, T Kappa, T InputStep, T InputExtra, T ParameterStep);

    private protected override T Backward(ReadOnlySpan<T> w, IMoreauObjective<T> objective, ChainWorkspace<T> workspace, Span<T> direction)
    {
        Chain<T> chain = Chain;
        int count = chain.Length;
        TargetWorkspace<T> scratch = Scratch(workspace);
        TargetSolveScratch<T> inputs = scratch.Inputs;
        inputs.SolverWorkspace = workspace.SolverWorkspace(Solver);
        var statistics = new InnerSolveStatistics<T>();

        // x⁺_τ = x_τ − ∇env(e·h)(x_τ) (Alg. 9, 11, 13 "Initialize").
        ReadOnlySpan<T> output = workspace.Output;
        T value = objective.Value(output);
        CheckValue(value, objective);
        Span<T> target = scratch.Target(count - 1);
        T e = ObjectiveStep();
        if (objective is IMoreauEnvelope<T> envelope)
        {
            envelope.MoreauGradient(output, e, target);
        }
        else
        {
            var subproblem = new ObjectiveEnvelopeSubproblem<T>(objective, output, e, workspace.StateScratch(0, output.Length));
            statistics.Add(Solver.MoreauGradient(ref subproblem, target, inputs.SolverWorkspace));
        }

        NonFinite.CheckObjective(target, chain, objective, NonFiniteQuantity.ObjectiveGradient);
        Vectors.Subtract(output, target, target);

        // Layers τ..2: the chain of state subproblems and the parameter subproblems beside it (PassJob).
        if (count > 1 && (SideBySide ?? scratch.SideBySide))
            PassAbove(w, workspace, scratch, direction, ref statistics);
        else if (count > 1)
            PassInOrder(w, workspace, scratch, direction, ref statistics);

        // Layer 1: its parameter subproblem alone (x₀ is fixed), every product on the whole pool.
        LayerContext context = Prepare(0, w, workspace, scratch);
        Span<T> startW = scratch.StartParameters.AsSpan(0, context.W.Length);
        context.Layer.Pullback(context.W, context.X, context.Tape, context.Residual, startW, Span<T>.Empty);
        Span<T> update = chain.Parameters(direction, 0);
        if (!Solve(in context, LayerArgument.Parameters, scratch, inputs, startW, ParameterL2, update, deferWarnings: false))
            Vectors.Negate(update, update);
        Count(scratch, 0, LayerArgument.Parameters, ref statistics);
        NonFinite.Check(update, chain, 0, NonFiniteQuantity.Direction);

        LastStatistics = statistics;
        return value;
    }

    /// <summary>
    /// The layer of index <paramref name="index"/> at its target: r_t = x_t − x⁺_t into its residual and the bracket
    /// β_t r_tᵀx_t + (κ/2)‖r_t‖², the value of both subproblems at their start up to their scales.
    /// </summary>
    private LayerContext Prepare(int index, ReadOnlySpan<T> w, ChainWorkspace<T> workspace, TargetWorkspace<T> scratch)
    {
        LayerTerms terms = Terms(index);
        ReadOnlySpan<T> state = workspace.State(index + 1);
        Span<T> target = scratch.Target(index), residual = scratch.Residual(index);
        Vectors.Subtract(state, target, residual); // r_t = x_t − x⁺_t
        T half = T.One / (T.One + T.One);
        T squares = terms.Kappa * half * Vectors.SumOfSquares<T>(residual);
        // β = 0 (TP, ProxProp): 0·r_tᵀx_t + y = y exactly (both finite: x_t and x⁺_t were checked), so the product is not formed.
        scratch.Brackets[index] = T.IsZero(terms.Beta) ? squares : terms.Beta * Vectors.Dot<T>(residual, state) + squares;
        return Context(index, w, workspace, scratch);
    }

    /// <summary>The layer of index <paramref name="index"/> with its forward-pass values, target and residual (see <see cref="Prepare"/>).</summary>
    private LayerContext Context(int index, ReadOnlySpan<T> w, ChainWorkspace<T> workspace, TargetWorkspace<T> scratch) =>
        new(Chain[index], index, Chain.Parameters(w, index), workspace.State(index), workspace.Tape(index), workspace.State(index + 1),
            scratch.Target(index), scratch.Residual(index), workspace.BatchSize, Terms(index), scratch.Brackets[index]);

    /// <summary>
    /// Layers τ..2 on a <see cref="PassJob"/>: part 0 moves the targets down, x⁺_{t−1} from Φx_t (Alg. 9 line 4,
    /// Alg. 11, Alg. 13), part 1 follows it with Φw_t, d_t = w_t − w⁺_t (Alg. 9 line 5), which needs x⁺_t only. Then, on
    /// the calling thread and in the order of the pass, each layer's reports are counted, the guard's warnings raised,
    /// a failure rethrown (the pullback's, then Φx_t's, then Φw_t's) and d_t and x⁺_{t−1} checked, as if the layers had been solved one after
    /// the other.
    /// </summary>
    private unsafe void PassAbove(ReadOnlySpan<T> w, ChainWorkspace<T> workspace, TargetWorkspace<T> scratch, Span<T> direction,
                                  ref InnerSolveStatistics<T> statistics)
    {
        Chain<T> chain = Chain;
        int count = chain.Length;
        TargetSolveScratch<T> parameters = scratch.Parameters;
        parameters.SolverWorkspace ??= Solver.CreateWorkspace(workspace.MaxSubproblemDimension);
        var job = (PassJob?)scratch.PassJob;
        if (job is null)
            scratch.PassJob = job = new PassJob(this, scratch);
        // A part that fails before a solve leaves that solve's slot as the last pass left it (with warnings unraised if that
        // pass failed above it): nothing of it may be raised or counted.
        scratch.ReportCounts.AsSpan().Clear();
        scratch.WarningCounts.AsSpan().Clear();

        fixed (T* pw = w, pd = direction)
        {
            job.Start(workspace, pw, w.Length, pd);
            try
            {
                job.Run();
            }
            finally
            {
                job.Finish();
            }
        }

        for (int i = count - 1; i >= 1; i--)
        {
            // The pass in order pulls back once for both start gradients, before Φx_t: a failure there comes first.
            if (job.ParameterFailureLayer == i && job.ParameterFailureInPullback)
                job.ParameterFailure!.Throw();
            Raise(scratch, i, LayerArgument.Input);
            if (job.InputFailureLayer == i)
                job.InputFailure!.Throw();
            Count(scratch, i, LayerArgument.Input, ref statistics);
            Raise(scratch, i, LayerArgument.Parameters);
            if (job.ParameterFailureLayer == i)
                job.ParameterFailure!.Throw();
            Count(scratch, i, LayerArgument.Parameters, ref statistics);
            NonFinite.Check(chain.Parameters(direction, i), chain, i, NonFiniteQuantity.Direction);
            NonFinite.Check(scratch.Target(i - 1), chain, i, NonFiniteQuantity.Multiplier);
        }
    }

    /// <summary>
    /// Layers τ..2 one after the other on the calling thread, each product on the whole pool: per layer one pullback for
    /// both start gradients, Φx_t, then Φw_t. The pass <see cref="PassAbove"/> must reproduce bit for bit (the tests'
    /// reference, <see cref="SideBySide"/> off).
    /// </summary>
    private void PassInOrder(ReadOnlySpan<T> w, ChainWorkspace<T> workspace, TargetWorkspace<T> scratch, Span<T> direction,
                             ref InnerSolveStatistics<T> statistics)
    {
        Chain<T> chain = Chain;
        for (int i = chain.Length - 1; i >= 1; i--)
        {
            LayerContext context = Prepare(i, w, workspace, scratch);
            Span<T> startW = scratch.StartParameters.AsSpan(0, context.W.Length);
            Span<T> startX = scratch.StartInput.AsSpan(0, context.X.Length);
            context.Layer.Pullback(context.W, context.X, context.Tape, context.Residual, startW, startX);

            // x⁺_{t−1} = x_{t−1} + u (Alg. 9 line 4, Alg. 11, Alg. 13).
            Span<T> previous = scratch.Target(i - 1);
            if (Solve(in context, LayerArgument.Input, scratch, scratch.Inputs, startX, T.Zero, previous, deferWarnings: false))
                Vectors.Subtract(context.X, previous, previous); // x + u = x − (−u) exactly
            else
                Vectors.Add(context.X, previous, previous);
            Count(scratch, i, LayerArgument.Input, ref statistics);

            // d_t = w_t − w⁺_t = −u (Alg. 9 line 5, Alg. 11, Alg. 13).
            Span<T> update = chain.Parameters(direction, i);
            if (!Solve(in context, LayerArgument.Parameters, scratch, scratch.Inputs, startW, ParameterL2, update, deferWarnings: false))
                Vectors.Negate(update, update);
            Count(scratch, i, LayerArgument.Parameters, ref statistics);
            NonFinite.Check(update, chain, i, NonFiniteQuantity.Direction);
            NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
        }
    }

    /// <summary>Adds the reports of the last solve of <paramref name="argument"/> on layer <paramref name="index"/> to <paramref name="statistics"/>.</summary>
    private static void Count(TargetWorkspace<T> scratch, int index, LayerArgument argument, ref InnerSolveStatistics<T> statistics)
    {
        int slot = Slot(index, argument);
        for (int r = 0; r < scratch.ReportCounts[slot]; r++)
            statistics.Add(scratch.Reports[TargetWorkspace<T>.MaxAttempts * slot + r]);
    }

    /// <summary>Raises the warnings the last solve of <paramref name="argument"/> on layer <paramref name="index"/> deferred, in the order they arose.</summary>
    private void Raise(TargetWorkspace<T> scratch, int index, LayerArgument argument)
    {
        int slot = Slot(index, argument);
        int warnings = scratch.WarningCounts[slot];
        scratch.WarningCounts[slot] = 0;
        for (int k = 0; k < warnings; k++)
            ConvexityViolated?.Invoke(scratch.Warnings[TargetWorkspace<T>.MaxAttempts * slot + k]);
    }

    /// <summary>The slot of a subproblem: 2i for the state, 2i + 1 for the parameters of layer index i.</summary>
    private static int Slot(int index, LayerArgument argument) => 2 * index + (argument == LayerArgument.Input ? 0 : 1);

    /// <summary>
    /// Solves one subproblem of the layer in <paramref name="context"/>, writing the offset u into <paramref name="u"/>, or
    /// −u when it returns true: the inner solver's Moreau gradient is −argmin (Alg. 11, 13: d_t = w_t − w⁺_t = −u), so
    /// the caller takes that sign as it is rather than negating twice (negation is exact: same iterates). Uses only
    /// <paramref name="side"/>'s buffers and solver workspace, and this layer's and argument's slot of the first trials,
    /// reports and warnings (and, for a state subproblem, this layer's step cap): solves of different subproblems may
    /// run at once. The solver's reports are left in the slot; the guard's warnings are raised at once, or left there
    /// when <paramref name="deferWarnings"/>.
    /// </summary>
    private bool Solve(in LayerContext context, LayerArgument argument, TargetWorkspace<T> scratch, TargetSolveScratch<T> side,
                       Span<T> start, T mu, Span<T> u, bool deferWarnings)
    {
        int slot = Slot(context.Index, argument);
        int logAt = TargetWorkspace<T>.MaxAttempts * slot;
        scratch.ReportCounts[slot] = 0;
        scratch.WarningCounts[slot] = 0;
        bool input = argument == LayerArgument.Input;
        LayerTerms terms = context.Terms;
        T step = input ? T.Min(terms.InputStep, _inputStepCaps[context.Index]) : terms.ParameterStep;
        T extra = input ? terms.InputExtra : T.Zero;
        ReadOnlySpan<T> z0 = input ? context.X : context.W;
        T half = T.One / (T.One + T.One);
        T muTerm = T.IsZero(mu) ? T.Zero : mu * half * Vectors.SumOfSquares(z0);

        // F(0) = s·(bracket + (μ/2)‖z₀‖²), ∇F(0) = s·((β + κ)Jᵀr + μz₀): both proportional to s.
        T lead = terms.Beta + terms.Kappa;
        if (lead != T.One) // β + κ = 1 (e.g. κ = 1 without multipliers): x·1 = x
            Vectors.Multiply(start, lead, start);
        if (!T.IsZero(mu))
            Vectors.MultiplyAdd(z0, mu, start, start);
        T scale = Scale(step, extra, out T rho);
        if (scale != T.One) // s = 1 without a proximal term (target propagation): x·1 = x
            Vectors.Multiply(start, scale, start);
        T value0 = scale * (context.Bracket + muTerm);

        bool affine = input ? Chain.IsAffineInInputs(context.Index) : Chain.IsAffineInParameters(context.Index);
        if (affine)
        {
            var buffers = new AffineLeastSquares<T>.Buffers(side.ConjugateResidual, side.ConjugateDirection, side.ConjugateProduct,
                                                           side.Point, side.Output.AsSpan(0, context.State.Length), side.Offset);
            AffineLeastSquares<T>.Solve(context.Layer, argument, context.W, context.X, context.Tape, start, scale * terms.Kappa,
                                        rho + scale * mu, ConjugateGradientIterations, ConjugateGradientTolerance, u, buffers, out _);
            return false;
        }

        SolverWorkspace<T> solverWorkspace = side.SolverWorkspace!;
        for (int attempt = 0; ; attempt++)
        {
            var targetScratch = new TargetScratch<T>(side.Point, side.Output, side.Multiplier, side.Tape.AsSpan(0, context.Layer.TapeLength(context.Batch)));
            var subproblem = new LayerTargetSubproblem<T>(context.Layer, argument, context.W, context.X, context.Residual, context.Target,
                                                          terms.Beta, terms.Kappa, mu, scale, rho, targetScratch);
            T firstTrial = ScaledFirstTrial ? scratch.FirstTrials[slot] : T.NaN;
            SolverReport<T> report = Solver.MoreauGradient(ref subproblem, u, value0, start, solverWorkspace, firstTrial);
            scratch.Reports[logAt + scratch.ReportCounts[slot]++] = report; // u holds −argmin

            T c = report.Curvature;
            if (ScaledFirstTrial)
                scratch.FirstTrials[slot] = c > T.Zero && T.IsFinite(c) ? T.One / c : T.NaN;
            bool violated = !T.IsZero(rho) && (report.Status == SolverStatus.LineSearchFailed || c <= T.Zero);
            if (!violated)
                return true;
            T safe = SafeStep(c, scale, extra);
            bool backOff = BackOffSteps && input && attempt == 0;
            var warning = new ConvexityWarning<T>(context.Index + 1, argument, step, c, safe, report.Status, backOff);
            if (deferWarnings)
                scratch.Warnings[logAt + scratch.WarningCounts[slot]++] = warning;
            else
                ConvexityViolated?.Invoke(warning);
            if (!backOff)
                return true;

            T reduced = safe > T.Zero && safe < step ? safe * half : step * half;
            _inputStepCaps[context.Index] = reduced;
            step = reduced;
            T rescaled = Scale(step, extra, out _);
            Vectors.Multiply(start, rescaled / scale, start);
            value0 *= rescaled / scale;
            scale = rescaled;
        }
    }

    /// <summary>s = 1/(1/step + extra) and ρ = 1; s = 1 and ρ = 0 for step +∞ (no proximal term).</summary>
    private static T Scale(T step, T extra, out T rho)
    {
        if (T.IsPositiveInfinity(step))
        {
            rho = T.Zero;
            return T.One;
        }

        rho = T.One;
        return T.One / (T.One / step + extra);
    }

    /// <summary>The largest step at which curvature <paramref name="c"/> of F = s·f + ½‖u‖² would stay positive (NaN when unknown).</summary>
    private static T SafeStep(T c, T scale, T extra)
    {
        if (T.IsNaN(c))
            return T.NaN;
        T negativeCurvature = (T.One - c) / scale; // −c_f
        T margin = negativeCurvature - extra;
        return margin > T.Zero ? T.One / margin : T.PositiveInfinity;
    }

    private TargetWorkspace<T> Scratch(ChainWorkspace<T> workspace)
    {
        TargetWorkspace<T>[] workspaces = _workspaces;
        for (int i = 0; i < workspaces.Length; i++)
        {
            if (ReferenceEquals(workspaces[i].Owner, workspace))
                return workspaces[i];
        }

        var created = new TargetWorkspace<T>(workspace);
        _workspaces = [.. workspaces, created];
        return created;
    }

    /// <summary>A layer of the pass: its forward-pass arguments, state, tape, target, residual r_t = x_t − x⁺_t, batch size, terms and bracket.</summary>
    private readonly ref struct LayerContext(IMoreauLayer<T> layer, int index, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape,
                                             ReadOnlySpan<T> state, ReadOnlySpan<T> target, ReadOnlySpan<T> residual, int batch, LayerTerms terms,
                                             T bracket)
    {
        public readonly IMoreauLayer<T> Layer = layer;
        public readonly int Index = index;
        public readonly ReadOnlySpan<T> W = w, X = x, Tape = tape, State = state, Target = target, Residual = residual;
        public readonly int Batch = batch;
        public readonly LayerTerms Terms = terms;
        public readonly T Bracket = bracket;
    }

    /// <summary>
    /// Layers τ..2 of the pass on a <see cref="PairJob"/>. Part 0 walks the layers down: r_t and the bracket
    /// (<see cref="Prepare"/>), then publishes the layer and solves Φx_t (J_xᵀr_t, then x⁺_{t−1}), which the next layer
    /// needs. Part 1 waits for each layer to be published and solves Φw_t (J_wᵀr_t, then d_t), which nothing in the pass
    /// reads. Each part has its own <see cref="TargetSolveScratch{T}"/> and writes only its own results, so every value
    /// is the same, bit for bit, as in the pass one layer after the other. A part records what it throws (with the
    /// layer) and stops; part 0 also stops after a non-finite x⁺_{t−1}, and always releases part 1 when it ends.
    /// </summary>
    private sealed unsafe class PassJob(TargetPassOracle<T> oracle, TargetWorkspace<T> scratch) : PairJob
    {
        /// <summary>The lowest layer index part 0 has published (its target, residual and bracket are ready), and whether it stopped.</summary>
        private ChainProgress _published;

        private ChainWorkspace<T>? _workspace;
        private T* _w, _direction;
        private int _length;

        /// <summary>The layer index at which part 0 failed (−1: none), and what it threw.</summary>
        public int InputFailureLayer { get; private set; }

        public ExceptionDispatchInfo? InputFailure { get; private set; }

        /// <summary>The layer index at which part 1 failed (−1: none), and what it threw.</summary>
        public int ParameterFailureLayer { get; private set; }

        public ExceptionDispatchInfo? ParameterFailure { get; private set; }

        /// <summary>Whether part 1's failure came from the layer's pullback, which the pass in order calls before Φx_t.</summary>
        public bool ParameterFailureInPullback { get; private set; }

        /// <summary>Sets up a pass over <paramref name="workspace"/> at the pinned parameters and direction (both <paramref name="length"/> values).</summary>
        public void Start(ChainWorkspace<T> workspace, T* w, int length, T* direction)
        {
            _workspace = workspace;
            _w = w;
            _direction = direction;
            _length = length;
            _published.Reset(oracle.Chain.Length);
            InputFailureLayer = ParameterFailureLayer = -1;
            InputFailure = ParameterFailure = null;
            ParameterFailureInPullback = false;
        }

        /// <summary>Drops the references and pointers of the pass.</summary>
        public void Finish()
        {
            _workspace = null;
            _w = _direction = null;
        }

        protected override void RunPart(int part)
        {
            if (part == 0)
                MoveTargets();
            else
                SolveParameters();
        }

        /// <summary>Part 0: for t = τ..2, r_t, publish, J_xᵀr_t and Φx_t → x⁺_{t−1}.</summary>
        private void MoveTargets()
        {
            ChainWorkspace<T> workspace = _workspace!;
            var w = new ReadOnlySpan<T>(_w, _length);
            int i = oracle.Chain.Length - 1;
            try
            {
                for (; i >= 1; i--)
                {
                    LayerContext context = oracle.Prepare(i, w, workspace, scratch);
                    _published.Publish(i);
                    Span<T> start = scratch.StartInput.AsSpan(0, context.X.Length);
                    context.Layer.Pullback(context.W, context.X, context.Tape, context.Residual, Span<T>.Empty, start);
                    Span<T> previous = scratch.Target(i - 1);
                    if (oracle.Solve(in context, LayerArgument.Input, scratch, scratch.Inputs, start, T.Zero, previous, deferWarnings: true))
                        Vectors.Subtract(context.X, previous, previous); // x + u = x − (−u) exactly
                    else
                        Vectors.Add(context.X, previous, previous);
                    if (!NonFinite.AllFinite<T>(previous))
                        break; // the caller throws after d_t's check; nothing below is solved
                }
            }
            catch (Exception exception)
            {
                InputFailure = ExceptionDispatchInfo.Capture(exception);
                InputFailureLayer = i;
            }
            finally
            {
                _published.Stop();
            }
        }

        /// <summary>Part 1: for t = τ..2, once part 0 has published layer t, J_wᵀr_t and Φw_t → d_t.</summary>
        private void SolveParameters()
        {
            ChainWorkspace<T> workspace = _workspace!;
            var w = new ReadOnlySpan<T>(_w, _length);
            var direction = new Span<T>(_direction, _length);
            int i = oracle.Chain.Length - 1;
            bool inPullback = false;
            try
            {
                for (; i >= 1; i--)
                {
                    if (!_published.WaitFor(i))
                        return;
                    LayerContext context = oracle.Context(i, w, workspace, scratch);
                    Span<T> start = scratch.StartParameters.AsSpan(0, context.W.Length);
                    inPullback = true;
                    context.Layer.Pullback(context.W, context.X, context.Tape, context.Residual, start, Span<T>.Empty);
                    inPullback = false;
                    Span<T> update = oracle.Chain.Parameters(direction, i);
                    if (!oracle.Solve(in context, LayerArgument.Parameters, scratch, scratch.Parameters, start, oracle.ParameterL2, update,
                                      deferWarnings: true))
                        Vectors.Negate(update, update);
                }
            }
            catch (Exception exception)
            {
                ParameterFailure = ExceptionDispatchInfo.Capture(exception);
                ParameterFailureLayer = i;
                ParameterFailureInPullback = inPullback;
            }
        }
    }
}
