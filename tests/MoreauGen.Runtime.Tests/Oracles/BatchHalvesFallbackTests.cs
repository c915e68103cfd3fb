using System.Numerics;
using MoreauGen.Kernels;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The halves' fall back to the whole batch where x₀ lies where the halves write (the workspace, the scratch): the whole
/// batch's pass then reads x₀'s copy, not what the halves wrote over it; a fused step with x₀ in the workspace leaves it to
/// the separate passes; a layer that refuses the halves' tape lengths; the two-stream diagnostic after a pass on the halves;
/// and the halves on a one-layer chain and on a chain with a parameter-free layer at batch 3.
/// </summary>
public sealed partial class BatchHalvesTests
{
    /// <summary>
    /// <see cref="Poisoned{T}"/>'s network on <paramref name="sizes"/> with layer <paramref name="at"/> poisoned, its problem at
    /// <see cref="FailureBatch"/>, and two of what <paramref name="make"/> builds on it with μ = 10⁻³: <c>Aliased</c> on the halves,
    /// <c>Whole</c> on the whole batch. A healthy pass of <c>Aliased</c> (<paramref name="warm"/>; when null Evaluate on x₀, which
    /// fills the workspace) takes the halves; then the layer fails as <paramref name="mode"/> says.
    /// </summary>
    private static (Chain<T> Chain, Poison<T> Poisoned, T[] W, T[] X0, SquaredDistance<T> H, TRun Aliased, TRun Whole) FailingOnHalves<T, TRun>(
        int at, int[]? sizes, string mode, Func<Chain<T>, T, bool, TRun> make, Func<TRun, Backpropagation<T>> oracle,
        Action<Backpropagation<T>, T[], T[], SquaredDistance<T>>? warm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        (Chain<T> chain, Poison<T> poisoned) = Poisoned<T>(at, sizes);
        (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, FailureBatch);
        T mu = T.CreateChecked(1e-3);
        TRun aliased = make(chain, mu, true), whole = make(chain, mu, false);
        if (warm is null)
            oracle(aliased).Evaluate(w, x0, h, new T[w.Length]);
        else
            warm(oracle(aliased), w, x0, h);
        Assert.True(oracle(aliased).LastHalves.Halves);
        poisoned.Mode = mode;
        return (chain, poisoned, w, x0, h, aliased, whole);
    }

    /// <summary><see cref="FailingOnHalves{T, TRun}"/> with two oracles.</summary>
    private static (Chain<T> Chain, Poison<T> Poisoned, T[] W, T[] X0, SquaredDistance<T> H, Backpropagation<T> Aliased, Backpropagation<T> Whole)
        OraclesFailingOnHalves<T>(int at, int[]? sizes, string mode, Action<Backpropagation<T>, T[], T[], SquaredDistance<T>>? warm = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        FailingOnHalves<T, Backpropagation<T>>(at, sizes, mode, (chain, mu, halves) => Oracle(chain, mu, halves), oracle => oracle, warm);

    /// <summary><see cref="FailingOnHalves{T, TRun}"/> with two SGD optimisers (η = 0.01).</summary>
    private static (Chain<T> Chain, Poison<T> Poisoned, T[] W, T[] X0, SquaredDistance<T> H, GradientDescent<T> Aliased, GradientDescent<T> Whole)
        StepsFailingOnHalves<T>(int at, int[]? sizes, string mode) where T : unmanaged, IFloatingPointIeee754<T> =>
        FailingOnHalves<T, GradientDescent<T>>(at, sizes, mode, (chain, mu, halves) => Sgd(chain, T.CreateChecked(0.01), mu, halves), sgd => Backprop(sgd), null);

    /// <summary>A buffer of <paramref name="length"/> zeros with x₀ copied into its end, and x₀'s offset in it.</summary>
    private static (T[] Buffer, int Offset) WithInputAtTheEnd<T>(T[] x0, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var buffer = new T[length];
        x0.CopyTo(buffer, length - x0.Length);
        return (buffer, length - x0.Length);
    }

    // ---- 8. a failure on the halves with x₀ where the halves write ----

    /// <summary>Every case writes over x₀ on the halves before the failure: the forward pass reaches x₀'s state.</summary>
    public static TheoryData<string, string, int> HalfOnlyAliased() => new()
    {
        { "output", "partial-pullback", 0 },
        { "output", "partial-pullback", 1 },
        { "state", "partial-forward", 2 },
        { "state", "partial-pullback", 0 },
    };

    [Theory]
    [MemberData(nameof(HalfOnlyAliased))]
    public void After_a_failure_only_on_the_halves_an_input_in_the_workspace_gives_the_whole_batchs_evaluate_on_a_copy(string where, string mode, int at)
    {
        Check<float>(where, mode, at);
        Check<double>(where, mode, at);

        static void Check<T>(string where, string mode, int at) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (_, _, w, _, h, aliased, whole) = OraclesFailingOnHalves<T>(at, AliasShape(where), mode);
            ReadOnlySpan<T> x0 = InWorkspace(aliased.Workspace(FailureBatch), where);
            T[] input = x0.ToArray();
            Assert.Contains(input, v => v != T.Zero);
            EvaluateIsTheWholeBatchs(aliased, x0, whole, input, w, h); // the halves fail, then the whole batch
        }
    }

    [Theory]
    [MemberData(nameof(HalfOnlyAliased))]
    public void After_a_failure_only_on_the_halves_an_input_in_the_workspace_gives_the_whole_batchs_step_on_a_copy(string where, string mode, int at)
    {
        Check<float>(where, mode, at);
        Check<double>(where, mode, at);

        static void Check<T>(string where, string mode, int at) where T : unmanaged, IFloatingPointIeee754<T>
        {
            // Evaluate warms: the workspace's states are of this w and batch.
            var (chain, _, w, _, h, aliased, whole) = StepsFailingOnHalves<T>(at, AliasShape(where), mode);
            Assert.True(chain.ParameterCount >= ChainOptimizer<T>.FusedDescentMinimum);
            T[] reference = [.. w];
            for (int k = 0; k < 2; k++)
            {
                ReadOnlySpan<T> x0 = InWorkspace(aliased.Oracle.Workspace(FailureBatch), where);
                T[] input = x0.ToArray();
                Assert.Contains(input, v => v != T.Zero);
                StepIsTheWholeBatchs(aliased, w, x0, whole, reference, input, h);
            }
        }
    }

    /// <summary>
    /// x₀ overlapping the end of the scratch, where the halves write the first half's gradients of the last layers (layer 2,
    /// and layer 1's last values) before the poisoned layer fails: the whole batch's step then reads x₀'s copy.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void After_a_failure_only_on_the_halves_an_input_overlapping_the_scratch_gives_the_whole_batchs_step_on_a_copy(int at)
    {
        Check<float>(at);
        Check<double>(at);

        static void Check<T>(int at) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T eta = T.CreateChecked(0.01);
            var (chain, _, w, x0, h, aliased, whole) = OraclesFailingOnHalves<T>(at, null, "partial-pullback",
                (oracle, v, x, f) => Assert.True(oracle.TryDescend([.. v], x, f, new T[v.Length], eta, out _))); // warm, on the halves
            (T[] scratch, int offset) = WithInputAtTheEnd(x0, w.Length); // layer 2's gradient and the end of layer 1's
            Assert.True(offset < chain.ParameterOffset(2));
            T[] reference = [.. w];
            Assert.True(whole.TryDescend(reference, [.. x0], h, new T[w.Length], eta, out T expected));
            Assert.True(aliased.TryDescend(w, scratch.AsSpan(offset, x0.Length), h, scratch, eta, out T actual));
            Assert.False(aliased.LastHalves.Halves);
            Assert.Equal(expected, actual);
            Assert.Equal(reference, w); // bit for bit
        }
    }

    /// <summary>
    /// Evaluate with x₀ overlapping the end of the direction, where the halves write the first half's gradients of the last
    /// layers before the poisoned layer fails: the whole batch's pass then reads x₀'s copy in state 0.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void After_a_failure_only_on_the_halves_an_input_overlapping_the_direction_gives_the_whole_batchs_evaluate_on_a_copy(int at)
    {
        Check<float>(at);
        Check<double>(at);

        static void Check<T>(int at) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (_, _, w, x0, h, aliased, whole) = OraclesFailingOnHalves<T>(at, null, "partial-pullback");
            (T[] direction, int offset) = WithInputAtTheEnd(x0, w.Length);
            T[] expectedDirection = new T[w.Length];
            T expected = whole.Evaluate(w, [.. x0], h, expectedDirection);
            T actual = aliased.Evaluate(w, direction.AsSpan(offset, x0.Length), h, direction);
            Assert.False(aliased.LastHalves.Halves);
            Assert.Equal(expected, actual);
            Assert.Equal(expectedDirection, direction); // bit for bit
        }
    }

    /// <summary>A failure the whole batch meets too, with x₀ in the workspace: the exception of the whole batch on a copy.</summary>
    [Theory]
    [InlineData("nan-multiplier", 1)]
    [InlineData("nan-gradient", 0)]
    [InlineData("throws", 0)]
    public void A_failure_of_the_whole_batch_too_with_the_input_in_the_workspace_ends_as_on_a_copy(string mode, int at)
    {
        Check<float>(mode, at);
        Check<double>(mode, at);

        static void Check<T>(string mode, int at) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (_, poisoned, w0, start, h, aliased, whole) = StepsFailingOnHalves<T>(at, AliasShape("output"), mode);
            T[] input = aliased.Oracle.Workspace(FailureBatch).Output.ToArray();
            Exception? expected = Record.Exception(() => whole.Oracle.Evaluate(w0, input, h, new T[w0.Length]));
            Exception? actual = Record.Exception(() => aliased.Oracle.Evaluate(w0, aliased.Oracle.Workspace(FailureBatch).Output, h, new T[w0.Length]));
            Assert.IsType(mode == "throws" ? typeof(InvalidOperationException) : typeof(NonFiniteValueException), expected);
            Assert.Equal(expected.GetType(), actual?.GetType());
            Assert.Equal(expected.Message, actual?.Message);

            poisoned.Mode = null;
            aliased.Oracle.Evaluate(w0, start, h, new T[w0.Length]); // the workspace's output of w0 again
            poisoned.Mode = mode;
            input = aliased.Oracle.Workspace(FailureBatch).Output.ToArray();
            Assert.Equal(start.Length, input.Length);
            T[] expectedW = [.. w0], actualW = [.. w0];
            expected = Record.Exception(() => whole.Step(expectedW, input, h));
            actual = Record.Exception(() => aliased.Step(actualW, aliased.Oracle.Workspace(FailureBatch).Output, h));
            Assert.NotNull(expected);
            Assert.Equal(expected.GetType(), actual?.GetType());
            Assert.Equal(expected.Message, actual?.Message);
            Assert.Equal(w0, expectedW);
            Assert.Equal(w0, actualW); // bit for bit: w as it was
        }
    }

    /// <summary>
    /// A failure that depends on x₀ itself (a NaN gradient of layer 0 when a sample starts with the marker), x₀ in the
    /// workspace: the fused pass writes over x₀ and fails, and the separate passes the optimiser takes next must still see
    /// x₀ and fail as on a copy, not run on what the pass wrote over it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_failed_step_with_the_input_in_the_workspace_ends_as_on_a_copy_not_on_what_the_pass_wrote_over_it(bool halves)
    {
        Check<float>(halves);
        Check<double>(halves);

        static void Check<T>(bool halves) where T : unmanaged, IFloatingPointIeee754<T>
        {
            (Chain<T> chain, Poison<T> poisoned) = Poisoned<T>(0, AliasShape("output"));
            (T[] w0, T[] start, SquaredDistance<T> h) = Problem(chain, FailureBatch);
            T eta = T.CreateChecked(0.01), mu = T.CreateChecked(1e-3);
            GradientDescent<T> aliased = Sgd(chain, eta, mu, halves), reference = Sgd(chain, eta, mu, halves);
            aliased.Oracle.Evaluate(w0, start, h, new T[w0.Length]);
            poisoned.Mode = "nan-gradient-marked";

            ChainWorkspace<T> workspace = aliased.Oracle.Workspace(FailureBatch);
            Span<T> x0 = workspace.StateBuffer(chain.Length);
            x0[6 * chain.InputCount] = T.CreateChecked(Marker); // sample 6 (the second half)
            T[] input = x0.ToArray();

            T[] expectedW = [.. w0], actualW = [.. w0];
            Exception? expected = Record.Exception(() => reference.Step(expectedW, input, h));
            Exception? actual = Record.Exception(() => aliased.Step(actualW, workspace.Output, h));
            Assert.IsType<NonFiniteValueException>(expected);
            Assert.Equal(expected.GetType(), actual?.GetType());
            Assert.Equal(expected.Message, actual?.Message);
            Assert.Equal(w0, expectedW);
            Assert.Equal(w0, actualW);
        }
    }

    // ---- 9. a layer that refuses the halves' tape lengths ----

    /// <summary>Delegates to <paramref name="inner"/>, but its tape length is defined only for the whole batch of <paramref name="batch"/>.</summary>
    private sealed class WholeBatchOnly<T>(IMoreauLayer<T> inner, int batch) : DelegatingLayer<T>(inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public override int TapeLength(int rows) =>
            rows == batch ? Inner.TapeLength(rows) : throw new ArgumentException($"no tape for {rows} samples", nameof(rows));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(8)]
    public void A_layer_that_refuses_the_halves_tape_lengths_gives_the_whole_batchs_passes_bit_for_bit(int batch)
    {
        Check<float>(batch);
        Check<double>(batch);

        static void Check<T>(int batch) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = Network<T>([300, 200, 30, 10], (i, layer) => i == 1 ? new WholeBatchOnly<T>(layer, batch) : layer);
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, batch);
            T eta = T.CreateChecked(0.01), mu = T.CreateChecked(1e-3);
            GradientDescent<T> halves = Sgd(chain, eta, mu, halves: true), whole = Sgd(chain, eta, mu, halves: false);

            T[] reference = [.. w];
            for (int k = 0; k < 2; k++)
            {
                EvaluateIsTheWholeBatchs(Backprop(halves), x0, Backprop(whole), x0, w, h);
                StepIsTheWholeBatchs(halves, w, x0, whole, reference, x0, h);
            }
        }
    }

    // ---- 10. the two-stream diagnostic ----

    [Fact]
    public void A_pass_on_the_halves_clears_the_two_stream_diagnostic_of_the_pass_before()
    {
        bool twoThreads = WorkerPool.Shared.ThreadCount >= 2;
        Chain<double> chain = Network<double>([300, 200, 300, 10]);
        (double[] w, double[] x0, SquaredDistance<double> h) = Problem(chain, 32);
        Backpropagation<double> oracle = Oracle(chain, 1e-3, halves: false);
        oracle.TwoStreams = true;
        var direction = new double[w.Length];
        bool sideBySide = false;
        for (int k = 0; k < 400 && !sideBySide; k++)
        {
            oracle.Evaluate(w, x0, h, direction);
            Assert.False(oracle.LastHalves.Halves);
            sideBySide = oracle.LastSideBySide;
        }
        Assert.Equal(twoThreads, sideBySide); // the streams ran side by side in one of the passes (never on one thread)

        oracle.Halves = true;
        oracle.Evaluate(w, x0, h, direction);
        Assert.True(oracle.LastHalves.Halves);
        Assert.False(oracle.LastSideBySide); // this pass ran no streams
        Assert.True(oracle.TryDescend([.. w], x0, h, new double[w.Length], 0.01, out _));
        Assert.True(oracle.LastHalves.Halves);
        Assert.False(oracle.LastSideBySide);
    }

    // ---- 11. a one-layer chain, a parameter-free layer, batch 3 ----

    /// <summary>φ(x) = tanh(x) elementwise on <paramref name="width"/> values a sample, without parameters; the tape holds φ(x).</summary>
    private sealed class TanhActivation<T>(int width) : IMoreauLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int ParameterCount => 0;
        public int InputCount => width;
        public int OutputCount => width;
        public int TapeLength(int rows) => rows * width;

        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)
        {
            for (int i = 0; i < x.Length; i++)
                y[i] = T.Tanh(x[i]);
        }

        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape)
        {
            Forward(w, x, y);
            y.CopyTo(tape);
        }

        public void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            for (int i = 0; i < gradX.Length; i++)
                gradX[i] = lambda[i] * (T.One - tape[i] * tape[i]);
        }

        /// <summary>v ↦ λᵀφ(x) + ½‖v‖² with v empty: λᵀ tanh(x), no gradient.</summary>
        public T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> v, Span<T> grad)
        {
            T value = T.Zero;
            for (int i = 0; i < x.Length; i++)
                value += lambda[i] * T.Tanh(x[i]);
            return value;
        }

        /// <summary>u ↦ λᵀ tanh(x + u) + ½‖u‖², gradient λ ⊙ (1 − tanh²(x + u)) + u.</summary>
        public T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> u, Span<T> grad)
        {
            T value = T.Zero, half = T.One / (T.One + T.One);
            for (int i = 0; i < x.Length; i++)
            {
                T y = T.Tanh(x[i] + u[i]);
                value += lambda[i] * y + half * u[i] * u[i];
                if (!grad.IsEmpty)
                    grad[i] = lambda[i] * (T.One - y * y) + u[i];
            }
            return value;
        }
    }

    /// <summary>"single": one dense layer 300 → 250 (75,250 parameters); "activation": dense 400 → 200, tanh without parameters, dense 200 → 10.</summary>
    private static Chain<T> SmallShape<T>(string shape) where T : unmanaged, IFloatingPointIeee754<T> => shape == "single"
        ? new([new DenseTestLayer<T>(300, 250, bias: true, DenseActivation.Identity, declare: true)])
        : new([new DenseTestLayer<T>(400, 200, bias: true, DenseActivation.Identity, declare: true), new TanhActivation<T>(200),
               new DenseTestLayer<T>(200, 10, bias: true, DenseActivation.Identity, declare: true)]);

    [Theory]
    [InlineData("single")]
    [InlineData("activation")]
    public void The_halves_of_a_batch_of_three_on_a_one_layer_chain_and_a_parameter_free_layer(string shape)
    {
        // The gradient against the whole batch's, in double.
        Chain<double> chain = SmallShape<double>(shape);
        Assert.True(chain.ParameterCount >= ChainOptimizer<double>.FusedDescentMinimum);
        (double[] w, double[] x0, SquaredDistance<double> h) = Problem(chain, 3);
        foreach (double mu in new[] { 0.0, 1e-3 })
        {
            Backpropagation<double> halves = Oracle(chain, mu, halves: true), whole = Oracle(chain, mu, halves: false);
            double[] expected = new double[w.Length], actual = new double[w.Length];
            double expectedValue = whole.Evaluate(w, x0, h, expected);
            Assert.False(whole.LastHalves.Halves);
            double value = halves.Evaluate(w, x0, h, actual);
            Assert.True(halves.LastHalves.Halves);
            double norm = Norm(expected);
            Assert.True(norm > 1e-3, $"the gradient is too small to compare ({norm})");
            Assert.True(Distance(expected, actual) <= 1e-12 * norm, $"{shape}: ‖Δg‖ = {Distance(expected, actual)}, ‖g‖ = {norm}");
            Assert.Equal(expectedValue, value, 1e-12 * Math.Abs(expectedValue));
        }

        Step<float>(shape);
        Step<double>(shape);

        // The fused step on the halves against Evaluate on the halves and the separate update, bit for bit.
        static void Step<T>(string shape) where T : unmanaged, IFloatingPointIeee754<T> =>
            FusedStepIsEvaluateAndUpdate(SmallShape<T>(shape), 3, T.CreateChecked(1e-3));
    }
}
