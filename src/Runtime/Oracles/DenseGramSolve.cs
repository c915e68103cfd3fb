using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The paper's two-step solve of Φw (App. E.2.1: a Goldstein-searched gradient step from 0, then a Barzilai–Borwein step;
/// <see cref="TwoStepSolver{T}.RunFromZero{TFunction}"/>) for a dense layer φ(w, x) = σ(x·W + 1bᵀ)
/// (<see cref="IDenseStructure"/>), carried out in the m-dimensional space of the batch instead of on the parameters:
/// the Gram form. Same iterates as the solve on the parameters, up to the rounding of the sums.
/// </summary>
/// <remarks>
/// <para>
/// Write A(e) = (xᵀe, 1ᵀe) for the map from an m×n array to the parameters (W, b) (no 1ᵀe without a bias), so that
/// A*(W, b) = x·W + 1bᵀ and A*(w) = z₀, the pre-activation, and G = A·A* = x·xᵀ + 11ᵀ (m×m). With λ the multiplier
/// scaled by the step α and κ = αμ the ℓ2 weight, Φw's objective is F(v) = λᵀσ(A*(w + v)) + ½‖v‖² + (κ/2)‖w + v‖², its
/// gradient ∇F(v) = A(dz(v)) + v + κ(w + v) with dz(v) = σ'(A*(w + v))⊙λ, and at 0: g₀ = A(dz₀) + κw.
/// </para>
/// <para>
/// Along the first step v = −s·g₀ the pre-activation is z(s) = z₀ − s·P with P = A*(g₀) = G·dz₀ + κz₀, so
/// F(s) = λᵀσ(z(s)) + ½s²‖g₀‖² + (κ/2)(‖w‖² − 2s·wᵀg₀ + s²‖g₀‖²) and F′(s) = −(⟨dz(s), P⟩ + κ·wᵀg₀ − s(1 + κ)‖g₀‖²), with
/// ‖g₀‖² = ⟨dz₀, G·dz₀⟩ + 2κ⟨dz₀, z₀⟩ + κ²‖w‖² and wᵀg₀ = ⟨dz₀, z₀⟩ + κ‖w‖²: a trial is one pass over m×n values, no
/// product. At the accepted step s₁, with δ = dz₁ − dz₀ and c = −s₁(1 + κ): g₁ = (1 + c)·g₀ + A(δ), so the
/// Barzilai–Borwein sums are dᵀd = ‖g₀‖², dᵀr = −g₀ᵀ(g₁ − g₀) = −c‖g₀‖² − ⟨δ, P⟩, η = s₁·dᵀd/dᵀr (safeguarded as the
/// solver does), ‖g₁‖² = (1 + c)²‖g₀‖² + 2(1 + c)⟨δ, P⟩ + ⟨δ, G·δ⟩, and the result s₁g₀ + η·g₁ is
/// A(β·dz₀ + η·δ) + κβ·w with β = s₁ + η(1 + c) (κβ·w added by the caller's sweep over the direction): one product xᵀ(β·dz₀ + η·δ) (and its column sums), which takes the place
/// of the pullback's xᵀdz₀. Cost per layer m²·k (x·xᵀ) + m²·n (G·dz₀) + m·k·n, against 2·m·k·n per evaluation on the
/// parameters (<see cref="Pays"/>).
/// </para>
/// <para>
/// The solve declines (returns false, having written nothing) where the solver on the parameters would rescale its
/// vectors (σ ≠ 1, <see cref="ScaledProblem{T}"/>) or where the start is not finite or 0; the caller then takes the
/// solve on the parameters, so every case the Gram form takes is one where both compute the same algorithm.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
internal static class DenseGramSolve<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int Band = T.ILogB(T.BitDecrement(T.PositiveInfinity)) / 4;

    /// <summary>Whether the Gram form costs fewer multiply-adds than one evaluation on the parameters: m(k + n) &lt; 2kn.</summary>
    public static bool Pays(int m, int k, int n) => (long)m * (k + n) < 2L * k * n;

    /// <summary>
    /// The structure <paramref name="layer"/> declares when it is consistent with its sizes, its tape for a batch of
    /// <paramref name="batch"/> and the Gram form pays for this batch; else null.
    /// </summary>
    public static DenseStructure? Applicable(IMoreauLayer<T> layer, int batch, int tapeLength) =>
        Declared(layer, batch, tapeLength) is { } s && Pays(batch, s.Inputs, s.Outputs) ? s : null;

    /// <summary>
    /// The structure <paramref name="layer"/> declares when it is consistent with its sizes and its tape for a batch of
    /// <paramref name="batch"/> (the pre-activation recorded, or the identity); else null.
    /// </summary>
    public static DenseStructure? Declared(IMoreauLayer<T> layer, int batch, int tapeLength) =>
        Consistent(layer) is { } s
        && (s.PreActivationTapeOffset >= 0 ? s.PreActivationTapeOffset + (long)batch * s.Outputs <= tapeLength : s.Activation == DenseActivation.Identity)
            ? s
            : null;

    /// <summary>
    /// The structure <paramref name="layer"/> declares when it is consistent with its sizes (w made of W and b alone, σ the
    /// identity or the ReLU), whatever its tape; else null.
    /// </summary>
    public static DenseStructure? Consistent(IMoreauLayer<T> layer)
    {
        if (layer is not IDenseStructure declared || declared.DenseStructure is not { } s)
            return null;
        int k = s.Inputs, n = s.Outputs;
        long weights = (long)k * n;
        bool consistent = k > 0 && n > 0 && k == layer.InputCount && n == layer.OutputCount
                          && layer.ParameterCount == weights + (s.HasBias ? n : 0)
                          && s.WeightOffset >= 0 && s.WeightOffset + weights <= layer.ParameterCount
                          && (!s.HasBias || (s.BiasOffset + n <= layer.ParameterCount && (s.BiasOffset + n <= s.WeightOffset || s.BiasOffset >= s.WeightOffset + weights)))
                          && s.Activation is DenseActivation.Identity or DenseActivation.Relu;
        return consistent ? s : null;
    }

    /// <summary>
    /// Φw's Moreau gradient by the two-step solve in the Gram form, written into <paramref name="update"/> (|w|); false
    /// (nothing written) when it declines (see the remarks).
    /// </summary>
    /// <param name="solver">The two-step solver whose settings (first step, trials) the line search takes.</param>
    /// <param name="s">The layer's structure.</param>
    /// <param name="w">The layer's parameters.</param>
    /// <param name="x">Its input batch, m×k.</param>
    /// <param name="z0">The pre-activation x·W + 1bᵀ at <paramref name="w"/>, m×n.</param>
    /// <param name="lambda">The multiplier scaled by the step α, m×n.</param>
    /// <param name="kappa">κ = αμ.</param>
    /// <param name="startValue">F(0) = λᵀφ(w, x) + (κ/2)‖w‖² without the ℓ2 part: α·λᵀy (the ℓ2 part is added here).</param>
    /// <param name="update">
    /// Receives the result but its ℓ2 part: A(β·dz₀ + η·δ), |w| values; the caller adds <paramref name="weightScale"/>·w in
    /// its sweep over the direction (<see cref="ParameterUpdate.AddL2"/>, the same operations as a separate pass).
    /// </param>
    /// <param name="gram">G = x·xᵀ (+ 11ᵀ) formed beforehand (<see cref="FormGram"/>), or empty: formed here, into the scratch.</param>
    /// <param name="scratch">m² + 3·m·n + 4 values.</param>
    /// <param name="indices">n + 1 + m·n ints.</param>
    /// <param name="weightScale">κβ, the multiple of w the result still lacks (0 when κ = 0 or the line search failed).</param>
    /// <param name="report">What the solve did.</param>
    public static bool TrySolve(TwoStepSolver<T> solver, in DenseStructure s, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> z0,
                                ReadOnlySpan<T> lambda, T kappa, T startValue, Span<T> update, ReadOnlySpan<T> gram, Span<T> scratch, Span<int> indices,
                                out T weightScale, out SolverReport<T> report)
    {
        report = default;
        weightScale = T.Zero;
        int k = s.Inputs, n = s.Outputs, m = x.Length / k, mn = m * n;
        bool relu = s.Activation == DenseActivation.Relu;
        if (gram.IsEmpty)
        {
            FormGram(s, x, scratch[..(m * m)]);
            gram = scratch[..(m * m)];
        }

        Span<T> p = scratch.Slice(m * m, mn);
        Span<T> dz0Buffer = scratch.Slice(m * m + mn, mn);
        Span<T> dz1 = scratch.Slice(m * m + 2 * mn, mn);
        ReadOnlySpan<T> dz0 = relu ? dz0Buffer : lambda;
        (T value, T dd, T wg, T ww) = Start(s, w, x, z0, lambda, kappa, startValue, gram, scratch);
        T two = T.One + T.One;

        // Decline where the solver on the parameters would rescale (max |g₀| outside 2^±Band; ‖g₀‖ bounds it within √|w|).
        T low = T.ScaleB(T.CreateChecked(w.Length), -2 * Band + 4), high = T.ScaleB(T.One, 2 * Band - 4);
        if (!T.IsFinite(value) || !T.IsFinite(wg) || !(dd >= low) || !(dd <= high))
            return false;

        // Step 1: the Goldstein line search along −g₀ on the scalar s (LineSearch on a one-dimensional ray: y = s, F′(s)).
        var line = new GramLine(s.Activation, z0, p, lambda, dz1, kappa / two * ww, dd, wg, kappa);
        var problem = new ScaledProblem<T>(T.One, Span<T>.Empty);
        Span<T> ray = scratch.Slice(m * m + 3 * mn, 4);
        ray[0] = T.Zero;
        ray[1] = T.One;
        LineSearchOutcome outcome = LineSearch<T>.Search(ref line, ref problem, LineSearchRule.Goldstein, ray[..1], value, ray.Slice(1, 1), -dd,
                                                         solver.InitialStep, solver.MaxLineSearchTrials, ray.Slice(2, 1), ray.Slice(3, 1),
                                                         out T value1, out T s1);
        if (outcome == LineSearchOutcome.Failed)
        {
            update.Clear();
            report = new SolverReport<T>(SolverStatus.LineSearchFailed, 0, dd, dd, true).WithFrame(T.One, problem.Evaluations);
            return true;
        }

        // Step 2: Barzilai–Borwein from the forms (the last trial evaluated is the accepted one: dz₁ holds its dz).
        T c = -s1 * (T.One + kappa);
        T deltaP = T.Zero, deltaGdelta = T.Zero;
        if (relu)
        {
            Span<int> counts = indices[..n];
            (deltaP, long pairs) = DenseGramPasses.Change(dz0, dz1, p, m, n, counts);
            if (pairs > (long)m * m * n / 4)
            {
                Ops.MatMul(gram, dz1, p, m, m, n); // G·δ over P, which the rest needs no more
                deltaGdelta = Vectors.Dot(dz1, p);
            }
            else if (pairs > 0)
            {
                deltaGdelta = DenseGramPasses.SparseForm<T>(dz1, gram, m, n, counts, indices[n..]);
            }
        }

        T dr = -c * dd - deltaP;
        T eta = s1 * (dd / dr);
        if (!(dr > T.Zero) || !T.IsFinite(eta) || !(eta > T.Zero))
            eta = s1;
        T finalSquared = (T.One + c) * (T.One + c) * dd + two * (T.One + c) * deltaP + deltaGdelta;

        // The result A(β·dz₀ + η·δ) + κβ·w: E written over P, then W ← xᵀE and b ← 1ᵀE.
        T beta = s1 + eta * (T.One + c);
        Span<T> e = p;
        if (relu)
            FusedVectors.Combine(beta, dz0, eta, dz1, e);
        else
            Vectors.Multiply(dz0, beta, e);
        Span<T> weights = update.Slice(s.WeightOffset, k * n);
        if (s.HasBias)
            Ops.MatMulSumRows<T>(x, e, weights, update.Slice(s.BiasOffset, n), k, m, n, transposeA: true);
        else
            Ops.MatMul<T>(x, e, weights, k, m, n, transposeA: true);
        if (!T.IsZero(kappa))
            weightScale = kappa * beta; // + κβ·w: in the caller's sweep, which reads w and the direction anyway

        SolverStatus status = outcome == LineSearchOutcome.Accepted ? SolverStatus.Completed : SolverStatus.LineSearchFailed;
        T curvature = StepCurvature<T>.Along(in problem, s1 * s1 * dd, s1 * dr, value, value1, -s1 * dd);
        report = new SolverReport<T>(status, 2, dd, finalSquared, false, curvature).WithFrame(T.One, problem.Evaluations);
        return true;
    }

    /// <summary>
    /// G = x·xᵀ (+ 11ᵀ with a bias) into <paramref name="gram"/> (m², m = |x|/k): it needs only the layer's input, so it may be
    /// formed before the multiplier is known (<see cref="MoreauPairJob{T}"/>).
    /// </summary>
    public static void FormGram(in DenseStructure s, ReadOnlySpan<T> x, Span<T> gram)
    {
        int m = x.Length / s.Inputs;
        Ops.MatMul(x, x, gram, m, s.Inputs, m, transposeA: false, transposeB: true);
        if (s.HasBias)
            System.Numerics.Tensors.TensorPrimitives.Add(gram, T.One, gram);
    }

    /// <summary>
    /// The start: dz₀ = σ'(z₀)⊙λ (ReLU: into the scratch), P = G·dz₀ + κz₀ (G formed), and the scalars F(0), ‖g₀‖²,
    /// wᵀg₀ and ‖w‖² (0 when κ = 0). Scratch layout: G's place (m², unused here), P, dz₀, dz₁ (m·n each).
    /// </summary>
    private static (T Value, T StartSquared, T WeightDotStart, T WeightSquared) Start(in DenseStructure s, ReadOnlySpan<T> w, ReadOnlySpan<T> x,
                                                                                    ReadOnlySpan<T> z0, ReadOnlySpan<T> lambda, T kappa, T startValue,
                                                                                    ReadOnlySpan<T> gram, Span<T> scratch)
    {
        int k = s.Inputs, n = s.Outputs, m = x.Length / k, mn = m * n;
        Span<T> p = scratch.Slice(m * m, mn);
        ReadOnlySpan<T> dz0 = lambda;
        if (s.Activation == DenseActivation.Relu)
        {
            Span<T> dz0Buffer = scratch.Slice(m * m + mn, mn);
            DenseGramPasses.ReluMask(z0, lambda, dz0Buffer);
            dz0 = dz0Buffer;
        }

        Ops.MatMul(gram, dz0, p, m, m, n);
        T dzGdz = Vectors.Dot(dz0, p);
        T dzZ = Vectors.Dot(dz0, z0);
        T ww = T.IsZero(kappa) ? T.Zero : Vectors.SumOfSquares(w);
        if (!T.IsZero(kappa))
            Vectors.MultiplyAdd(z0, kappa, p, p);
        T two = T.One + T.One;
        return (startValue + kappa / two * ww, dzGdz + two * kappa * dzZ + kappa * kappa * ww, dzZ + kappa * ww, ww);
    }

    /// <summary>
    /// F(−s·g₀) and its derivative in s as the Gram form computes them (the line search's function), for checking the forms
    /// against the layer's own Φw objective. Arguments as for <see cref="TrySolve"/>.
    /// </summary>
    internal static (T Value, T Slope) AlongFirstStep(in DenseStructure s, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> z0,
                                                      ReadOnlySpan<T> lambda, T kappa, T startValue, T step, Span<T> scratch)
    {
        int m = x.Length / s.Inputs, mn = m * s.Outputs;
        FormGram(s, x, scratch[..(m * m)]);
        (_, T dd, T wg, T ww) = Start(s, w, x, z0, lambda, kappa, startValue, scratch[..(m * m)], scratch);
        var line = new GramLine(s.Activation, z0, scratch.Slice(m * m, mn), lambda, scratch.Slice(m * m + 2 * mn, mn), kappa / (T.One + T.One) * ww, dd, wg, kappa);
        Span<T> point = scratch.Slice(m * m + 3 * mn, 2);
        point[0] = step;
        T value = line.Evaluate(point[..1], point.Slice(1, 1));
        return (value, point[1]);
    }

    /// <summary>
    /// F and F′ along the first step, s ↦ F(−s·g₀), as a function of the one value y = [s] (gradient [F′(s)]);
    /// <paramref name="constant"/> = (κ/2)‖w‖².
    /// </summary>
    internal readonly ref struct GramLine(DenseActivation activation, ReadOnlySpan<T> z0, ReadOnlySpan<T> p, ReadOnlySpan<T> lambda, Span<T> dz,
                                         T constant, T dd, T wg, T kappa) : ISmoothFunction<T>
    {
        private readonly ReadOnlySpan<T> _z0 = z0, _p = p, _lambda = lambda;
        private readonly Span<T> _dz = dz;

        public T Evaluate(ReadOnlySpan<T> y, Span<T> gradient)
        {
            T s = y[0];
            T half = T.One / (T.One + T.One);
            T layerValue = DenseGramPasses.Trial(activation, _z0, _p, _lambda, s, _dz, out T dzP);
            if (!gradient.IsEmpty)
                gradient[0] = -(dzP + kappa * wg - s * (T.One + kappa) * dd);
            // λᵀσ(z(s)) + ½‖v‖² + (κ/2)‖w + v‖² with v = −s·g₀.
            return layerValue + half * s * s * dd + (constant + kappa * (half * s * s * dd - s * wg));
        }
    }
}
