using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoreauGen;

/// <summary>What was being computed when a non-finite value appeared.</summary>
internal enum NonFiniteQuantity
{

    /// <summary>x_t, the output of layer t.</summary>
    State,

    /// <summary>λ_{t−1}, the multiplier layer t passes back.</summary>
    Multiplier,

    /// <summary>The direction of w_t: the gradient ∇_{w_t}(h∘f) or the Moreau gradient g_t.</summary>
    Direction,

    /// <summary>w_t after the update.</summary>
    UpdatedParameters,

    /// <summary>h(x_τ).</summary>
    ObjectiveValue,

    /// <summary>∇h(x_τ) or ∇env(γh)(x_τ), which starts the backward pass.</summary>
    ObjectiveGradient,
}

/// <summary>Checks vectors for NaN and infinities and throws <see cref="NonFiniteValueException"/> naming the layer.</summary>
internal static class NonFinite
{
    /// <summary>Throws if <paramref name="values"/>, computed by the layer at <paramref name="index"/> (t − 1), holds a NaN or an infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check<T>(ReadOnlySpan<T> values, Chain<T> chain, int index, NonFiniteQuantity quantity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!AllFinite(values))
            ThrowForLayer(values, chain, index, quantity);
    }

    /// <summary>Throws if the objective's value or vector holds a NaN or an infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckObjective<T>(ReadOnlySpan<T> values, Chain<T> chain, object objective, NonFiniteQuantity quantity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!AllFinite(values))
            ThrowForObjective(values, chain, objective, quantity);
    }

    /// <summary>True when every value is finite (and for an empty span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T> => Vectors.AllFinite(values);

    /// <summary>
    /// Copies <paramref name="source"/> into the start of <paramref name="destination"/> and returns whether every value
    /// is finite, in one pass (the copy of x₀ into a workspace and its check).
    /// </summary>
    public static bool CopyAllFinite<T>(ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has {destination.Length} values for {source.Length}.", nameof(destination));
        int i = 0;
        bool finite = true;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> from = MemoryMarshal.Cast<T, Vector<T>>(source);
            Span<Vector<T>> to = MemoryMarshal.Cast<T, Vector<T>>(destination[..source.Length]);
            var infinity = new Vector<T>(T.PositiveInfinity);
            for (int v = 0; v < from.Length; v++)
            {
                Vector<T> value = from[v];
                to[v] = value;
                finite &= Vector.LessThanAll(Vector.Abs(value), infinity);
            }

            i = from.Length * Vector<T>.Count;
        }

        for (; i < source.Length; i++)
        {
            destination[i] = source[i];
            finite &= T.IsFinite(source[i]);
        }

        return finite;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowForLayer<T>(ReadOnlySpan<T> values, Chain<T> chain, int index, NonFiniteQuantity quantity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int t = index + 1;
        string name = quantity switch
        {
            NonFiniteQuantity.State => $"the state x_{t}",
            NonFiniteQuantity.Multiplier => $"the multiplier λ_{t - 1} it passes back",
            NonFiniteQuantity.Direction => $"the update direction of w_{t}",
            NonFiniteQuantity.UpdatedParameters => $"the updated parameters w_{t}",
            _ => quantity.ToString(),
        };
        int position = FirstNonFinite(values);
        throw new NonFiniteValueException(-1, t, chain.Length, chain.LayerName(index), name, position, double.CreateTruncating(values[position]));
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowForObjective<T>(ReadOnlySpan<T> values, Chain<T> chain, object objective, NonFiniteQuantity quantity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = quantity == NonFiniteQuantity.ObjectiveValue
            ? $"the value h(x_{chain.Length})"
            : $"the vector that starts the backward pass at x_{chain.Length}";
        int position = FirstNonFinite(values);
        throw new NonFiniteValueException(-1, 0, chain.Length, objective.GetType().Name, name, position, double.CreateTruncating(values[position]));
    }

    private static int FirstNonFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
                return i;
        }

        return 0;
    }
}
