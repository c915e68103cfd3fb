namespace MoreauGen.Tests.Solvers;

/// <summary>
/// A strongly convex Moreau subproblem F(y) = s·q(z + y) + ½‖y‖² with q(x) = ½xᵀAx + Σⱼ log(1 + e^(bⱼᵀx)),
/// A symmetric with eigenvalues in [1, 1.5], ‖bⱼ‖ ≤ ½, so the Hessian of q lies between I and 2.3·I at every point
/// (condition number ≤ 2.3 at any scale s), plus its exact minimiser by Newton's method.
/// </summary>
internal sealed class ConvexTestProblem
{
    public const int N = 6;
    private const int Terms = 3;
    private readonly double[,] _a = new double[N, N];
    private readonly double[][] _b = new double[Terms][];

    public ConvexTestProblem(double scale, int seed = 7)
    {
        Scale = scale;
        var random = new Random(seed);
        // A = Q diag(1..1.5) Qᵀ with Q from Gram–Schmidt on a random matrix.
        var q = new double[N][];
        for (int i = 0; i < N; i++)
        {
            q[i] = new double[N];
            for (int j = 0; j < N; j++) q[i][j] = random.NextDouble() - 0.5;
            for (int k = 0; k < i; k++)
            {
                double dot = 0;
                for (int j = 0; j < N; j++) dot += q[i][j] * q[k][j];
                for (int j = 0; j < N; j++) q[i][j] -= dot * q[k][j];
            }
            double norm = Math.Sqrt(q[i].Sum(v => v * v));
            for (int j = 0; j < N; j++) q[i][j] /= norm;
        }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                for (int k = 0; k < N; k++)
                    _a[i, j] += q[k][i] * (1.0 + 0.1 * k) * q[k][j];
        for (int t = 0; t < Terms; t++)
        {
            _b[t] = new double[N];
            for (int j = 0; j < N; j++) _b[t][j] = random.NextDouble() - 0.5;
            double norm = Math.Sqrt(_b[t].Sum(v => v * v));
            for (int j = 0; j < N; j++) _b[t][j] *= 0.5 / norm;
        }
        Z = new double[N];
        for (int j = 0; j < N; j++) Z[j] = 1 + random.NextDouble(); // states of order 1
    }

    public double Scale { get; }
    public double[] Z { get; }

    public double Q(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double value = 0;
        if (!gradient.IsEmpty) gradient.Clear();
        for (int i = 0; i < N; i++)
        {
            double ax = 0;
            for (int j = 0; j < N; j++) ax += _a[i, j] * x[j];
            value += 0.5 * x[i] * ax;
            if (!gradient.IsEmpty) gradient[i] += ax;
        }
        foreach (var b in _b)
        {
            double t = 0;
            for (int j = 0; j < N; j++) t += b[j] * x[j];
            value += Math.Log(1 + Math.Exp(t));
            double sigma = 1 / (1 + Math.Exp(-t));
            if (!gradient.IsEmpty)
                for (int j = 0; j < N; j++) gradient[j] += sigma * b[j];
        }
        return value;
    }

    private double[,] HessianQ(ReadOnlySpan<double> x)
    {
        var h = (double[,])_a.Clone();
        foreach (var b in _b)
        {
            double t = 0;
            for (int j = 0; j < N; j++) t += b[j] * x[j];
            double sigma = 1 / (1 + Math.Exp(-t));
            double w = sigma * (1 - sigma);
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++) h[i, j] += w * b[i] * b[j];
        }
        return h;
    }

    /// <summary>F(y) = s·q(z + y) + ½‖y‖² and its gradient.</summary>
    public double F(ReadOnlySpan<double> y, Span<double> gradient)
    {
        Span<double> x = stackalloc double[N];
        for (int j = 0; j < N; j++) x[j] = Z[j] + y[j];
        double value = Scale * Q(x, gradient) ;
        double half = 0;
        for (int j = 0; j < N; j++)
        {
            half += 0.5 * y[j] * y[j];
            if (!gradient.IsEmpty) gradient[j] = Scale * gradient[j] + y[j];
        }
        return value + half;
    }

    /// <summary>argmin F by Newton's method with the exact Hessian s·∇²q + I (an independent, precise solve).</summary>
    public double[] NewtonMinimiser()
    {
        var y = new double[N];
        var g = new double[N];
        var x = new double[N];
        for (int iteration = 0; iteration < 50; iteration++)
        {
            F(y, g);
            for (int j = 0; j < N; j++) x[j] = Z[j] + y[j];
            var h = HessianQ(x);
            for (int i = 0; i < N; i++)
            {
                for (int j = 0; j < N; j++) h[i, j] *= Scale;
                h[i, i] += 1;
            }
            var step = Solve(h, g);
            for (int j = 0; j < N; j++) y[j] -= step[j];
        }
        return y;
    }

    private static double[] Solve(double[,] matrix, double[] rhs)
    {
        int n = rhs.Length;
        var a = (double[,])matrix.Clone();
        var b = (double[])rhs.Clone();
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++) if (Math.Abs(a[i, k]) > Math.Abs(a[pivot, k])) pivot = i;
            for (int j = 0; j < n; j++) (a[k, j], a[pivot, j]) = (a[pivot, j], a[k, j]);
            (b[k], b[pivot]) = (b[pivot], b[k]);
            for (int i = k + 1; i < n; i++)
            {
                double factor = a[i, k] / a[k, k];
                for (int j = k; j < n; j++) a[i, j] -= factor * a[k, j];
                b[i] -= factor * b[k];
            }
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int j = i + 1; j < n; j++) sum -= a[i, j] * x[j];
            x[i] = sum / a[i, i];
        }
        return x;
    }

    /// <summary>The problem as a struct the solvers take without boxing.</summary>
    public Function AsFunction() => new(this);

    public struct Function(ConvexTestProblem problem) : ISmoothFunction<double>
    {
        public int Evaluations { get; private set; }

        public double Evaluate(ReadOnlySpan<double> y, Span<double> gradient)
        {
            Evaluations++;
            return problem.F(y, gradient);
        }
    }

    /// <summary>The same problem in float (computed in double, rounded), to check the solvers' rescaling in single precision.</summary>
    public struct FloatFunction(ConvexTestProblem problem) : ISmoothFunction<float>
    {
        public float Evaluate(ReadOnlySpan<float> y, Span<float> gradient)
        {
            Span<double> yd = stackalloc double[N];
            Span<double> gd = stackalloc double[N];
            for (int j = 0; j < N; j++) yd[j] = y[j];
            double value = problem.F(yd, gradient.IsEmpty ? Span<double>.Empty : gd);
            for (int j = 0; j < gradient.Length; j++) gradient[j] = (float)gd[j];
            return (float)value;
        }
    }
}
