using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace MoreauGen.Generator.Diagnostics
{
    /// <summary>
    /// Every diagnostic the generator reports. Each message says what to write instead; the help link points to
    /// the section for the id in src/Generator/DIAGNOSTICS.md. Keep AnalyzerReleases.Unshipped.md in step.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "MoreauGen";

        /// <summary>Where the diagnostics are documented; the link for an id is this plus <c>#mg0001</c>.</summary>
        internal const string HelpLinkBase = "https://github.com/moreaugen/moreaugen/blob/main/src/Generator/DIAGNOSTICS.md";

        public static readonly DiagnosticDescriptor InvalidSignature = Error(
            "MG0001",
            "A [MoreauLayer] method must have the layer signature",
            "The [MoreauLayer] method '{0}' {1}; declare it as an instance method 'void {0}(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)' with T float or double");

        public static readonly DiagnosticDescriptor UnsupportedElementType = Error(
            "MG0002",
            "The element type of a layer must be float or double",
            "The spans of '{0}' have element type '{1}'; use ReadOnlySpan<double>, ReadOnlySpan<double>, Span<double> (or float for all three)");

        public static readonly DiagnosticDescriptor TypeNotPartial = Error(
            "MG0003",
            "A layer type must be partial",
            "The type '{0}' has a [MoreauLayer] method but is not partial; add the 'partial' modifier so that the generator can add the IMoreauLayer members");

        public static readonly DiagnosticDescriptor StaticType = Error(
            "MG0004",
            "A layer type cannot be static",
            "The type '{0}' is static; a layer is an instance (it implements IMoreauLayer<T>), so remove 'static' from the type");

        public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
            "MG0005",
            "A layer type must be nested only in partial types",
            "The layer type '{0}' is nested in '{1}', which is not partial; add the 'partial' modifier to '{1}'");

        public static readonly DiagnosticDescriptor MultipleLayerMethods = Error(
            "MG0006",
            "A type can have only one [MoreauLayer] method",
            "The type '{0}' already has the [MoreauLayer] method '{1}'; move '{2}' to a type of its own (one layer per type)");

        public static readonly DiagnosticDescriptor SizeGivenTwice = Error(
            "MG0007",
            "A layer size is given both by the attribute and by the type",
            "The size {0} is given both as '{0} = ...' on [MoreauLayer] and by the member '{1}' of the type; remove one of them");

        public static readonly DiagnosticDescriptor SizeMissing = Error(
            "MG0008",
            "A layer size is given neither by the attribute nor by the type",
            "The layer '{0}' does not say its size {1}; add '{1} = n' to [MoreauLayer] for a size fixed at compile time, or declare 'public int {2} => ...;' on the type");

        public static readonly DiagnosticDescriptor UnsupportedStatement = Error(
            "MG0009",
            "Statement not supported in a [MoreauLayer] method",
            "{0} is not supported in a [MoreauLayer] method; {1}");

        public static readonly DiagnosticDescriptor UnsupportedExpression = Error(
            "MG0010",
            "Expression not supported in a [MoreauLayer] method",
            "{0} is not supported in a [MoreauLayer] method; {1}");

        public static readonly DiagnosticDescriptor NoDerivativeRule = Error(
            "MG0011",
            "Call without a derivative rule",
            "The generator has no derivative rule for '{0}'; use one of {1}, or compute the value outside the layer and pass it as data");

        public static readonly DiagnosticDescriptor Recursion = Error(
            "MG0012",
            "A [MoreauLayer] method cannot call itself",
            "'{0}' calls itself; a layer body must be straight-line code, so compute the result without the recursive call");

        public static readonly DiagnosticDescriptor MemberNameClash = Error(
            "MG0013",
            "A member name clashes with a generated member",
            "The member '{0}' of '{1}' has the name of a member the generator adds for IMoreauLayer<T>; rename it");

        public static readonly DiagnosticDescriptor OutputReadBeforeWritten = Error(
            "MG0014",
            "An output is read before it is written",
            "{0} is read before it is written (the output is not cleared before the call); assign {0} first, or accumulate in a local and assign it at the end");

        public static readonly DiagnosticDescriptor IndexOutOfRange = Error(
            "MG0015",
            "Constant index outside the span",
            "The index {0} is outside '{1}' ({2}); use an index {3}");

        public static readonly DiagnosticDescriptor OutputNeverWritten = Warning(
            "MG0016",
            "An output is never written",
            "The layer '{0}' never writes {1}; Forward would leave those outputs as they were, so assign them (for example '{2} = 0;')");

        public static readonly DiagnosticDescriptor InvalidSize = Error(
            "MG0017",
            "A layer size cannot be negative",
            "{0} = {1} is negative; give a size of 0 or more, or leave it out and declare the property on the type");

        public static readonly DiagnosticDescriptor MissingRuntime = Error(
            "MG0018",
            "The MoreauGen runtime is not referenced",
            "The type '{0}' is not available; reference the MoreauGen.Runtime assembly, which defines the IMoreauLayer<T> contract the generated code implements");

        public static readonly DiagnosticDescriptor BatchedNotSupported = Error(
            "MG0019",
            "Batched layers are not supported yet",
            "[MoreauLayer(Batched = true)] is not supported yet; remove 'Batched = true' and write the method for one sample (the generated members loop it over the batch)");

        public static readonly DiagnosticDescriptor UnsupportedType = Error(
            "MG0020",
            "The layer cannot be declared in this kind of type",
            "'{0}' is {1}; declare the [MoreauLayer] method in a partial class, struct or record");

        public static readonly DiagnosticDescriptor MissingBody = Error(
            "MG0021",
            "A [MoreauLayer] method needs a body",
            "'{0}' has no body; write the layer as a method with a body (a block or '=> y[0] = ...;')");

        public static readonly DiagnosticDescriptor InternalError = Error(
            "MG0022",
            "The generator failed",
            "The generator failed on '{0}' and generated nothing for it ({1}); please report this with the method's code");

        /// <summary>Every descriptor, for lookup by id and for tests.</summary>
        public static readonly IReadOnlyList<DiagnosticDescriptor> All = new[]
        {
            InvalidSignature, UnsupportedElementType, TypeNotPartial, StaticType, ContainingTypeNotPartial,
            MultipleLayerMethods, SizeGivenTwice, SizeMissing, UnsupportedStatement, UnsupportedExpression,
            NoDerivativeRule, Recursion, MemberNameClash, OutputReadBeforeWritten, IndexOutOfRange,
            OutputNeverWritten, InvalidSize, MissingRuntime, BatchedNotSupported, UnsupportedType, MissingBody,
            InternalError,
        };

        private static readonly Dictionary<string, DiagnosticDescriptor> ById = All.ToDictionary(d => d.Id);

        public static DiagnosticDescriptor Get(string id) => ById[id];

        public static string HelpLink(string id) => HelpLinkBase + "#" + id.ToLowerInvariant();

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

        private static DiagnosticDescriptor Warning(string id, string title, string message) =>
            new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));
    }
}
