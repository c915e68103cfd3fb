namespace MoreauGen.Tests.Solvers;

/// <summary>
/// The one-pass vector sweeps of the Moreau backward pass against plain loops in double precision, at every length from
/// 0 to 260 (SIMD blocks and tails) and at a length of a layer's parameters, in float and double.
/// </summary>
public class FusedVectorsTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 260; n += n < 40 ? 1 : 37)
            data.Add(n);
        data.Add(100_003);
        return data;
    }

    private static double[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => 2 * random.NextDouble() - 1)];
    }

    private static void Close(double expected, double actual, double tolerance, double scale) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, scale), $"expected {expected:R}, got {actual:R}");

    [Theory]
    [MemberData(nameof(Lengths))]
    public void StepSums_are_the_start_dot_change_and_the_trial_squared_norm(int n)
    {
        double[] g0 = Random(n, 1), g1 = Random(n, 2);
        double dot = 0, squared = 0, scale = 0;
        for (int i = 0; i < n; i++)
        {
            dot += g0[i] * (g1[i] - g0[i]);
            squared += g1[i] * g1[i];
            scale += Math.Abs(g0[i] * (g1[i] - g0[i]));
        }

        var (d, s) = FusedVectors.StepSums<double>(g0, g1);
        Close(dot, d, 1e-13, scale);
        Close(squared, s, 1e-13, squared);

        var (df, sf) = FusedVectors.StepSums<float>(Array.ConvertAll(g0, v => (float)v), Array.ConvertAll(g1, v => (float)v));
        Close(dot, df, 1e-5, scale);
        Close(squared, sf, 1e-5, squared);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Combine_and_CombineWithSquares_write_a_x_plus_b_y(int n)
    {
        double[] x = Random(n, 3), y = Random(n, 4);
        var destination = new double[n];
        FusedVectors.Combine(0.75, x, -1.5, y, destination);
        for (int i = 0; i < n; i++)
            Assert.Equal(0.75 * x[i] - 1.5 * y[i], destination[i], 1e-15);

        var withSquares = new double[n];
        double squared = FusedVectors.CombineWithSquares(2.0, x, 0.25, y, withSquares);
        double expected = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(2.0 * x[i] + 0.25 * y[i], withSquares[i], 1e-15);
            expected += y[i] * y[i];
        }

        Close(expected, squared, 1e-13, expected);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ShiftedSquares_is_the_squared_norm_of_w_plus_y_and_adds_kappa_times_it_to_the_gradient(int n)
    {
        double[] w = Random(n, 5), y = Random(n, 6), gradient = Random(n, 7);
        double[] before = [.. gradient];
        double kappa = 0.125;
        double squared = FusedVectors.ShiftedSquares<double>(w, y, kappa, gradient);
        double expected = 0;
        for (int i = 0; i < n; i++)
        {
            double shifted = w[i] + y[i];
            expected += shifted * shifted;
            Assert.Equal(before[i] + kappa * shifted, gradient[i], 1e-15);
        }

        Close(expected, squared, 1e-13, expected);
        Close(expected, FusedVectors.ShiftedSquares<double>(w, y, kappa, Span<double>.Empty), 1e-13, expected);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MaxMagnitude_is_the_largest_absolute_value_whatever_its_sign(int n)
    {
        foreach (double sign in new[] { -1.0, 1.0 })
        {
            double[] x = Random(n, 3);
            if (n > 0)
                x[n / 2] = sign * 5; // the largest magnitude, negative or positive
            double expected = x.Length == 0 ? 0 : x.Max(Math.Abs);
            Assert.Equal(expected, Vectors.MaxMagnitude<double>(x));
            Assert.Equal((float)expected, Vectors.MaxMagnitude<float>([.. x.Select(v => (float)v)]));
            if (n > 0)
            {
                x[n - 1] = double.NaN;
                Assert.True(double.IsNaN(Vectors.MaxMagnitude<double>(x)));
                Assert.True(float.IsNaN(Vectors.MaxMagnitude<float>([.. x.Select(v => (float)v)])));
            }
        }
    }

    [Fact]
    public void Vectors_of_different_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => FusedVectors.StepSums<double>(new double[5], new double[4]));
        Assert.Throws<ArgumentException>(() => FusedVectors.Combine(1.0, new double[5], 1.0, new double[5], new double[4]));
        Assert.Throws<ArgumentException>(() => FusedVectors.ShiftedSquares<double>(new double[5], new double[5], 1.0, new double[3]));
    }
}
