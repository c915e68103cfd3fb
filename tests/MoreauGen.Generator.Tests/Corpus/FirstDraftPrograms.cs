namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// First drafts of the small numerical programs: least squares, log-sum-exp, the determinant, an RK4 integrator,
/// the saddle problem and Black–Scholes (see <see cref="FirstDraftCorpus"/>). Written in double as a C# programmer
/// would, not as the generator would like.
/// </summary>
internal static class FirstDraftPrograms
{
    public static readonly FirstDraft[] Regression =
    [
        // Linear least squares: one residual per sample (x = features and the target), and the whole fit as an objective.
        new("LeastSquares", """
            public partial class LeastSquares
            {
                private const int Features = 4;

                [MoreauLayer(Parameters = Features + 1, Inputs = Features + 1, Outputs = 1)]
                public void Residual(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    var features = x[..Features];
                    double target = x[Features];
                    double prediction = Dot(w[..Features], features) + w[Features];
                    double r = prediction - target;
                    y[0] = 0.5 * r * r;
                }

                private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
                {
                    double sum = 0;
                    for (int i = 0; i < a.Length; i++)
                    {
                        sum += a[i] * b[i];
                    }

                    return sum;
                }
            }
            """),
        new("LeastSquaresLoss", """
            public partial class LeastSquaresLoss
            {
                private static readonly double[] Times = { 0.0, 0.5, 1.0, 1.5, 2.0 };
                private static readonly double[] Values = { 1.0, 1.4, 2.1, 3.2, 4.8 };

                // x holds the coefficients c0 + c1 t + c2 t² of one quadratic per sample, fitted to the same points.
                [MoreauObjective(Inputs = 3)]
                public double Loss(ReadOnlySpan<double> x)
                {
                    double total = 0;
                    for (int s = 0; s < x.Length; s += 3)
                    {
                        var c = x.Slice(s, 3);
                        for (int j = 0; j < Times.Length; j++)
                        {
                            double t = Times[j];
                            double r = c[0] + c[1] * t + c[2] * t * t - Values[j];
                            total += r * r;
                        }
                    }

                    return 0.5 * total;
                }
            }
            """, Objective: true, Inputs: 3),

        // Log-sum-exp with the max shift, and the entropy of the softmax in bits; the objective sums it over samples.
        new("LogSumExp", """
            public partial class LogSumExp
            {
                [MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    Span<double> z = stackalloc double[x.Length];
                    for (int i = 0; i < z.Length; i++)
                    {
                        z[i] = w[i] * x[i];
                    }

                    double max = double.NegativeInfinity;
                    foreach (double v in z)
                    {
                        max = Math.Max(max, v);
                    }

                    double sum = 0;
                    foreach (double v in z)
                    {
                        sum += Math.Exp(v - max);
                    }

                    double lse = max + Math.Log(sum);
                    double entropy = 0;
                    foreach (double v in z)
                    {
                        double p = Math.Exp(v - lse);
                        entropy -= p * Math.Log2(p);
                    }

                    y[0] = lse;
                    y[1] = entropy;
                }
            }
            """),
        new("LogSumExpLoss", """
            public partial class LogSumExpLoss
            {
                [MoreauObjective(Inputs = 3)]
                public double Loss(ReadOnlySpan<double> x)
                {
                    double total = 0;
                    for (int s = 0; s < x.Length; s += 3)
                    {
                        total += LogSumExp(x.Slice(s, 3));
                    }

                    return total;
                }

                private static double LogSumExp(ReadOnlySpan<double> v)
                {
                    double max = v[0];
                    for (int i = 1; i < v.Length; i++)
                    {
                        if (v[i] > max)
                        {
                            max = v[i];
                        }
                    }

                    double sum = 0;
                    for (int i = 0; i < v.Length; i++)
                    {
                        sum += Math.Exp(v[i] - max);
                    }

                    return max + Math.Log(sum);
                }
            }
            """, Objective: true, Inputs: 3),
    ];

    public static readonly FirstDraft[] Linear =
    [
        // det(W + diag(4 + x)) by Gaussian elimination (diagonally dominant, so no pivoting), and its cube root.
        new("Determinant", """
            public partial class Determinant
            {
                private const int N = 3;

                [MoreauLayer(Parameters = N * N, Inputs = N, Outputs = 2)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    var a = new double[N * N];
                    for (int i = 0; i < N; i++)
                    {
                        for (int j = 0; j < N; j++)
                        {
                            a[i * N + j] = w[i * N + j] + (i == j ? 4 + x[i] : 0);
                        }
                    }

                    double det = 1;
                    for (int k = 0; k < N; k++)
                    {
                        double pivot = a[k * N + k];
                        if (pivot == 0)
                        {
                            y[0] = 0;
                            y[1] = 0;
                            return;
                        }

                        det *= pivot;
                        for (int i = k + 1; i < N; i++)
                        {
                            double factor = a[i * N + k] / pivot;
                            for (int j = k; j < N; j++)
                            {
                                a[i * N + j] -= factor * a[k * N + j];
                            }
                        }
                    }

                    y[0] = det;
                    y[1] = Math.Cbrt(det);
                }
            }
            """),

        // A pendulum with viscous and Coulomb friction and a drive, integrated by RK4; the angle wrapped to [-π, π).
        new("Rk4Pendulum", """
            public partial class Rk4Pendulum
            {
                private const double Duration = 0.5;
                private const double MaxStep = 0.07;

                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 3)]
                public void Integrate(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    int steps = (int)Math.Ceiling(Duration / MaxStep);
                    double h = Duration / steps;
                    Span<double> s = stackalloc double[2];
                    Span<double> k1 = stackalloc double[2];
                    Span<double> k2 = stackalloc double[2];
                    Span<double> k3 = stackalloc double[2];
                    Span<double> k4 = stackalloc double[2];
                    Span<double> tmp = stackalloc double[2];
                    x.CopyTo(s);
                    for (int n = 0; n < steps; n++)
                    {
                        Derivative(s, w, k1);
                        for (int i = 0; i < 2; i++)
                        {
                            tmp[i] = s[i] + 0.5 * h * k1[i];
                        }

                        Derivative(tmp, w, k2);
                        for (int i = 0; i < 2; i++)
                        {
                            tmp[i] = s[i] + 0.5 * h * k2[i];
                        }

                        Derivative(tmp, w, k3);
                        for (int i = 0; i < 2; i++)
                        {
                            tmp[i] = s[i] + h * k3[i];
                        }

                        Derivative(tmp, w, k4);
                        for (int i = 0; i < 2; i++)
                        {
                            s[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
                        }
                    }

                    y[0] = s[0];
                    y[1] = s[1];
                    y[2] = s[0] - 2 * Math.PI * Math.Floor((s[0] + Math.PI) / (2 * Math.PI));
                }

                private static void Derivative(ReadOnlySpan<double> s, ReadOnlySpan<double> p, Span<double> ds)
                {
                    ds[0] = s[1];
                    ds[1] = -p[0] * Math.Sin(s[0]) - p[1] * s[1] - 0.05 * Math.Sign(s[1]) + p[2];
                }
            }
            """),
    ];

    public static readonly FirstDraft[] Models =
    [
        // The saddle point of f(a, b) = cosh(w0 a) + w1 a b − (1 + w2²) b² / 2 by nested gradient steps (max over b inside,
        // min over a outside), stopping early once a gradient vanishes.
        new("Saddle", """
            public partial class Saddle
            {
                private const double Rate = 0.2;
                private const int Iterations = 12;

                [MoreauLayer(Parameters = 3, Inputs = 2, Outputs = 3)]
                public void Solve(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double a = x[0];
                    double b = x[1];
                    for (int outer = 0; outer < Iterations; outer++)
                    {
                        for (int inner = 0; inner < Iterations; inner++)
                        {
                            double gb = GradB(w, a, b);
                            if (Math.Abs(gb) < 1e-12)
                            {
                                break;
                            }

                            b += Rate * gb;
                        }

                        double ga = GradA(w, a, b);
                        if (Math.Abs(ga) < 1e-12)
                        {
                            break;
                        }

                        a -= Rate * ga;
                    }

                    y[0] = a;
                    y[1] = b;
                    y[2] = Math.Cosh(w[0] * a) + w[1] * a * b - (1 + w[2] * w[2]) * b * b / 2;
                }

                private static double GradA(ReadOnlySpan<double> w, double a, double b) => w[0] * Math.Sinh(w[0] * a) + w[1] * b;

                private static double GradB(ReadOnlySpan<double> w, double a, double b) => w[1] * a - (1 + w[2] * w[2]) * b;
            }
            """),

        // Black–Scholes prices of a call and a put, the normal CDF by Abramowitz–Stegun 26.2.17 in Horner form.
        new("BlackScholes", """
            public partial class BlackScholes
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 2)]
                public void Price(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double sigma = 0.2 + 0.1 * w[0];
                    double rate = 0.05 * (1 + w[1]);
                    double spot = 100 * (1 + 0.1 * x[0]);
                    double strike = 100 * (1 + 0.1 * x[1]);
                    double t = 1 + 0.5 * x[2];
                    double sqrtT = Math.Sqrt(t);
                    double d1 = (Math.Log(spot / strike) + (rate + 0.5 * sigma * sigma) * t) / (sigma * sqrtT);
                    double d2 = d1 - sigma * sqrtT;
                    double discount = Math.Exp(-rate * t);
                    y[0] = spot * Cnd(d1) - strike * discount * Cnd(d2);
                    y[1] = strike * discount * Cnd(-d2) - spot * Cnd(-d1);
                }

                private static double Cnd(double d)
                {
                    const double A1 = 0.31938153;
                    const double A2 = -0.356563782;
                    const double A3 = 1.781477937;
                    const double A4 = -1.821255978;
                    const double A5 = 1.330274429;
                    double k = 1 / (1 + 0.2316419 * Math.Abs(d));
                    double poly = k * Math.FusedMultiplyAdd(k, Math.FusedMultiplyAdd(k, Math.FusedMultiplyAdd(k, Math.FusedMultiplyAdd(k, A5, A4), A3), A2), A1);
                    double tail = Math.Exp(-0.5 * d * d) / Math.Sqrt(2 * Math.PI) * poly;
                    return 0.5 + Math.Sign(d) * (0.5 - tail);
                }
            }
            """),
    ];
}
