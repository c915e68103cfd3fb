using System.Buffers;

namespace MoreauGen.Benchmarks.ControlFlow;

/// <summary>
/// The hand-written adjoint of <see cref="LandingProjectile"/> for a batch: the forward pass keeps each step's vertical
/// velocity in a buffer rented from ArrayPool (grown when a sample needs more steps) and counts the steps; the reverse
/// pass walks them backwards. px after k steps is k·dt·vx, so it needs no record. Adds into gradW and writes gradX, as
/// <c>Pullback</c> does.
/// </summary>
internal static class HandWrittenUnbounded
{
    public static void Projectile(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        const double dt = LandingProjectile.Dt;
        double c = w[0] * w[0];
        double[] vs = ArrayPool<double>.Shared.Rent(64);
        gradW.Clear();
        double gradC = 0;
        int m = x.Length / 2;
        for (int s = 0; s < m; s++)
        {
            double vx = 1 + 0.5 * x[2 * s], vy = 2 + x[2 * s + 1];
            double px = 0, py = 0.5, lastX = px, lastY = py;
            int n = 0;
            bool landed = false;
            while (!landed)
            {
                if (n == vs.Length)
                {
                    double[] larger = ArrayPool<double>.Shared.Rent(2 * n);
                    Array.Copy(vs, larger, n);
                    ArrayPool<double>.Shared.Return(vs);
                    vs = larger;
                }

                vs[n++] = vy;
                lastX = px;
                lastY = py;
                vy -= dt * (LandingProjectile.Gravity + c * vy);
                px += dt * vx;
                py += dt * vy;
                landed = py < 0;
            }

            double d = lastY - py, f = lastY / d, dx = px - lastX;
            y[s] = lastX + f * dx;

            // r = lastX + f·(px − lastX), f = lastY / (lastY − py); px = n·dt·vx, lastX = (n − 1)·dt·vx.
            double l = lambda[s];
            double bvx = l * (f * n * dt + (1 - f) * (n - 1) * dt);
            double bpy = l * dx * lastY / (d * d);
            double bLastY = -l * dx * py / (d * d);
            double bvy = 0;
            for (int k = n; k >= 1; k--)
            {
                // py_k = py_{k−1} + dt·vy_k; vy_k = vy_{k−1}·(1 − dt·c) − dt·g.
                bvy += dt * bpy;
                gradC -= bvy * dt * vs[k - 1];
                bvy *= 1 - dt * c;
                if (k == n)
                {
                    bpy += bLastY;
                }
            }

            gradX[2 * s] = 0.5 * bvx;
            gradX[2 * s + 1] = bvy;
        }

        gradW[0] += gradC * 2 * w[0];
        ArrayPool<double>.Shared.Return(vs);
    }
}
