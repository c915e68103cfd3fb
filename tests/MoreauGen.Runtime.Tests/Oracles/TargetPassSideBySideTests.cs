using System.Numerics;
using MoreauGen.Kernels;
using MoreauGen.Tests.TestLayers;

namespace MoreauGen.Tests.Oracles;

/// <summary>
/// The target passes solve layers τ..2 as two parts side by side (the state subproblems moving the targets down, the
/// parameter subproblems following them): the same iterates, bit for bit, as the pass one layer after the other, in
/// float and double; the same statistics, warnings and failures, in the same order; no part left waiting.
/// </summary>
public sealed class TargetPassSideBySideTests
{
    private const int Batch = 12;

    [Theory]
    [InlineData(Variant.AugmentedLagrangian)]
    [InlineData(Variant.TargetPropagation)]
    [InlineData(Variant.ProximalBackpropagation)]
    public void Steps_side_by_side_are_the_steps_one_layer_after_the_other_in_double(Variant variant) =>
        AssertSameSteps<double>(variant, holdPool: false);

    [Theory]
    [InlineData(Variant.AugmentedLagrangian)]
    [InlineData(Variant.TargetPropagation)]
    [InlineData(Variant.ProximalBackpropagation)]
    public void Steps_side_by_side_are_the_steps_one_layer_after_the_other_in_float(Variant variant) =>
        AssertSameSteps<float>(variant, holdPool: false);

    [Theory]
    [InlineData(Variant.TargetPropagation)]
    [InlineData(Variant.ProximalBackpropagation)]
    public void With_the_pool_held_both_parts_run_on_the_caller_with_the_same_bits(Variant variant) =>
        AssertSameSteps<double>(variant, holdPool: true);

    [Theory]
    [InlineData(Variant.AugmentedLagrangian)]
    [InlineData(Variant.TargetPropagation)]
    [InlineData(Variant.ProximalBackpropagation)]
    public void An_affine_output_layer_solved_by_conjugate_gradients_gives_the_same_bits(Variant variant)
    {
        Chain<double> Network() => new([new DenseTestLayer<double>(5, 9, true, DenseActivation.Relu, false),
                                        new DenseTestLayer<double>(9, 8, true, DenseActivation.Relu, false),
                                        new DeclaredLinearLayer(8, 3)]);
        Run<double> reference = Steps(variant, Network(), sideBySide: false, holdPool: false);
        Run<double> actual = Steps(variant, Network(), sideBySide: true, holdPool: false);
        Assert.Equal(reference.Weights, actual.Weights);
        Assert.Equal(reference.Statistics, actual.Statistics);
    }

    [Fact]
    public void The_guard_raises_the_same_warnings_in_the_same_order_on_the_calling_thread()
    {
        Run<double> reference = Steps(Variant.AugmentedLagrangian, TanhNetwork<double>(), sideBySide: false, holdPool: false, steep: true);
        Run<double> actual = Steps(Variant.AugmentedLagrangian, TanhNetwork<double>(), sideBySide: true, holdPool: false, steep: true);
        Assert.Contains(reference.Warnings, w => w.Layer > 1); // the test reaches layers solved side by side
        Assert.Equal(reference.Warnings, actual.Warnings);
        Assert.Equal([Environment.CurrentManagedThreadId], actual.WarningThreads.Distinct());
        Assert.Equal(reference.Weights, actual.Weights);
        Assert.Equal(reference.Statistics, actual.Statistics);
    }

    [Theory]
    [InlineData(LayerArgument.Input)]
    [InlineData(LayerArgument.Parameters)]
    public void A_pass_that_fails_raises_only_its_own_warnings(LayerArgument argument)
    {
        List<ConvexityWarning<double>> WarningsOfTheFailingStep(bool sideBySide)
        {
            var faulty = new FaultyLayer[3];
            var layers = new IMoreauLayer<double>[] { new GenericTanhLayer<double>(5, 9), new GenericTanhLayer<double>(9, 8),
                                                      new GenericTanhLayer<double>(8, 6), new GenericTanhLayer<double>(6, 3) };
            for (int i = 1; i < 4; i++)
                layers[i] = faulty[i - 1] = new FaultyLayer(layers[i], argument, nan: false) { Armed = false };
            var chain = new Chain<double>(layers);
            var oracle = new AugmentedLagrangianBackpropagation<double>(chain, PenaltySchedule<double>.Constant(8, 1, 64, 1e-5))
                { SideBySide = sideBySide, BackOffSteps = true };
            var warnings = new List<ConvexityWarning<double>>();
            oracle.ConvexityViolated += warnings.Add;
            var optimizer = new AugmentedLagrangianGradientDescent<double>(oracle);
            (double[] w, double[] x0, SquaredDistance<double> h) = Problem<double>(chain, new Random(4));
            // Step until a pass warns on a layer solved side by side, then make that layer's pullback fail in the next pass.
            int layer = 0;
            for (int step = 0; step < 20 && layer == 0; step++)
            {
                warnings.Clear();
                optimizer.Step(w, x0, h);
                layer = warnings.Where(v => v.Layer > 1 && v.Argument == argument).Select(v => v.Layer).FirstOrDefault();
            }

            Assert.True(layer > 1, $"no {argument} warning on layers 4..2 in 20 steps");
            warnings.Clear();
            faulty[layer - 2].Armed = true;
            Assert.Throws<InvalidOperationException>(() => optimizer.Step(w, x0, h));
            return warnings;
        }

        Assert.Equal(WarningsOfTheFailingStep(sideBySide: false), WarningsOfTheFailingStep(sideBySide: true));
    }

    [Theory]
    [InlineData(3, LayerArgument.Input, false)] // part 0 stops at the top layer: part 1 must be released, not left waiting
    [InlineData(3, LayerArgument.Parameters, false)] // part 1 stops while part 0 goes on
    [InlineData(2, LayerArgument.Input, false)]
    [InlineData(1, LayerArgument.Parameters, false)]
    [InlineData(3, LayerArgument.Input, true)] // a NaN start gradient instead of an exception
    [InlineData(2, LayerArgument.Parameters, true)]
    [InlineData(2, LayerArgument.Input, true)]
    public async Task A_failing_layer_fails_the_pass_as_one_layer_after_the_other_does(int index, LayerArgument argument, bool nan)
    {
        string Outcome(bool sideBySide)
        {
            var layers = new IMoreauLayer<double>[] { new GenericTanhLayer<double>(5, 9), new GenericTanhLayer<double>(9, 8),
                                                      new GenericTanhLayer<double>(8, 6), new GenericTanhLayer<double>(6, 3) };
            layers[index] = new FaultyLayer(layers[index], argument, nan);
            var chain = new Chain<double>(layers);
            var oracle = new ProximalBackpropagation<double>(chain, 0.5, 0.5, 1.0) { SideBySide = sideBySide, ParameterL2 = 1e-4 };
            (double[] w, double[] x0, SquaredDistance<double> h) = Problem<double>(chain, new Random(9));
            var direction = new double[w.Length];
            try
            {
                oracle.Evaluate(w, x0, h, direction);
                return "returned " + string.Join(',', direction.Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (Exception exception)
            {
                return exception.GetType().Name + ": " + exception.Message;
            }
        }

        string reference = Outcome(sideBySide: false);
        Task<string> run = Task.Run(() => Outcome(sideBySide: true));
        Task first = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(first == run, "the side-by-side pass did not return: a part was left waiting");
        Assert.Equal(reference, await run);
        if (!nan)
            Assert.StartsWith(nameof(InvalidOperationException), reference);
    }

    private static void AssertSameSteps<T>(Variant variant, bool holdPool) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Run<T> reference = Steps(variant, ReluNetwork<T>(), sideBySide: false, holdPool: false);
        Run<T> actual = Steps(variant, ReluNetwork<T>(), sideBySide: true, holdPool: holdPool);
        Assert.Equal(reference.Weights, actual.Weights);
        Assert.Equal(reference.Statistics, actual.Statistics);
        Assert.NotEqual(reference.Start, actual.Weights); // the steps moved w
    }

    private static Chain<T> ReluNetwork<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new([new DenseTestLayer<T>(5, 9, true, DenseActivation.Relu, false), new DenseTestLayer<T>(9, 8, true, DenseActivation.Relu, false),
             new DenseTestLayer<T>(8, 6, true, DenseActivation.Relu, false), new DenseTestLayer<T>(6, 3, true, DenseActivation.Identity, false)]);

    private static Chain<T> TanhNetwork<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new([new GenericTanhLayer<T>(5, 9), new GenericTanhLayer<T>(9, 8), new GenericTanhLayer<T>(8, 6), new GenericTanhLayer<T>(6, 3)]);

    private static (T[] W, T[] X0, SquaredDistance<T> H) Problem<T>(Chain<T> chain, Random random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] Vector(int n, double scale) => [.. FiniteDifferences.RandomVector(random, n, scale).Select(T.CreateChecked)];
        return (Vector(chain.ParameterCount, 0.6), Vector(Batch * chain.InputCount, 1.0), new SquaredDistance<T>(chain.OutputCount, Vector(Batch * chain.OutputCount, 0.8)));
    }

    private static Run<T> Steps<T>(Variant variant, Chain<T> chain, bool sideBySide, bool holdPool, bool steep = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T C(double v) => T.CreateChecked(v);
        TargetPassOracle<T> oracle = variant switch
        {
            Variant.AugmentedLagrangian => new AugmentedLagrangianBackpropagation<T>(
                chain, steep ? PenaltySchedule<T>.Constant(C(8), C(1), C(64), C(1e-5)) : PenaltySchedule<T>.Constant(C(0.5), C(0.1), C(4), C(1e-5)))
                { ParameterL2 = C(1e-4), SideBySide = sideBySide, BackOffSteps = steep },
            Variant.TargetPropagation => new TargetPropagation<T>(chain, C(1)) { ParameterL2 = C(1e-4), SideBySide = sideBySide },
            _ => new ProximalBackpropagation<T>(chain, C(1), C(1), C(1)) { ParameterL2 = C(1e-4), SideBySide = sideBySide },
        };
        var run = new Run<T>();
        oracle.ConvexityViolated += warning =>
        {
            run.Warnings.Add(warning);
            run.WarningThreads.Add(Environment.CurrentManagedThreadId);
        };
        ChainOptimizer<T> optimizer = oracle is AugmentedLagrangianBackpropagation<T> al
            ? new AugmentedLagrangianGradientDescent<T>(al)
            : new TargetPassDescent<T>(oracle, C(0.25));
        (T[] w, T[] x0, SquaredDistance<T> h) = Problem(chain, new Random(4));
        run.Start = [.. w];
        WorkerPool pool = WorkerPool.Shared;
        if (holdPool)
            SpinWait.SpinUntil(pool.TryReserve); // as another caller would; wait for a concurrent test to let go of it first
        try
        {
            for (int step = 0; step < 6; step++)
            {
                optimizer.Step(w, x0, h);
                InnerSolveStatistics<T> s = oracle.LastStatistics;
                run.Statistics.Add((s.Solves, s.Iterations, s.Evaluations, s.Failures, double.CreateChecked(s.MaxRelativeGradientNorm)));
            }
        }
        finally
        {
            if (holdPool)
                pool.Release();
        }

        run.Weights = w;
        return run;
    }

    private sealed class Run<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T[] Start { get; set; } = [];
        public T[] Weights { get; set; } = [];
        public List<(int, int, int, int, double)> Statistics { get; } = [];
        public List<ConvexityWarning<T>> Warnings { get; } = [];
        public List<int> WarningThreads { get; } = [];
    }

    /// <summary>Delegates to <paramref name="inner"/>, but its pullback into <paramref name="argument"/>'s gradient throws (or, with <paramref name="nan"/>, writes NaN).</summary>
    private sealed class FaultyLayer(IMoreauLayer<double> inner, LayerArgument argument, bool nan) : DelegatingLayer<double>(inner)
    {
        /// <summary>Whether the fault is on (default).</summary>
        public bool Armed { get; set; } = true;

        public override void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> tape, ReadOnlySpan<double> lambda,
                             Span<double> gradW, Span<double> gradX)
        {
            Inner.Pullback(w, x, tape, lambda, gradW, gradX);
            Span<double> faulty = argument == LayerArgument.Input ? gradX : gradW;
            if (faulty.IsEmpty || !Armed)
                return;
            if (!nan)
                throw new InvalidOperationException($"the {argument} pullback of a {InputCount}→{OutputCount} layer failed");
            faulty[0] = double.NaN;
        }
    }
}
