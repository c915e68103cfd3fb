using System.Numerics;

namespace MoreauGen.Tests.Kernels;

/// <summary>Helpers of the convolution and pooling tests: a naive reference and checks in either precision (their finite differences: <see cref="FiniteDifferences"/>).</summary>
internal static class ConvolutionChecks
{
    /// <summary>The convolution by its definition, four nested loops per output value, in double.</summary>
    public static double[] Naive(ConvolutionTests.Shape s, double[] x, double[] w)
    {
        var y = new double[s.YLength];
        for (int n = 0; n < s.M; n++)
        for (int o = 0; o < s.Cout; o++)
        for (int r = 0; r < s.Oh; r++)
        for (int q = 0; q < s.Ow; q++)
        {
            double sum = 0;
            for (int c = 0; c < s.Cin; c++)
            for (int i = 0; i < s.Kh; i++)
            for (int j = 0; j < s.Kw; j++)
            {
                int ih = r * s.S + i - s.P, iw = q * s.S + j - s.P;
                if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W)
                    continue;
                sum += w[((o * s.Cin + c) * s.Kh + i) * s.Kw + j] * x[((n * s.Cin + c) * s.H + ih) * s.W + iw];
            }
            y[((n * s.Cout + o) * s.Oh + r) * s.Ow + q] = sum;
        }
        return y;
    }

    /// <summary>
    /// The two reverse products by the definition's loops, in double: dx[n, c, ih, iw] += w[o, c, i, j]·dy[n, o, r, q]
    /// and dw[o, c, i, j] += x[n, c, ih, iw]·dy[n, o, r, q] over every term of <see cref="Naive"/> whose input index is inside.
    /// </summary>
    public static (double[] Dx, double[] Dw) NaiveReverse(ConvolutionTests.Shape s, double[] x, double[] w, double[] dy)
    {
        var dx = new double[s.XLength];
        var dw = new double[s.WLength];
        for (int n = 0; n < s.M; n++)
        for (int o = 0; o < s.Cout; o++)
        for (int r = 0; r < s.Oh; r++)
        for (int q = 0; q < s.Ow; q++)
        {
            double g = dy[((n * s.Cout + o) * s.Oh + r) * s.Ow + q];
            for (int c = 0; c < s.Cin; c++)
            for (int i = 0; i < s.Kh; i++)
            for (int j = 0; j < s.Kw; j++)
            {
                int ih = r * s.S + i - s.P, iw = q * s.S + j - s.P;
                if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W)
                    continue;
                int xi = ((n * s.Cin + c) * s.H + ih) * s.W + iw, wi = ((o * s.Cin + c) * s.Kh + i) * s.Kw + j;
                dx[xi] += w[wi] * g;
                dw[wi] += x[xi] * g;
            }
        }
        return (dx, dw);
    }

    /// <summary>Uniform values in [−1, 1).</summary>
    public static T[] Random<T>(Random random, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = T.CreateChecked(2 * random.NextDouble() - 1);
        return values;
    }

    public static double[] ToDouble<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => [.. values.Select(double.CreateChecked)];

    /// <summary>⟨a, b⟩ accumulated in double.</summary>
    public static double Inner<T>(T[] a, T[] b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += double.CreateChecked(a[i]) * double.CreateChecked(b[i]);
        return sum;
    }

    /// <summary>sum = start + delta element-wise, within rounding of T.</summary>
    public static void AssertSum<T>(T[] start, T[] delta, T[] sum, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double eps = typeof(T) == typeof(float) ? 1e-5 : 1e-12;
        for (int i = 0; i < sum.Length; i++)
        {
            double expected = double.CreateChecked(start[i]) + double.CreateChecked(delta[i]);
            Assert.True(Math.Abs(double.CreateChecked(sum[i]) - expected) <= eps * (1 + Math.Abs(expected)),
                $"{what}[{i}] = {sum[i]}, expected {expected}");
        }
    }
}
