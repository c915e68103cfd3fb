namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// Layers with <c>while</c> and <c>do</c> loops that no int counter bounds: the trips are known only as the loop runs; the
/// taped Forward records them in a fixed reserve per sample of the call's tape, and the reverse pass re-runs the forward
/// pass on a pooled tape that grows with them only for a sample that overflowed it. Each loop ends for every
/// input the checks draw (a value that falls by a fixed step, a contraction, Newton's method, a projectile that falls).
/// Same conventions as <see cref="LayerCorpus"/>; the gradients are those of the piece the sample falls in.
/// </summary>
internal static class UnboundedLoopCorpus
{
    private const string Span3 = "(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)";

    public static readonly CorpusEntry[] Layers =
    [
        new("ProjectileUntilLanded", $$"""
            public partial class ProjectileUntilLanded
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // A projectile with drag integrated until it lands; the landing point by linear (trapezoid)
                    // interpolation between the last two positions.
                    Span<T> p = stackalloc T[2];
                    Span<T> v = stackalloc T[2];
                    p[0] = 0;
                    p[1] = 0.1f;
                    v[0] = 1 + x[0] * x[0];
                    v[1] = 2 + 0.5f * x[1] * x[1];
                    T dt = 0.05f;
                    T t = 0;
                    T px = 0;
                    T py = 0;
                    bool landed = false;
                    while (!landed)
                    {
                        px = p[0];
                        py = p[1];
                        T speed = M.Sqrt(v[0] * v[0] + v[1] * v[1]);
                        T drag = 0.1f * w[0] * w[0] * speed;
                        v[0] -= dt * drag * v[0];
                        v[1] -= dt * (9.81f * (1 + 0.1f * w[1] * w[1]) + drag * v[1]);
                        p[0] += dt * v[0];
                        p[1] += dt * v[1];
                        t += dt;
                        if (p[1] < 0)
                        {
                            landed = true;
                        }
                    }

                    T fraction = py / (py - p[1]);
                    y[0] = px + fraction * (p[0] - px);
                    y[1] = t - dt + fraction * dt;
                }
            }
            """),
        new("NewtonDoUntilConverged", $$"""
            public partial class NewtonDoUntilConverged
            {
                private static readonly T Tolerance = typeof(T) == typeof(double) ? (T)1e-12 : (T)1e-5;

                [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // The cube root of a by Newton's method, to a tolerance on the step, with no counter.
                    T a = 1 + x[0] * x[0] + w[0] * w[0];
                    T z = a;
                    T dz = 0;
                    do
                    {
                        dz = (z * z * z - a) / (3 * z * z);
                        z -= dz;
                    }
                    while (M.Abs(dz) > Tolerance * z);

                    y[0] = z * w[1];
                }
            }
            """),
        new("FixedPointWhileResidual", $$"""
            public partial class FixedPointWhileResidual
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // A contraction iterated while its residual is large.
                    T z = x[0];
                    T r = 1;
                    while (M.Abs(r) > 1e-4f)
                    {
                        T next = 0.5f * M.Cos(z * w[0]) + 0.3f * x[1];
                        r = next - z;
                        z = next;
                    }

                    y[0] = z;
                    y[1] = z * x[1] + w[0];
                }
            }
            """),
        new("WhileInForWithJumps", $$"""
            public partial class WhileInForWithJumps
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    T total = 0;
                    int steps = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        // r falls by a fixed step: the loop ends.
                        T r = 2 + x[i] * x[i];
                        while (r > 1)
                        {
                            r -= 0.3f;
                            steps++;
                            if (r < 1.2f)
                            {
                                continue;
                            }

                            total += M.Sin(w[0] * r) * x[i];
                            if (total > 5)
                            {
                                break;
                            }
                        }

                        total += r * w[1];
                    }

                    y[0] = total;
                    y[1] = steps * w[0];
                }
            }
            """),
        new("WhileOnIntWithHelperAndReturn", $$"""
            public partial class WhileOnIntWithHelperAndReturn
            {
                private static T Damp(T v, T c) => v / (1 + c * c);

                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    Span<T> acc = stackalloc T[2];
                    int n = 13 + x.Length;
                    T v = x[1] * w[0];
                    while (n != 0)
                    {
                        v = Damp(v, w[1]) + x[0] * 0.5f;
                        acc[n % 2] += v * v;
                        n = n / 2;
                        if (v > 0.9f)
                        {
                            y[0] = v;
                            y[1] = acc[0] + acc[1];
                            return;
                        }
                    }

                    y[0] = acc[0] * w[0];
                    y[1] = acc[1] + v;
                }
            }
            """),
        new("ReturnFromLoopsInsideUnboundedLoop", $$"""
            public partial class ReturnFromLoopsInsideUnboundedLoop
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // A return two loops deep inside a loop no counter bounds, taken on its first trip for every input:
                    // it must end the outer loop too, whose flag alone stops it.
                    bool done = false;
                    T r = 1 + 0.25f * M.Tanh(x[0]);
                    T s = 0;
                    while (!done)
                    {
                        r -= 0.1f;
                        if (r < 0)
                        {
                            done = true;
                        }

                        for (int i = 0; i < 3; i++)
                        {
                            T q = 1 + 0.2f * x[1] * x[1];
                            do
                            {
                                q -= 0.4f;
                                s += M.Sin(w[0] * q + x[i % 2]);
                                if (i > 1)
                                {
                                    y[0] = s * w[1];
                                    y[1] = s + r;
                                    return;
                                }
                            }
                            while (q > 0);
                        }
                    }

                    y[0] = s;
                    y[1] = r;
                }
            }
            """),
        new("UnboundedLoopWithNothingToReverse", $$"""
            public partial class UnboundedLoopWithNothingToReverse
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // The second loop reads neither w nor x: it records its trip count and has nothing to reverse, and the
                    // first loop's reverse must still read its own count.
                    T a = 3 + x[0] * w[0];
                    while (a > 1)
                    {
                        a *= 0.5f;
                    }

                    T s = 1;
                    while (s < 100)
                    {
                        s *= 2;
                    }

                    y[0] = a * s + M.Sin(w[0]);
                }
            }
            """),
        new("NestedUnboundedLoops", $$"""
            public partial class NestedUnboundedLoops
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // A while in a do, each with no counter; the inner trip count differs from one outer trip to the next.
                    T outer = 1.5f + x[0] * x[0];
                    T s = 0;
                    do
                    {
                        T inner = outer + x[1] * x[1];
                        while (inner > 0.5f)
                        {
                            s += M.Tanh(w[0] * inner + x[1]);
                            inner -= 0.4f;
                        }

                        s = s * w[1];
                        outer -= 0.35f;
                    }
                    while (outer > 0);

                    y[0] = s;
                }
            }
            """),
        new("ManyTripsGrowTheTape", $$"""
            public partial class ManyTripsGrowTheTape
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // Two to five thousand trips: the pooled tape grows several times within one sample. (The start is
                    // piecewise constant in x: a start that moved with x would move the last trip, a jump in y.)
                    T h = 2 + M.Floor(3 * x[0] * x[0]);
                    T s = 0;
                    while (h > 0)
                    {
                        s += M.Sin(w[0] * h + x[1] * x[0]) * 0.001f;
                        h -= 0.001f;
                    }

                    y[0] = s * w[1] + h;
                }
            }
            """),
        new("SomeSamplesOverflowTheReserve", $$"""
            public partial class SomeSamplesOverflowTheReserve
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // About 20 trips when x[0]² < 0.5, about 1,020 when not: a batch mixes samples whose trips fit the
                    // reserve of the call's tape with samples that overflow it. (The start is piecewise constant in x.)
                    T h = 0.2f + 10 * M.Floor(2 * x[0] * x[0]);
                    T s = 0;
                    while (h > 0)
                    {
                        s += M.Sin(w[0] * h + x[1]) * 0.01f;
                        h -= 0.01f;
                    }

                    y[0] = s * w[1] + x[0] * h;
                }
            }
            """),
        new("LargeStraightPartAndSmallWhileLoop", $$"""
            public partial class LargeStraightPartAndSmallWhileLoop
            {
                [MoreauLayer(Parameters = 3, Inputs = 64, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // 64 × 64 tanh products recorded by for loops, then a small loop with no trip bound that halves z
                    // until it is tiny: 30 trips, 64 (as many as the reserve of the call's tape has room for) when
                    // x[0]² ≥ 0.5, about 80 (more) when x[1]² ≥ 0.5. (The start is piecewise constant in x.)
                    T a = 0;
                    for (int i = 0; i < 64; i++)
                    {
                        for (int j = 0; j < 64; j++)
                        {
                            a += M.Tanh(w[0] * x[i] * x[j]);
                        }
                    }

                    T z = 1 + 1.5e10f * M.Floor(2 * x[0] * x[0]) + 1e15f * M.Floor(2 * x[1] * x[1]);
                    T s = 0;
                    while (M.Abs(z) > 1e-9f)
                    {
                        s += M.Sin(w[1] * s + x[2]) * 0.1f;
                        z *= 0.5f;
                    }

                    y[0] = a * 0.01f + s * w[2];
                }
            }
            """),
        new("NestedLoopsWithJumpsOverflowTheReserve", $$"""
            public partial class NestedLoopsWithJumpsOverflowTheReserve
            {
                [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)]
                public void Apply{{Span3}}
                {
                    // 40 to 80 outer trips of about 10 inner ones each: every sample overflows the reserve of the call's
                    // tape (room for 64 trips of each loop), so Pullback records it again. A break ends the inner loop; a
                    // return two loops deep ends both once a falls below a level set by x[0] (never, for x[0] near -1).
                    T a = 2 + M.Floor(2 * x[0] * x[0]);
                    T s = 0;
                    while (a > 0)
                    {
                        T b = 1 + 0.1f * x[1];
                        while (true)
                        {
                            if (b < 0.05f)
                            {
                                break;
                            }

                            s += M.Sin(w[0] * b + x[1]) * 0.1f;
                            if (a < 0.5f + 0.5f * x[0] && b < 0.5f)
                            {
                                y[0] = s * w[1];
                                y[1] = a;
                                return;
                            }

                            b -= 0.1f;
                        }

                        s = s * (1 + 0.01f * w[1]);
                        a -= 0.05f;
                    }

                    y[0] = s;
                    y[1] = a + w[0];
                }
            }
            """),
        new("TriangularLoopInsideUnboundedLoop", $$"""
            public partial class TriangularLoopInsideUnboundedLoop
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // The records of a trip of the while loop are not a closed form of the sizes: a triangular loop, and a
                    // loop bounded by an int local computed in the trip. They are counted before the sample runs.
                    T h = 1 + 0.1f * x[0];
                    T s = 0;
                    while (h > 0)
                    {
                        for (int i = 0; i < x.Length; i++)
                        {
                            for (int j = 0; j <= i; j++)
                            {
                                s += M.Sin(w[j % 2] * h + x[i]) * 0.1f;
                            }
                        }

                        int last = x.Length - 1;
                        for (int k = 0; k < last; k++)
                        {
                            s += M.Tanh(w[1] * x[k + 1] * h);
                        }

                        h -= 0.3f;
                    }

                    y[0] = s * w[1] + h;
                }
            }
            """),
        new("TriangularLoopBesideUnboundedLoop", $$"""
            public partial class TriangularLoopBesideUnboundedLoop
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // A triangular loop outside the while loop, bounded by an int local: the records outside the trips are
                    // not a closed form either; the same local bounds a loop in the trips.
                    int n = x.Length - 1;
                    T s = 0;
                    for (int i = 0; i < n; i++)
                    {
                        for (int j = i; j < n; j++)
                        {
                            s += M.Tanh(w[0] * x[i] * x[j + 1]);
                        }
                    }

                    T h = 1 + 0.1f * x[2];
                    while (h > 0)
                    {
                        s += M.Sin(w[1] * h + s) * 0.2f;
                        for (int k = 0; k < n; k++)
                        {
                            s += M.Cos(w[0] * h + x[k]) * 0.1f;
                        }

                        h -= 0.25f;
                    }

                    y[0] = s;
                }
            }
            """),
        new("LoopsInUnboundedLoopsVaryWithTheLoopsAround", $$"""
            public partial class LoopsInUnboundedLoopsVaryWithTheLoopsAround
            {
                [MoreauLayer(Parameters = 2, Inputs = 3, Outputs = 1)]
                public void Apply{{Span3}}
                {
                    // Inside while loops with no counter, loops bounded by the index of the for loop around them (directly
                    // and through an int local) and by an int local of a while loop's trip: the room a trip makes is the
                    // largest over the for loop's trips.
                    T s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        int upto = i + 1;
                        T h = 1 + 0.1f * x[i];
                        while (h > 0)
                        {
                            for (int j = 0; j <= i; j++)
                            {
                                s += M.Sin(w[0] * h + x[j]) * 0.1f;
                            }

                            int n = x.Length - 1;
                            T b = h;
                            while (b > 0)
                            {
                                for (int k = 0; k < n; k++)
                                {
                                    s += M.Tanh(w[1] * b * x[k + 1]) * 0.1f;
                                }

                                for (int k = 0; k < upto; k++)
                                {
                                    s += M.Cos(w[1] * b + x[k]) * 0.05f;
                                }

                                b -= 0.4f;
                            }

                            h -= 0.3f;
                        }
                    }

                    y[0] = s * w[0];
                }
            }
            """),
    ];
}
