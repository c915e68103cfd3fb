using System.Numerics;
using System.Numerics.Tensors;
using MoreauGen.Kernels;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// Back-propagation on the batch's two halves side by side (<see cref="BatchHalves{T}"/>, <c>Backpropagation.Halves</c>):
/// the gradient against central differences and against the whole batch's pass to rounding; the fused SGD step on the
/// halves against Evaluate on the halves and the separate update bit for bit; the same bits whether the halves ran side by
/// side or one after the other; on every failure the whole batch's exception and w exactly as it was, and a silent fall
/// back to the whole batch's iterate when only the halves fail; x₀ inside the workspace or the scratch; alternating batch
/// sizes without allocation; and where the halves are taken by default (<see cref="BatchHalves{T}.Pays"/>).
/// </summary>
[Collection(nameof(HalvesAloneCollection))]
public sealed partial class BatchHalvesTests
{
    private static Chain<T> Network<T>(int[] sizes, Func<int, IMoreauLayer<T>, IMoreauLayer<T>>? wrap = null)
        where T : unmanaged, IFloatingPointIeee754<T> => ReluNetwork.Build(sizes, wrap);

    private static (T[] W, T[] X0, SquaredDistance<T> H) Problem<T>(Chain<T> chain, int batch, int seed = 7)
        where T : unmanaged, IFloatingPointIeee754<T> => ReluNetwork.Problem(chain, batch, seed);

    private static Backpropagation<T> Oracle<T>(Chain<T> chain, T mu, bool? halves) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(chain) { ParameterL2 = mu, Halves = halves };

    private static GradientDescent<T> Sgd<T>(Chain<T> chain, T eta, T mu, bool? halves) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sgd = new GradientDescent<T>(chain, eta, mu);
        Backprop(sgd).Halves = halves;
        return sgd;
    }

    private static Backpropagation<T> Backprop<T>(ChainOptimizer<T> optimizer) where T : unmanaged, IFloatingPointIeee754<T> =>
        (Backpropagation<T>)optimizer.Oracle;

    private static double Norm<T>(T[] v) where T : unmanaged, IFloatingPointIeee754<T> =>
        Math.Sqrt(v.Sum(x => double.CreateChecked(x) * double.CreateChecked(x)));

    private static double Distance<T>(T[] a, T[] b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Math.Sqrt(a.Zip(b, (x, y) => Math.Pow(double.CreateChecked(x) - double.CreateChecked(y), 2)).Sum());

    // ---- 1. the gradient ----

    [Theory]
    [InlineData(2, 0.0)]
    [InlineData(7, 0.0)]
    [InlineData(7, 1e-2)]
    [InlineData(33, 1e-2)]
    public void The_gradient_on_the_halves_matches_central_differences(int batch, double mu)
    {
        Chain<double> chain = Network<double>([12, 9, 7, 3]);
        (double[] w, double[] x0, SquaredDistance<double> h) = Problem(chain, batch);
        Backpropagation<double> halves = Oracle(chain, mu, halves: true), whole = Oracle(chain, mu, halves: false);

        var gradient = new double[w.Length];
        double value = halves.Evaluate(w, x0, h, gradient);
        Assert.Equal((true, halves.LastHalves.SideBySide), halves.LastHalves);
        ReluNetwork.AssertCentralDifferences(whole, w, x0, h, gradient, value);
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(7, false)]
    [InlineData(33, false)]
    [InlineData(96, false)]
    [InlineData(7, true)]
    [InlineData(96, true)]
    public void The_gradient_on_the_halves_is_the_whole_batchs_to_rounding_in_float_and_double(int batch, bool poolHeld)
    {
        Check<float>(batch, 1e-5, poolHeld);
        Check<double>(batch, 1e-12, poolHeld);

        static void Check<T>(int batch, double tolerance, bool poolHeld) where T : unmanaged, IFloatingPointIeee754<T>
        {
            foreach (int[] sizes in new[] { new[] { 12, 9, 7, 3 }, new[] { 256, 192, 128, 64, 10 } })
            {
                Chain<T> chain = Network<T>(sizes);
                (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, batch);
                foreach (T mu in new[] { T.Zero, T.CreateChecked(1e-3) })
                {
                    Backpropagation<T> halves = Oracle(chain, mu, halves: true), whole = Oracle(chain, mu, halves: false);
                    T[] expected = new T[w.Length], actual = new T[w.Length];
                    T expectedValue = whole.Evaluate(w, x0, h, expected);
                    Assert.False(whole.LastHalves.Halves);
                    T value = PoolHold.Held(poolHeld, () => halves.Evaluate(w, x0, h, actual)); // held: the halves one after the other
                    Assert.True(halves.LastHalves.Halves);

                    double norm = Norm(expected);
                    Assert.True(norm > 1e-3, $"the gradient is too small to compare ({norm})");
                    Assert.True(Distance(expected, actual) <= tolerance * norm,
                                $"{typeof(T).Name} {string.Join('-', sizes)} batch {batch}: ‖Δg‖ = {Distance(expected, actual)}, ‖g‖ = {norm}");
                    double v = double.CreateChecked(expectedValue);
                    Assert.Equal(v, double.CreateChecked(value), tolerance * Math.Abs(v));
                }
            }
        }
    }

    // ---- 2. the fused step on the halves ----

    /// <summary>
    /// 300-200-300-10 (layers of 60,200 and 60,300 values: two sweep chunks each, and one of one chunk) and 400-250-30-10
    /// (a first layer of four chunks, two layers of one), both above the optimiser's fused-step minimum.
    /// </summary>
    public static TheoryData<string, int, double> StepCases()
    {
        var data = new TheoryData<string, int, double>();
        foreach (string shape in new[] { "300-200-300-10", "400-250-30-10" })
        {
            foreach (int batch in new[] { 16, 9 })
            {
                data.Add(shape, batch, 0.0);
                data.Add(shape, batch, 1e-3);
            }
        }
        return data;
    }

    private static int[] Shape(string shape) => [.. shape.Split('-').Select(int.Parse)];

    [Theory]
    [MemberData(nameof(StepCases))]
    public void The_fused_step_on_the_halves_is_evaluate_on_the_halves_and_the_separate_update_bit_for_bit(string shape, int batch, double l2)
    {
        Check<float>(Shape(shape), batch, (float)l2);
        Check<double>(Shape(shape), batch, l2);

        static void Check<T>(int[] sizes, int batch, T mu) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = Network<T>(sizes);
            Assert.True(chain.ParameterCount >= ChainOptimizer<T>.FusedDescentMinimum); // the step takes the fused pass
            FusedStepIsEvaluateAndUpdate(chain, batch, mu);
        }
    }

    /// <summary>
    /// Three fused SGD steps on the halves (η = 0.01) of <paramref name="chain"/> at <paramref name="batch"/> are Evaluate on
    /// the halves and the separate update pass, bit for bit.
    /// </summary>
    private static void FusedStepIsEvaluateAndUpdate<T>(Chain<T> chain, int batch, T mu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, batch);
        T eta = T.CreateChecked(0.01);
        GradientDescent<T> sgd = Sgd(chain, eta, mu, halves: true);
        Backpropagation<T> separate = Oracle(chain, mu, halves: true);
        T[] reference = [.. w];
        for (int k = 0; k < 3; k++)
        {
            var direction = new T[w.Length];
            T expected = separate.Evaluate(reference, x0, h, direction);
            Assert.True(separate.LastHalves.Halves);
            TensorPrimitives.MultiplyAdd<T>(direction, -eta, reference, reference); // the separate update pass

            T actual = sgd.Step(w, x0, h);
            Assert.True(Backprop(sgd).LastHalves.Halves);
            Assert.Equal(expected, actual);
            Assert.Equal(reference, w); // bit for bit
        }
    }

    // ---- 3. side by side or one after the other ----

    /// <summary>
    /// The free side retries, each time from w on a fresh copy, until its halves ran on two threads (a worker may sleep
    /// through a pass, or another test may hold the pool: on a loaded two-core machine 2–8 passes in 50 ran side by side),
    /// so the comparison is known to cover the side-by-side path; on a pool of one thread, that it never runs.
    /// </summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-3)]
    public void The_halves_give_the_same_bits_side_by_side_and_one_after_the_other(double l2)
    {
        Check<float>((float)l2);
        Check<double>(l2);

        static void Check<T>(T mu) where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int attempts = 400;
            bool twoThreads = WorkerPool.Shared.ThreadCount >= 2;
            Chain<T> chain = Network<T>([300, 200, 300, 10]);
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, 32);
            T eta = T.CreateChecked(0.01);
            GradientDescent<T> free = Sgd(chain, eta, mu, halves: true), held = Sgd(chain, eta, mu, halves: true);

            bool sideBySide = false;
            int compared = 0;
            for (int k = 0; k < attempts && !(sideBySide && compared >= 3); k++)
            {
                T[] a = [.. w], b = [.. w];
                T expected = free.Step(a, x0, h);
                Assert.True(Backprop(free).LastHalves.Halves);
                sideBySide |= Backprop(free).LastHalves.SideBySide;
                T actual = PoolHold.Held(true, () => held.Step(b, x0, h));
                Assert.Equal((true, false), Backprop(held).LastHalves); // both halves on this thread
                Assert.Equal(expected, actual);
                Assert.Equal(a, b); // bit for bit
                compared++;
            }
            Assert.Equal(twoThreads, sideBySide); // two threads: the side-by-side step was among those compared

            sideBySide = false;
            T[] expectedDirection = new T[w.Length], direction = new T[w.Length];
            for (int k = 0; k < attempts && !sideBySide; k++)
            {
                T expectedValue = free.Oracle.Evaluate(w, x0, h, expectedDirection);
                Assert.True(Backprop(free).LastHalves.Halves);
                sideBySide = Backprop(free).LastHalves.SideBySide;
                Assert.Equal(expectedValue, PoolHold.Held(true, () => held.Oracle.Evaluate(w, x0, h, direction)));
                Assert.Equal((true, false), Backprop(held).LastHalves);
                Assert.Equal(expectedDirection, direction);
                Assert.Equal(free.Oracle.LastSweep, held.Oracle.LastSweep);
            }
            Assert.Equal(twoThreads, sideBySide);
        }
    }

    // ---- 4. failures ----

    /// <summary>The marker some x₀ samples carry in their first value (the others lie in [−0.5, 0.5]).</summary>
    private const double Marker = 3.0;

    /// <summary>
    /// Delegates to a dense layer; when <see cref="Mode"/> is set: "nan-state" writes NaN into the output rows of the
    /// samples whose input row starts with <see cref="Marker"/>; "nan-multiplier" / "nan-gradient" write NaN into λ_{t−1}
    /// or g_t after the pullback; "nan-gradient-marked" writes NaN into g_t when an input row starts with the marker; "throws" throws in the pullback; "partial-forward" / "partial-pullback" throw when called
    /// with fewer samples than the whole batch of <paramref name="batch"/>.
    /// </summary>
    private sealed class Poison<T>(IMoreauLayer<T> inner, int batch) : DelegatingLayer<T>(inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public string? Mode { get; set; }

        public override void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y) => Forward(w, x, y, new T[TapeLength(x.Length / InputCount)]);

        public override void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape)
        {
            int rows = x.Length / InputCount;
            if (Mode == "partial-forward" && rows != batch)
                throw new InvalidOperationException($"called with {rows} samples");
            Inner.Forward(w, x, y, tape);
            if (Mode != "nan-state")
                return;
            for (int s = 0; s < rows; s++)
            {
                if (x[s * InputCount] == T.CreateChecked(Marker))
                    y[s * OutputCount + OutputCount / 2] = T.NaN;
            }
        }

        public override void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            if (Mode == "partial-pullback" && x.Length / InputCount != batch)
                throw new InvalidOperationException($"pulled back with {x.Length / InputCount} samples");
            Inner.Pullback(w, x, tape, lambda, gradW, gradX);
            switch (Mode)
            {
                case "throws":
                    throw new InvalidOperationException("the layer failed");
                case "nan-multiplier" when !gradX.IsEmpty:
                    gradX[gradX.Length / 2] = T.NaN;
                    break;
                case "nan-gradient" when !gradW.IsEmpty:
                    gradW[gradW.Length / 3] = T.NaN;
                    break;
                case "nan-gradient-marked" when !gradW.IsEmpty:
                    for (int s = 0; s < x.Length / InputCount; s++)
                    {
                        if (x[s * InputCount] == T.CreateChecked(Marker))
                            gradW[gradW.Length / 3] = T.NaN;
                    }
                    break;
            }
        }
    }

    private const int FailureBatch = 8;

    /// <summary>
    /// The network on <paramref name="sizes"/> (when null 300-200-30-10: 66,540 parameters, so steps take the fused pass)
    /// with layer <paramref name="at"/> poisoned for batches of <see cref="FailureBatch"/>.
    /// </summary>
    private static (Chain<T> Chain, Poison<T> Poisoned) Poisoned<T>(int at, int[]? sizes = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Poison<T>? poisoned = null;
        Chain<T> chain = Network<T>(sizes ?? [300, 200, 30, 10], (i, layer) => i == at ? poisoned = new Poison<T>(layer, FailureBatch) : layer);
        return (chain, poisoned!);
    }

    /// <summary>
    /// A step of <paramref name="halves"/> from w on <paramref name="x0"/> ran on the whole batch and is
    /// <paramref name="whole"/>'s step from <paramref name="reference"/> on <paramref name="wholeX0"/> (x₀ or its copy), bit for bit.
    /// </summary>
    private static void StepIsTheWholeBatchs<T>(GradientDescent<T> halves, T[] w, ReadOnlySpan<T> x0, GradientDescent<T> whole, T[] reference,
                                               ReadOnlySpan<T> wholeX0, SquaredDistance<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T expected = whole.Step(reference, wholeX0, h);
        T actual = halves.Step(w, x0, h);
        Assert.False(Backprop(halves).LastHalves.Halves); // fell back
        Assert.Equal(expected, actual);
        Assert.Equal(reference, w); // bit for bit
    }

    /// <summary>
    /// Evaluate of <paramref name="halves"/> at w on <paramref name="x0"/> ran on the whole batch and is <paramref name="whole"/>'s
    /// on <paramref name="wholeX0"/> (x₀ or its copy): the value, the direction bit for bit, the sweep.
    /// </summary>
    private static void EvaluateIsTheWholeBatchs<T>(Backpropagation<T> halves, ReadOnlySpan<T> x0, Backpropagation<T> whole, ReadOnlySpan<T> wholeX0,
                                                   T[] w, SquaredDistance<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] expectedDirection = new T[w.Length], direction = new T[w.Length];
        T expected = whole.Evaluate(w, wholeX0, h, expectedDirection);
        T actual = halves.Evaluate(w, x0, h, direction);
        Assert.False(halves.LastHalves.Halves);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedDirection, direction); // bit for bit
        Assert.Equal(whole.LastSweep, halves.LastSweep);
    }

    public static TheoryData<string, int, bool> Failures()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (bool poolHeld in new[] { false, true })
        {
            data.Add("nan-state-second", 0, poolHeld); // a state of sample 6 only (the second half: samples 4..7)
            data.Add("nan-state-first", 0, poolHeld);  // a state of sample 1 only
            data.Add("nan-multiplier", 1, poolHeld);
            data.Add("nan-multiplier", 2, poolHeld);
            data.Add("nan-gradient", 2, poolHeld);      // the first layer pulled back: nothing updated yet
            data.Add("nan-gradient", 0, poolHeld);      // the last: both later layers updated by then
            data.Add("throws", 0, poolHeld);
            data.Add("throws", 2, poolHeld);
            data.Add("x0-second", 0, poolHeld);         // a NaN in x₀'s sample 5
            data.Add("x0-first", 0, poolHeld);          // an infinity in x₀'s sample 0
            data.Add("overflow", 0, poolHeld);          // w − η·d overflows
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_on_the_halves_ends_as_the_whole_batch_does(string kind, int at, bool poolHeld)
    {
        Check<float>(kind, at, poolHeld);
        Check<double>(kind, at, poolHeld);

        static void Check<T>(string kind, int at, bool poolHeld) where T : unmanaged, IFloatingPointIeee754<T>
        {
            (Chain<T> chain, Poison<T> poisoned) = Poisoned<T>(at);
            (T[] w0, T[] x0, SquaredDistance<T> h) = Problem(chain, FailureBatch);
            // A step so long, and targets so far off, that w − η·d overflows for the overflow case; a healthy one otherwise.
            T eta = T.CreateChecked(kind != "overflow" ? 0.01 : typeof(T) == typeof(float) ? 1e37 : 1e306);
            if (kind == "overflow")
                h = new SquaredDistance<T>(chain.OutputCount, Enumerable.Repeat(T.CreateChecked(1e3), FailureBatch * chain.OutputCount).ToArray());
            T mu = T.CreateChecked(1e-3);
            GradientDescent<T> halves = Sgd(chain, eta, mu, halves: true), whole = Sgd(chain, eta, mu, halves: false);
            if (kind != "overflow")
            {
                // Healthy steps first, on copies: the workspaces, the halves' tapes and the pool are warm.
                T[] warm = [.. w0];
                halves.Step(warm, x0, h);
                Assert.True(Backprop(halves).LastHalves.Halves);
                warm = [.. w0];
                whole.Step(warm, x0, h);
            }

            switch (kind)
            {
                case "nan-state-second":
                    x0[6 * chain.InputCount] = T.CreateChecked(Marker);
                    poisoned.Mode = "nan-state";
                    break;
                case "nan-state-first":
                    x0[1 * chain.InputCount] = T.CreateChecked(Marker);
                    poisoned.Mode = "nan-state";
                    break;
                case "x0-second":
                    x0[5 * chain.InputCount + 7] = T.NaN;
                    break;
                case "x0-first":
                    x0[3] = T.PositiveInfinity;
                    break;
                case "overflow":
                    break;
                default:
                    poisoned.Mode = kind;
                    break;
            }

            T[] expectedW = [.. w0], actualW = [.. w0];
            Exception? expected = Record.Exception(() => whole.Step(expectedW, x0, h));
            Exception? actual = PoolHold.Held(poolHeld, () => Record.Exception(() => halves.Step(actualW, x0, h)));
            Assert.NotNull(expected);
            Assert.IsType(kind switch
            {
                "throws" => typeof(InvalidOperationException),
                "x0-second" or "x0-first" => typeof(ArgumentException),
                _ => typeof(NonFiniteValueException),
            }, expected);
            if (expected is ArgumentException argument)
                Assert.Equal("x0", argument.ParamName);
            Assert.NotNull(actual);
            Assert.Equal(expected.GetType(), actual.GetType());
            Assert.Equal(expected.Message, actual.Message);
            Assert.Equal(w0, expectedW);
            Assert.Equal(w0, actualW); // bit for bit: w as it was

            // Evaluate on the halves reports the same.
            expected = Record.Exception(() => whole.Oracle.Evaluate(w0, x0, h, new T[w0.Length]));
            actual = PoolHold.Held(poolHeld, () => Record.Exception(() => halves.Oracle.Evaluate(w0, x0, h, new T[w0.Length])));
            if (kind == "overflow")
            {
                Assert.Null(expected); // the direction is finite; only the update overflows
                Assert.Null(actual);
                Assert.True(Backprop(halves).LastHalves.Halves);
                return;
            }
            Assert.NotNull(expected);
            Assert.Equal(expected.GetType(), actual?.GetType());
            Assert.Equal(expected.Message, actual?.Message);
        }
    }

    [Theory]
    [InlineData("partial-forward", 0)]
    [InlineData("partial-forward", 2)]
    [InlineData("partial-pullback", 0)]
    [InlineData("partial-pullback", 1)]
    public void A_layer_that_fails_only_on_a_half_falls_back_to_the_whole_batchs_step_bit_for_bit(string mode, int at)
    {
        Check<float>(mode, at);
        Check<double>(mode, at);

        static void Check<T>(string mode, int at) where T : unmanaged, IFloatingPointIeee754<T>
        {
            (Chain<T> chain, Poison<T> poisoned) = Poisoned<T>(at);
            (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, FailureBatch);
            T eta = T.CreateChecked(0.01), mu = T.CreateChecked(1e-3);
            GradientDescent<T> halves = Sgd(chain, eta, mu, halves: true), whole = Sgd(chain, eta, mu, halves: false);
            T[] warm = [.. w];
            halves.Step(warm, x0, h); // the halves are taken while the layer accepts them
            Assert.True(Backprop(halves).LastHalves.Halves);

            poisoned.Mode = mode;
            T[] reference = [.. w];
            for (int k = 0; k < 3; k++)
                StepIsTheWholeBatchs(halves, w, x0, whole, reference, x0, h);
            EvaluateIsTheWholeBatchs(Backprop(halves), x0, Backprop(whole), x0, w, h);
        }
    }

    // ---- 5. x₀ in the workspace or the scratch ----

    /// <summary>
    /// "output": 200-300-200, x₀ is the workspace's output; "state": 200-300-200-10, x₀ is its state x₂. Both above the
    /// optimiser's fused-step minimum.
    /// </summary>
    private static int[] AliasShape(string where) => where == "output" ? [200, 300, 200] : [200, 300, 200, 10];

    private static ReadOnlySpan<T> InWorkspace<T>(ChainWorkspace<T> workspace, string where) where T : unmanaged, IFloatingPointIeee754<T> =>
        where == "output" ? workspace.Output : workspace.State(2);

    [Theory]
    [InlineData("output")]
    [InlineData("state")]
    public void An_input_in_the_oracles_workspace_gives_the_step_on_a_copy_of_it(string where)
    {
        Check<float>(where);
        Check<double>(where);

        static void Check<T>(string where) where T : unmanaged, IFloatingPointIeee754<T>
        {
            // 200-300-200: x₀ is the last step's output; 200-300-200-10: x₀ is its state x₂, which the second layer's forward
            // (on either half) overwrites before the first layer's pullback reads x₀.
            const int batch = 9;
            Chain<T> chain = Network<T>(AliasShape(where));
            (T[] w, T[] start, SquaredDistance<T> h) = Problem(chain, batch);
            T eta = T.CreateChecked(0.01), mu = T.CreateChecked(1e-3);
            GradientDescent<T> sgd = Sgd(chain, eta, mu, halves: true), onCopy = Sgd(chain, eta, mu, halves: true);
            sgd.Step(w, start, h);
            onCopy.Step([.. w], start, h); // warm too
            ChainWorkspace<T> workspace = sgd.Oracle.Workspace(batch);
            ReadOnlySpan<T> x0 = InWorkspace(workspace, where);
            Assert.Equal(batch * 200, x0.Length);
            Assert.Contains(x0.ToArray(), v => v != T.Zero);

            T[] input = x0.ToArray(), reference = [.. w];
            T expected = onCopy.Step(reference, input, h);
            Assert.True(Backprop(onCopy).LastHalves.Halves);
            T actual = sgd.Step(w, x0, h);
            Assert.True(Backprop(sgd).LastHalves.Halves);
            Assert.Equal(expected, actual);
            Assert.Equal(reference, w); // bit for bit

            // Evaluate, whose halves copy x₀ into state 0 before they write the workspace.
            x0 = InWorkspace(workspace, where);
            input = x0.ToArray();
            T[] expectedDirection = new T[w.Length], direction = new T[w.Length];
            T expectedValue = onCopy.Oracle.Evaluate(w, input, h, expectedDirection);
            Assert.Equal(expectedValue, sgd.Oracle.Evaluate(w, x0, h, direction));
            Assert.True(Backprop(sgd).LastHalves.Halves);
            Assert.Equal(expectedDirection, direction);
        }
    }

    [Theory]
    [InlineData("scratch")]
    [InlineData("w")]
    public void An_input_that_overlaps_the_scratch_or_w_gives_the_step_on_a_copy_of_it(string overlap)
    {
        Check<float>(overlap);
        Check<double>(overlap);

        static void Check<T>(string overlap) where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int batch = 9;
            Chain<T> chain = Network<T>([300, 200, 30, 10]);
            (T[] w0, T[] x0, SquaredDistance<T> h) = Problem(chain, batch);
            int p = chain.ParameterCount, n = x0.Length;
            T eta = T.CreateChecked(0.01), mu = T.CreateChecked(1e-3);
            Backpropagation<T> aliased = Oracle(chain, mu, halves: true), separate = Oracle(chain, mu, halves: true);

            // One array holds the step's buffer (scratch or w) and, overlapping its parameters of the second layer, x₀.
            int offset = chain.ParameterOffset(1);
            var shared = new T[p];
            if (overlap == "w")
                w0.CopyTo(shared, 0);
            x0.CopyTo(shared, offset);
            ReadOnlySpan<T> input = shared.AsSpan(offset, n);
            Span<T> w = overlap == "w" ? shared.AsSpan(0, p) : [.. w0];
            Span<T> scratch = overlap == "scratch" ? shared.AsSpan(0, p) : new T[p];
            Assert.True(input.Overlaps(overlap == "w" ? w : scratch));

            T[] reference = w.ToArray(); // w as the step finds it (with x₀ written over part of it when they share)
            Assert.True(separate.TryDescend(reference, [.. x0], h, new T[p], eta, out T expected));
            Assert.True(separate.LastHalves.Halves);
            Assert.True(aliased.TryDescend(w, input, h, scratch, eta, out T actual));
            Assert.True(aliased.LastHalves.Halves);
            Assert.Equal(expected, actual);
            Assert.Equal(reference, w.ToArray()); // bit for bit
        }
    }

    // ---- 6. alternating batch sizes ----

    /// <summary>tanh layers (allocation-free) 300-220-10: 68,430 parameters, so the steps take the fused pass.</summary>
    private static Chain<T> TanhNetwork<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new([new GenericTanhLayer<T>(300, 220), new GenericTanhLayer<T>(220, 10)]);

    [Fact]
    public void Alternating_batch_sizes_give_the_iterates_of_fresh_optimisers()
    {
        Check<float>();
        Check<double>();

        static void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = TanhNetwork<T>();
            T eta = T.CreateChecked(0.01), mu = T.CreateChecked(1e-3);
            (T[] w, _, _) = Problem(chain, 1, seed: 3);
            GradientDescent<T> alternating = Sgd(chain, eta, mu, halves: true);
            T[] reference = [.. w];
            int[] batches = [32, 17, 32, 17, 2, 32];
            for (int k = 0; k < batches.Length; k++)
            {
                (_, T[] x0, SquaredDistance<T> h) = Problem(chain, batches[k], seed: 100 + k);
                T expected = Sgd(chain, eta, mu, halves: true).Step(reference, x0, h);
                T actual = alternating.Step(w, x0, h);
                Assert.True(Backprop(alternating).LastHalves.Halves);
                Assert.Equal(expected, actual);
                Assert.Equal(reference, w); // bit for bit
            }
        }
    }

    // ---- 7. where the halves are taken by default ----

    [Fact]
    public void The_halves_pay_for_the_small_mlp_at_batch_256_on_two_threads_and_not_for_huge_layers_or_tiny_work()
    {
        bool twoThreads = WorkerPool.Shared.ThreadCount == 2;
        Chain<float> mlp = Network<float>([784, 500, 300, 100, 10]);
        Assert.Equal(twoThreads, BatchHalves<float>.Pays(mlp, 256));
        Assert.Equal(twoThreads, BatchHalves<double>.Pays(Network<double>([784, 500, 300, 100, 10]), 256));
        Assert.False(BatchHalves<float>.Pays(mlp, 1)); // one sample has no halves

        // A layer of more than 2^19 weights (784·1000 + 1000), however large the batch.
        Assert.False(BatchHalves<float>.Pays(Network<float>([784, 1000, 10]), 256));
        Assert.False(BatchHalves<float>.Pays(Network<float>([784, 4000, 1000, 4000, 10]), 256));
        // Tiny work: FusedDescentTests' 300-200-30-10 at batch 16 (66,540 · 8 multiply-adds a half), the pendulum-sized chain.
        Assert.False(BatchHalves<float>.Pays(Network<float>([300, 200, 30, 10]), 16));
        Assert.False(BatchHalves<double>.Pays(Chain<double>.Repeat(new DenseTestLayer<double>(2, 2, bias: false, DenseActivation.Identity, declare: false), 100), 256));

        // The default (Halves = null) follows Pays: a step of the MLP at batch 256 on the halves exactly when they pay.
        (float[] w, float[] x0, SquaredDistance<float> h) = Problem(mlp, 256);
        GradientDescent<float> sgd = Sgd(mlp, 1e-3f, 1e-4f, halves: null);
        sgd.Step(w, x0, h);
        Assert.Equal(twoThreads, Backprop(sgd).LastHalves.Halves);
        sgd.Oracle.Evaluate(w, x0, h, new float[w.Length]);
        Assert.Equal(twoThreads, Backprop(sgd).LastHalves.Halves);
        Chain<float> small = Network<float>([300, 200, 30, 10]);
        (w, x0, h) = Problem(small, 16);
        sgd = Sgd(small, 1e-3f, 1e-4f, halves: null);
        sgd.Step(w, x0, h);
        Assert.False(Backprop(sgd).LastHalves.Halves);
    }
}

/// <summary>
/// Runs alone, so that no other test holds the pool or runs work on its threads: while the allocations of a step on the
/// halves are counted, and while a test waits for the halves or the two streams to run side by side at least once
/// (another test holding the pool throughout made that wait fail).
/// </summary>
[CollectionDefinition(nameof(HalvesAloneCollection), DisableParallelization = true)]
public sealed class HalvesAloneCollection;

/// <summary>
/// Steps on the halves at alternating batch sizes allocate nothing on any thread after warm-up: the calling thread and
/// every worker of the pool, each read on its own thread (as the samples' StepAllocationTests read them).
/// </summary>
[Collection(nameof(HalvesAloneCollection))]
public sealed class BatchHalvesAllocationTests
{
    [Fact]
    public void Steps_on_the_halves_at_alternating_batch_sizes_allocate_nothing_on_any_thread()
    {
        Chain<float> chain = new([new GenericTanhLayer<float>(300, 220), new GenericTanhLayer<float>(220, 10)]);
        var random = new Random(5);
        float[] w = [.. Enumerable.Range(0, chain.ParameterCount).Select(_ => (random.NextSingle() - 0.5f) * 0.2f)];
        int[] batches = [32, 17];
        float[][] inputs = [.. batches.Select(m => Enumerable.Range(0, m * 300).Select(_ => random.NextSingle() - 0.5f).ToArray())];
        SquaredDistance<float>[] objectives = [.. batches.Select(m => new SquaredDistance<float>(10, Enumerable.Range(0, m * 10).Select(_ => random.NextSingle()).ToArray()))];
        var sgd = new GradientDescent<float>(chain, 1e-3f, 1e-4f);
        var oracle = (Backpropagation<float>)sgd.Oracle;
        oracle.Halves = true;
        var direction = new float[w.Length];

        void Steps()
        {
            for (int b = 0; b < batches.Length; b++)
            {
                sgd.Step(w, inputs[b], objectives[b]);
                Assert.True(oracle.LastHalves.Halves);
                oracle.Evaluate(w, inputs[b], objectives[b], direction);
                Assert.True(oracle.LastHalves.Halves);
            }
        }

        for (int i = 0; i < 3; i++)
            Steps(); // warm-up: workspaces and halves of both sizes, worker threads, JIT
        var before = new ThreadCounts();
        var after = new ThreadCounts();
        var allocated = new long[before.Bytes.Length];
        Assert.True(before.Bytes.Length >= 2, "the pool has no worker thread on this machine, so the halves run one after the other");

        // A half runs on whichever thread claims it: a worker that was asleep through the warm-up makes its per-thread
        // buffers on its first part. So up to 4 rounds: a round with nothing allocated passes; an allocation made by every
        // step shows in every round and fails.
        for (int round = 0; round < 4; round++)
        {
            before.Read();
            for (int i = 0; i < 2; i++)
                Steps();
            after.Read();
            for (int t = 0; t < allocated.Length; t++)
                allocated[t] = after.Bytes[t] - before.Bytes[t];
            if (allocated.All(b => b == 0))
                break;
        }
        Assert.Equal(new long[allocated.Length], allocated);
    }

    /// <summary>Bytes allocated so far by the calling thread (index 0) and by each worker thread of the pool.</summary>
    private sealed class ThreadCounts : ParallelJob
    {
        public long[] Bytes { get; } = new long[WorkerPool.Shared.ThreadCount];

        /// <summary>Reads every thread's count, each on its own thread; allocates nothing.</summary>
        public void Read()
        {
            while (!WorkerPool.Shared.TryReserve()) // a loop, not SpinUntil, whose delegate would be counted
                Thread.Yield();
            try
            {
                WorkerPool.Shared.RunReserved(this);
            }
            finally
            {
                WorkerPool.Shared.Release();
            }
        }

        public override void Run(int thread) => Bytes[thread] = GC.GetAllocatedBytesForCurrentThread();
    }
}
