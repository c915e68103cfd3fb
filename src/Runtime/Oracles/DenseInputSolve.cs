using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The paper's two-step solve of Φx (App. E.2.1: a Goldstein-searched gradient step from 0, then a Barzilai–Borwein step;
/// <see cref="TwoStepSolver{T}.RunFromZero{TFunction}"/>) for a dense layer φ(w, x) = σ(x·W + 1bᵀ)
/// (<see cref="IDenseStructure"/>), carried out on the pre-activations: one product P = g₀·W, one pass over m×n values per
/// line-search trial, and the Barzilai–Borwein step from the rows of δ·Wᵀ where the ReLU mask flipped. Same iterates as the
/// solve through the layer's <see cref="IMoreauLayer{T}.SubproblemX"/>, up to the rounding of the sums.
/// </summary>
/// <remarks>
/// <para>
/// With λ the multiplier scaled by the step c, Φx's objective is F(u) = λᵀσ((x + u)·W + 1bᵀ) + ½‖u‖² (u m×k), its gradient
/// ∇F(u) = dz(u)·Wᵀ + u with dz(u) = σ'(z(u))⊙λ, and at 0 g₀ = dz₀·Wᵀ, the pullback's input gradient. Along the first step
/// u = −s·g₀ the pre-activation is z(s) = z₀ − s·P with P = g₀·W (m×n), so F(s) = λᵀσ(z(s)) + ½s²‖g₀‖² and
/// F′(s) = −⟨dz(s), P⟩ + s‖g₀‖²: the line of <see cref="DenseGramSolve{T}"/> with κ = 0, a trial is one pass over m×n
/// values. At the accepted s₁, with δ = dz₁ − dz₀: g₁ = (1 − s₁)·g₀ + δ·Wᵀ, so the Barzilai–Borwein sums are
/// dᵀd = ‖g₀‖², dᵀr = s₁‖g₀‖² − ⟨δ, P⟩ (as ⟨g₀, δ·Wᵀ⟩ = ⟨P, δ⟩), η = s₁·dᵀd/dᵀr (safeguarded as the solver does),
/// ‖g₁‖² = (1 − s₁)²‖g₀‖² + 2(1 − s₁)⟨δ, P⟩ + ‖δ·Wᵀ‖², and the result s₁g₀ + η·g₁ = β·g₀ + η·δ·Wᵀ with
/// β = s₁ + η(1 − s₁).
/// </para>
/// <para>
/// δ is non-zero only where a ReLU mask flips between z₀ and z(s₁), i.e. where z₀ lies within s₁|P| of 0: a few entries
/// in practice (e.g. 15–30 of 76,800 on the 500→300 layer of 784-500-300-100-10). δ·Wᵀ is then formed row by row from the
/// columns of W those entries fall in, and is a product only when they are many (<see cref="SparseLimit"/>). Cost: the
/// product P (m·k·n) in place of an evaluation's two (x′·W and dz′·Wᵀ) and of its passes over x + u and dz′.
/// </para>
/// <para>
/// The solve declines (returns false, having written nothing) where the solver would rescale its vectors (σ ≠ 1,
/// <see cref="ScaledProblem{T}"/>) or the start is not finite or 0; the caller then takes the solve through the layer.
/// </para>
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
internal static class DenseInputSolve<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Values of scratch a solve needs: P and dz (m·n each), δ·Wᵀ (m·k), gathered columns of W (min(n, m)·k), 4 more.</summary>
    public static int ScratchLength(int m, int k, int n) => checked(2 * m * n + m * k + Math.Min(n, m) * k + 4);

    /// <summary>Ints of index scratch a solve needs (column slots, columns, positions of the flips).</summary>
    public static int IndexLength(int m, int n) => checked(2 * n + SparseLimit(m, n) + 1);

    /// <summary>The most flips for which δ·Wᵀ is formed from the columns of W instead of by a product: m·n/16.</summary>
    public static int SparseLimit(int m, int n) => m * n / 16;

    /// <summary>
    /// Φx's Moreau gradient by the two-step solve on the pre-activations, written into <paramref name="result"/> (m·k); false
    /// (nothing written) when it declines (see the remarks).
    /// </summary>
    /// <param name="solver">The two-step solver whose settings (first step, trials) the line search takes.</param>
    /// <param name="s">The layer's structure.</param>
    /// <param name="w">The layer's parameters.</param>
    /// <param name="z0">The pre-activation x·W + 1bᵀ of the forward pass, m×n.</param>
    /// <param name="lambda">The multiplier scaled by the step c, m×n.</param>
    /// <param name="inputGradient">
    /// The pullback's dz₀·Wᵀ with the multiplier before its scaling by <paramref name="c"/>, m×k: scaled by c in place into
    /// ∇F(0) = g₀ when the solve goes ahead (untouched when it declines).
    /// </param>
    /// <param name="c">The step c of Φx that scales the multiplier.</param>
    /// <param name="startValue">F(0) = λᵀφ(w, x) with the scaled multiplier.</param>
    /// <param name="result">The Moreau gradient, m×k.</param>
    /// <param name="scratch"><see cref="ScratchLength"/> values.</param>
    /// <param name="indices"><see cref="IndexLength"/> ints.</param>
    /// <param name="sparseLimit">The most flips taken without a product (<see cref="SparseLimit"/>; 0 forms δ·Wᵀ by a product whenever δ ≠ 0).</param>
    /// <param name="report">What the solve did.</param>
    public static bool TrySolve(TwoStepSolver<T> solver, in DenseStructure s, ReadOnlySpan<T> w, ReadOnlySpan<T> z0, ReadOnlySpan<T> lambda,
                                Span<T> inputGradient, T c, T startValue, Span<T> result, Span<T> scratch, Span<int> indices, int sparseLimit,
                                out SolverReport<T> report)
    {
        report = default;
        int k = s.Inputs, n = s.Outputs, m = z0.Length / n, mn = m * n;

        // max |c·g| = |c|·max |g| (rounding is monotonic): the solver's choice of σ, made before g₀ is formed.
        if (!T.IsFinite(startValue) || !ScaledProblem<T>.IsUnscaled(T.Abs(c) * Vectors.MaxMagnitude<T>(inputGradient)))
            return false;
        Vectors.Multiply<T>(inputGradient, c, inputGradient);
        ReadOnlySpan<T> g0 = inputGradient;

        ReadOnlySpan<T> weights = w.Slice(s.WeightOffset, k * n);
        Span<T> p = scratch[..mn];
        Span<T> dz1 = scratch.Slice(mn, mn);
        Span<T> product = scratch.Slice(2 * mn, m * k);
        Span<T> columns = scratch.Slice(2 * mn + m * k, Math.Min(n, m) * k);
        Span<T> ray = scratch.Slice(2 * mn + m * k + Math.Min(n, m) * k, 4);
        T dd = Vectors.SumOfSquares(g0);
        Ops.MatMul(g0, weights, p, m, k, n);

        // Step 1: the Goldstein line search along −g₀ on the scalar s.
        var line = new DenseGramSolve<T>.GramLine(s.Activation, z0, p, lambda, dz1, T.Zero, dd, T.Zero, T.Zero);
        var problem = new ScaledProblem<T>(T.One, Span<T>.Empty);
        ray[0] = T.Zero;
        ray[1] = T.One;
        LineSearchOutcome outcome = LineSearch<T>.Search(ref line, ref problem, LineSearchRule.Goldstein, ray[..1], startValue, ray.Slice(1, 1), -dd,
                                                         solver.InitialStep, solver.MaxLineSearchTrials, ray.Slice(2, 1), ray.Slice(3, 1),
                                                         out T value1, out T s1);
        if (outcome == LineSearchOutcome.Failed)
        {
            result.Clear();
            report = new SolverReport<T>(SolverStatus.LineSearchFailed, 0, dd, dd, true).WithFrame(T.One, problem.Evaluations);
            return true;
        }

        // Step 2: Barzilai–Borwein from the forms (the last trial evaluated is the accepted one: dz₁ holds its dz).
        T deltaP = T.Zero;
        int flips = 0;
        Span<int> positions = indices[(2 * n)..];
        if (s.Activation == DenseActivation.Relu)
            (deltaP, flips) = DenseGramPasses.Flips(z0, lambda, dz1, p, positions);

        T dr = s1 * dd - deltaP;
        T eta = s1 * (dd / dr);
        if (!(dr > T.Zero) || !T.IsFinite(eta) || !(eta > T.Zero))
            eta = s1;
        T keep = T.One - s1;
        T beta = s1 + eta * keep;
        T changeSquared = T.Zero;
        if (flips == 0)
        {
            Vectors.Multiply(g0, beta, result);
        }
        else if (flips <= Math.Min(sparseLimit, positions.Length))
        {
            Vectors.Multiply(g0, beta, result);
            changeSquared = AddSparseChange(weights, dz1, positions[..flips], k, n, eta, result, product, columns, indices[..(2 * n)]);
        }
        else
        {
            Ops.MatMul(dz1, weights, product, m, n, k, transposeA: false, transposeB: true); // δ·Wᵀ
            changeSquared = Vectors.SumOfSquares<T>(product);
            FusedVectors.Combine(beta, g0, eta, product, result);
        }

        T finalSquared = keep * keep * dd + (T.One + T.One) * keep * deltaP + changeSquared;
        SolverStatus status = outcome == LineSearchOutcome.Accepted ? SolverStatus.Completed : SolverStatus.LineSearchFailed;
        T curvature = StepCurvature<T>.Along(in problem, s1 * s1 * dd, s1 * dr, startValue, value1, -s1 * dd);
        report = new SolverReport<T>(status, 2, dd, finalSquared, false, curvature).WithFrame(T.One, problem.Evaluations);
        return true;
    }

    /// <summary>
    /// result += η·δ·Wᵀ over the rows where δ has its non-zeros (at <paramref name="positions"/>, row-major, ascending), returning
    /// ‖δ·Wᵀ‖². The columns of W those non-zeros fall in are gathered (up to m at a time, one sweep of W's rows each) so that
    /// each non-zero adds one contiguous row of k values; the rows of δ·Wᵀ are summed in <paramref name="rows"/> (m×k, only
    /// the rows with non-zeros touched). <paramref name="slots"/>: 2n ints.
    /// </summary>
    private static T AddSparseChange(ReadOnlySpan<T> weights, ReadOnlySpan<T> delta, ReadOnlySpan<int> positions, int k, int n, T eta,
                                     Span<T> result, Span<T> rows, Span<T> columns, Span<int> slots)
    {
        Span<int> slot = slots[..n];
        Span<int> column = slots[n..];
        slot.Fill(-1);
        int count = 0, previousRow = -1;
        foreach (int position in positions)
        {
            int i = position / n, j = position - i * n;
            if (slot[j] < 0)
            {
                slot[j] = count;
                column[count++] = j;
            }

            if (i != previousRow)
            {
                rows.Slice(i * k, k).Clear();
                previousRow = i;
            }
        }

        int chunk = columns.Length / k;
        for (int first = 0; first < count; first += chunk)
        {
            int last = Math.Min(count, first + chunk);
            for (int l = 0; l < k; l++)
            {
                ReadOnlySpan<T> row = weights.Slice(l * n, n);
                for (int c = first; c < last; c++)
                    columns[(c - first) * k + l] = row[column[c]];
            }

            foreach (int position in positions)
            {
                int i = position / n, c = slot[position - i * n];
                if (c >= first && c < last)
                {
                    Span<T> target = rows.Slice(i * k, k);
                    Vectors.MultiplyAdd(columns.Slice((c - first) * k, k), delta[position], target, target);
                }
            }
        }

        T squares = T.Zero;
        previousRow = -1;
        foreach (int position in positions)
        {
            int i = position / n;
            if (i == previousRow)
                continue;
            previousRow = i;
            ReadOnlySpan<T> change = rows.Slice(i * k, k);
            squares += Vectors.SumOfSquares(change);
            Span<T> target = result.Slice(i * k, k);
            Vectors.MultiplyAdd(change, eta, target, target);
        }

        return squares;
    }
}
