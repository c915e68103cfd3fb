using System.Numerics;
using MoreauGen.Kernels;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The Moreau backward pass with its Gram-form Φw solves beside the chain of multipliers (<see cref="MoreauPairJob{T}"/>)
/// against the same pass one layer after the other (<see cref="MoreauBackpropagation{T}.PairedGramForm"/> off): the same
/// bits, with the pool free or held by another caller, and the same failures.
/// </summary>
public sealed class PairedMoreauPassTests
{
    private const int Batch = 16;

    /// <summary>How a <see cref="FaultyLayer{T}"/> fails.</summary>
    public enum Fault
    {
        None,
        ThrowInPullback,
        NaNInputGradient,
        NaNParameterGradient,
        NaNTape,
    }

    /// <summary>A <see cref="DenseTestLayer{T}"/> declared dense that can fail on demand.</summary>
    private sealed class FaultyLayer<T>(DenseTestLayer<T> inner) : IMoreauLayer<T>, IDenseStructure where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Fault Fault { get; set; }

        public DenseTestLayer<T> Inner => inner;

        public int ParameterCount => inner.ParameterCount;
        public int InputCount => inner.InputCount;
        public int OutputCount => inner.OutputCount;
        public DenseStructure? DenseStructure => inner.DenseStructure;
        public int TapeLength(int batch) => inner.TapeLength(batch);
        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y) => inner.Forward(w, x, y);

        public void Forward(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y, Span<T> tape)
        {
            inner.Forward(w, x, y, tape);
            if (Fault == Fault.NaNTape)
                tape[3] = T.NaN; // the pre-activation the Gram form and Φx read, not the state
        }

        public void Pullback(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape, ReadOnlySpan<T> lambda, Span<T> gradW, Span<T> gradX)
        {
            if (Fault == Fault.ThrowInPullback)
                throw new InvalidOperationException("the layer failed");
            inner.Pullback(w, x, tape, lambda, gradW, gradX);
            if (Fault == Fault.NaNInputGradient && !gradX.IsEmpty)
                gradX[5] = T.NaN;
            if (Fault == Fault.NaNParameterGradient && !gradW.IsEmpty)
                gradW[7] = T.NaN;
        }

        public T SubproblemW(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> v, Span<T> grad) =>
            inner.SubproblemW(w, x, lambda, v, grad);

        public T SubproblemX(ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> lambda, ReadOnlySpan<T> u, Span<T> grad) =>
            inner.SubproblemX(w, x, lambda, u, grad);
    }

    /// <summary>40 → 30 → 24 → 5 at batch 16: the first two take the Gram form (paired), the last the solve on its parameters.</summary>
    private sealed class Setup<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public readonly FaultyLayer<T>[] Layers;
        public readonly Chain<T> Chain;
        public readonly T[] W, X;
        public readonly SquaredDistance<T> Objective;
        public readonly MoreauBackpropagation<T> Paired, Sequential;

        public Setup(DenseActivation activation, bool bias, double l2)
        {
            var random = new Random(23);
            Layers =
            [
                new(new DenseTestLayer<T>(40, 30, bias, activation, declare: true)),
                new(new DenseTestLayer<T>(30, 24, bias, activation, declare: true)),
                new(new DenseTestLayer<T>(24, 5, bias, DenseActivation.Identity, declare: true)),
            ];
            Chain = new Chain<T>(Layers);
            W = Random(random, Chain.ParameterCount, 0.3);
            X = Random(random, Batch * 40, 1.0);
            Objective = new SquaredDistance<T>(5, Random(random, Batch * 5, 1.0));
            MoreauSchedule<T> schedule = MoreauSchedule<T>.Constant(T.CreateChecked(0.05), T.CreateChecked(0.5));
            Paired = new MoreauBackpropagation<T>(Chain, schedule) { ParameterL2 = T.CreateChecked(l2), PairedGramForm = true };
            Sequential = new MoreauBackpropagation<T>(Chain, schedule) { ParameterL2 = T.CreateChecked(l2), PairedGramForm = false };
        }

        private static T[] Random(Random random, int length, double scale) =>
            [.. Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() - 0.5) * 2 * scale))];
    }

    private static void AssertSameBits<T>(T[] expected, T[] actual, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]) && !(T.IsNaN(expected[i]) && T.IsNaN(actual[i])))
                Assert.Fail($"{what}: value {i} is {actual[i]}, one after the other {expected[i]}");
        }
    }

    /// <summary>Several steps from the same w on both oracles: the same directions, values, sweeps and statistics, bit for bit.</summary>
    private static void SameSteps<T>(DenseActivation activation, bool bias, double l2, bool holdPool) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var setup = new Setup<T>(activation, bias, l2);
        T[] wPaired = (T[])setup.W.Clone(), wSequential = (T[])setup.W.Clone();
        var dPaired = new T[wPaired.Length];
        var dSequential = new T[wPaired.Length];
        for (int step = 0; step < 4; step++)
        {
            T valueSequential = setup.Sequential.Evaluate(wSequential, setup.X, setup.Objective, dSequential);
            WorkerPool pool = WorkerPool.Shared;
            if (holdPool)
                SpinWait.SpinUntil(pool.TryReserve); // another caller holds the pool: both parts on this thread
            T valuePaired;
            try
            {
                valuePaired = setup.Paired.Evaluate(wPaired, setup.X, setup.Objective, dPaired);
            }
            finally
            {
                if (holdPool)
                    pool.Release();
            }

            Assert.Equal(valueSequential, valuePaired);
            AssertSameBits(dSequential, dPaired, $"step {step}, direction");
            Assert.Equal(setup.Sequential.LastSweep, setup.Paired.LastSweep);
            InnerSolveStatistics<T> a = setup.Sequential.LastStatistics, b = setup.Paired.LastStatistics;
            Assert.Equal((a.Solves, a.Iterations, a.Evaluations, a.Failures), (b.Solves, b.Iterations, b.Evaluations, b.Failures));
            Assert.Equal(a.MaxRelativeGradientNorm, b.MaxRelativeGradientNorm);
            for (int i = 0; i < wPaired.Length; i++)
            {
                wPaired[i] -= dPaired[i];
                wSequential[i] -= dSequential[i];
            }
        }

        // The Gram form ran on the first two layers (no call of their SubproblemW), the solve on the parameters on the last.
        Assert.Equal([0, 0], setup.Layers[..2].Select(l => l.Inner.SubproblemWCalls));
        Assert.True(setup.Layers[2].Inner.SubproblemWCalls > 0);
    }

    [Theory]
    [InlineData(DenseActivation.Relu, true, 0.0)]
    [InlineData(DenseActivation.Relu, true, 0.1)]
    [InlineData(DenseActivation.Relu, false, 0.1)]
    [InlineData(DenseActivation.Identity, true, 0.1)]
    [InlineData(DenseActivation.Identity, false, 0.0)]
    public void Paired_steps_are_the_sequential_steps_bit_for_bit_in_double(DenseActivation activation, bool bias, double l2) =>
        SameSteps<double>(activation, bias, l2, holdPool: false);

    [Theory]
    [InlineData(DenseActivation.Relu, true, 0.0)]
    [InlineData(DenseActivation.Relu, true, 0.1)]
    [InlineData(DenseActivation.Identity, false, 0.1)]
    public void Paired_steps_are_the_sequential_steps_bit_for_bit_in_single_precision(DenseActivation activation, bool bias, double l2) =>
        SameSteps<float>(activation, bias, l2, holdPool: false);

    [Theory]
    [InlineData(DenseActivation.Relu, true, 0.1)]
    [InlineData(DenseActivation.Identity, false, 0.0)]
    public void With_the_pool_held_by_another_caller_the_parts_run_one_after_the_other_with_the_same_bits(DenseActivation activation, bool bias, double l2) =>
        SameSteps<float>(activation, bias, l2, holdPool: true);

    /// <summary>
    /// A layer that fails (throws in its pullback, passes back a NaN, or records a NaN pre-activation that the Gram form declines)
    /// fails the paired pass as it fails the sequential one (the same exception and message, or the same result); the next
    /// step, with the layer mended, gives the sequential step's bits (the pass left no part waiting and no state behind).
    /// </summary>
    [Theory]
    [InlineData(Fault.ThrowInPullback, 0)]
    [InlineData(Fault.ThrowInPullback, 1)]
    [InlineData(Fault.ThrowInPullback, 2)]
    [InlineData(Fault.NaNInputGradient, 1)]
    [InlineData(Fault.NaNInputGradient, 2)]
    [InlineData(Fault.NaNParameterGradient, 2)]
    [InlineData(Fault.NaNTape, 0)]
    [InlineData(Fault.NaNTape, 1)]
    public void A_failing_layer_fails_the_paired_pass_as_the_sequential_one(Fault fault, int layer)
    {
        var setup = new Setup<double>(DenseActivation.Relu, bias: true, l2: 0.1);
        var dPaired = new double[setup.W.Length];
        var dSequential = new double[setup.W.Length];
        setup.Layers[layer].Fault = fault;
        Exception? sequential = Record.Exception(() => setup.Sequential.Evaluate(setup.W, setup.X, setup.Objective, dSequential));
        Exception? paired = Record.Exception(() => setup.Paired.Evaluate(setup.W, setup.X, setup.Objective, dPaired));
        // A NaN may be met by a solve that declines or stops (the Gram form declines on a NaN start, the solve on the
        // parameters takes that layer), or reported: the same in both passes.
        if (fault == Fault.ThrowInPullback)
            Assert.NotNull(sequential);
        Assert.Equal(sequential?.GetType(), paired?.GetType());
        Assert.Equal(sequential?.Message, paired?.Message);
        if (sequential is null)
            AssertSameBits(dSequential, dPaired, "direction");

        setup.Layers[layer].Fault = Fault.None;
        setup.Sequential.Evaluate(setup.W, setup.X, setup.Objective, dSequential);
        setup.Paired.Evaluate(setup.W, setup.X, setup.Objective, dPaired);
        AssertSameBits(dSequential, dPaired, "direction after the failure");
    }

    /// <summary>
    /// The direction's sweep adds κβ·w to a finite g: a sum that overflows to ±∞ is reported as a non-finite direction
    /// wherever it falls, in the sweep's vector part (bounds NaN) or in its scalar tail (a bound +∞).
    /// </summary>
    [Theory]
    [InlineData(7, 6)]   // shorter than a vector: the scalar tail
    [InlineData(37, 36)] // the last value, past the whole vectors
    [InlineData(37, 3)]  // inside the first vector
    public void An_overflowing_direction_in_the_sweep_is_reported(int length, int at)
    {
        var setup = new Setup<float>(DenseActivation.Relu, bias: true, l2: 1e-3);
        var w = new float[length];
        var update = new float[length];
        Array.Fill(w, 1f);
        Array.Fill(update, 0.5f);
        w[at] = float.MaxValue;
        update[at] = float.MaxValue;
        var error = Assert.Throws<NonFiniteValueException>(() => setup.Paired.Sweep(w, 1f, update, 1));
        Assert.Equal("the update direction of w_2", error.Quantity);
        Assert.Equal(at, error.Index);
    }
}
