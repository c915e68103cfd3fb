using System.Numerics;
using MoreauGen.Kernels;

namespace MoreauGen.Tests.Kernels;

/// <summary>
/// Runs the fast GEMM on one random problem in every storage order and compares it with
/// <see cref="ReferenceGemm"/> evaluated in double precision.
/// </summary>
/// <remarks>
/// Tolerance (the classical bound for a sum of k products, doubled to cover the reference's own rounding):
/// |y − y_ref| ≤ 2·(k + 1)·ε·(|op(A)|·|op(B)| + |y₀|)ᵢⱼ + tiny, where ε is the unit roundoff of T and y₀ is
/// what <c>MatMulAdd</c> accumulates onto. It scales with k and with the magnitudes that actually meet.
/// </remarks>
internal sealed class GemmCheck
{
    public static readonly (bool TransA, bool TransB)[] StorageOrders = [(false, false), (true, false), (false, true), (true, true)];

    private readonly int _m, _k, _n;
    private readonly double[] _opA, _opB, _y0, _reference, _bound;

    public GemmCheck(int m, int k, int n, Random random)
    {
        _m = m; _k = k; _n = n;
        _opA = Fill(random, m * k);
        _opB = Fill(random, k * n);
        _y0 = Fill(random, m * n);
        _reference = new double[m * n];
        _bound = new double[m * n];
        ReferenceGemm.Multiply<double>(_opA, _opB, _reference, m, k, n, false, false);
        ReferenceGemm.Multiply<double>(Abs(_opA), Abs(_opB), _bound, m, k, n, false, false);
    }

    public override string ToString() => $"{_m}×{_k}×{_n}";

    /// <summary>
    /// Checks y = op(A)·op(B) and y₀ + op(A)·op(B) in every storage order for T with the given options;
    /// returns a description of the first mismatch, or null.
    /// </summary>
    public string? Verify<T>(in GemmOptions options, bool accumulateToo = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] aNormal = Convert<T>(_opA), bNormal = Convert<T>(_opB);
        T[] aTransposed = Convert<T>(Transpose(_opA, _m, _k)), bTransposed = Convert<T>(Transpose(_opB, _k, _n));
        double eps = UnitRoundoff<T>();
        var y = new T[_m * _n];
        foreach (var (transA, transB) in StorageOrders)
        {
            T[] a = transA ? aTransposed : aNormal;
            T[] b = transB ? bTransposed : bNormal;
            foreach (bool accumulate in accumulateToo ? [false, true] : new[] { false })
            {
                for (int i = 0; i < y.Length; i++)
                    y[i] = accumulate ? T.CreateChecked(_y0[i]) : T.NaN; // a plain product must ignore y's contents
                Gemm.Multiply<T>(a, b, y, _m, _k, _n, transA, transB, accumulate, options);
                for (int i = 0; i < y.Length; i++)
                {
                    double y0 = accumulate ? double.CreateChecked(T.CreateChecked(_y0[i])) : 0;
                    double expected = _reference[i] + y0;
                    double tolerance = 2 * (_k + 1) * eps * (_bound[i] + Math.Abs(y0)) + 1e-300;
                    double actual = double.CreateChecked(y[i]);
                    if (!(Math.Abs(actual - expected) <= tolerance))
                    {
                        return $"{typeof(T).Name} {this} transA={transA} transB={transB} accumulate={accumulate} " +
                               $"options={options}: y[{i / _n},{i % _n}] = {actual}, expected {expected} ± {tolerance}";
                    }
                }
            }
        }
        return null;
    }

    private static double UnitRoundoff<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    private static double[] Fill(Random random, int length)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
            values[i] = 2 * random.NextDouble() - 1;
        return values;
    }

    private static double[] Abs(double[] values) => Array.ConvertAll(values, Math.Abs);

    private static double[] Transpose(double[] values, int rows, int cols)
    {
        var result = new double[values.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                result[j * rows + i] = values[i * cols + j];
        return result;
    }

    private static T[] Convert<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new T[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = T.CreateChecked(values[i]);
        return result;
    }
}
