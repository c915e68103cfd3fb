namespace MoreauGen.Benchmarks.ControlFlow;

/// <summary>
/// Hand-written adjoints of <see cref="WhileIntegrator"/> and <see cref="NewtonRoot"/> for a batch: the forward pass keeps
/// the states of the iterations it ran (on the stack) and their number; the reverse pass walks them backwards. Both add
/// into gradW and write gradX, as <c>Pullback</c> does.
/// </summary>
internal static class HandWrittenWhile
{
    public static void Integrator(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        const double dt = WhileIntegrator.Dt;
        Span<double> hs = stackalloc double[WhileIntegrator.MaxSteps];
        Span<double> vs = stackalloc double[WhileIntegrator.MaxSteps];
        gradW.Clear();
        int m = x.Length / 2;
        for (int s = 0; s < m; s++)
        {
            double h = x[2 * s], v = x[2 * s + 1], t = 0;
            int n = 0;
            while (t < WhileIntegrator.TEnd && n < WhileIntegrator.MaxSteps)
            {
                hs[n] = h;
                vs[n] = v;
                v -= dt * (9.81 * Math.Sin(h) + w[0] * v);
                h += dt * v;
                t += dt;
                n++;
            }

            HandWrittenControlFlow.PendulumAdjoint(s, h, v, hs, vs, n, dt, w, y, lambda, gradW, gradX);
        }
    }

    public static void Newton(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        Span<double> zs = stackalloc double[NewtonRoot.MaxIterations];
        gradW.Clear();
        for (int s = 0; s < x.Length; s++)
        {
            double a = w[0] * w[0] + x[s] * x[s] + 0.5;
            double z = a;
            int n = 0;
            while (Math.Abs(z * z - a) > 1e-12 && n < NewtonRoot.MaxIterations)
            {
                zs[n] = z;
                z = 0.5 * (z + a / z);
                n++;
            }

            y[s] = z * w[1];
            gradW[1] += lambda[s] * z;
            double zb = lambda[s] * w[1], ab = 0;
            for (int k = n - 1; k >= 0; k--)
            {
                double z0 = zs[k];
                ab += zb * 0.5 / z0;
                zb *= 0.5 * (1 - a / (z0 * z0));
            }

            ab += zb;
            gradW[0] += ab * 2 * w[0];
            gradX[s] = ab * 2 * x[s];
        }
    }
}
