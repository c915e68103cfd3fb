using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// <see cref="ISymbol.ToDisplayString"/> of a symbol, computed once per symbol object. The parser tells
    /// <c>System.Math</c>, <c>MoreauGen.Ops</c> and the span types apart by these names at every call and span it reads;
    /// building the display string each time was a sixth of the parser's own time in a long body. Keyed weakly on the
    /// symbol object (Roslyn hands out one object per symbol and nullable annotation), so the answer is the very string
    /// <c>ToDisplayString()</c> gives, and an entry lives no longer than its compilation.
    /// </summary>
    internal static class DisplayNames
    {
        private static readonly ConditionalWeakTable<ISymbol, string> Names = new();

        /// <summary><c>symbol.ToDisplayString()</c>.</summary>
        public static string Of(ISymbol symbol) => Names.GetValue(symbol, static s => s.ToDisplayString());
    }
}
