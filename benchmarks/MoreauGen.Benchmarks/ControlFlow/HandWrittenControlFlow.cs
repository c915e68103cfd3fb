namespace MoreauGen.Benchmarks.ControlFlow;

/// <summary>
/// Hand-written adjoints of <see cref="BreakingIntegrator"/> and <see cref="EarlyReturnSum"/> for a batch: the forward
/// pass keeps the states (on the stack) and the number of steps taken; the reverse pass walks them backwards. Both
/// add into gradW and write gradX, as <c>Pullback</c> does.
/// </summary>
internal static class HandWrittenControlFlow
{
    public static void Integrator(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        const int steps = BreakingIntegrator.Steps;
        const double dt = BreakingIntegrator.Dt;
        Span<double> hs = stackalloc double[steps + 1];
        Span<double> vs = stackalloc double[steps + 1];
        gradW.Clear();
        int m = x.Length / 2;
        for (int s = 0; s < m; s++)
        {
            double h = x[2 * s], v = x[2 * s + 1];
            int n = 0;
            while (n < steps)
            {
                hs[n] = h;
                vs[n] = v;
                v -= dt * (9.81 * Math.Sin(h) + w[0] * v);
                h += dt * v;
                n++;
                if (h < -1.5)
                {
                    break;
                }
            }

            PendulumAdjoint(s, h, v, hs, vs, n, dt, w, y, lambda, gradW, gradX);
        }
    }

    /// <summary>
    /// Writes sample <paramref name="s"/>'s outputs (h·w1, v) and walks its <paramref name="n"/> pendulum steps backwards
    /// from the states <paramref name="hs"/>, <paramref name="vs"/> each step started from.
    /// </summary>
    public static void PendulumAdjoint(int s, double h, double v, ReadOnlySpan<double> hs, ReadOnlySpan<double> vs, int n, double dt,
        ReadOnlySpan<double> w, Span<double> y, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        y[2 * s] = h * w[1];
        y[2 * s + 1] = v;
        double hb = lambda[2 * s] * w[1], vb = lambda[2 * s + 1];
        gradW[1] += lambda[2 * s] * h;
        for (int k = n - 1; k >= 0; k--)
        {
            // h' = h + dt v', v' = v - dt (g sin h + w0 v)
            vb += dt * hb;
            double h0 = hs[k], v0 = vs[k];
            gradW[0] -= vb * dt * v0;
            hb -= vb * dt * 9.81 * Math.Cos(h0);
            vb *= 1 - dt * w[0];
        }

        gradX[2 * s] = hb;
        gradX[2 * s + 1] = vb;
    }

    public static void Sum(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        Span<double> t = stackalloc double[8];
        gradW.Clear();
        int m = x.Length / 8;
        for (int s = 0; s < m; s++)
        {
            ReadOnlySpan<double> xs = x.Slice(8 * s, 8);
            Span<double> gx = gradX.Slice(8 * s, 8);
            gx.Clear();
            double sum = 0;
            int n = 0;
            bool returned = false;
            while (n < 8)
            {
                t[n] = Math.Tanh(w[n] * xs[n]);
                sum += t[n];
                n++;
                if (sum > 2.5)
                {
                    returned = true;
                    break;
                }
            }

            y[s] = returned ? sum * sum : sum;
            double sb = returned ? 2 * sum * lambda[s] : lambda[s];
            for (int i = n - 1; i >= 0; i--)
            {
                double d = sb * (1 - t[i] * t[i]);
                gradW[i] += d * xs[i];
                gx[i] = d * w[i];
            }
        }
    }
}
