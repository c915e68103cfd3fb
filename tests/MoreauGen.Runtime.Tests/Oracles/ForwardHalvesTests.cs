using System.Numerics;
using System.Runtime.InteropServices;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// <see cref="ChainOracle{T}.Evaluate"/>'s forward pass on the batch's halves for the oracles other than back-propagation
/// (<see cref="ChainOracle{T}.ForwardHalves"/>, a dense first layer by rows of its weights): which chains take it (every tape
/// split by rows, <see cref="BatchHalves{T}.TapesByRows"/>); the states, tapes, value and direction of the Moreau, target
/// propagation, ProxProp and augmented-Lagrangian oracles against their whole batch's pass to rounding, with the pool free or
/// held, and with a first layer not by rows; x₀ inside the workspace; a non-finite x₀ or state named as before; a chain not
/// taken running the whole batch; back-propagation keeping its own halves; and no allocation once warm.
/// </summary>
[Collection(nameof(HalvesAloneCollection))]
public sealed class ForwardHalvesTests
{
    /// <summary>Dense ReLU layers on <paramref name="sizes"/>, the last one too (its tape is z, as the others').</summary>
    private static Chain<T> Relu<T>(int[] sizes) where T : unmanaged, IFloatingPointIeee754<T> =>
        new([.. Enumerable.Range(0, sizes.Length - 1).Select(i => (IMoreauLayer<T>)new DenseTestLayer<T>(sizes[i], sizes[i + 1], bias: true, DenseActivation.Relu, declare: true))]);

    /// <summary>A dense layer whose tape holds one value more than z: not split by rows.</summary>
    private sealed class LongerTape<T>(DenseTestLayer<T> inner) : DelegatingLayer<T>(inner), IDenseStructure where T : unmanaged, IFloatingPointIeee754<T>
    {
        public DenseStructure? DenseStructure => inner.DenseStructure;
        public override int TapeLength(int batch) => inner.TapeLength(batch) + 1;
        public override void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape) => inner.Forward(w, x, y, tape[..^1]);
        public override void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX) =>
            inner.Pullback(w, x, tape[..^1], lambda, gradW, gradX);
    }

    [Fact]
    public void The_forward_halves_take_chains_whose_every_tape_splits_by_rows()
    {
        Assert.True(BatchHalves<float>.TapesByRows(Relu<float>([12, 9, 7, 3]), 8));
        Assert.True(BatchHalves<float>.TapesByRows(Relu<float>([12, 9, 7, 3]), 33));
        Assert.True(BatchHalves<double>.TapesByRows(new Chain<double>([new LinearLayer(6, 5), new DenseTestLayer<double>(5, 4, true, DenseActivation.Relu, true)]), 8));
        Assert.False(BatchHalves<float>.TapesByRows(Relu<float>([12, 9, 7, 3]), 1));

        // An identity layer that records a tape without saying what it holds, a tape that is not z alone, a dense layer
        // not declared, and a layer that is not dense but records a tape.
        Assert.False(BatchHalves<float>.TapesByRows(ReluNetwork.Build<float>([12, 9, 7, 3]), 8));
        Assert.False(BatchHalves<float>.TapesByRows(new Chain<float>([new LongerTape<float>(new DenseTestLayer<float>(12, 9, true, DenseActivation.Relu, true))]), 8));
        Assert.False(BatchHalves<float>.TapesByRows(new Chain<float>([new DenseTestLayer<float>(12, 9, true, DenseActivation.Relu, false)]), 8));
        Assert.False(BatchHalves<double>.TapesByRows(new Chain<double>([new TanhLayer(6, 5), new LinearLayer(5, 4)]), 8));

        Assert.Throws<ArgumentException>(() => new BatchHalves<float>(ReluNetwork.Build<float>([12, 9, 7, 3]).CreateWorkspace(8), forwardOnly: true));
        var forwardOnly = new BatchHalves<float>(Relu<float>([12, 9, 7, 3]).CreateWorkspace(8), forwardOnly: true);
        Assert.Throws<InvalidOperationException>(() => forwardOnly.Backward(new float[forwardOnly.Workspace.Chain.ParameterCount], new float[8 * 12],
                                                                            new float[forwardOnly.Workspace.Chain.ParameterCount]));
    }

    /// <summary>The oracles whose forward pass takes the halves, by name.</summary>
    private static ChainOracle<T> Oracle<T>(string name, Chain<T> chain, bool? halves) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T mu = T.CreateChecked(1e-3);
        ChainOracle<T> oracle = name switch
        {
            "MorSGD" => new MoreauBackpropagation<T>(chain, MoreauSchedule<T>.Constant(T.CreateChecked(0.05), T.One), new TwoStepSolver<T>()) { ParameterL2 = mu },
            "TP" => new TargetPropagation<T>(chain, T.One, new TwoStepSolver<T>()) { ParameterL2 = mu },
            "ProxProp" => new ProximalBackpropagation<T>(chain, T.One, T.One, T.One, new TwoStepSolver<T>()) { ParameterL2 = mu },
            "AL-MSGD" => new AugmentedLagrangianBackpropagation<T>(chain, PenaltySchedule<T>.Constant(T.CreateChecked(0.25), T.One, T.CreateChecked(4), T.CreateChecked(1e-5)),
                                                                  new TwoStepSolver<T>()) { ParameterL2 = mu },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        oracle.ForwardHalves = halves;
        return oracle;
    }

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string name in new[] { "MorSGD", "TP", "ProxProp", "AL-MSGD" })
        {
            data.Add(name, 64, false);
            data.Add(name, 33, false); // halves of 16 and 17 samples
            data.Add(name, 33, true);  // the pool held: the halves one after the other on the calling thread
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void States_tapes_value_and_direction_are_the_whole_batch_pass_to_rounding(string name, int batch, bool poolHeld)
    {
        Check<float>(1e-5);
        Check<double>(1e-12);

        void Check<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Chain<T> chain = Relu<T>([48, 40, 24, 10]);
            (T[] w, T[] x0, SquaredDistance<T> h) = ReluNetwork.Problem(chain, batch);
            ChainOracle<T> halves = Oracle(name, chain, halves: true), whole = Oracle(name, chain, halves: false);
            T[] expected = new T[w.Length], actual = new T[w.Length];
            T expectedValue = whole.Evaluate(w, x0, h, expected);
            T value = PoolHold.Held(poolHeld, () => halves.Evaluate(w, x0, h, actual));
            Assert.True(halves.LastForwardHalves, $"{name}: the halves were not taken");
            Assert.False(whole.LastForwardHalves);

            string what = $"{name}, {typeof(T).Name}, batch {batch}";
            ChainWorkspace<T> a = halves.Workspace(batch), b = whole.Workspace(batch);
            for (int i = 0; i <= chain.Length; i++)
                AssertClose(b.State(i), a.State(i), tolerance, $"{what}: state {i}");
            for (int i = 0; i < chain.Length; i++)
                AssertClose(b.Tape(i), a.Tape(i), tolerance, $"{what}: tape {i}");
            AssertClose(expected, actual, 10 * tolerance, $"{what}: direction");
            Assert.Equal(double.CreateChecked(expectedValue), double.CreateChecked(value), tolerance * Math.Abs(double.CreateChecked(expectedValue)));
        }
    }

    /// <summary>‖actual − expected‖ ≤ tolerance·‖expected‖, and the norm large enough to mean something.</summary>
    private static void AssertClose<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        double norm = 0, distance = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]), d = double.CreateChecked(actual[i]) - e;
            norm += e * e;
            distance += d * d;
        }
        Assert.True(expected.Length == 0 || norm > 1e-6, $"{what}: too small to check ({Math.Sqrt(norm)})");
        Assert.True(Math.Sqrt(distance) <= tolerance * Math.Sqrt(norm), $"{what}: ‖Δ‖ = {Math.Sqrt(distance)}, ‖expected‖ = {Math.Sqrt(norm)}");
    }

    [Fact]
    public void An_input_inside_the_workspace_is_read_from_its_copy()
    {
        Chain<double> chain = Relu<double>([48, 40, 24, 10]);
        (double[] w, double[] x0, SquaredDistance<double> h) = ReluNetwork.Problem(chain, 20);
        ChainOracle<double> halves = Oracle("MorSGD", chain, halves: true), whole = Oracle("MorSGD", chain, halves: false);
        double[] expected = new double[w.Length], actual = new double[w.Length];
        double expectedValue = whole.Evaluate(w, x0, h, expected);

        // x₀ where the forward pass writes states 1 and 2: read before they are, from its copy in state 0.
        ChainWorkspace<double> workspace = halves.Workspace(20);
        Assert.True(workspace.AllStates.Length >= 2 * x0.Length);
        Span<double> inside = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(workspace.StateBuffer(1)), x0.Length); // states 1 and 2
        x0.CopyTo(inside);
        double value = halves.Evaluate(w, inside, h, actual);
        Assert.True(halves.LastForwardHalves);
        Assert.Equal(x0, workspace.State(0).ToArray());
        AssertClose<double>(expected, actual, 1e-11, "direction");
        Assert.Equal(expectedValue, value, 1e-12 * Math.Abs(expectedValue));

        // The same with weights that overflow a state: the whole batch's pass after the halves reads the copy and names it.
        double[] huge = Overflowing(w);
        var wholeError = Assert.Throws<NonFiniteValueException>(() => whole.Evaluate(huge, x0, h, expected));
        x0.CopyTo(inside);
        NonFiniteValueException? halvesError = null;
        try
        {
            halves.Evaluate(huge, inside, h, actual);
        }
        catch (NonFiniteValueException e)
        {
            halvesError = e;
        }
        Assert.NotNull(halvesError);
        Assert.Equal(wholeError.Message, halvesError.Message);
        Assert.False(halves.LastForwardHalves);
        Assert.Equal(x0, workspace.State(0).ToArray());
    }

    /// <summary>w with the second layer's weights so large that its state overflows.</summary>
    private static double[] Overflowing(double[] w)
    {
        double[] huge = [.. w];
        for (int j = 48 * 40 + 40; j < 48 * 40 + 40 + 40 * 24; j++)
            huge[j] = 1e308;
        return huge;
    }

    [Theory]
    [InlineData("MorSGD")]
    [InlineData("TP")]
    [InlineData("ProxProp")]
    [InlineData("AL-MSGD")]
    public void A_first_layer_not_by_rows_has_its_tape_written_by_the_halves(string name)
    {
        // A first layer that records nothing and is not dense: each half copies its rows of x₀ and runs every layer.
        var chain = new Chain<double>([new LinearLayer(48, 40), new DenseTestLayer<double>(40, 24, true, DenseActivation.Relu, true),
                                       new DenseTestLayer<double>(24, 10, true, DenseActivation.Relu, true)]);
        (double[] w, double[] x0, SquaredDistance<double> h) = ReluNetwork.Problem(chain, 33);
        ChainOracle<double> halves = Oracle(name, chain, halves: true), whole = Oracle(name, chain, halves: false);
        double[] expected = new double[w.Length], actual = new double[w.Length];
        double expectedValue = whole.Evaluate(w, x0, h, expected);
        double value = halves.Evaluate(w, x0, h, actual);
        Assert.True(halves.LastForwardHalves);
        for (int i = 0; i < chain.Length; i++)
            AssertClose(whole.Workspace(33).Tape(i), halves.Workspace(33).Tape(i), 1e-12, $"{name}: tape {i}");
        AssertClose<double>(expected, actual, 1e-11, $"{name}: direction");
        Assert.Equal(expectedValue, value, 1e-12 * Math.Abs(expectedValue));
    }

    [Fact]
    public void A_chain_whose_tapes_do_not_split_runs_the_whole_batch_bit_for_bit()
    {
        Chain<float> chain = ReluNetwork.Build<float>([48, 40, 24, 10]); // an identity last layer with a tape it does not describe
        (float[] w, float[] x0, SquaredDistance<float> h) = ReluNetwork.Problem(chain, 20);
        ChainOracle<float> forced = Oracle("MorSGD", chain, halves: true), whole = Oracle("MorSGD", chain, halves: false);
        float[] expected = new float[w.Length], actual = new float[w.Length];
        float expectedValue = whole.Evaluate(w, x0, h, expected);
        float value = forced.Evaluate(w, x0, h, actual);
        Assert.False(forced.LastForwardHalves);
        Assert.Equal(expectedValue, value);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_non_finite_input_or_state_is_named_as_by_the_whole_batch()
    {
        Chain<double> chain = Relu<double>([48, 40, 24, 10]);
        (double[] w, double[] x0, SquaredDistance<double> h) = ReluNetwork.Problem(chain, 20);
        double[] direction = new double[w.Length];

        double[] badInput = [.. x0];
        badInput[5 * 48 + 3] = double.NaN; // sample 5, in the first half
        double[] badLate = [.. x0];
        badLate[17 * 48 + 1] = double.PositiveInfinity; // sample 17, in the second half
        foreach (double[] x in new[] { badInput, badLate })
        {
            var expected = Assert.Throws<ArgumentException>(() => Oracle("MorSGD", chain, halves: false).Evaluate(w, x, h, direction));
            ChainOracle<double> halves = Oracle("MorSGD", chain, halves: true);
            var actual = Assert.Throws<ArgumentException>(() => halves.Evaluate(w, x, h, direction));
            Assert.Equal(expected.Message, actual.Message);
            Assert.False(halves.LastForwardHalves);
        }

        // Weights that overflow the second layer's state.
        double[] huge = Overflowing(w);
        var wholeError = Assert.Throws<NonFiniteValueException>(() => Oracle("MorSGD", chain, halves: false).Evaluate(huge, x0, h, direction));
        ChainOracle<double> oracle = Oracle("MorSGD", chain, halves: true);
        var halvesError = Assert.Throws<NonFiniteValueException>(() => oracle.Evaluate(huge, x0, h, direction));
        Assert.Equal(wholeError.Message, halvesError.Message);
        Assert.False(oracle.LastForwardHalves);

        // After a failure the next evaluation takes the halves again.
        oracle.Evaluate(w, x0, h, direction);
        Assert.True(oracle.LastForwardHalves);
    }

    [Fact]
    public void Back_propagation_keeps_its_own_passes_on_the_halves()
    {
        Chain<float> chain = Relu<float>([48, 40, 24, 10]);
        (float[] w, float[] x0, SquaredDistance<float> h) = ReluNetwork.Problem(chain, 20);
        var oracle = new Backpropagation<float>(chain) { Halves = false, ForwardHalves = true };
        oracle.Evaluate(w, x0, h, new float[w.Length]);
        Assert.False(oracle.LastForwardHalves);
        Assert.False(oracle.LastHalves.Halves);
    }

    [Fact]
    public void A_warm_forward_pass_on_the_halves_allocates_nothing()
    {
        // The oracles' own passes are the sample's StepAllocationTests (the test layers allocate in their pullbacks).
        Chain<float> chain = Relu<float>([48, 40, 24, 10]);
        (float[] w, float[] x0, _) = ReluNetwork.Problem(chain, 64);
        var halves = new BatchHalves<float>(chain.CreateWorkspace(64), forwardOnly: true);

        // Rounds until one allocates nothing: each thread's pack buffers grow the first time it runs a part's products.
        long allocated = long.MaxValue;
        for (int round = 0; round < 20 && allocated != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 5; k++)
                Assert.True(halves.Forward(w, x0, copyInput: true, checkInput: false, byRows: true));
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(0, allocated);
    }
}
