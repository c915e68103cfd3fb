namespace MoreauGen.Tests.Oracles;

/// <summary>The three target passes.</summary>
public enum Variant { AugmentedLagrangian, TargetPropagation, ProximalBackpropagation }

/// <summary>
/// An independent reference for the target passes on a chain of linear layers φ_t(W_t, x) = W_t·x (per sample) with
/// h(x) = c‖x − y‖²: every subproblem is a quadratic, written in the absolute variable and solved by dense Gaussian
/// elimination on explicitly built Jacobians — not the runtime's route (offsets from the forward point, start gradients
/// from a pullback, conjugate gradients or an inner solver).
/// </summary>
internal sealed class DenseLinearChain(int[] sizes, int batch)
{
    public int Layers => sizes.Length - 1;

    public int ParameterOffset(int t) => Enumerable.Range(0, t).Sum(i => sizes[i] * sizes[i + 1]);

    public int ParameterCount => ParameterOffset(Layers);

    /// <summary>The directions d_t = w_t − w⁺_t of the variant's pass at (w, x₀), all layers back to back.</summary>
    public double[] Directions(Variant variant, double[] w, double[] x0, double[] targets, double weight,
                               double alpha, double beta, double gamma, double kappa, double mu)
    {
        int tau = Layers;
        var states = new double[tau + 1][];
        states[0] = x0;
        for (int t = 1; t <= tau; t++) states[t] = Multiply(InputJacobian(w, t), states[t - 1]);

        // x⁺_τ = argmin c‖y − target‖² + (ρ/2)‖y − x_τ‖² = (2c·target + ρ·x_τ)/(2c + ρ).
        double rho = variant switch
        {
            Variant.TargetPropagation => kappa,
            _ => 1 / gamma + kappa,
        };
        double[] xt = states[tau];
        double[] target = xt.Select((x, i) => (2 * weight * targets[i] + rho * x) / (2 * weight + rho)).ToArray();
        double b = variant == Variant.AugmentedLagrangian ? beta : 0;
        var direction = new double[ParameterCount];
        for (int t = tau; t >= 1; t--)
        {
            double[] r = states[t].Zip(target, (x, y) => x - y).ToArray();
            double[,] jx = InputJacobian(w, t), jw = ParameterJacobian(states[t - 1], t);
            double[] wt = w[ParameterOffset(t - 1)..ParameterOffset(t)];

            // (ρ_w + μ)v + κJ_wᵀJ_w v = ρ_w·w_t + κJ_wᵀx⁺_t − βJ_wᵀr_t.
            double rhoW = variant == Variant.TargetPropagation ? 0 : 1 / alpha;
            double[] v = SolveNormal(jw, rhoW + mu, kappa, wt, rhoW, target, b, r);
            for (int i = 0; i < wt.Length; i++) direction[ParameterOffset(t - 1) + i] = wt[i] - v[i];

            // (ρ_x + κJ_xᵀJ_x)y = ρ_x·x_{t−1} + κJ_xᵀx⁺_t − βJ_xᵀr_t, ρ_x = 1/γ + κ (0 for target propagation).
            double rhoX = variant == Variant.TargetPropagation ? 0 : 1 / gamma + kappa;
            target = SolveNormal(jx, rhoX, kappa, states[t - 1], rhoX, target, b, r);
        }

        return direction;
    }

    /// <summary>Solves (d·I + κJᵀJ)z = p·z₀ + κJᵀx⁺ − βJᵀr densely.</summary>
    private static double[] SolveNormal(double[,] j, double diagonal, double kappa, double[] z0, double p, double[] target, double beta, double[] r)
    {
        int rows = j.GetLength(0), n = j.GetLength(1);
        var a = new double[n, n];
        var rhs = new double[n];
        for (int k = 0; k < n; k++)
        {
            a[k, k] = diagonal;
            rhs[k] = p * z0[k];
            for (int i = 0; i < rows; i++) rhs[k] += j[i, k] * (kappa * target[i] - beta * r[i]);
            for (int l = 0; l < n; l++)
                for (int i = 0; i < rows; i++) a[k, l] += kappa * j[i, k] * j[i, l];
        }

        return Solve(a, rhs);
    }

    /// <summary>Gaussian elimination with partial pivoting.</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        a = (double[,])a.Clone();
        b = (double[])b.Clone();
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++) if (Math.Abs(a[i, k]) > Math.Abs(a[pivot, k])) pivot = i;
            for (int l = 0; l < n; l++) (a[k, l], a[pivot, l]) = (a[pivot, l], a[k, l]);
            (b[k], b[pivot]) = (b[pivot], b[k]);
            for (int i = k + 1; i < n; i++)
            {
                double f = a[i, k] / a[k, k];
                for (int l = k; l < n; l++) a[i, l] -= f * a[k, l];
                b[i] -= f * b[k];
            }
        }

        var z = new double[n];
        for (int k = n - 1; k >= 0; k--)
        {
            double s = b[k];
            for (int l = k + 1; l < n; l++) s -= a[k, l] * z[l];
            z[k] = s / a[k, k];
        }

        return z;
    }

    public static double[] Multiply(double[,] a, double[] x)
    {
        var y = new double[a.GetLength(0)];
        for (int i = 0; i < y.Length; i++)
            for (int k = 0; k < x.Length; k++) y[i] += a[i, k] * x[k];
        return y;
    }

    /// <summary>J_x of layer t: block diagonal, one W_t (outputs × inputs) per sample.</summary>
    private double[,] InputJacobian(double[] w, int t)
    {
        int p = sizes[t - 1], q = sizes[t], offset = ParameterOffset(t - 1);
        var j = new double[batch * q, batch * p];
        for (int s = 0; s < batch; s++)
            for (int o = 0; o < q; o++)
                for (int i = 0; i < p; i++) j[s * q + o, s * p + i] = w[offset + o * p + i];
        return j;
    }

    /// <summary>J_w of layer t at inputs x: ∂y[s, o]/∂W[o, i] = x[s, i].</summary>
    private double[,] ParameterJacobian(double[] x, int t)
    {
        int p = sizes[t - 1], q = sizes[t];
        var j = new double[batch * q, q * p];
        for (int s = 0; s < batch; s++)
            for (int o = 0; o < q; o++)
                for (int i = 0; i < p; i++) j[s * q + o, o * p + i] = x[s * p + i];
        return j;
    }
}
