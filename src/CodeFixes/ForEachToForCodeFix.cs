using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace MoreauGen.CodeFixes
{
    /// <summary>
    /// MG0023 on a <c>foreach</c> over a span (or an array): rewrites it as
    /// <c>for (int i = 0; i &lt; s.Length; i++) { T v = s[i]; … }</c>, the loop form the reverse pass can run
    /// backwards. Offered when the collection is a plain name (a parameter, local, field or property), so that
    /// reading it again at each iteration changes nothing.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ForEachToForCodeFix)), Shared]
    public sealed class ForEachToForCodeFix : MoreauCodeFix
    {
        private static readonly string[] IndexNames = { "i", "j", "k", "index" };

        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnsupportedLoop);

        /// <inheritdoc />
        protected override void Register(FixSite site)
        {
            ForEachStatementSyntax? loop = site.Enclosing<ForEachStatementSyntax>();
            if (loop is null || !IsPlainName(loop.Expression) ||
                !IsIndexable(site.Model.GetTypeInfo(loop.Expression, site.Context.CancellationToken).Type))
            {
                return;
            }

            string index = FreshIndexName(site.Model, loop);
            site.OfferReplacement(
                "Write the loop as 'for (int " + index + " = 0; " + index + " < " + loop.Expression + ".Length; " + index + "++)'",
                nameof(ForEachToForCodeFix),
                loop,
                Rewrite(loop, index));
        }

        private static bool IsPlainName(ExpressionSyntax expression) =>
            expression is IdentifierNameSyntax ||
            expression is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax };

        private static bool IsIndexable(ITypeSymbol? type) =>
            type is IArrayTypeSymbol { Rank: 1 } ||
            (type is INamedTypeSymbol { IsGenericType: true } named &&
             named.ConstructedFrom.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>");

        /// <summary>An index name that no symbol in scope and no name declared in the loop uses.</summary>
        private static string FreshIndexName(SemanticModel model, ForEachStatementSyntax loop)
        {
            var taken = new HashSet<string>(model.LookupSymbols(loop.Statement.SpanStart).Select(s => s.Name));
            taken.Add(loop.Identifier.ValueText);
            foreach (SyntaxToken token in loop.Statement.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)))
            {
                taken.Add(token.ValueText);
            }

            foreach (string name in IndexNames)
            {
                if (!taken.Contains(name))
                {
                    return name;
                }
            }

            int n = 1;
            while (taken.Contains("i" + n))
            {
                n++;
            }

            return "i" + n;
        }

        private static ForStatementSyntax Rewrite(ForEachStatementSyntax loop, string index)
        {
            ExpressionSyntax collection = loop.Expression.WithoutTrivia();
            IdentifierNameSyntax i = SyntaxFactory.IdentifierName(index);

            // T v = s[i];
            LocalDeclarationStatementSyntax element = SyntaxFactory.LocalDeclarationStatement(
                SyntaxFactory.VariableDeclaration(
                    loop.Type.WithoutTrivia(),
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(loop.Identifier.WithoutTrivia())
                        .WithInitializer(SyntaxFactory.EqualsValueClause(
                            SyntaxFactory.ElementAccessExpression(collection, SyntaxFactory.BracketedArgumentList(
                                SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(i)))))))));

            StatementSyntax body = loop.Statement is BlockSyntax block
                ? block.WithStatements(block.Statements.Insert(0, element))
                : SyntaxFactory.Block(element, loop.Statement.WithoutLeadingTrivia());

            return SyntaxFactory.ForStatement(body)
                .WithDeclaration(SyntaxFactory.VariableDeclaration(
                    SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.IntKeyword)),
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(index)
                        .WithInitializer(SyntaxFactory.EqualsValueClause(
                            SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0)))))))
                .WithCondition(SyntaxFactory.BinaryExpression(
                    SyntaxKind.LessThanExpression,
                    i,
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, collection, SyntaxFactory.IdentifierName("Length"))))
                .WithIncrementors(SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(
                    SyntaxFactory.PostfixUnaryExpression(SyntaxKind.PostIncrementExpression, i)))
                .WithLeadingTrivia(loop.GetLeadingTrivia())
                .WithTrailingTrivia(loop.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
        }
    }
}
