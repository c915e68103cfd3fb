using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MoreauGen.Generator.Suppressors
{
    /// <summary>
    /// <c>[MoreauLayer]</c> and <c>[MoreauObjective]</c> carry an <see cref="System.ObsoleteAttribute"/> whose message says that
    /// MoreauGen's generator is not referenced: a project that references the attributes (a ProjectReference, or the
    /// assemblies) without the generator sees that warning (CS0618) beside the CS0029 at each use of a layer. This
    /// suppressor ships in the generator's assembly, so wherever the generator runs the warning is suppressed.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GeneratorPresentSuppressor : DiagnosticSuppressor
    {
        /// <summary>The start of the attributes' Obsolete message (MoreauGen.Attributes: MoreauLayerAttribute, MoreauObjectiveAttribute).</summary>
        public const string Marker = "MoreauGen's source generator is not referenced by this project";

        internal static readonly SuppressionDescriptor Descriptor = new(
            "MGS0001",
            "CS0618",
            "MoreauGen's source generator runs in this project, so the attributes' warning that it does not is suppressed");

        /// <inheritdoc />
        public override ImmutableArray<SuppressionDescriptor> SupportedSuppressions { get; } = ImmutableArray.Create(Descriptor);

        /// <inheritdoc />
        public override void ReportSuppressions(SuppressionAnalysisContext context)
        {
            foreach (Diagnostic diagnostic in context.ReportedDiagnostics)
            {
                if (diagnostic.GetMessage(CultureInfo.InvariantCulture).Contains(Marker))
                {
                    context.ReportSuppression(Suppression.Create(Descriptor, diagnostic));
                }
            }
        }
    }
}
