using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// Reads one <c>[MoreauLayer]</c> or <c>[MoreauObjective]</c> method into a <see cref="LayerModel"/>: checks the
    /// type, the signature and the attribute here, and hands the body to <see cref="BodyParser"/> (helpers to
    /// <see cref="HelperParser"/>). Together they are the only code that touches symbols and the semantic model.
    /// Never throws: a failure becomes an internal-error diagnostic.
    /// </summary>
    internal sealed partial class LayerParser
    {
        /// <summary>The names the generated code adds to a layer type.</summary>
        internal static readonly string[] GeneratedMemberNames = { "TapeLength", "Forward", "Pullback", "SubproblemW", "SubproblemX" };

        /// <summary>The names the generated code adds to an objective type.</summary>
        internal static readonly string[] GeneratedObjectiveMemberNames = { "Value", "ValueAndGradient" };

        internal const string LayerAttributeName = "MoreauGen.MoreauLayerAttribute";
        internal const string ObjectiveAttributeName = "MoreauGen.MoreauObjectiveAttribute";
        private const string LayerInterfaceName = "MoreauGen.IMoreauLayer`1";
        private const string ObjectiveInterfaceName = "MoreauGen.IMoreauObjective`1";
        private const string ChecksTypeName = "MoreauGen.Generated.LayerChecks";
        private const string AffineInParametersName = "MoreauGen.IAffineInParameters";
        private const string AffineInInputsName = "MoreauGen.IAffineInInputs";

        private readonly GeneratorAttributeSyntaxContext context;
        private readonly IMethodSymbol method;
        private readonly MethodDeclarationSyntax syntax;
        private readonly CancellationToken cancellationToken;
        private readonly ModelKind kind;
        private readonly List<DiagnosticInfo> diagnostics = new();
        private readonly List<string> readFiles = new();
        private readonly bool readsBatchedSyntax;

        private LayerParser(GeneratorAttributeSyntaxContext context, IMethodSymbol method, MethodDeclarationSyntax syntax, ModelKind kind, CancellationToken cancellationToken, bool readsBatchedSyntax = true)
        {
            this.readsBatchedSyntax = readsBatchedSyntax;
            this.context = context;
            this.method = method;
            this.syntax = syntax;
            this.kind = kind;
            this.cancellationToken = cancellationToken;
        }

        private string AttributeName => kind == ModelKind.Layer ? LayerAttributeName : ObjectiveAttributeName;

        private string[] MemberNames => kind == ModelKind.Layer ? GeneratedMemberNames : GeneratedObjectiveMemberNames;

        /// <summary>Reads one marked method into a model and its problems (<see cref="Read"/>, or another reader the generator was given).</summary>
        internal delegate ParseResult MethodReader(GeneratorAttributeSyntaxContext context, IMethodSymbol method, MethodDeclarationSyntax syntax, ModelKind kind, CancellationToken cancellationToken);

        /// <summary>The reader the generator ships: the whole parser.</summary>
        public static ParseResult Read(GeneratorAttributeSyntaxContext context, IMethodSymbol method, MethodDeclarationSyntax syntax, ModelKind kind, CancellationToken cancellationToken) =>
            new LayerParser(context, method, syntax, kind, cancellationToken).Run();

        /// <summary>The whole parser with every body bound (no <see cref="BatchedSyntaxReader"/>): what the syntax reader must agree with.</summary>
        internal static ParseResult ReadBound(GeneratorAttributeSyntaxContext context, IMethodSymbol method, MethodDeclarationSyntax syntax, ModelKind kind, CancellationToken cancellationToken) =>
            new LayerParser(context, method, syntax, kind, cancellationToken, readsBatchedSyntax: false).Run();

        /// <summary>The transform of a layer or objective pipeline's first step: <paramref name="read"/>, with any failure reported as MG0022 at the method.</summary>
        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, ModelKind kind, MethodReader read, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
            {
                return ParseResult.Nothing;
            }

            try
            {
                // The keystroke path: reuse the last result when only unrelated method bodies changed (see ParseCache).
                // Only the shipped reader's results are shared that way; another reader always runs.
                return read == (MethodReader)Read
                    ? ParseCache.Parse(syntax, context.SemanticModel.Compilation, kind,
                        () => Read(context, method, syntax, kind, cancellationToken), cancellationToken)
                    : read(context, method, syntax, kind, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception exception)
            {
                var error = DiagnosticInfo.Create(
                    DiagnosticDescriptors.InternalError,
                    LocationInfo.From(syntax.Identifier),
                    method.Name,
                    exception.GetType().Name + ": " + exception.Message);
                return new ParseResult(null, EquatableArray.Of(error));
            }
        }

        private ParseResult Run()
        {
            INamedTypeSymbol type = method.ContainingType;
            AttributeData? attribute = context.Attributes.FirstOrDefault();
            if (attribute is null)
            {
                return ParseResult.Nothing;
            }

            if (!HasValidNames(type))
            {
                // Broken declarations (the compiler reports them): nothing to generate.
                return ParseResult.Nothing;
            }

            Compilation compilation = context.SemanticModel.Compilation;
            string interfaceName = kind == ModelKind.Layer ? LayerInterfaceName : ObjectiveInterfaceName;
            if (compilation.GetTypeByMetadataName(interfaceName) is null || compilation.GetTypeByMetadataName(ChecksTypeName) is null)
            {
                Report(DiagnosticDescriptors.MissingRuntime, AttributeLocation(attribute), kind == ModelKind.Layer ? "MoreauGen.IMoreauLayer<T>" : "MoreauGen.IMoreauObjective<T>");
                return Result(null);
            }

            bool typeOk = CheckType(type);
            ScalarKind? element = kind == ModelKind.Layer ? CheckSignature() : CheckObjectiveSignature();
            LayerSizes? sizes = CheckAttribute(attribute, type);
            bool unique = CheckOnlyLayerMethod(type);
            bool noClash = CheckNoClash(type);

            if (!typeOk || element is null || sizes is null || !unique || !noClash)
            {
                return Result(null);
            }

            cancellationToken.ThrowIfCancellationRequested();
            bool batched = kind == ModelKind.Layer && attribute.NamedArguments.Any(a => a.Key == "Batched" && a.Value.Value is true);
            var helpers = new HelperParser(compilation, type, MemberNamesOf(type), cancellationToken);
            var body = new BodyParser(context.SemanticModel, method, type, element.Value, sizes,
                kind == ModelKind.Layer ? BodyKind.Layer : BodyKind.Objective, helpers, diagnostics, cancellationToken, batched, readsBatchedSyntax);
            BodyParser.Output? parsed = body.Parse(syntax);
            readFiles.AddRange(body.InlinedFiles);
            if (parsed is null || diagnostics.Any(d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
            {
                return Result(null);
            }

            AffineTraits affine = kind == ModelKind.Layer ? CheckAffine(type, parsed.Body, batched ? parsed.Graph : null) : AffineTraits.None;
            if (diagnostics.Any(d => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
            {
                return Result(null);
            }

            var layer = new LayerModel(
                Namespace: type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                Types: EquatableArray.From(TypeChain(type)),
                MethodName: method.Name,
                Element: element.Value,
                Sizes: sizes,
                Constants: EquatableArray.From(parsed.Constants),
                Body: EquatableArray.From(parsed.Body),
                ReservedNames: EquatableArray.From(parsed.ReservedNames),
                HintName: HintName(type),
                Kind: kind,
                Helpers: EquatableArray.From(helpers.All),
                Affine: affine,
                Batched: batched,
                SpanNames: EquatableArray.From(method.Parameters.Select(p => p.Name)));
            return Result(layer);
        }

        private static IEnumerable<string> MemberNamesOf(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                foreach (ISymbol member in current.GetMembers())
                {
                    yield return member.Name;
                }
            }
        }

        /// <summary>
        /// The degree analysis of the body, and the markers the type declares; a declared marker the body does not earn
        /// is reported at the marker in the base list.
        /// </summary>
        private AffineTraits CheckAffine(INamedTypeSymbol type, List<Stmt> body, Analysis.TensorGraph? graph)
        {
            (bool inParameters, bool inInputs) = graph is null
                ? Analysis.AffineAnalysis.Analyze(body)
                : (graph.OutputDegree.W <= 1, graph.OutputDegree.X <= 1);
            bool declaresParameters = Declares(type, AffineInParametersName);
            bool declaresInputs = Declares(type, AffineInInputsName);
            string name = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
            const string Reason = "an output depends on it through a product, a division by it, a Math or helper call, or a condition on it";
            if (declaresParameters && !inParameters)
            {
                Report(DiagnosticDescriptors.AffineMarkerNotAffine, MarkerLocation(type, AffineInParametersName), name, "IAffineInParameters", "w", Reason);
            }

            if (declaresInputs && !inInputs)
            {
                Report(DiagnosticDescriptors.AffineMarkerNotAffine, MarkerLocation(type, AffineInInputsName), name, "IAffineInInputs", "x", Reason);
            }

            return new AffineTraits(inParameters, inInputs, declaresParameters, declaresInputs);
        }

        private static bool Declares(INamedTypeSymbol type, string marker) =>
            type.AllInterfaces.Any(i => i.ToDisplayString() == marker);

        private LocationInfo? MarkerLocation(INamedTypeSymbol type, string marker)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { BaseList: { } list } declaration)
                {
                    SemanticModel model = context.SemanticModel.Compilation.GetSemanticModel(declaration.SyntaxTree);
                    foreach (BaseTypeSyntax baseType in list.Types)
                    {
                        if (model.GetTypeInfo(baseType.Type, cancellationToken).Type?.ToDisplayString() == marker)
                        {
                            return LocationInfo.From(baseType);
                        }
                    }
                }
            }

            return LocationInfo.From((syntax.Parent as TypeDeclarationSyntax)?.Identifier ?? syntax.Identifier);
        }

        private ParseResult Result(LayerModel? layer) => new(layer, EquatableArray.From(diagnostics)) { ReadFiles = EquatableArray.From(readFiles) };

        private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

        // ---- the type ----------------------------------------------------------------------------------

        /// <summary>Every name the generated code repeats (namespace, types, type parameters, method) is a valid identifier.</summary>
        private bool HasValidNames(INamedTypeSymbol type)
        {
            if (!SyntaxFacts.IsValidIdentifier(method.Name))
            {
                return false;
            }

            for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                if (!SyntaxFacts.IsValidIdentifier(ns.Name))
                {
                    return false;
                }
            }

            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                if (!SyntaxFacts.IsValidIdentifier(current.Name) || current.TypeParameters.Any(p => !SyntaxFacts.IsValidIdentifier(p.Name)))
                {
                    return false;
                }
            }

            return true;
        }

        private bool CheckType(INamedTypeSymbol type)
        {
            var declaration = syntax.Parent as TypeDeclarationSyntax;
            LocationInfo? where = declaration is null ? LocationInfo.From(syntax.Identifier) : LocationInfo.From(declaration.Identifier);
            string name = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            {
                Report(DiagnosticDescriptors.UnsupportedType, where, name, "an " + type.TypeKind.ToString().ToLowerInvariant());
                return false;
            }

            if (type.IsRefLikeType)
            {
                Report(DiagnosticDescriptors.UnsupportedType, where, name, "a ref struct, which cannot be used through the IMoreauLayer<T> interface");
                return false;
            }

            if (type.IsFileLocal)
            {
                Report(DiagnosticDescriptors.UnsupportedType, where, name, "file-local, so generated code in another file cannot extend it");
                return false;
            }

            if (type.IsStatic)
            {
                Report(DiagnosticDescriptors.StaticType, where, name);
                return false;
            }

            if (declaration is null || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.TypeNotPartial, where, name);
                return false;
            }

            bool ok = true;
            foreach (TypeDeclarationSyntax outer in declaration.Ancestors().OfType<TypeDeclarationSyntax>())
            {
                if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    Report(DiagnosticDescriptors.ContainingTypeNotPartial, LocationInfo.From(outer.Identifier), name, outer.Identifier.ValueText);
                    ok = false;
                }
            }

            return ok;
        }

        // ---- the signature -----------------------------------------------------------------------------

        private ScalarKind? CheckSignature()
        {
            string name = method.Name;
            LocationInfo? at = LocationInfo.From(syntax.Identifier);

            if (syntax.Body is null && syntax.ExpressionBody is null)
            {
                Report(DiagnosticDescriptors.MissingBody, at, name);
                return null;
            }

            if (method.IsStatic)
            {
                Report(DiagnosticDescriptors.InvalidSignature, at, name, "is static");
                return null;
            }

            if (method.IsGenericMethod)
            {
                Report(DiagnosticDescriptors.InvalidSignature, LocationInfo.From(syntax.TypeParameterList), name, "is generic");
                return null;
            }

            if (method.IsAsync)
            {
                Report(DiagnosticDescriptors.InvalidSignature, at, name, "is async");
                return null;
            }

            if (!method.ReturnsVoid)
            {
                Report(DiagnosticDescriptors.InvalidSignature, LocationInfo.From(syntax.ReturnType), name, "does not return void");
                return null;
            }

            if (method.Parameters.Length != 3)
            {
                Report(DiagnosticDescriptors.InvalidSignature, LocationInfo.From(syntax.ParameterList), name,
                    "takes " + method.Parameters.Length + " parameter" + (method.Parameters.Length == 1 ? string.Empty : "s") + " instead of 3");
                return null;
            }

            string[] expected = { "System.ReadOnlySpan<T>", "System.ReadOnlySpan<T>", "System.Span<T>" };
            ITypeSymbol? element = null;
            for (int i = 0; i < 3; i++)
            {
                IParameterSymbol parameter = method.Parameters[i];
                LocationInfo? where = LocationInfo.From(ParameterSyntax(i));
                if (parameter.RefKind != RefKind.None || parameter.IsParams)
                {
                    Report(DiagnosticDescriptors.InvalidSignature, where, name, "declares parameter '" + parameter.Name + "' with a modifier");
                    return null;
                }

                if (parameter.Type is not INamedTypeSymbol { IsGenericType: true } spanType ||
                    spanType.ConstructedFrom.ToDisplayString() != expected[i])
                {
                    Report(DiagnosticDescriptors.InvalidSignature, LocationInfo.From(ParameterSyntax(i)?.Type), name,
                        "has parameter '" + parameter.Name + "' of type '" + parameter.Type.ToDisplayString() + "' where '" + expected[i].Substring(7) + "' is expected");
                    return null;
                }

                ITypeSymbol current = spanType.TypeArguments[0];
                if (current.SpecialType is not (SpecialType.System_Single or SpecialType.System_Double) ||
                    (element is not null && !SymbolEqualityComparer.Default.Equals(element, current)))
                {
                    Report(DiagnosticDescriptors.UnsupportedElementType, LocationInfo.From(ParameterSyntax(i)?.Type), name, current.ToDisplayString());
                    return null;
                }

                element = current;
            }

            // The generator reads the spans by position; names w, x, y in another order would swap their roles silently.
            string[] names = method.Parameters.Select(p => p.Name).ToArray();
            if (names.OrderBy(n => n, System.StringComparer.Ordinal).SequenceEqual(new[] { "w", "x", "y" }) &&
                !names.SequenceEqual(new[] { "w", "x", "y" }))
            {
                Report(DiagnosticDescriptors.ParameterOrder, LocationInfo.From(syntax.ParameterList), name, string.Join(", ", names));
                return null;
            }

            // Other names that make the roles evident ((input, weights, output), (state, theta, next)): a warning, since the
            // names may be the user's own convention.
            if (InputName(names[0]) && ParameterName(names[1]))
            {
                Report(DiagnosticDescriptors.ParameterNamesSwapped, LocationInfo.From(syntax.ParameterList), name, string.Join(", ", names));
            }

            return element!.SpecialType == SpecialType.System_Single ? ScalarKind.Single : ScalarKind.Double;
        }

        /// <summary>A name that plainly means the layer's inputs (x, input, inputs, state, features), in any case.</summary>
        private static bool InputName(string name) =>
            name.ToLowerInvariant() is "x" or "xs" or "input" or "inputs" or "state" or "states" or "features";

        /// <summary>A name that plainly means the trainable parameters (w, weights, params, parameters, theta), in any case.</summary>
        private static bool ParameterName(string name) =>
            name.ToLowerInvariant() is "w" or "ws" or "weight" or "weights" or "param" or "params" or "parameters" or "theta" or "θ";

        private ScalarKind? CheckObjectiveSignature()
        {
            string name = method.Name;
            LocationInfo? at = LocationInfo.From(syntax.Identifier);
            void Invalid(LocationInfo? where, string problem) => Report(DiagnosticDescriptors.InvalidObjectiveSignature, where, name, problem);

            if (syntax.Body is null && syntax.ExpressionBody is null)
            {
                Report(DiagnosticDescriptors.MissingBody, at, name);
                return null;
            }

            if (method.IsStatic)
            {
                Invalid(at, "is static");
                return null;
            }

            if (method.IsGenericMethod)
            {
                Invalid(LocationInfo.From(syntax.TypeParameterList), "is generic");
                return null;
            }

            if (method.IsAsync)
            {
                Invalid(at, "is async");
                return null;
            }

            if (method.Parameters.Length != 1)
            {
                Invalid(LocationInfo.From(syntax.ParameterList), "takes " + method.Parameters.Length + " parameters instead of 1");
                return null;
            }

            IParameterSymbol parameter = method.Parameters[0];
            if (parameter.RefKind != RefKind.None || parameter.IsParams ||
                parameter.Type is not INamedTypeSymbol { IsGenericType: true } span || span.ConstructedFrom.ToDisplayString() != "System.ReadOnlySpan<T>" ||
                span.TypeArguments[0].SpecialType is not (SpecialType.System_Single or SpecialType.System_Double))
            {
                Invalid(LocationInfo.From(ParameterSyntax(0)), "has the parameter '" + parameter.Name + "' of type '" + parameter.Type.ToDisplayString() + "' where 'ReadOnlySpan<T>' is expected");
                return null;
            }

            ITypeSymbol element = span.TypeArguments[0];
            if (!SymbolEqualityComparer.Default.Equals(method.ReturnType, element) || method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                Invalid(LocationInfo.From(syntax.ReturnType), "returns '" + method.ReturnType.ToDisplayString() + "' where '" + element.ToDisplayString() + "' is expected");
                return null;
            }

            return element.SpecialType == SpecialType.System_Single ? ScalarKind.Single : ScalarKind.Double;
        }

        private ParameterSyntax? ParameterSyntax(int index) =>
            index < syntax.ParameterList.Parameters.Count ? syntax.ParameterList.Parameters[index] : null;

        // ---- one layer per type, no clashes -----------------------------------------------------------

        /// <summary>
        /// One layer or objective per type: a second method with the attribute is reported, and so is an objective in a
        /// type that has a layer (both would declare InputCount); the first one is still generated.
        /// </summary>
        private bool CheckOnlyLayerMethod(INamedTypeSymbol type)
        {
            bool HasAttribute(IMethodSymbol other, string name) => other.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == name);
            string typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
            if (kind == ModelKind.Objective && type.GetMembers().OfType<IMethodSymbol>().FirstOrDefault(m => HasAttribute(m, LayerAttributeName)) is { } layer)
            {
                Report(DiagnosticDescriptors.MultipleLayerMethods, LocationInfo.From(syntax.Identifier), typeName, layer.Name, method.Name);
                return false;
            }

            foreach (IMethodSymbol other in type.GetMembers().OfType<IMethodSymbol>())
            {
                if (!HasAttribute(other, AttributeName))
                {
                    continue;
                }

                if (SymbolEqualityComparer.Default.Equals(other, method))
                {
                    return true;
                }

                Report(DiagnosticDescriptors.MultipleLayerMethods, LocationInfo.From(syntax.Identifier), typeName, other.Name, method.Name);
                return false;
            }

            return true;
        }

        private bool CheckNoClash(INamedTypeSymbol type)
        {
            bool ok = true;
            foreach (string name in MemberNames)
            {
                foreach (ISymbol member in FindMembers(type, name))
                {
                    Location? location = member.Locations.FirstOrDefault(l => l.IsInSource);
                    if (SymbolEqualityComparer.Default.Equals(member, method) || location is null)
                    {
                        location = syntax.Identifier.GetLocation();
                    }

                    Report(DiagnosticDescriptors.MemberNameClash, LocationInfo.From(location), name,
                        member.ContainingType.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat));
                    ok = false;
                    break;
                }
            }

            return ok;
        }

        // ---- names ------------------------------------------------------------------------------------

        private static IEnumerable<TypeDeclaration> TypeChain(INamedTypeSymbol type)
        {
            var chain = new List<TypeDeclaration>();
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                string keyword = current.TypeKind switch
                {
                    TypeKind.Struct => current.IsRecord ? "record struct" : "struct",
                    TypeKind.Interface => "interface",
                    _ => current.IsRecord ? "record" : "class",
                };
                string name = current.Name;
                if (current.TypeParameters.Length > 0)
                {
                    name += "<" + string.Join(", ", current.TypeParameters.Select(p => p.Name)) + ">";
                }

                chain.Add(new TypeDeclaration(keyword, name, current.TypeKind == TypeKind.Struct && current.IsReadOnly));
            }

            chain.Reverse();
            return chain;
        }

        private string HintName(INamedTypeSymbol type)
        {
            var parts = new List<string>();
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                parts.Add(current.MetadataName);
            }

            parts.Reverse();
            if (type.ContainingNamespace is { IsGlobalNamespace: false } ns)
            {
                parts.Insert(0, ns.ToDisplayString());
            }

            parts.Add(method.Name);
            var hint = new StringBuilder();
            foreach (char c in string.Join(".", parts))
            {
                // Metadata names keep generic arity (Layer`1), so hint names stay unique.
                hint.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' || c == '`' ? c : '_');
            }

            return hint.Append(".g.cs").ToString();
        }
    }
}
