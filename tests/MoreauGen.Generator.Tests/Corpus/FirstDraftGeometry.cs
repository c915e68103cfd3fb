namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// First drafts of the ADBench models (Gaussian mixture, LSTM, k-means, bundle adjustment, hand tracking) and of the
/// Siskind–Pearlmutter particle problem (see <see cref="FirstDraftCorpus"/>), written as a C# programmer would.
/// </summary>
internal static class FirstDraftGeometry
{
    public static readonly FirstDraft[] Entries =
    [
        // ADBench GMM: the log-likelihood of one point under K Gaussians with precision factors Q = exp(diag) + lower.
        new("GaussianMixture", """
            public partial class GaussianMixture
            {
                private const int D = 2;
                private const int K = 3;
                private const int Icf = D + D * (D - 1) / 2;

                [MoreauLayer(Parameters = K + K * D + K * Icf, Inputs = D, Outputs = 1)]
                public void LogLikelihood(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    ReadOnlySpan<double> alphas = w[..K];
                    ReadOnlySpan<double> means = w.Slice(K, K * D);
                    ReadOnlySpan<double> icf = w[(K + K * D)..];
                    Span<double> xcentered = stackalloc double[D];
                    Span<double> qxcentered = stackalloc double[D];
                    Span<double> main = stackalloc double[K];
                    for (int k = 0; k < K; k++)
                    {
                        var mean = means.Slice(k * D, D);
                        var q = icf.Slice(k * Icf, Icf);
                        double sumQ = 0;
                        for (int i = 0; i < D; i++)
                        {
                            xcentered[i] = x[i] - mean[i];
                            sumQ += q[i];
                        }

                        QTimesX(q, xcentered, qxcentered);
                        main[k] = alphas[k] + sumQ - 0.5 * SquaredNorm(qxcentered);
                    }

                    y[0] = LogSumExp(main) - LogSumExp(alphas) - 0.5 * D * Math.Log(2 * Math.PI);
                }

                private static void QTimesX(ReadOnlySpan<double> icf, ReadOnlySpan<double> v, Span<double> result)
                {
                    for (int i = 0; i < D; i++)
                    {
                        result[i] = Math.Exp(icf[i]) * v[i];
                    }

                    int offset = D;
                    for (int i = 0; i < D; i++)
                    {
                        for (int j = i + 1; j < D; j++)
                        {
                            result[j] += icf[offset] * v[i];
                            offset++;
                        }
                    }
                }

                private static double SquaredNorm(ReadOnlySpan<double> v)
                {
                    double sum = 0;
                    foreach (double e in v)
                    {
                        sum += e * e;
                    }

                    return sum;
                }

                private static double LogSumExp(ReadOnlySpan<double> v)
                {
                    double max = v[0];
                    for (int i = 1; i < v.Length; i++)
                    {
                        max = Math.Max(max, v[i]);
                    }

                    double sum = 0;
                    for (int i = 0; i < v.Length; i++)
                    {
                        sum += Math.Exp(v[i] - max);
                    }

                    return Math.Log(sum) + max;
                }
            }
            """),

        // ADBench LSTM (one layer, diagonal weights): the hidden state after a short sequence, gates in a span helper.
        new("Lstm", """
            public partial class Lstm
            {
                private const int B = 2;
                private const int Steps = 3;

                [MoreauLayer(Parameters = 10 * B, Inputs = Steps * B, Outputs = B)]
                public void Predict(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    var weight = w[..(4 * B)];
                    var bias = w.Slice(4 * B, 4 * B);
                    var inWeight = w.Slice(8 * B, B);
                    var outWeight = w.Slice(9 * B, B);
                    Span<double> hidden = stackalloc double[B];
                    Span<double> cell = stackalloc double[B];
                    Span<double> input = stackalloc double[B];
                    for (int t = 0; t < Steps; t++)
                    {
                        var xt = x.Slice(t * B, B);
                        for (int i = 0; i < B; i++)
                        {
                            input[i] = xt[i] * inWeight[i];
                        }

                        Step(weight, bias, hidden, cell, input);
                    }

                    for (int i = 0; i < B; i++)
                    {
                        y[i] = hidden[i] * outWeight[i];
                    }
                }

                private static void Step(ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> hidden, Span<double> cell, ReadOnlySpan<double> input)
                {
                    for (int i = 0; i < hidden.Length; i++)
                    {
                        double forget = Sigmoid(input[i] * weight[i] + bias[i]);
                        double ingate = Sigmoid(hidden[i] * weight[B + i] + bias[B + i]);
                        double outgate = Sigmoid(input[i] * weight[2 * B + i] + bias[2 * B + i]);
                        double change = Math.Tanh(hidden[i] * weight[3 * B + i] + bias[3 * B + i]);
                        cell[i] = Math.Clamp(cell[i] * forget + ingate * change, -5.0, 5.0);
                        hidden[i] = outgate * Math.Tanh(cell[i]);
                    }
                }

                private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
            }
            """),

        // k-means: the squared distance of a point to its nearest centre (centres in w).
        new("KMeans", """
            public partial class KMeans
            {
                private const int D = 2;
                private const int K = 3;

                [MoreauLayer(Parameters = K * D, Inputs = D, Outputs = 1)]
                public void Cost(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double best = double.MaxValue;
                    for (int k = 0; k < K; k++)
                    {
                        var centre = w.Slice(k * D, D);
                        double dist = 0;
                        for (int i = 0; i < D; i++)
                        {
                            double diff = x[i] - centre[i];
                            dist += diff * diff;
                        }

                        if (dist < best)
                        {
                            best = dist;
                        }
                    }

                    y[0] = best;
                }
            }
            """),

        // ADBench bundle adjustment: the reprojection error of one point in one camera (Rodrigues rotation, radial
        // distortion); the points sit SceneDepth in front of the rig.
        new("BundleAdjustment", """
            public partial class BundleAdjustment
            {
                private const double SceneDepth = 5;

                [MoreauLayer(Parameters = 11, Inputs = 5, Outputs = 3)]
                public void Reprojection(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    var rot = w[..3];
                    var center = w[3..6];
                    double focal = w[6];
                    var principal = w.Slice(7, 2);
                    var radial = w[9..];
                    var point = x[..3];
                    var feature = x[3..];

                    Span<double> xcam = stackalloc double[3];
                    for (int i = 0; i < 3; i++)
                    {
                        xcam[i] = point[i] - center[i];
                    }

                    xcam[2] += SceneDepth;
                    Span<double> rotated = stackalloc double[3];
                    RotatePoint(rot, xcam, rotated);
                    Span<double> proj = stackalloc double[2];
                    proj[0] = rotated[0] / rotated[2];
                    proj[1] = rotated[1] / rotated[2];
                    Distort(radial, proj);
                    for (int i = 0; i < 2; i++)
                    {
                        y[i] = proj[i] * focal + principal[i] - feature[i];
                    }

                    y[2] = double.Hypot(y[0], y[1]);
                }

                private static void RotatePoint(ReadOnlySpan<double> rot, ReadOnlySpan<double> pt, Span<double> result)
                {
                    double sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
                    if (sqtheta != 0)
                    {
                        double theta = Math.Sqrt(sqtheta);
                        double costheta = Math.Cos(theta);
                        double sintheta = Math.Sin(theta);
                        double thetaInverse = 1.0 / theta;
                        Span<double> axis = stackalloc double[3];
                        for (int i = 0; i < 3; i++)
                        {
                            axis[i] = rot[i] * thetaInverse;
                        }

                        Span<double> cross = stackalloc double[3];
                        Cross(axis, pt, cross);
                        double tmp = (axis[0] * pt[0] + axis[1] * pt[1] + axis[2] * pt[2]) * (1.0 - costheta);
                        for (int i = 0; i < 3; i++)
                        {
                            result[i] = pt[i] * costheta + cross[i] * sintheta + axis[i] * tmp;
                        }
                    }
                    else
                    {
                        Span<double> cross = stackalloc double[3];
                        Cross(rot, pt, cross);
                        for (int i = 0; i < 3; i++)
                        {
                            result[i] = pt[i] + cross[i];
                        }
                    }
                }

                private static void Cross(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> r)
                {
                    r[0] = a[1] * b[2] - a[2] * b[1];
                    r[1] = a[2] * b[0] - a[0] * b[2];
                    r[2] = a[0] * b[1] - a[1] * b[0];
                }

                private static void Distort(ReadOnlySpan<double> radial, Span<double> proj)
                {
                    double rsq = proj[0] * proj[0] + proj[1] * proj[1];
                    double l = 1 + radial[0] * rsq + radial[1] * rsq * rsq;
                    proj[0] *= l;
                    proj[1] *= l;
                }
            }
            """),

        // Hand tracking, cut down: a chain of bones, each turning about its own axis (chosen by a switch), frames
        // multiplied in a span helper; the fingertip, its heading, its tilt and its elevation.
        new("HandChain", """
            public partial class HandChain
            {
                private static readonly int[] Axes = { 2, 0, 1, 2 };
                private static readonly double[] Lengths = { 1.0, 0.8, 0.6, 0.4 };

                [MoreauLayer(Parameters = 4, Inputs = 3, Outputs = 6)]
                public void Pose(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    Span<double> frame = stackalloc double[9];
                    Span<double> rotation = stackalloc double[9];
                    Span<double> next = stackalloc double[9];
                    Span<double> tip = stackalloc double[3];
                    for (int i = 0; i < 3; i++)
                    {
                        frame[i * 4] = 1;
                        tip[i] = x[i];
                    }

                    tip[0] += 2;
                    for (int bone = 0; bone < Axes.Length; bone++)
                    {
                        AxisRotation(Axes[bone], w[bone], rotation);
                        MatMul(frame, rotation, next);
                        next.CopyTo(frame);
                        for (int i = 0; i < 3; i++)
                        {
                            tip[i] += frame[i * 3 + 1] * Lengths[bone];
                        }
                    }

                    for (int i = 0; i < 3; i++)
                    {
                        y[i] = tip[i];
                    }

                    double reach = Math.Sqrt(tip[0] * tip[0] + tip[1] * tip[1] + tip[2] * tip[2]);
                    y[3] = Math.Atan2(tip[1], tip[0]);
                    y[4] = Math.Acos(Math.Clamp(frame[8], -1.0, 1.0));
                    y[5] = Math.Asin(tip[2] / reach);
                }

                private static void AxisRotation(int axis, double angle, Span<double> r)
                {
                    double c = Math.Cos(angle);
                    double s = Math.Sin(angle);
                    r.Clear();
                    switch (axis)
                    {
                        case 0:
                            r[0] = 1;
                            r[4] = c;
                            r[5] = -s;
                            r[7] = s;
                            r[8] = c;
                            break;
                        case 1:
                            r[0] = c;
                            r[2] = s;
                            r[4] = 1;
                            r[6] = -s;
                            r[8] = c;
                            break;
                        default:
                            r[0] = c;
                            r[1] = -s;
                            r[3] = s;
                            r[4] = c;
                            r[8] = 1;
                            break;
                    }
                }

                private static void MatMul(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c)
                {
                    for (int i = 0; i < 3; i++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            double sum = 0;
                            for (int k = 0; k < 3; k++)
                            {
                                sum += a[i * 3 + k] * b[k * 3 + j];
                            }

                            c[i * 3 + j] = sum;
                        }
                    }
                }
            }
            """),

        // Siskind–Pearlmutter particle: fired from (0, 8) under gravity through the repelling field of two charges (one
        // moved by w), stepped until it lands (about 40 steps); the squared landing distance.
        new("Particle", """
            public partial class Particle
            {
                private const double Dt = 0.1;
                private const double Gravity = 1;

                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
                public void Fire(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                {
                    double px = 0;
                    double py = 8;
                    double vx = 0.75 + 0.1 * x[0];
                    double vy = 0.1 * x[1];
                    bool landed = false;
                    while (!landed)
                    {
                        double ax = 0;
                        double ay = -Gravity;
                        Field(px, py, 10, 10 - w[0], ref ax, ref ay);
                        Field(px, py, 10, 0, ref ax, ref ay);
                        vx += Dt * ax;
                        vy += Dt * ay;
                        px += Dt * vx;
                        py += Dt * vy;
                        if (py <= 0)
                        {
                            landed = true;
                        }
                    }

                    double back = py / vy;
                    double landing = px - back * vx;
                    y[0] = landing * landing;
                }

                private static void Field(double px, double py, double cx, double cy, ref double ax, ref double ay)
                {
                    double dx = px - cx;
                    double dy = py - cy;
                    double r = Math.Sqrt(dx * dx + dy * dy);
                    ax += dx / (r * r * r);
                    ay += dy / (r * r * r);
                }
            }
            """),
    ];
}
