using System.Numerics;

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

    /// <summary>Whether a <see cref="ConvexityWarning{T}"/> on a state subproblem caps that layer's γ_{t−1} and solves again (default false).</summary>
    public bool BackOffSteps { get; init; }

    /// <summary>Raised by the Prop. 2.3 guard (see the remarks); the handler runs on the thread evaluating.</summary>
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
        var statistics = new InnerSolveStatistics<T>();

        // x⁺_τ = x_τ − ∇env(e·h)(x_τ) (Alg. 9, 11, 13 "Initialize").
        ReadOnlySpan<T> output = workspace.Output;
        T value = objective.Value(output);
        CheckValue(value, objective);
        int current = 0;
        Span<T> target = scratch.Target(current, output.Length);
        T e = ObjectiveStep();
        if (objective is IMoreauEnvelope<T> envelope)
        {
            envelope.MoreauGradient(output, e, target);
        }
        else
        {
            var subproblem = new ObjectiveEnvelopeSubproblem<T>(objective, output, e, workspace.StateScratch(0, output.Length));
            statistics.Add(Solver.MoreauGradient(ref subproblem, target, workspace.SolverWorkspace(Solver)));
        }

        NonFinite.CheckObjective(target, chain, objective, NonFiniteQuantity.ObjectiveGradient);
        Vectors.Subtract(output, target, target);

        for (int i = count - 1; i >= 0; i--)
        {
            IMoreauLayer<T> layer = chain[i];
            LayerTerms terms = Terms(i);
            var context = new LayerContext(layer, i, chain.Parameters(w, i), workspace.State(i), workspace.Tape(i), workspace.State(i + 1), target, terms);
            Span<T> residual = scratch.Residual.AsSpan(0, context.State.Length);
            Vectors.Subtract(context.State, target, residual); // r_t = x_t − x⁺_t

            // J_wᵀr_t and J_xᵀr_t at the tape: the start gradients of both subproblems, up to their scales.
            Span<T> startW = scratch.StartParameters.AsSpan(0, context.W.Length);
            Span<T> startX = i > 0 ? scratch.StartInput.AsSpan(0, context.X.Length) : Span<T>.Empty;
            layer.Pullback(context.W, context.X, context.Tape, residual, startW, startX);
            T half = T.One / (T.One + T.One);
            T bracket = terms.Beta * Vectors.Dot<T>(residual, context.State) + terms.Kappa * half * Vectors.SumOfSquares<T>(residual);

            Span<T> previous = Span<T>.Empty;
            if (i > 0)
            {
                // x⁺_{t−1} = x_{t−1} + u (Alg. 9 line 4, Alg. 11, Alg. 13).
                previous = scratch.Target(1 - current, context.X.Length);
                if (Solve(in context, LayerArgument.Input, scratch, workspace, startX, bracket, T.Zero, previous, ref statistics))
                    Vectors.Subtract(context.X, previous, previous); // x + u = x − (−u) exactly
                else
                    Vectors.Add(context.X, previous, previous);
            }

            // d_t = w_t − w⁺_t = −u (Alg. 9 line 5, Alg. 11, Alg. 13).
            Span<T> update = chain.Parameters(direction, i);
            if (!Solve(in context, LayerArgument.Parameters, scratch, workspace, startW, bracket, ParameterL2, update, ref statistics))
                Vectors.Negate(update, update);

            NonFinite.Check(update, chain, i, NonFiniteQuantity.Direction);
            NonFinite.Check(previous, chain, i, NonFiniteQuantity.Multiplier);
            target = previous;
            current = 1 - current;
        }

        LastStatistics = statistics;
        return value;
    }

    /// <summary>
    /// Solves one subproblem of the layer in <paramref name="context"/>, writing the offset u into <paramref name="u"/>, or
    /// −u when it returns true: the inner solver's Moreau gradient is −argmin (Alg. 11, 13: d_t = w_t − w⁺_t = −u), so
    /// the caller takes that sign as it is rather than negating twice (negation is exact: same iterates).
    /// </summary>
    private bool Solve(in LayerContext context, LayerArgument argument, TargetWorkspace<T> scratch, ChainWorkspace<T> workspace,
                       Span<T> start, T bracket, T mu, Span<T> u, ref InnerSolveStatistics<T> statistics)
    {
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
        T value0 = scale * (bracket + muTerm);

        bool affine = input ? Chain.IsAffineInInputs(context.Index) : Chain.IsAffineInParameters(context.Index);
        if (affine)
        {
            var buffers = new AffineLeastSquares<T>.Buffers(scratch.ConjugateResidual, scratch.ConjugateDirection, scratch.ConjugateProduct,
                                                           scratch.Point, scratch.Output.AsSpan(0, context.State.Length), scratch.Offset);
            AffineLeastSquares<T>.Solve(context.Layer, argument, context.W, context.X, context.Tape, start, scale * terms.Kappa,
                                        rho + scale * mu, ConjugateGradientIterations, ConjugateGradientTolerance, u, buffers, out _);
            return false;
        }

        SolverWorkspace<T> solverWorkspace = workspace.SolverWorkspace(Solver);
        for (int attempt = 0; ; attempt++)
        {
            var targetScratch = new TargetScratch<T>(scratch.Point, scratch.Output, scratch.Multiplier,
                                                     scratch.Tape.AsSpan(0, context.Layer.TapeLength(workspace.BatchSize)));
            var subproblem = new LayerTargetSubproblem<T>(context.Layer, argument, context.W, context.X,
                                                          scratch.Residual.AsSpan(0, context.State.Length), context.Target,
                                                          terms.Beta, terms.Kappa, mu, scale, rho, targetScratch);
            int slot = 2 * context.Index + (input ? 0 : 1);
            T firstTrial = ScaledFirstTrial ? scratch.FirstTrials[slot] : T.NaN;
            SolverReport<T> report = Solver.MoreauGradient(ref subproblem, u, value0, start, solverWorkspace, firstTrial);
            statistics.Add(report); // u holds −argmin

            T c = report.Curvature;
            if (ScaledFirstTrial)
                scratch.FirstTrials[slot] = c > T.Zero && T.IsFinite(c) ? T.One / c : T.NaN;
            bool violated = !T.IsZero(rho) && (report.Status == SolverStatus.LineSearchFailed || c <= T.Zero);
            if (!violated)
                return true;
            T safe = SafeStep(c, scale, extra);
            bool backOff = BackOffSteps && input && attempt == 0;
            ConvexityViolated?.Invoke(new ConvexityWarning<T>(context.Index + 1, argument, step, c, safe, report.Status, backOff));
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

    /// <summary>A layer of the pass: its forward-pass arguments, state, tape, target and terms.</summary>
    private readonly ref struct LayerContext(IMoreauLayer<T> layer, int index, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape,
                                             ReadOnlySpan<T> state, ReadOnlySpan<T> target, LayerTerms terms)
    {
        public readonly IMoreauLayer<T> Layer = layer;
        public readonly int Index = index;
        public readonly ReadOnlySpan<T> W = w, X = x, Tape = tape, State = state, Target = target;
        public readonly LayerTerms Terms = terms;
    }
}
