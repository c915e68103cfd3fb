using System.Globalization;

namespace MoreauGen.Samples.Common;

/// <summary>
/// Up-front checks that the sizes a user asks for fit: in one .NET array (at most <see cref="Array.MaxLength"/>
/// elements) and in the memory this process may use. A sample checks them while parsing its options, so a network of
/// 40000 × 40000 weights is refused in its first second with the numbers, not after loading data with an
/// OutOfMemoryException.
/// </summary>
public static class MemoryBudget
{
    /// <summary>The bytes the process may use: physical memory, or the container's limit when there is one.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Null when <paramref name="elements"/> values of <paramref name="bytesPerElement"/> bytes fit in one array and
    /// <paramref name="copies"/> such arrays fit in <see cref="AvailableBytes"/>; otherwise why not, naming
    /// <paramref name="what"/> (e.g. "the network's parameters").
    /// </summary>
    /// <param name="what">What is counted, for the message.</param>
    /// <param name="elements">Elements of one array (may exceed the int range: that is what is checked).</param>
    /// <param name="bytesPerElement">Bytes per element, e.g. 4 for float.</param>
    /// <param name="copies">Arrays of that size the work holds at once (parameters, gradients, solver buffers, …).</param>
    public static string? Check(string what, double elements, int bytesPerElement, double copies)
    {
        ArgumentNullException.ThrowIfNull(what);
        var inv = CultureInfo.InvariantCulture;
        if (elements > Array.MaxLength)
            return string.Create(inv, $"{what} number {elements:N0}, more than the {Array.MaxLength:N0} one array can hold");
        double bytes = elements * bytesPerElement * copies;
        long available = AvailableBytes;
        if (bytes > available)
            return string.Create(inv, $"{what} need about {Gib(bytes)} GiB of memory ({elements:N0} values × {bytesPerElement} bytes × {copies:0.#} copies); this machine has {Gib(available)} GiB");
        return null;
    }

    private static string Gib(double bytes) => (bytes / (1L << 30)).ToString("0.#", CultureInfo.InvariantCulture);
}
