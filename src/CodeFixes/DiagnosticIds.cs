namespace MoreauGen.CodeFixes
{
    /// <summary>
    /// The ids of the generator's diagnostics that have a fix (src/Generator/Diagnostics/DiagnosticDescriptors.cs,
    /// documented in src/Generator/DIAGNOSTICS.md). Kept as strings: the fixes do not load the generator.
    /// </summary>
    internal static class DiagnosticIds
    {
        /// <summary>The method does not have the layer signature.</summary>
        public const string InvalidSignature = "MG0001";

        /// <summary>The layer's type is not partial.</summary>
        public const string TypeNotPartial = "MG0003";

        /// <summary>A type the layer's type is nested in is not partial.</summary>
        public const string ContainingTypeNotPartial = "MG0005";

        /// <summary>A size is given neither by the attribute nor by the type.</summary>
        public const string SizeMissing = "MG0008";

        /// <summary>A call without a derivative rule.</summary>
        public const string NoDerivativeRule = "MG0011";

        /// <summary>A while, do or foreach loop.</summary>
        public const string UnsupportedLoop = "MG0023";

        /// <summary>The span parameters are named w, x and y in another order.</summary>
        public const string ParameterOrder = "MG0040";
    }
}
