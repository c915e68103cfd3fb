using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// Reads the static helpers a body calls: a <c>[Differentiable]</c> helper's body becomes IR (its pullback is
    /// generated on the caller's type); a <c>[CustomPullback]</c> names the user's pullback, which is checked.
    /// Also validates helper declarations on their own (the pipeline's helper step), so that each problem is reported
    /// once at its source and call sites only say that the helper cannot be used.
    /// </summary>
    internal sealed class HelperParser : IHelperResolver
    {
        internal const string DifferentiableAttributeName = "MoreauGen.DifferentiableAttribute";
        internal const string CustomPullbackAttributeName = "MoreauGen.CustomPullbackAttribute";

        private const string CycleReason = "it calls itself, directly or through other helpers; compute the result with a loop instead";
        private const string SeeErrors = "see the errors reported on its declaration";

        private readonly Compilation compilation;
        private readonly INamedTypeSymbol caller;
        private readonly HashSet<string> takenNames;
        private readonly CancellationToken cancellationToken;
        private readonly Dictionary<IMethodSymbol, HelperModel?> resolved = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<IMethodSymbol, string> failures = new(SymbolEqualityComparer.Default);
        private readonly HashSet<IMethodSymbol> inProgress = new(SymbolEqualityComparer.Default);
        private readonly List<HelperModel> all = new();

        /// <param name="compilation">The compilation (helpers may be declared in other files).</param>
        /// <param name="caller">The type the generated pullbacks are added to.</param>
        /// <param name="takenNames">Member names of the caller's type, which generated pullback names avoid.</param>
        /// <param name="cancellationToken">Cancellation.</param>
        public HelperParser(Compilation compilation, INamedTypeSymbol caller, IEnumerable<string> takenNames, CancellationToken cancellationToken)
        {
            this.compilation = compilation;
            this.caller = caller;
            this.takenNames = new HashSet<string>(takenNames, StringComparer.Ordinal);
            this.cancellationToken = cancellationToken;
        }

        /// <summary>Every helper resolved so far, each after the helpers it calls.</summary>
        public IReadOnlyList<HelperModel> All => all;

        /// <summary>A static method marked <c>[Differentiable]</c> or <c>[CustomPullback]</c>.</summary>
        public static bool IsHelper(IMethodSymbol method) =>
            method.IsStatic && method.GetAttributes().Any(a => a.AttributeClass is { } attributeClass && DisplayNames.Of(attributeClass) is DifferentiableAttributeName or CustomPullbackAttributeName);

        public HelperModel? Resolve(IMethodSymbol helper, IInvocationOperation call, List<DiagnosticInfo> diagnostics)
        {
            helper = helper.OriginalDefinition;
            string name = helper.ContainingType.Name + "." + helper.Name;
            void Unavailable(string why) =>
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HelperUnavailable, LocationInfo.From(call.Syntax), name, why));

            if (inProgress.Contains(helper))
            {
                Unavailable(CycleReason);
                return null;
            }

            if (resolved.TryGetValue(helper, out HelperModel? known))
            {
                if (known is null)
                {
                    Unavailable(failures[helper]);
                }

                return known;
            }

            HelperModel? model = null;
            string? failure = null;
            inProgress.Add(helper);
            try
            {
                model = Build(helper, why => failure = why);
            }
            finally
            {
                inProgress.Remove(helper);
            }

            if (failure is not null)
            {
                failures[helper] = failure;
                Unavailable(failure);
            }

            resolved[helper] = model;
            if (model is not null)
            {
                all.Add(model);
            }

            return model;
        }

        private HelperModel? Build(IMethodSymbol helper, Action<string> unavailable)
        {
            if (SignatureProblem(helper, out ScalarKind element) is string problem)
            {
                unavailable("it " + problem + "; declare it 'static T " + helper.Name + "(T a, ...)' with T float or double");
                return null;
            }

            string qualified = helper.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + helper.Name;
            if (CustomPullbackName(helper) is { } pullbackName)
            {
                if (FindPullback(helper, pullbackName, out bool takesResult, out string? why) is not { } pullback)
                {
                    unavailable("its [CustomPullback] method '" + pullbackName + "' " + why);
                    return null;
                }

                if (!compilation.IsSymbolAccessibleWithin(pullback, caller) || !compilation.IsSymbolAccessibleWithin(helper, caller))
                {
                    unavailable("its pullback '" + pullbackName + "' is not accessible from '" + caller.Name + "'; make it internal or public");
                    return null;
                }

                return new HelperModel(
                    qualified,
                    helper.Name,
                    element,
                    EquatableArray.From(helper.Parameters.Select(p => p.Name)),
                    EquatableArray<Stmt>.Empty,
                    EquatableArray<ConstantDeclaration>.Empty,
                    EquatableArray<string>.Empty,
                    pullback.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + pullback.Name,
                    IsCustom: true,
                    PullbackTakesResult: takesResult);
            }

            if (!HasDifferentiable(helper) || BodySyntax(helper) is not { } syntax)
            {
                unavailable("the generator cannot see its body; add [CustomPullback(nameof(" + helper.Name + "Pullback))] with its pullback");
                return null;
            }

            var diagnostics = new List<DiagnosticInfo>();
            BodyParser.Output? parsed = ParseBody(helper, syntax, element, diagnostics);
            if (parsed is null || diagnostics.Any(d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
            {
                // The errors themselves are reported on the helper (see Validate); a cycle is said at every call.
                bool cycle = diagnostics.Any(d => d.Id == DiagnosticDescriptors.HelperUnavailable.Id && d.Arguments.Count > 1 && d.Arguments[1] == CycleReason);
                unavailable(cycle ? CycleReason : SeeErrors);
                return null;
            }

            string generated = Fresh(helper.Name + "Pullback");
            return new HelperModel(
                qualified,
                helper.Name,
                element,
                EquatableArray.From(helper.Parameters.Select(p => p.Name)),
                EquatableArray.From(parsed.Body),
                EquatableArray.From(parsed.Constants),
                EquatableArray.From(parsed.ReservedNames),
                generated,
                IsCustom: false,
                PullbackTakesResult: false);
        }

        private BodyParser.Output? ParseBody(IMethodSymbol helper, MethodDeclarationSyntax syntax, ScalarKind element, List<DiagnosticInfo> diagnostics)
        {
            SemanticModel model = compilation.GetSemanticModel(syntax.SyntaxTree);
            var parser = new BodyParser(model, helper, helper.ContainingType, element, new LayerSizes(null, null, null), BodyKind.Helper, this, diagnostics, cancellationToken);
            return parser.Parse(syntax);
        }

        private string Fresh(string preferred)
        {
            string name = preferred;
            for (int k = 2; takenNames.Contains(name); k++)
            {
                name = preferred + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            takenNames.Add(name);
            return name;
        }

        // ---- validation of helper declarations (reported once, at the declaration) -------------------------

        /// <summary>
        /// The diagnostics of one helper declaration: for <c>[Differentiable]</c>, its signature and (without a custom
        /// pullback) its body; for <c>[CustomPullback]</c>, the pullback it names.
        /// </summary>
        public static EquatableArray<DiagnosticInfo> Validate(GeneratorAttributeSyntaxContext context, bool customPullbackStep, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol helper || context.TargetNode is not MethodDeclarationSyntax syntax || syntax.ContainsDiagnostics)
            {
                return EquatableArray<DiagnosticInfo>.Empty;
            }

            var diagnostics = new List<DiagnosticInfo>();
            try
            {
                bool differentiable = HasDifferentiable(helper);
                string? custom = CustomPullbackName(helper);
                if (custom is null && BodyParser.IsSpanHelperSignature(helper))
                {
                    // Written into each caller of its own type (BodyParser.SpanHelpers), and checked there.
                    return EquatableArray<DiagnosticInfo>.Empty;
                }

                LocationInfo? at = LocationInfo.From(syntax.Identifier);
                string? problem = SignatureProblem(helper, out ScalarKind element);

                // A method with both attributes is validated once for its signature, in the [Differentiable] step.
                if (problem is not null && (!customPullbackStep || !differentiable))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHelperSignature, at, helper.Name, problem));
                }

                if (problem is null && customPullbackStep && custom is not null &&
                    new HelperParser(context.SemanticModel.Compilation, helper.ContainingType, Array.Empty<string>(), cancellationToken)
                        .FindPullback(helper, custom, out _, out string? why) is null)
                {
                    LocationInfo? attribute = LocationInfo.From(context.Attributes.FirstOrDefault()?.ApplicationSyntaxReference?.GetSyntax(cancellationToken)) ?? at;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidCustomPullback, attribute, custom, helper.Name, why!));
                }

                if (problem is null && !customPullbackStep && custom is null && BodySyntax(helper) is { } body)
                {
                    var parser = new HelperParser(context.SemanticModel.Compilation, helper.ContainingType, Array.Empty<string>(), cancellationToken);
                    parser.inProgress.Add(helper.OriginalDefinition);
                    parser.ParseBody(helper, body, element, diagnostics);
                    // Calls to other broken helpers are reported on those helpers; keep this helper's own problems.
                    diagnostics.RemoveAll(d => d.Id == DiagnosticDescriptors.HelperUnavailable.Id && d.Arguments.Count > 1 && d.Arguments[1] == SeeErrors);
                }
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception exception)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(syntax.Identifier), helper.Name,
                    exception.GetType().Name + ": " + exception.Message));
            }

            return EquatableArray.From(diagnostics);
        }

        private static bool HasDifferentiable(IMethodSymbol method) =>
            method.GetAttributes().Any(a => a.AttributeClass is { } attributeClass && DisplayNames.Of(attributeClass) == DifferentiableAttributeName);

        private static string? CustomPullbackName(IMethodSymbol method)
        {
            AttributeData? attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass is { } attributeClass && DisplayNames.Of(attributeClass) == CustomPullbackAttributeName);
            return attribute is { ConstructorArguments.Length: 1 } && attribute.ConstructorArguments[0].Value is string name ? name : null;
        }

        private static MethodDeclarationSyntax? BodySyntax(IMethodSymbol method) =>
            method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>()
                .FirstOrDefault(s => s.Body is not null || s.ExpressionBody is not null);

        /// <summary>Why <paramref name="helper"/> is not <c>static T F(T a, …)</c>, or null.</summary>
        private static string? SignatureProblem(IMethodSymbol helper, out ScalarKind element)
        {
            element = ScalarKind.Double;
            if (!helper.IsStatic)
            {
                return "is not static";
            }

            if (helper.IsGenericMethod)
            {
                return "is generic";
            }

            if (helper.ReturnType.SpecialType is not (SpecialType.System_Single or SpecialType.System_Double) || helper.ReturnsByRef || helper.ReturnsByRefReadonly)
            {
                return "does not return float or double";
            }

            element = helper.ReturnType.SpecialType == SpecialType.System_Single ? ScalarKind.Single : ScalarKind.Double;
            if (helper.Parameters.Length == 0)
            {
                return "has no parameters";
            }

            foreach (IParameterSymbol parameter in helper.Parameters)
            {
                if (parameter.RefKind != RefKind.None || parameter.IsParams || parameter.HasExplicitDefaultValue ||
                    !SymbolEqualityComparer.Default.Equals(parameter.Type, helper.ReturnType))
                {
                    return "has the parameter '" + parameter.Name + "' that is not a plain " + helper.ReturnType.ToDisplayString();
                }
            }

            return null;
        }

        /// <summary>The static method <paramref name="name"/> of the helper's type with a pullback signature, or null and why not.</summary>
        private IMethodSymbol? FindPullback(IMethodSymbol helper, string name, out bool takesResult, out string? why)
        {
            takesResult = false;
            int k = helper.Parameters.Length;
            ITypeSymbol t = helper.ReturnType;
            IMethodSymbol[] candidates = helper.ContainingType.GetMembers(name).OfType<IMethodSymbol>().ToArray();
            if (candidates.Length == 0)
            {
                why = "does not exist in '" + helper.ContainingType.Name + "'";
                return null;
            }

            foreach (IMethodSymbol candidate in candidates)
            {
                int count = candidate.Parameters.Length;
                if (!candidate.IsStatic || !candidate.ReturnsVoid || candidate.IsGenericMethod || (count != 2 * k + 1 && count != 2 * k + 2))
                {
                    continue;
                }

                bool ok = true;
                for (int i = 0; i < count; i++)
                {
                    IParameterSymbol parameter = candidate.Parameters[i];
                    bool isOut = i >= count - k;
                    ok &= SymbolEqualityComparer.Default.Equals(parameter.Type, t) && parameter.RefKind == (isOut ? RefKind.Out : RefKind.None);
                }

                if (ok)
                {
                    takesResult = count == 2 * k + 2;
                    why = null;
                    return candidate;
                }
            }

            why = "does not have the pullback signature (static, void, the helper's " + k + " argument(s), optionally its result, the adjoint, then " + k + " 'out' adjoint(s), all of type " + t.ToDisplayString() + ")";
            return null;
        }
    }
}
