using System.Numerics;

namespace MoreauGen.Tests.Kernels;

/// <summary>Every element-wise and row-wise <see cref="Ops"/> member against a scalar reference, for every length 0..260.</summary>
public abstract class ElementwiseOpsTests<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MaxLength = 260;

    /// <summary>Relative tolerance against the double-precision scalar reference.</summary>
    protected abstract double Tolerance { get; }

    private readonly Random _random = new(1234);

    private T[] Random(int length, double scale = 2)
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = T.CreateChecked(scale * (_random.NextDouble() - 0.5));
        return values;
    }

    private static double D(T value) => double.CreateChecked(value);

    private void AssertClose(double expected, T actual, string what)
    {
        double a = D(actual);
        double tolerance = Tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(a - expected) <= tolerance, $"{what}: got {a}, expected {expected} (±{tolerance})");
    }

    /// <summary>For a sum of <paramref name="terms"/> values: the classical bound 2·terms·u·Σ|termᵢ| on top of <see cref="Tolerance"/>.</summary>
    private void AssertSumClose(double expected, double absoluteSum, int terms, T actual, string what)
    {
        double u = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        double tolerance = Tolerance * Math.Max(1, Math.Abs(expected)) + 2 * terms * u * absoluteSum;
        double a = D(actual);
        Assert.True(Math.Abs(a - expected) <= tolerance, $"{what}: got {a}, expected {expected} (±{tolerance})");
    }

    private void CheckUnary(Func<T[], T[], int> run, Func<double, double> reference, string name)
    {
        for (int length = 0; length <= MaxLength; length++)
        {
            T[] x = Random(length, scale: 8);
            var y = new T[length];
            run(x, y);
            for (int i = 0; i < length; i++)
                AssertClose(reference(D(x[i])), y[i], $"{name} length {length} [{i}]");

            T[] inPlace = (T[])x.Clone();
            run(inPlace, inPlace);
            Assert.Equal(y, inPlace);
        }
    }

    [Fact]
    public void Relu_matches_the_scalar_reference_in_and_out_of_place() =>
        CheckUnary((x, y) => { Ops.Relu<T>(x, y); return 0; }, v => Math.Max(v, 0), "Relu");

    [Fact]
    public void Tanh_matches_the_scalar_reference_in_and_out_of_place() =>
        CheckUnary((x, y) => { Ops.Tanh<T>(x, y); return 0; }, Math.Tanh, "Tanh");

    [Fact]
    public void Sigmoid_matches_the_scalar_reference_in_and_out_of_place() =>
        CheckUnary((x, y) => { Ops.Sigmoid<T>(x, y); return 0; }, v => 1 / (1 + Math.Exp(-v)), "Sigmoid");

    [Fact]
    public void Scale_matches_the_scalar_reference_in_and_out_of_place() =>
        CheckUnary((x, y) => { Ops.Scale(x, T.CreateChecked(-1.75), y); return 0; }, v => -1.75 * v, "Scale");

    private delegate void Backward(ReadOnlySpan<T> forward, ReadOnlySpan<T> dy, Span<T> dx);

    private void CheckBackward(Backward write, Backward add, Func<double, double, double> reference, string name, bool withZeros)
    {
        for (int length = 0; length <= MaxLength; length++)
        {
            T[] z = Random(length);
            if (withZeros)
            {
                for (int i = 0; i < length; i += 7)
                    z[i] = T.Zero; // ReLU's derivative at exactly 0 is taken as 0
            }
            T[] dy = Random(length);
            T[] dx0 = Random(length);

            var dx = new T[length];
            write(z, dy, dx);
            for (int i = 0; i < length; i++)
                AssertClose(reference(D(z[i]), D(dy[i])), dx[i], $"{name} length {length} [{i}]");

            T[] inPlace = (T[])dy.Clone();
            write(z, inPlace, inPlace);
            Assert.Equal(dx, inPlace);

            T[] sum = (T[])dx0.Clone();
            add(z, dy, sum);
            for (int i = 0; i < length; i++)
                AssertClose(D(dx0[i]) + reference(D(z[i]), D(dy[i])), sum[i], $"{name}Add length {length} [{i}]");
        }
    }

    [Fact]
    public void ReluBackward_and_ReluBackwardAdd_match_the_scalar_reference() =>
        CheckBackward(Ops.ReluBackward, Ops.ReluBackwardAdd, (z, dy) => z > 0 ? dy : 0, "ReluBackward", withZeros: true);

    [Fact]
    public void TanhBackward_and_TanhBackwardAdd_match_the_scalar_reference() =>
        CheckBackward(Ops.TanhBackward, Ops.TanhBackwardAdd, (y, dy) => dy * (1 - y * y), "TanhBackward", withZeros: false);

    [Fact]
    public void SigmoidBackward_and_SigmoidBackwardAdd_match_the_scalar_reference() =>
        CheckBackward(Ops.SigmoidBackward, Ops.SigmoidBackwardAdd, (y, dy) => dy * y * (1 - y), "SigmoidBackward", withZeros: false);

    [Fact]
    public void Binary_operations_match_the_scalar_reference()
    {
        T s = T.CreateChecked(0.625);
        for (int length = 0; length <= MaxLength; length++)
        {
            T[] a = Random(length), b = Random(length), y0 = Random(length);
            var y = new T[length];

            Ops.Add<T>(a, b, y);
            for (int i = 0; i < length; i++)
                AssertClose(D(a[i]) + D(b[i]), y[i], $"Add length {length} [{i}]");

            Ops.Multiply<T>(a, b, y);
            for (int i = 0; i < length; i++)
                AssertClose(D(a[i]) * D(b[i]), y[i], $"Multiply length {length} [{i}]");

            Array.Copy(y0, y, length);
            Ops.MultiplyAdd<T>(a, b, y);
            for (int i = 0; i < length; i++)
                AssertClose(D(y0[i]) + D(a[i]) * D(b[i]), y[i], $"MultiplyAdd length {length} [{i}]");

            Array.Copy(y0, y, length);
            Ops.ScaleAdd<T>(a, s, y);
            for (int i = 0; i < length; i++)
                AssertClose(D(y0[i]) + D(s) * D(a[i]), y[i], $"ScaleAdd length {length} [{i}]");

            double dot = 0, absoluteDot = 0;
            for (int i = 0; i < length; i++)
            {
                dot += D(a[i]) * D(b[i]);
                absoluteDot += Math.Abs(D(a[i]) * D(b[i]));
            }
            AssertSumClose(dot, absoluteDot, length, Ops.Dot<T>(a, b), $"Dot length {length}");

            T[] sumInPlace = (T[])a.Clone();
            Ops.Add<T>(sumInPlace, b, sumInPlace);
            Ops.Add<T>(a, b, y);
            Assert.Equal(y, sumInPlace);
        }
    }

    [Fact]
    public void AddBias_SumRows_and_SumRowsAdd_match_the_scalar_reference()
    {
        // Every row length 0..260 with a varying number of rows, then every row count 0..40 with 13 columns.
        IEnumerable<(int M, int N)> shapes = Enumerable.Range(0, MaxLength + 1).Select(n => (n % 6, n))
            .Concat(Enumerable.Range(0, 41).Select(m => (m, 13)));
        foreach ((int m, int n) in shapes)
        {
            T[] y0 = Random(m * n), bias = Random(n), r0 = Random(n);

            T[] y = (T[])y0.Clone();
            Ops.AddBias<T>(y, bias, m, n);
            for (int i = 0; i < m * n; i++)
                AssertClose(D(y0[i]) + D(bias[i % n]), y[i], $"AddBias {m}×{n} [{i}]");

            var sums = Random(n); // SumRows must overwrite
            Ops.SumRows<T>(y0, sums, m, n);
            T[] sumsAdded = (T[])r0.Clone();
            Ops.SumRowsAdd<T>(y0, sumsAdded, m, n);
            for (int j = 0; j < n; j++)
            {
                double column = 0, absoluteColumn = 0;
                for (int i = 0; i < m; i++)
                {
                    column += D(y0[i * n + j]);
                    absoluteColumn += Math.Abs(D(y0[i * n + j]));
                }
                AssertSumClose(column, absoluteColumn, m, sums[j], $"SumRows {m}×{n} [{j}]");
                AssertSumClose(D(r0[j]) + column, Math.Abs(D(r0[j])) + absoluteColumn, m + 1, sumsAdded[j], $"SumRowsAdd {m}×{n} [{j}]");
            }
        }
    }

    [Fact]
    public void Mismatched_lengths_are_reported_with_the_span_name()
    {
        var x = new T[5];
        var shortSpan = new T[4];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.Relu<T>(x, shortSpan)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.Tanh<T>(x, shortSpan)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.Sigmoid<T>(x, shortSpan)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.Scale(x, T.One, shortSpan)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.ScaleAdd(x, T.One, shortSpan)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Ops.Add<T>(x, shortSpan, x)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.Multiply<T>(x, x, shortSpan)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.MultiplyAdd<T>(x, x, shortSpan)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Ops.Dot<T>(x, shortSpan)).ParamName);
        Assert.Equal("dy", Assert.Throws<ArgumentException>(() => Ops.ReluBackward<T>(x, shortSpan, x)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Ops.ReluBackwardAdd<T>(x, x, shortSpan)).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Ops.TanhBackward<T>(x, x, shortSpan)).ParamName);
        Assert.Equal("dy", Assert.Throws<ArgumentException>(() => Ops.SigmoidBackwardAdd<T>(x, shortSpan, x)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => Ops.AddBias<T>(new T[6], shortSpan, 2, 3)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.AddBias<T>(x, new T[3], 2, 3)).ParamName);
        Assert.Equal("result", Assert.Throws<ArgumentException>(() => Ops.SumRows<T>(new T[6], shortSpan, 2, 3)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.SumRowsAdd<T>(x, new T[3], 2, 3)).ParamName);
    }

    [Fact]
    public void Partly_overlapping_outputs_are_rejected_but_the_same_span_is_allowed()
    {
        var buffer = new T[12];
        Span<T> first = buffer.AsSpan(0, 8), shifted = buffer.AsSpan(2, 8);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Ops.ReluBackward<T>(new T[8], buffer.AsSpan(0, 8), buffer.AsSpan(2, 8))).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Ops.TanhBackwardAdd<T>(buffer.AsSpan(0, 8), new T[8], buffer.AsSpan(1, 8))).ParamName);
        Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Ops.SigmoidBackward<T>(buffer.AsSpan(4, 8), new T[8], buffer.AsSpan(0, 8))).ParamName);
        Assert.Equal("result", Assert.Throws<ArgumentException>(() => Ops.SumRows<T>(buffer.AsSpan(0, 6), buffer.AsSpan(4, 3), 2, 3)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Ops.AddBias<T>(buffer.AsSpan(0, 6), buffer.AsSpan(5, 3), 2, 3)).ParamName);
        Ops.ReluBackward<T>(first, first, first); // the same span is fine
        Ops.SigmoidBackwardAdd<T>(shifted, new T[8], shifted);
    }
}

public sealed class ElementwiseOpsFloatTests : ElementwiseOpsTests<float>
{
    protected override double Tolerance => 2e-6;
}

public sealed class ElementwiseOpsDoubleTests : ElementwiseOpsTests<double>
{
    protected override double Tolerance => 1e-13;
}
