using System.Diagnostics;

namespace MoreauGen.Benchmarks.Generator;

/// <summary>
/// A layer with a stack scratch span written by span helpers (y = (R·x + t) × x, R a 3 × 3 matrix and t a 3-vector in w),
/// generated from its body, against a hand-written adjoint of the same function.
/// </summary>
public partial class ScratchCrossLayer
{
    [MoreauLayer(Parameters = 12, Inputs = 3, Outputs = 3)]
    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        Span<double> q = stackalloc double[3];
        MatVec(w[..9], x, q);
        for (int i = 0; i < 3; i++)
        {
            q[i] += w[9 + i];
        }

        Cross(q, x, y);
    }

    private static void MatVec(ReadOnlySpan<double> m, ReadOnlySpan<double> v, Span<double> r)
    {
        for (int i = 0; i < 3; i++)
        {
            r[i] = m[3 * i] * v[0] + m[3 * i + 1] * v[1] + m[3 * i + 2] * v[2];
        }
    }

    private static void Cross(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> r)
    {
        r[0] = a[1] * b[2] - a[2] * b[1];
        r[1] = a[2] * b[0] - a[0] * b[2];
        r[2] = a[0] * b[1] - a[1] * b[0];
    }
}

/// <summary>
/// <c>scratch-rounds</c>: the generated Forward (taped) + Pullback of <see cref="ScratchCrossLayer"/> against a hand-written
/// forward and adjoint of y = (R·x + t) × x (λᵀ(q × x) = qᵀ(x × λ) = xᵀ(λ × q)), interleaved rounds, medians, ratio,
/// bytes allocated per call; the gradients of both are compared first.
/// </summary>
internal static class ScratchRounds
{
    public static int Run(string[] args)
    {
        int m = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1024;
        int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15;
        var layer = new ScratchCrossLayer();
        var random = new Random(5);
        double[] w = [.. Enumerable.Range(0, 12).Select(_ => random.NextDouble() - 0.5)];
        double[] x = [.. Enumerable.Range(0, 3 * m).Select(_ => random.NextDouble() - 0.5)];
        double[] lambda = [.. Enumerable.Range(0, 3 * m).Select(_ => random.NextDouble() - 0.5)];
        double[] y = new double[3 * m], tape = new double[layer.TapeLength(m)], gradW = new double[12], gradX = new double[3 * m];
        double[] yHand = new double[3 * m], gradWHand = new double[12], gradXHand = new double[3 * m];

        void Generated()
        {
            ((IMoreauLayer<double>)layer).Forward(w, x, y, tape);
            ((IMoreauLayer<double>)layer).Pullback(w, x, tape, lambda, gradW, gradX);
        }

        void Hand()
        {
            HandForward(w, x, yHand);
            HandPullback(w, x, lambda, gradWHand, gradXHand);
        }

        Generated();
        Hand();
        double difference = gradW.Zip(gradWHand, (a, b) => Math.Abs(a - b)).Concat(gradX.Zip(gradXHand, (a, b) => Math.Abs(a - b))).Concat(y.Zip(yHand, (a, b) => Math.Abs(a - b))).Max();
        Console.WriteLine($"max |generated - hand| over y, gradW, gradX: {difference:E2}");
        if (difference > 1e-12)
        {
            Console.WriteLine("the generated and hand-written results differ");
            return 1;
        }

        int calls = Math.Max(1, 2_000_000 / m);
        double Time(Action action)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
            {
                action();
            }

            return watch.Elapsed.TotalMilliseconds * 1e6 / ((double)calls * m);
        }

        Rounds.WarmUp(2.0, Generated, Hand);

        var generated = new List<double>();
        var hand = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            generated.Add(Time(Generated));
            hand.Add(Time(Hand));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        Generated();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double g = Rounds.Median(generated), h = Rounds.Median(hand);
        Console.WriteLine($"scratch-rounds m = {m}, {rounds} rounds of {calls} calls; load {Rounds.LoadAverage()}");
        Console.WriteLine($"generated Forward+Pullback {g:F2} ns/sample, hand-written {h:F2} ns/sample, ratio {g / h:F2}; generated allocates {allocated} B per call");
        return 0;
    }

    private static void HandForward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int s = 0; s < y.Length / 3; s++)
        {
            ReadOnlySpan<double> xs = x.Slice(3 * s, 3);
            double q0 = w[0] * xs[0] + w[1] * xs[1] + w[2] * xs[2] + w[9];
            double q1 = w[3] * xs[0] + w[4] * xs[1] + w[5] * xs[2] + w[10];
            double q2 = w[6] * xs[0] + w[7] * xs[1] + w[8] * xs[2] + w[11];
            y[3 * s] = q1 * xs[2] - q2 * xs[1];
            y[3 * s + 1] = q2 * xs[0] - q0 * xs[2];
            y[3 * s + 2] = q0 * xs[1] - q1 * xs[0];
        }
    }

    private static void HandPullback(ReadOnlySpan<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        gradW.Clear();
        for (int s = 0; s < lambda.Length / 3; s++)
        {
            double x0 = x[3 * s], x1 = x[3 * s + 1], x2 = x[3 * s + 2];
            double l0 = lambda[3 * s], l1 = lambda[3 * s + 1], l2 = lambda[3 * s + 2];
            double q0 = w[0] * x0 + w[1] * x1 + w[2] * x2 + w[9];
            double q1 = w[3] * x0 + w[4] * x1 + w[5] * x2 + w[10];
            double q2 = w[6] * x0 + w[7] * x1 + w[8] * x2 + w[11];

            // dq = x × λ; the direct part of dx = λ × q.
            double d0 = x1 * l2 - x2 * l1, d1 = x2 * l0 - x0 * l2, d2 = x0 * l1 - x1 * l0;
            gradW[0] += d0 * x0; gradW[1] += d0 * x1; gradW[2] += d0 * x2;
            gradW[3] += d1 * x0; gradW[4] += d1 * x1; gradW[5] += d1 * x2;
            gradW[6] += d2 * x0; gradW[7] += d2 * x1; gradW[8] += d2 * x2;
            gradW[9] += d0; gradW[10] += d1; gradW[11] += d2;
            gradX[3 * s] = w[0] * d0 + w[3] * d1 + w[6] * d2 + (l1 * q2 - l2 * q1);
            gradX[3 * s + 1] = w[1] * d0 + w[4] * d1 + w[7] * d2 + (l2 * q0 - l0 * q2);
            gradX[3 * s + 2] = w[2] * d0 + w[5] * d1 + w[8] * d2 + (l0 * q1 - l1 * q0);
        }
    }
}
