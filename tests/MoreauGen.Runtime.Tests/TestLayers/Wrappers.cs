namespace MoreauGen.Tests.TestLayers;

/// <summary>Delegates every oracle to another layer but declares no affinity, so the Moreau oracle uses its inner solver.</summary>
internal class UndeclaredLayer(IMoreauLayer<double> inner) : DelegatingLayer<double>(inner);

/// <summary>h(x) = Σᵢ log(1 + xᵢ²): smooth, non-convex (h'' ≥ −¼), with no closed-form Moreau gradient.</summary>
internal sealed class LogSquareObjective(int inputs) : IMoreauObjective<double>
{
    public int InputCount => inputs;

    public double Value(ReadOnlySpan<double> x)
    {
        double sum = 0;
        foreach (double v in x) sum += Math.Log(1 + v * v);
        return sum;
    }

    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> grad)
    {
        for (int i = 0; i < x.Length; i++) grad[i] = 2 * x[i] / (1 + x[i] * x[i]);
        return Value(x);
    }

    /// <summary>∇env(γh)(x) = −y*, y* solving γ·2(x + y)/(1 + (x + y)²) + y = 0 per coordinate, by Newton's method (γ &lt; 4).</summary>
    public static double[] ReferenceMoreauGradient(ReadOnlySpan<double> x, double gamma)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double y = 0;
            for (int k = 0; k < 100; k++)
            {
                double z = x[i] + y;
                double q = 1 + z * z;
                double f = gamma * 2 * z / q + y;
                double df = gamma * 2 * (1 - z * z) / (q * q) + 1;
                y -= f / df;
            }
            result[i] = -y;
        }
        return result;
    }
}
