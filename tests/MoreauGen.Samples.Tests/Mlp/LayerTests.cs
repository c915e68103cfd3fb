using MoreauGen.Samples.Mlp;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// The sample's layers, whose oracles the generator emits from their <c>[MoreauLayer(Batched = true)]</c> bodies, against
/// a naive reference and central finite differences (float, so about 1e-2 relative; steps are kept small enough that
/// no ReLU changes side, which the checks verify).
/// </summary>
public sealed class LayerTests
{
    private const int Inputs = 7, Outputs = 5, Batch = 4;

    public static TheoryData<string> Layers => ["dense", "affine"];

    private static IMoreauLayer<float> Create(string kind) => kind == "dense" ? new Dense(Inputs, Outputs) : new Affine(Inputs, Outputs);

    [Theory]
    [MemberData(nameof(Layers))]
    public void Forward_is_x_times_W_plus_b_with_relu_for_dense_and_the_taped_forward_agrees(string kind)
    {
        var layer = Create(kind);
        var (w, x, _) = Point(layer, seed: 1);
        var y = new float[Batch * Outputs];
        var taped = new float[Batch * Outputs];
        var tape = new float[layer.TapeLength(Batch)];
        layer.Forward(w, x, y);
        layer.Forward(w, x, taped, tape);

        float[] z = Reference(w, x);
        for (int i = 0; i < z.Length; i++)
        {
            float expected = kind == "dense" ? Math.Max(z[i], 0f) : z[i];
            Assert.Equal(expected, y[i], 1e-5f);
            Assert.Equal(y[i], taped[i]);
            if (kind == "dense")
            {
                // What the ReLU's pullback reads: the pre-activation or the ReLU's output, which has its sign pattern.
                Assert.Equal(z[i] > 0, tape[i] > 0);
                Assert.True(Math.Abs(tape[i] - z[i]) <= 1e-5f || Math.Abs(tape[i] - expected) <= 1e-5f,
                            $"tape[{i}] = {tape[i]} is neither the pre-activation {z[i]} nor the output {expected}");
            }
        }

        Assert.Equal(kind == "dense" ? Batch * Outputs : 0, tape.Length);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Pullback_matches_central_differences_of_lambda_dot_phi(string kind)
    {
        var layer = Create(kind);
        var (w, x, lambda) = Point(layer, seed: 2);
        var tape = new float[layer.TapeLength(Batch)];
        layer.Forward(w, x, new float[Batch * Outputs], tape);
        var gradW = new float[w.Length];
        var gradX = new float[x.Length];
        layer.Pullback(w, x, tape, lambda, gradW, gradX);

        float Value(float[] ww, float[] xx)
        {
            var y = new float[Batch * Outputs];
            layer.Forward(ww, xx, y);
            return Dot(lambda, y);
        }

        CheckDirectionalDerivative(layer, w, x, gradW, wDirection: true, v => Value(v, x));
        CheckDirectionalDerivative(layer, w, x, gradX, wDirection: false, u => Value(w, u));

        // An empty span skips that gradient; the other is unchanged.
        var onlyX = new float[x.Length];
        layer.Pullback(w, x, tape, lambda, Span<float>.Empty, onlyX);
        Assert.Equal(gradX, onlyX);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void SubproblemW_is_lambda_dot_phi_at_w_plus_v_plus_half_v_squared_with_its_gradient(string kind)
    {
        var layer = Create(kind);
        var (w, x, lambda) = Point(layer, seed: 3);
        float[] v = Random(w.Length, seed: 30, scale: 0.05f);
        var grad = new float[w.Length];
        float value = layer.SubproblemW(w, x, lambda, v, grad);

        float Objective(float[] vv)
        {
            var y = new float[Batch * Outputs];
            layer.Forward(Add(w, vv), x, y);
            return Dot(lambda, y) + 0.5f * Dot(vv, vv);
        }

        Assert.Equal(Objective(v), value, 1e-5f);
        Assert.Equal(value, layer.SubproblemW(w, x, lambda, v, Span<float>.Empty));
        CheckDirectionalDerivative(layer, Add(w, v), x, grad, wDirection: true, shifted => Objective(Subtract(shifted, w)));
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void SubproblemX_is_lambda_dot_phi_at_x_plus_u_plus_half_u_squared_with_its_gradient(string kind)
    {
        var layer = Create(kind);
        var (w, x, lambda) = Point(layer, seed: 4);
        float[] u = Random(x.Length, seed: 40, scale: 0.05f);
        var grad = new float[x.Length];
        float value = layer.SubproblemX(w, x, lambda, u, grad);

        float Objective(float[] uu)
        {
            var y = new float[Batch * Outputs];
            layer.Forward(w, Add(x, uu), y);
            return Dot(lambda, y) + 0.5f * Dot(uu, uu);
        }

        Assert.Equal(Objective(u), value, 1e-5f);
        CheckDirectionalDerivative(layer, w, Add(x, u), grad, wDirection: false, shifted => Objective(Subtract(shifted, x)));
    }

    [Fact]
    public void The_affine_layers_closed_form_is_exact_the_subproblems_minimisers_are_minus_the_gradients()
    {
        var layer = new Affine(Inputs, Outputs);
        var (w, x, lambda) = Point(layer, seed: 5);
        var gradW = new float[w.Length];
        var gradX = new float[x.Length];
        layer.Pullback(w, x, [], lambda, gradW, gradX);

        // ∇F(v) = ∇_w λᵀφ + v vanishes at v = −∇_w λᵀφ: the Moreau gradient is the gradient.
        var atMinimum = new float[w.Length];
        layer.SubproblemW(w, x, lambda, Negate(gradW), atMinimum);
        Assert.All(atMinimum, g => Assert.Equal(0f, g, 1e-6f));
        var atMinimumX = new float[x.Length];
        layer.SubproblemX(w, x, lambda, Negate(gradX), atMinimumX);
        Assert.All(atMinimumX, g => Assert.Equal(0f, g, 1e-6f));
        Assert.IsAssignableFrom<IAffineInParameters>(layer);
        Assert.IsAssignableFrom<IAffineInInputs>(layer);
        Assert.IsNotAssignableFrom<IAffineInParameters>(new Dense(Inputs, Outputs));
    }

    [Fact]
    public void Sizes_below_one_or_a_parameter_count_beyond_int_are_refused_by_the_constructors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(0, Outputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(Inputs, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Affine(-3, Outputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Affine(Inputs, 0));
        Assert.Throws<OverflowException>(() => new Dense(65536, 65536));
        Assert.Throws<OverflowException>(() => new Affine(65536, 32768));
        var layer = new Dense(Inputs, Outputs);
        Assert.Equal((Inputs * Outputs + Outputs, Inputs, Outputs), (layer.ParameterCount, layer.InputCount, layer.OutputCount));
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Wrong_lengths_are_refused_naming_the_span(string kind)
    {
        var layer = Create(kind);
        var (w, x, lambda) = Point(layer, seed: 6);
        var y = new float[Batch * Outputs];
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => layer.Forward(w, x.AsSpan(1), y)).ParamName);
        Assert.Equal("w", Assert.Throws<ArgumentException>(() => layer.Forward(w.AsSpan(1), x, y)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => layer.Forward(w, x, y.AsSpan(1))).ParamName);
        Assert.Equal("lambda", Assert.Throws<ArgumentException>(() => layer.SubproblemW(w, x, lambda.AsSpan(1), w, [])).ParamName);
        Assert.Equal("grad", Assert.Throws<ArgumentException>(() => layer.SubproblemX(w, x, lambda, x, new float[3])).ParamName);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void The_oracles_allocate_nothing_once_the_pool_holds_their_buffers(string kind)
    {
        var layer = Create(kind);
        var (w, x, lambda) = Point(layer, seed: 7);
        var y = new float[Batch * Outputs];
        var tape = new float[layer.TapeLength(Batch)];
        var gradW = new float[w.Length];
        var gradX = new float[x.Length];

        void All()
        {
            layer.Forward(w, x, y, tape);
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
            layer.SubproblemW(w, x, lambda, gradW, gradW.AsSpan().ToArray());
            layer.SubproblemX(w, x, lambda, gradX, gradX.AsSpan().ToArray());
        }

        var gradW2 = new float[w.Length];
        var gradX2 = new float[x.Length];
        void Measured()
        {
            layer.Forward(w, x, y, tape);
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
            layer.SubproblemW(w, x, lambda, gradW, gradW2);
            layer.SubproblemX(w, x, lambda, gradX, gradX2);
        }

        All();
        Measured();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Measured();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// Checks ⟨gradient, d⟩ against (f(p + h·d) − f(p − h·d)) / 2h along two random directions d, where p is the
    /// parameters (<paramref name="wDirection"/>) or the inputs. The step h is halved until no pre-activation changes
    /// sign between p − h·d and p + h·d, so the function is smooth along the segment.
    /// </summary>
    private static void CheckDirectionalDerivative(IMoreauLayer<float> layer, float[] w, float[] x, float[] gradient, bool wDirection, Func<float[], float> f)
    {
        float[] point = wDirection ? w : x;
        for (int seed = 0; seed < 2; seed++)
        {
            float[] d = Random(point.Length, seed: 100 + seed, scale: 1f);
            float h = 1e-2f;
            while (SignsChange(point, d, h, p => wDirection ? Reference(p, x) : Reference(w, p)))
                h /= 2;
            Assert.True(h > 1e-4f, "no smooth segment around the point: choose another seed");
            double numeric = FiniteDifferences.Directional(p => f(p), point, d, h);
            double analytic = Dot(gradient, d);
            Assert.True(Math.Abs(numeric - analytic) <= 1e-2 * Math.Max(1, Math.Abs(analytic)),
                        $"{layer.GetType().Name}: ⟨∇, d⟩ = {analytic}, central difference {numeric}");
        }
    }

    private static bool SignsChange(float[] point, float[] d, float h, Func<float[], float[]> preActivation)
    {
        float[] a = preActivation(Add(point, Scale(d, h)));
        float[] b = preActivation(Add(point, Scale(d, -h)));
        return a.Zip(b).Any(p => p.First > 0 != p.Second > 0);
    }

    private static (float[] W, float[] X, float[] Lambda) Point(IMoreauLayer<float> layer, int seed) =>
        (Random(layer.ParameterCount, seed, 0.5f), Random(Batch * Inputs, seed + 1000, 1f), Random(Batch * Outputs, seed + 2000, 1f));

    /// <summary>z = x·W + b by plain loops (W inputs × outputs row-major, then b).</summary>
    private static float[] Reference(float[] w, float[] x)
    {
        var z = new float[Batch * Outputs];
        for (int i = 0; i < Batch; i++)
        {
            for (int j = 0; j < Outputs; j++)
            {
                double sum = w[Inputs * Outputs + j];
                for (int k = 0; k < Inputs; k++)
                    sum += (double)x[i * Inputs + k] * w[k * Outputs + j];
                z[i * Outputs + j] = (float)sum;
            }
        }

        return z;
    }

    private static float[] Random(int length, int seed, float scale)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => scale * (2 * random.NextSingle() - 1))];
    }

    private static float Dot(float[] a, float[] b) => (float)a.Zip(b).Sum(p => (double)p.First * p.Second);

    private static float[] Add(float[] a, float[] b) => [.. a.Zip(b, (p, q) => p + q)];

    private static float[] Subtract(float[] a, float[] b) => [.. a.Zip(b, (p, q) => p - q)];

    private static float[] Scale(float[] a, float s) => [.. a.Select(p => p * s)];

    private static float[] Negate(float[] a) => Scale(a, -1);
}
