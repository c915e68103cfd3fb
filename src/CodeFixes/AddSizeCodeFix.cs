using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace MoreauGen.CodeFixes
{
    /// <summary>
    /// MG0008 (a size given neither by the attribute nor by the type): two fixes for all the missing sizes at once.
    /// <list type="bullet">
    /// <item>Add the attribute arguments (<c>Inputs = 2</c>, …), offered when each missing size can be read off a
    /// per-sample body: every access of that span has a constant index, the largest plus one is the size.</item>
    /// <item>Declare the size properties on the type (<c>public int InputCount =&gt; 2;</c> with a size read off the
    /// body, otherwise <c>public int InputCount { get; init; }</c> for the code that creates the layer to set).</item>
    /// </list>
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddSizeCodeFix)), Shared]
    public sealed class AddSizeCodeFix : MoreauCodeFix
    {
        private static readonly (string Argument, string Property, int Parameter)[] Sizes =
        {
            ("Parameters", "ParameterCount", 0),
            ("Inputs", "InputCount", 1),
            ("Outputs", "OutputCount", 2),
        };

        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SizeMissing);

        /// <inheritdoc />
        public override FixAllProvider? GetFixAllProvider() => null; // one fix already covers every size of a method

        /// <inheritdoc />
        protected override void Register(FixSite site)
        {
            AttributeSyntax? attribute = site.Enclosing<AttributeSyntax>();
            if (attribute?.Parent?.Parent is not MethodDeclarationSyntax method || method.Parent is not TypeDeclarationSyntax type ||
                site.Model.GetDeclaredSymbol(method, site.Context.CancellationToken) is not IMethodSymbol symbol)
            {
                return;
            }

            bool objective = attribute.Name.ToString().Contains("MoreauObjective");
            bool batched = attribute.ArgumentList?.Arguments.Any(a => a.NameEquals?.Name.Identifier.ValueText == "Batched") == true;
            var missing = new List<(string Argument, string Property, int? Size)>();
            foreach ((string argument, string property, int parameter) in Sizes)
            {
                if ((objective && argument != "Inputs") || Given(attribute, argument) || Declared(symbol.ContainingType, property))
                {
                    continue;
                }

                int? size = objective || batched || parameter >= symbol.Parameters.Length
                    ? null
                    : SizeFromBody(site.Model, method, symbol.Parameters[parameter], site.Context.CancellationToken);
                missing.Add((argument, property, size));
            }

            if (missing.Count == 0)
            {
                return;
            }

            string attributeName = objective ? "[MoreauObjective]" : "[MoreauLayer]";
            if (missing.All(m => m.Size is not null))
            {
                string arguments = string.Join(", ", missing.Select(m => m.Argument + " = " + m.Size));
                site.OfferReplacement("Add '" + arguments + "' to " + attributeName, nameof(AddSizeCodeFix) + ".Attribute", attribute, AddArguments(attribute, missing));
            }

            string properties = string.Join(", ", missing.Select(m => m.Property));
            site.OfferReplacement("Declare " + properties + " on '" + type.Identifier.ValueText + "'", nameof(AddSizeCodeFix) + ".Properties", type, AddProperties(type, missing));
        }

        private static bool Given(AttributeSyntax attribute, string argument) =>
            attribute.ArgumentList?.Arguments.Any(a => a.NameEquals?.Name.Identifier.ValueText == argument) == true;

        private static bool Declared(INamedTypeSymbol? type, string property)
        {
            for (; type is not null; type = type.BaseType)
            {
                if (!type.GetMembers(property).IsEmpty)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// One more than the largest constant index of <paramref name="span"/> when every access of it in the body is
        /// an element access with a constant index; otherwise null.
        /// </summary>
        private static int? SizeFromBody(SemanticModel model, MethodDeclarationSyntax method, IParameterSymbol span, CancellationToken token)
        {
            SyntaxNode? body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
            if (body is null)
            {
                return null;
            }

            int largest = -1;
            foreach (IdentifierNameSyntax use in body.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(use, token).Symbol, span))
                {
                    continue;
                }

                if (use.Parent is not ElementAccessExpressionSyntax { ArgumentList.Arguments: { Count: 1 } arguments } access ||
                    access.Expression != use ||
                    model.GetConstantValue(arguments[0].Expression, token) is not { HasValue: true, Value: int index } || index < 0)
                {
                    return null;
                }

                largest = System.Math.Max(largest, index);
            }

            return largest >= 0 ? largest + 1 : null;
        }

        private static AttributeSyntax AddArguments(AttributeSyntax attribute, List<(string Argument, string Property, int? Size)> missing)
        {
            IEnumerable<AttributeArgumentSyntax> added = missing.Select(m => SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(m.Argument),
                null,
                SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(m.Size!.Value))));
            AttributeArgumentListSyntax list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
            return attribute.WithArgumentList(list.AddArguments(added.ToArray())).WithAdditionalAnnotations(Formatter.Annotation);
        }

        private static TypeDeclarationSyntax AddProperties(TypeDeclarationSyntax type, List<(string Argument, string Property, int? Size)> missing)
        {
            MemberDeclarationSyntax[] properties = missing.Select(m => (MemberDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(
                    (m.Size is int size
                        ? "public int " + m.Property + " => " + size + ";\n"
                        : "/// <summary>The number of " + m.Argument.ToLowerInvariant() + ", set by the code that creates the layer.</summary>\npublic int " + m.Property + " { get; init; }\n"))!
                .WithAdditionalAnnotations(Formatter.Annotation))
                .ToArray();

            // A blank line between the new properties and the members that were there.
            properties[properties.Length - 1] = properties[properties.Length - 1]
                .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"), SyntaxFactory.EndOfLine("\n"));
            return type.WithMembers(type.Members.InsertRange(0, properties));
        }
    }
}
