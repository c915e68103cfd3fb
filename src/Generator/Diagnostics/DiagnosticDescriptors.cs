using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace MoreauGen.Generator.Diagnostics
{
    /// <summary>
    /// Every diagnostic the generator reports. Each message says what to write instead; the help link is the
    /// repository-relative path of the section for the id in src/Generator/DIAGNOSTICS.md (the project publishes no
    /// web site; the file is in the repository and in the package sources). Keep AnalyzerReleases.Unshipped.md and
    /// DIAGNOSTICS.md in step.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "MoreauGen";

        /// <summary>
        /// Where the diagnostics are documented, relative to the repository root; the link for an id is this plus
        /// <c>#mg0001</c> (the anchor of the heading <c>## MG0001</c>).
        /// </summary>
        internal const string HelpLinkBase = "src/Generator/DIAGNOSTICS.md";

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
            "The type '{0}' has a [MoreauLayer] or [MoreauObjective] method but is not partial; add the 'partial' modifier so that the generator can add the interface members");

        public static readonly DiagnosticDescriptor StaticType = Error(
            "MG0004",
            "A layer type cannot be static",
            "The type '{0}' is static; a layer or objective is an instance (it implements IMoreauLayer<T> or IMoreauObjective<T>), so remove 'static' from the type");

        public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
            "MG0005",
            "A layer type must be nested only in partial types",
            "The layer type '{0}' is nested in '{1}', which is not partial; add the 'partial' modifier to '{1}'");

        public static readonly DiagnosticDescriptor MultipleLayerMethods = Error(
            "MG0006",
            "A type can have only one [MoreauLayer] (or [MoreauObjective]) method",
            "The type '{0}' already has the [MoreauLayer] or [MoreauObjective] method '{1}'; move '{2}' to a type of its own (one layer or objective per type)");

        public static readonly DiagnosticDescriptor SizeGivenTwice = Error(
            "MG0007",
            "A layer size is given both by the attribute and by the type",
            "The size {0} is given both as '{0} = ...' on the attribute and by the member '{1}' of the type; remove one of them");

        public static readonly DiagnosticDescriptor SizeMissing = Error(
            "MG0008",
            "A layer size is given neither by the attribute nor by the type",
            "'{0}' does not say its size {1}; add '{1} = n' to the attribute for a size fixed at compile time, or declare 'public int {2} => ...;' on the type");

        public static readonly DiagnosticDescriptor UnsupportedStatement = Error(
            "MG0009",
            "Statement not supported in a generated method",
            "{0} is not supported in a [MoreauLayer], [MoreauObjective] or [Differentiable] body; {1}");

        public static readonly DiagnosticDescriptor UnsupportedExpression = Error(
            "MG0010",
            "Expression not supported in a generated method",
            "{0} is not supported in a [MoreauLayer], [MoreauObjective] or [Differentiable] body; {1}");

        public static readonly DiagnosticDescriptor NoDerivativeRule = Error(
            "MG0011",
            "Call without a derivative rule",
            "The generator has no derivative rule for '{0}'; use one of {1}, mark your own static helper [Differentiable] (or give it a [CustomPullback]), or compute the value outside and pass it as data");

        public static readonly DiagnosticDescriptor Recursion = Error(
            "MG0012",
            "A [MoreauLayer] method cannot call itself",
            "'{0}' calls itself, directly or through its helpers; compute the result with a loop or without the recursive call");

        public static readonly DiagnosticDescriptor MemberNameClash = Error(
            "MG0013",
            "A member name clashes with a generated member",
            "The member '{0}' of '{1}' has the name of a member the generator adds for IMoreauLayer<T> or IMoreauObjective<T>; rename it");

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
            "The type '{0}' is not available; reference the MoreauGen.Runtime assembly, which defines the contract the generated code implements");

        public static readonly DiagnosticDescriptor BatchedUnsupported = Error(
            "MG0019",
            "Construct not supported in a batched layer",
            "{0} is not supported in a [MoreauLayer(Batched = true)] body; {1}");

        public static readonly DiagnosticDescriptor UnsupportedType = Error(
            "MG0020",
            "The layer cannot be declared in this kind of type",
            "'{0}' is {1}; declare the method in a partial class, struct or record");

        public static readonly DiagnosticDescriptor MissingBody = Error(
            "MG0021",
            "A [MoreauLayer] method needs a body",
            "'{0}' has no body; write it as a method with a body (a block or an expression body)");

        public static readonly DiagnosticDescriptor InternalError = Error(
            "MG0022",
            "The generator failed",
            "The generator failed on '{0}' and generated nothing for it ({1}); please report this with the method's code");

        public static readonly DiagnosticDescriptor UnsupportedLoop = Error(
            "MG0023",
            "Loop kind not supported",
            "{0} is not supported: a [MoreauLayer] body takes 'while' and 'do' loops of any kind, but an objective or a helper with a pullback of its own records on a tape fixed before the data is seen, so its loop needs a trip bound; bound it with an int counter that starts at a constant, size or data, only grows, and grows on every iteration before any 'continue': 'int k = 0; while (t < tEnd && k < maxSteps) {{ ...; k++; }}' (or 'if (k >= maxSteps) break;' first in 'while (true)'), write a 'for' loop, or move the loop into the layer's body; 'foreach' goes over w or x (index data with a 'for' loop)");

        public static readonly DiagnosticDescriptor JumpStatement = Error(
            "MG0024",
            "Jump statement not supported",
            "{0} is not supported; use 'break', 'continue' or 'return' (supported in for and foreach loops, branches and switch sections), or guard the rest with if/else");

        public static readonly DiagnosticDescriptor UnsupportedLoopShape = Error(
            "MG0025",
            "Loop header not supported",
            "The loop '{0}' is not of the supported form; write 'for (int i = a; i < b; i++)' ('i <= b' and 'i += k' with a positive constant k are fine; for a descending loop use the index b - 1 - i)");

        public static readonly DiagnosticDescriptor LoopBoundDependsOnValue = Error(
            "MG0026",
            "A loop bound depends on a differentiable value",
            "The loop bound '{0}' depends on a float or double value; bounds must be int expressions of constants, sizes, the type's data and outer loop indices, so that the reverse pass can run the same iterations (compute a fixed number of iterations and guard the body with if)");

        public static readonly DiagnosticDescriptor LoopVariableModified = Error(
            "MG0027",
            "The loop variable is modified in the loop body",
            "The loop variable '{0}' is modified in the body of its loop; leave it to the loop header and compute other indices from it (e.g. 'int k = 2 * {0} + 1;')");

        public static readonly DiagnosticDescriptor UnsupportedCondition = Error(
            "MG0028",
            "Branch condition not supported",
            "The condition '{0}' is not supported; {1}");

        public static readonly DiagnosticDescriptor IndexCarriedAcrossScopes = Error(
            "MG0029",
            "An int local carried across iterations or branches bounds a loop",
            "The {1} local '{0}' carries a value across iterations or branches (a count), and '{2}' uses it as a loop bound: a call's tape is fixed before the data is seen, so bound the loop with sizes, constants and data, and stop early with 'if (i >= {0}) break;' in its body");

        public static readonly DiagnosticDescriptor HelperUnavailable = Error(
            "MG0030",
            "A helper cannot be differentiated",
            "The helper '{0}' cannot be called here: {1}");

        public static readonly DiagnosticDescriptor InvalidCustomPullback = Error(
            "MG0031",
            "Invalid [CustomPullback]",
            "The pullback '{0}' named by [CustomPullback] on '{1}' {2}; declare 'static void {0}(T a1, ..., T adjoint, out T da1, ...)' (optionally with 'T result' before 'adjoint') in the helper's type");

        public static readonly DiagnosticDescriptor InvalidHelperSignature = Error(
            "MG0032",
            "A differentiable helper must be a static scalar function",
            "The helper '{0}' {1}; declare it 'static T {0}(T a, ...)' with T float or double for the result and every parameter");

        public static readonly DiagnosticDescriptor AffineMarkerNotAffine = Error(
            "MG0033",
            "An affine marker on a layer that is not affine",
            "The type '{0}' declares {1}, but its layer is not affine in {2} ({3}); remove the marker (the runtime would take the plain gradient as the Moreau gradient of the {2} subproblem, which is only right for an affine layer)");

        public static readonly DiagnosticDescriptor InvalidObjectiveSignature = Error(
            "MG0034",
            "A [MoreauObjective] method must have the objective signature",
            "The [MoreauObjective] method '{0}' {1}; declare it as an instance method 'T {0}(ReadOnlySpan<T> x)' with T float or double");

        public static readonly DiagnosticDescriptor TensorOperationPerSample = Error(
            "MG0035",
            "A tensor operation in a per-sample body",
            "{0} works on whole spans of a batch, not on one sample's values; {1}");

        public static readonly DiagnosticDescriptor NoTensorRule = Error(
            "MG0036",
            "A span operation without a derivative rule",
            "The generator has no derivative rule for '{0}'; {1}");

        public static readonly DiagnosticDescriptor SpansOverlap = Error(
            "MG0037",
            "Spans that overlap in a batched layer",
            "{0}; {1}");

        public static readonly DiagnosticDescriptor SpanReadBeforeWritten = Error(
            "MG0038",
            "A span is read before it is written",
            "'{0}' is read before any operation writes it; the caller does not clear y and a temporary starts undefined, so write '{0}' first (for example with Ops.MatMul or Ops.Add)");

        public static readonly DiagnosticDescriptor OutputNotCovered = Warning(
            "MG0039",
            "A batched layer may leave part of its output unwritten",
            "The layer '{0}' does not provably write all of '{1}'; the generated members clear it first, so unwritten parts are 0. Write '{1}' whole, or through views that cover it ({1}[..k] and {1}[k..])");

        public static readonly DiagnosticDescriptor ParameterOrder = Error(
            "MG0040",
            "The span parameters are named w, x and y in another order",
            "The parameters of '{0}' are named ({1}), but the generator reads them by position as (parameters, inputs, output); reorder them to (w, x, y)");

        public static readonly DiagnosticDescriptor ParameterNamesSwapped = Warning(
            "MG0041",
            "The span parameters' names suggest inputs first and parameters second",
            "The parameters of '{0}' are named ({1}): the first reads like the inputs and the second like the parameters, but the generator reads them by position as (parameters, inputs, output); swap the first two if the names say what they hold");

        /// <summary>Every descriptor, for lookup by id and for tests.</summary>
        public static readonly IReadOnlyList<DiagnosticDescriptor> All = new[]
        {
            InvalidSignature, UnsupportedElementType, TypeNotPartial, StaticType, ContainingTypeNotPartial,
            MultipleLayerMethods, SizeGivenTwice, SizeMissing, UnsupportedStatement, UnsupportedExpression,
            NoDerivativeRule, Recursion, MemberNameClash, OutputReadBeforeWritten, IndexOutOfRange,
            OutputNeverWritten, InvalidSize, MissingRuntime, BatchedUnsupported, UnsupportedType, MissingBody,
            InternalError, UnsupportedLoop, JumpStatement, UnsupportedLoopShape, LoopBoundDependsOnValue, LoopVariableModified,
            UnsupportedCondition, IndexCarriedAcrossScopes, HelperUnavailable, InvalidCustomPullback, InvalidHelperSignature,
            AffineMarkerNotAffine, InvalidObjectiveSignature, TensorOperationPerSample, NoTensorRule, SpansOverlap,
            SpanReadBeforeWritten, OutputNotCovered, ParameterOrder, ParameterNamesSwapped,
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
