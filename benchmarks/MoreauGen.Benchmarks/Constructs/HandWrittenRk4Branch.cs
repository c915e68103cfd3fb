namespace MoreauGen.Benchmarks.Constructs;

/// <summary>
/// The hand-written adjoint of <see cref="Rk4Branch"/>: the forward pass records the state (θ, ω) at the start of each
/// step (2·Steps values per sample); the reverse pass walks the steps backwards, recomputes each step's stages from its
/// state and pulls the adjoint of (θ, ω) back through them (RK4's stage equations differentiated by hand).
/// </summary>
internal static class HandWrittenRk4Branch
{
    private const double H = Rk4Branch.Dt;
    private const int Steps = Rk4Branch.Steps;

    /// <summary>Values recorded per sample.</summary>
    public const int TapePerSample = 2 * Steps;

    /// <summary>Forward over m samples (x, y: m × 2), recording each step's starting state on the tape (m × 2·Steps).</summary>
    public static void Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y, Span<double> tape)
    {
        int m = x.Length / 2;
        double w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        for (int s = 0; s < m; s++)
        {
            double theta = x[2 * s], omega = x[2 * s + 1];
            Span<double> record = tape.Slice(s * TapePerSample, TapePerSample);
            for (int k = 0; k < Steps; k++)
            {
                record[2 * k] = theta;
                record[2 * k + 1] = omega;
                double torque = theta > 0.25 ? w2 - w3 * (theta - 0.25) : w2;
                double a1 = torque - w0 * omega - w1 * Math.Sin(theta);
                double t2 = theta + 0.5 * H * omega, o2 = omega + 0.5 * H * a1;
                double a2 = torque - w0 * o2 - w1 * Math.Sin(t2);
                double t3 = theta + 0.5 * H * o2, o3 = omega + 0.5 * H * a2;
                double a3 = torque - w0 * o3 - w1 * Math.Sin(t3);
                double t4 = theta + H * o3, o4 = omega + H * a3;
                double a4 = torque - w0 * o4 - w1 * Math.Sin(t4);
                theta += H / 6 * (omega + 2 * o2 + 2 * o3 + o4);
                omega += H / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
            }

            y[2 * s] = theta;
            y[2 * s + 1] = omega;
        }
    }

    /// <summary>gradW = Σ_s (∂y_s/∂w)ᵀλ_s (written, not added), gradX_s = (∂y_s/∂x_s)ᵀλ_s, from the tape of <see cref="Forward"/>.</summary>
    public static void Pullback(ReadOnlySpan<double> w, ReadOnlySpan<double> tape, ReadOnlySpan<double> lambda, Span<double> gradW, Span<double> gradX)
    {
        int m = lambda.Length / 2;
        double w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        double g0 = 0, g1 = 0, g2 = 0, g3 = 0;
        for (int s = 0; s < m; s++)
        {
            ReadOnlySpan<double> record = tape.Slice(s * TapePerSample, TapePerSample);
            double dTheta = lambda[2 * s], dOmega = lambda[2 * s + 1];
            for (int k = Steps - 1; k >= 0; k--)
            {
                double theta = record[2 * k], omega = record[2 * k + 1];
                bool restoring = theta > 0.25;
                double torque = restoring ? w2 - w3 * (theta - 0.25) : w2;
                (double s1, double c1) = Math.SinCos(theta);
                double a1 = torque - w0 * omega - w1 * s1;
                double t2 = theta + 0.5 * H * omega, o2 = omega + 0.5 * H * a1;
                (double s2, double c2) = Math.SinCos(t2);
                double a2 = torque - w0 * o2 - w1 * s2;
                double t3 = theta + 0.5 * H * o2, o3 = omega + 0.5 * H * a2;
                (double s3, double c3) = Math.SinCos(t3);
                double a3 = torque - w0 * o3 - w1 * s3;
                double t4 = theta + H * o3, o4 = omega + H * a3;
                (double s4, double c4) = Math.SinCos(t4);

                double nTheta = dTheta, nOmega = dOmega + H / 6 * dTheta;
                double do2 = H / 3 * dTheta, do3 = H / 3 * dTheta, do4 = H / 6 * dTheta;
                double da1 = H / 6 * dOmega, da2 = H / 3 * dOmega, da3 = H / 3 * dOmega, da4 = H / 6 * dOmega;

                double dTorque = da4;
                g0 -= da4 * o4;
                do4 -= w0 * da4;
                g1 -= da4 * s4;
                double dt4 = -w1 * c4 * da4;
                nOmega += do4;
                da3 += H * do4;
                nTheta += dt4;
                do3 += H * dt4;

                dTorque += da3;
                g0 -= da3 * o3;
                do3 -= w0 * da3;
                g1 -= da3 * s3;
                double dt3 = -w1 * c3 * da3;
                nOmega += do3;
                da2 += 0.5 * H * do3;
                nTheta += dt3;
                do2 += 0.5 * H * dt3;

                dTorque += da2;
                g0 -= da2 * o2;
                do2 -= w0 * da2;
                g1 -= da2 * s2;
                double dt2 = -w1 * c2 * da2;
                nOmega += do2;
                da1 += 0.5 * H * do2;
                nTheta += dt2;
                nOmega += 0.5 * H * dt2;

                dTorque += da1;
                g0 -= da1 * omega;
                nOmega -= w0 * da1;
                g1 -= da1 * s1;
                nTheta -= w1 * c1 * da1;

                g2 += dTorque;
                if (restoring)
                {
                    g3 -= dTorque * (theta - 0.25);
                    nTheta -= w3 * dTorque;
                }

                dTheta = nTheta;
                dOmega = nOmega;
            }

            gradX[2 * s] = dTheta;
            gradX[2 * s + 1] = dOmega;
        }

        gradW[0] = g0;
        gradW[1] = g1;
        gradW[2] = g2;
        gradW[3] = g3;
    }
}
