using System.Globalization;

namespace MoreauGen;

/// <summary>
/// A NaN or an infinity appeared in a chain's computation: thrown by the oracles (<see cref="Backpropagation{T}"/>,
/// <see cref="MoreauBackpropagation{T}"/>) and the optimisers, which stop there. Names the iteration (inside an
/// optimiser run), the layer and the quantity. The parameters are left as they were before the failing iteration.
/// </summary>
public sealed class NonFiniteValueException : ArithmeticException
{
    /// <summary>Creates the exception for <paramref name="quantity"/> produced by layer <paramref name="layer"/> (1..τ, or 0 for the objective).</summary>
    public NonFiniteValueException(int iteration, int layer, int layerCount, string component, string quantity, int index, double value)
        : base(Compose(iteration, layer, layerCount, component, quantity, index, value))
    {
        Iteration = iteration;
        Layer = layer;
        LayerCount = layerCount;
        Component = component;
        Quantity = quantity;
        Index = index;
        Value = value;
    }

    /// <summary>The optimiser iteration k (0-based, as in paper Alg. 6), or −1 when thrown outside an optimiser run.</summary>
    public int Iteration { get; }

    /// <summary>The layer t that produced the value, numbered 1..τ as in the paper; 0 when the objective h produced it.</summary>
    public int Layer { get; }

    /// <summary>τ, the number of layers of the chain.</summary>
    public int LayerCount { get; }

    /// <summary>The name of the layer (or of the objective) that produced the value.</summary>
    public string Component { get; }

    /// <summary>What was being computed, e.g. "the state x_37" or "the update g_3".</summary>
    public string Quantity { get; }

    /// <summary>The position of the first non-finite value within that vector.</summary>
    public int Index { get; }

    /// <summary>The first non-finite value (NaN, +∞ or −∞).</summary>
    public double Value { get; }

    /// <summary>The same error, attributed to optimiser iteration <paramref name="iteration"/>.</summary>
    internal NonFiniteValueException AtIteration(int iteration) =>
        new(iteration, Layer, LayerCount, Component, Quantity, Index, Value);

    private static string Compose(int iteration, int layer, int layerCount, string component, string quantity, int index, double value)
    {
        string where = layer > 0
            ? string.Create(CultureInfo.InvariantCulture, $"layer {layer} of {layerCount} ({component})")
            : $"the objective ({component})";
        string what = double.IsNaN(value) ? "NaN" : value > 0 ? "+∞" : "−∞";
        string prefix = iteration >= 0 ? string.Create(CultureInfo.InvariantCulture, $"Iteration {iteration}: ") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{prefix}{where} produced a non-finite value in {quantity} ({what} at index {index}). The parameters were left as they were before this step; a smaller step size, or inputs and parameters in the layer's domain, may avoid it.");
    }
}
