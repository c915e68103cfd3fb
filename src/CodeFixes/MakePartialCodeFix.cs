using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MoreauGen.CodeFixes
{
    /// <summary>
    /// MG0003 and MG0005: adds <c>partial</c> to the layer's type and to every type it is nested in (all in one fix,
    /// since the generator needs all of them partial).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
    public sealed class MakePartialCodeFix : MoreauCodeFix
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticIds.TypeNotPartial, DiagnosticIds.ContainingTypeNotPartial);

        /// <inheritdoc />
        protected override void Register(FixSite site)
        {
            TypeDeclarationSyntax? type = site.Enclosing<TypeDeclarationSyntax>();
            if (type is null)
            {
                return;
            }

            // For MG0005 the diagnostic is on the outer type; make the innermost type with a layer partial too.
            TypeDeclarationSyntax innermost = type.DescendantNodesAndSelf().OfType<TypeDeclarationSyntax>()
                .LastOrDefault(t => t.Members.OfType<MethodDeclarationSyntax>().Any(HasGeneratorAttribute)) ?? type;
            TypeDeclarationSyntax[] chain = innermost.AncestorsAndSelf().OfType<TypeDeclarationSyntax>()
                .Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).ToArray();
            Document document = site.Context.Document;
            SyntaxNode root = site.Root;
            site.Offer(CodeAction.Create(
                "Make '" + innermost.Identifier.ValueText + "' and its containing types partial",
                token => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNodes(chain, (original, rewritten) => AddPartial(rewritten)))),
                equivalenceKey: nameof(MakePartialCodeFix)));
        }

        private static bool HasGeneratorAttribute(MethodDeclarationSyntax method) =>
            method.AttributeLists.SelectMany(list => list.Attributes).Any(attribute =>
            {
                string name = attribute.Name.ToString();
                return name.EndsWith("MoreauLayer", System.StringComparison.Ordinal) ||
                       name.EndsWith("MoreauLayerAttribute", System.StringComparison.Ordinal) ||
                       name.EndsWith("MoreauObjective", System.StringComparison.Ordinal) ||
                       name.EndsWith("MoreauObjectiveAttribute", System.StringComparison.Ordinal);
            });

        /// <summary>Adds <c>partial</c> as the last modifier (C# requires it just before the type keyword).</summary>
        private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
        {
            SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            if (type.Modifiers.Count == 0)
            {
                // Keep the keyword's leading trivia (indentation, doc comments) in front of the new modifier.
                SyntaxToken keyword = type.Keyword;
                return type
                    .WithKeyword(keyword.WithLeadingTrivia())
                    .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
            }

            return type.WithModifiers(type.Modifiers.Add(partial));
        }
    }
}
