using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MoreauGen.CodeFixes
{
    /// <summary>
    /// MG0011 on a call of the user's own static scalar function: marks that function <c>[Differentiable]</c>, in
    /// whichever type and file it is declared, adding <c>using MoreauGen;</c> there when needed. Offered only when
    /// the function has the helper signature <c>static T F(T a, …)</c> with T float or double (MG0032).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddDifferentiableCodeFix)), Shared]
    public sealed class AddDifferentiableCodeFix : MoreauCodeFix
    {
        private const string Namespace = "MoreauGen";

        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NoDerivativeRule);

        /// <inheritdoc />
        protected override void Register(FixSite site)
        {
            InvocationExpressionSyntax? call = site.Enclosing<InvocationExpressionSyntax>();
            if (call is null || site.Model.GetSymbolInfo(call, site.Context.CancellationToken).Symbol is not IMethodSymbol target ||
                !HasHelperSignature(target))
            {
                return;
            }

            SyntaxReference? reference = target.DeclaringSyntaxReferences.FirstOrDefault();
            Document? declaringDocument = reference is null ? null : site.Context.Document.Project.Solution.GetDocument(reference.SyntaxTree);
            if (reference is null || declaringDocument is null)
            {
                return; // declared in another assembly: only a [CustomPullback] helps (MG0030)
            }

            site.Offer(CodeAction.Create(
                "Mark '" + target.ContainingType.Name + "." + target.Name + "' [Differentiable]",
                token => MarkAsync(declaringDocument, reference, token),
                equivalenceKey: nameof(AddDifferentiableCodeFix)));
        }

        /// <summary>The signature MG0032 asks of a helper: static, not generic, T F(T a, …) with T float or double.</summary>
        private static bool HasHelperSignature(IMethodSymbol method) =>
            method.IsStatic && !method.IsGenericMethod && method.Parameters.Length > 0 &&
            method.ReturnType.SpecialType is SpecialType.System_Single or SpecialType.System_Double &&
            method.Parameters.All(p => p.RefKind == RefKind.None && !p.IsParams && !p.HasExplicitDefaultValue &&
                                       SymbolEqualityComparer.Default.Equals(p.Type, method.ReturnType));

        private static async Task<Solution> MarkAsync(Document document, SyntaxReference reference, CancellationToken token)
        {
            SyntaxNode declarationNode = await reference.GetSyntaxAsync(token).ConfigureAwait(false);
            if (declarationNode is not MethodDeclarationSyntax declaration ||
                await document.GetSyntaxRootAsync(token).ConfigureAwait(false) is not CompilationUnitSyntax root)
            {
                return document.Project.Solution;
            }

            AttributeListSyntax attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Differentiable"))));

            // Put the attribute on its own line, with the declaration's indentation, before the modifiers.
            SyntaxTriviaList leading = declaration.GetLeadingTrivia();
            SyntaxTrivia indentation = leading.LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
            MethodDeclarationSyntax marked = declaration
                .WithoutLeadingTrivia()
                .AddAttributeLists(attribute.WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.EndOfLine("\n")))
                .WithModifiers(WithIndentation(declaration.WithoutLeadingTrivia().Modifiers, indentation));
            if (declaration.AttributeLists.Count > 0)
            {
                marked = declaration.AddAttributeLists(attribute.WithTrailingTrivia(SyntaxFactory.EndOfLine("\n")).WithLeadingTrivia(indentation));
            }

            CompilationUnitSyntax fixedRoot = root.ReplaceNode(declaration, marked);
            if (!HasNamespaceInScope(declaration))
            {
                fixedRoot = fixedRoot.AddUsings(SyntaxFactory.UsingDirective(SyntaxFactory.IdentifierName(Namespace))
                    .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n")));
            }

            return document.WithSyntaxRoot(fixedRoot).Project.Solution;
        }

        private static SyntaxTokenList WithIndentation(SyntaxTokenList modifiers, SyntaxTrivia indentation) =>
            modifiers.Count == 0 || indentation == default
                ? modifiers
                : modifiers.Replace(modifiers[0], modifiers[0].WithLeadingTrivia(indentation));

        /// <summary>True when the declaration already sees the MoreauGen namespace (a using, or it is inside it).</summary>
        private static bool HasNamespaceInScope(SyntaxNode declaration)
        {
            foreach (SyntaxNode ancestor in declaration.Ancestors())
            {
                SyntaxList<UsingDirectiveSyntax> usings = ancestor switch
                {
                    CompilationUnitSyntax unit => unit.Usings,
                    BaseNamespaceDeclarationSyntax ns => ns.Usings,
                    _ => default,
                };
                if (usings.Any(u => u.Name?.ToString() == Namespace && u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None)))
                {
                    return true;
                }

                if (ancestor is BaseNamespaceDeclarationSyntax { Name: var name } &&
                    (name.ToString() == Namespace || name.ToString().StartsWith(Namespace + ".", System.StringComparison.Ordinal)))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
