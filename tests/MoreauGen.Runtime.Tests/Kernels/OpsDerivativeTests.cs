using static MoreauGen.Testing.FiniteDifferences;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Each reverse-pass member of <see cref="Ops"/> against central finite differences (double): for a random
/// cotangent λ, the gradient of x ↦ ⟨λ, F(x)⟩ it computes must match the directional differences.
/// </summary>
public sealed class OpsDerivativeTests
{
    private readonly Random _random = new(99);

    public static TheoryData<int, int, int, bool, bool> MatMulCases()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        // Shapes that take the unpacked path (m < 5, tiny) and the packed one, in every storage order.
        foreach ((int m, int k, int n) in new[] { (1, 13, 4), (3, 2, 5), (7, 5, 9), (20, 33, 17), (45, 70, 38) })
            foreach ((bool transA, bool transB) in GemmCheck.StorageOrders)
                data.Add(m, k, n, transA, transB);
        return data;
    }

    [Theory]
    [MemberData(nameof(MatMulCases))]
    public void MatMulBackward_matches_finite_differences(int m, int k, int n, bool transA, bool transB)
    {
        double[] lambda = RandomVector(_random, m * n);
        double[] x = RandomVector(_random, m * k + k * n); // a then b, as stored
        double F(double[] v)
        {
            var y = new double[m * n];
            Ops.MatMul<double>(v.AsSpan(0, m * k), v.AsSpan(m * k), y, m, k, n, transA, transB);
            return Dot(lambda, y);
        }

        var gradient = new double[x.Length];
        Ops.MatMulBackward<double>(x.AsSpan(0, m * k), x.AsSpan(m * k), lambda,
                                   gradient.AsSpan(0, m * k), gradient.AsSpan(m * k), m, k, n, transA, transB);
        AssertGradient(F, x, gradient, _random, $"MatMul {m}×{k}×{n} transA={transA} transB={transB}");

        // accumulate: adds exactly the same gradient onto what is there; an empty span skips that operand.
        double[] start = RandomVector(_random, x.Length);
        double[] sum = (double[])start.Clone();
        Ops.MatMulBackward<double>(x.AsSpan(0, m * k), x.AsSpan(m * k), lambda,
                                   sum.AsSpan(0, m * k), Span<double>.Empty, m, k, n, transA, transB, accumulate: true);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = i < m * k ? start[i] + gradient[i] : start[i];
            Assert.Equal(expected, sum[i], 1e-12);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 7)]
    [InlineData(9, 33)]
    public void AddBias_reverse_is_the_identity_and_SumRows(int m, int n)
    {
        double[] lambda = RandomVector(_random, m * n);
        double[] x = RandomVector(_random, m * n + n); // y then bias
        double F(double[] v)
        {
            double[] y = v[..(m * n)];
            Ops.AddBias<double>(y, v.AsSpan(m * n), m, n);
            return Dot(lambda, y);
        }
        var gradient = new double[x.Length];
        lambda.CopyTo(gradient, 0);
        Ops.SumRows<double>(lambda, gradient.AsSpan(m * n), m, n);
        AssertGradient(F, x, gradient, _random, $"AddBias {m}×{n}");

        var accumulated = new double[n];
        accumulated.AsSpan().Fill(0.5);
        Ops.SumRowsAdd<double>(lambda, accumulated, m, n);
        for (int j = 0; j < n; j++)
            Assert.Equal(0.5 + gradient[m * n + j], accumulated[j], 1e-12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(131)]
    public void ReluBackward_matches_finite_differences_from_the_input_or_the_output(int length)
    {
        // Keep inputs away from the kink at 0, where the difference quotient straddles it.
        double[] x = RandomVector(_random, length).Select(v => Math.Abs(v) < 0.01 ? v + 0.05 : v).ToArray();
        double[] lambda = RandomVector(_random, length);
        var gradient = new double[length];
        Ops.ReluBackward<double>(x, lambda, gradient);
        AssertGradient(Activation(Ops.Relu, lambda), x, gradient, _random, "Relu");

        var output = new double[length];
        Ops.Relu<double>(x, output);
        var fromOutput = new double[length];
        Ops.ReluBackward<double>(output, lambda, fromOutput);
        Assert.Equal(gradient, fromOutput);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(131)]
    public void TanhBackward_matches_finite_differences(int length)
    {
        double[] x = RandomVector(_random, length, scale: 3);
        double[] lambda = RandomVector(_random, length);
        var y = new double[length];
        Ops.Tanh<double>(x, y);
        var gradient = new double[length];
        Ops.TanhBackward<double>(y, lambda, gradient);
        AssertGradient(Activation(Ops.Tanh, lambda), x, gradient, _random, "Tanh");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(131)]
    public void SigmoidBackward_matches_finite_differences(int length)
    {
        double[] x = RandomVector(_random, length, scale: 5);
        double[] lambda = RandomVector(_random, length);
        var y = new double[length];
        Ops.Sigmoid<double>(x, y);
        var gradient = new double[length];
        Ops.SigmoidBackward<double>(y, lambda, gradient);
        AssertGradient(Activation(Ops.Sigmoid, lambda), x, gradient, _random, "Sigmoid");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public void Add_and_Multiply_reverse_rules_match_finite_differences(int length)
    {
        double[] lambda = RandomVector(_random, length);
        double[] x = RandomVector(_random, 2 * length); // a then b

        double Sum(double[] v)
        {
            var y = new double[length];
            Ops.Add<double>(v.AsSpan(0, length), v.AsSpan(length), y);
            return Dot(lambda, y);
        }
        AssertGradient(Sum, x, [.. lambda, .. lambda], _random, "Add");

        double Product(double[] v)
        {
            var y = new double[length];
            Ops.Multiply<double>(v.AsSpan(0, length), v.AsSpan(length), y);
            return Dot(lambda, y);
        }
        var gradient = new double[2 * length];
        Ops.Multiply<double>(lambda, x.AsSpan(length), gradient.AsSpan(0, length));    // da = λ ⊙ b
        Ops.MultiplyAdd<double>(lambda, x.AsSpan(0, length), gradient.AsSpan(length)); // db += λ ⊙ a (from 0)
        AssertGradient(Product, x, gradient, _random, "Multiply");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public void Scale_reverse_rules_match_finite_differences(int length)
    {
        double[] lambda = RandomVector(_random, length);
        double[] x = RandomVector(_random, length + 1); // x then s
        double F(double[] v)
        {
            var y = new double[length];
            Ops.Scale<double>(v.AsSpan(0, length), v[length], y);
            return Dot(lambda, y);
        }
        var gradient = new double[length + 1];
        Ops.ScaleAdd<double>(lambda, x[length], gradient.AsSpan(0, length)); // dx += s·λ (from 0)
        gradient[length] = Ops.Dot<double>(x.AsSpan(0, length), lambda);     // ds = ⟨x, λ⟩
        AssertGradient(F, x, gradient, _random, "Scale");
    }

    private delegate void Unary(ReadOnlySpan<double> x, Span<double> y);

    private static Func<double[], double> Activation(Unary f, double[] lambda) => v =>
    {
        var y = new double[v.Length];
        f(v, y);
        return Dot(lambda, y);
    };
}
