using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MoreauGen.CodeFixes
{
    /// <summary>
    /// MG0040 (the spans are named w, x, y in another order) and MG0001 where the three parameters are two
    /// <c>ReadOnlySpan&lt;T&gt;</c> and one <c>Span&lt;T&gt;</c> out of place: reorders the parameters to
    /// (w, x, y) — parameters, inputs, output — the order the generator reads them in. The names decide when they
    /// are w, x and y; otherwise the read-only spans keep their order and the writable span goes last.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReorderParametersCodeFix)), Shared]
    public sealed class ReorderParametersCodeFix : MoreauCodeFix
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticIds.ParameterOrder, DiagnosticIds.InvalidSignature);

        /// <inheritdoc />
        protected override void Register(FixSite site)
        {
            MethodDeclarationSyntax? method = site.Enclosing<MethodDeclarationSyntax>();
            int[]? order = method is null ? null : NewOrder(site.Model, method, site.Context.CancellationToken);
            if (method is null || order is null)
            {
                return;
            }

            SeparatedSyntaxList<ParameterSyntax> parameters = method.ParameterList.Parameters;
            string names = string.Join(", ", order.Select(i => parameters[i].Identifier.ValueText));
            site.OfferReplacement("Reorder the parameters to (" + names + ")", nameof(ReorderParametersCodeFix), method, Reorder(method, order));
        }

        /// <summary>The positions in the new order, or null when the parameters are in order or are not three spans.</summary>
        private static int[]? NewOrder(SemanticModel model, MethodDeclarationSyntax method, CancellationToken token)
        {
            SeparatedSyntaxList<ParameterSyntax> parameters = method.ParameterList.Parameters;
            if (parameters.Count != 3)
            {
                return null;
            }

            var kinds = new string?[3];
            for (int i = 0; i < 3; i++)
            {
                if (parameters[i].Type is null || parameters[i].Modifiers.Count > 0 ||
                    model.GetTypeInfo(parameters[i].Type!, token).Type is not INamedTypeSymbol { IsGenericType: true } type)
                {
                    return null;
                }

                kinds[i] = type.ConstructedFrom.ToDisplayString() switch
                {
                    "System.ReadOnlySpan<T>" => "in",
                    "System.Span<T>" => "out",
                    _ => null,
                };
            }

            int output = System.Array.IndexOf(kinds, "out");
            if (kinds.Count(k => k == "in") != 2 || output < 0)
            {
                return null;
            }

            int[] inputs = Enumerable.Range(0, 3).Where(i => i != output).ToArray();
            string first = parameters[inputs[0]].Identifier.ValueText, second = parameters[inputs[1]].Identifier.ValueText;
            if (first == "x" && second == "w")
            {
                inputs = new[] { inputs[1], inputs[0] };
            }

            int[] order = { inputs[0], inputs[1], output };
            return order.SequenceEqual(new[] { 0, 1, 2 }) ? null : order;
        }

        /// <summary>Moves the parameters; each position keeps its own trivia (line breaks, indentation).</summary>
        private static MethodDeclarationSyntax Reorder(MethodDeclarationSyntax method, int[] order)
        {
            SeparatedSyntaxList<ParameterSyntax> parameters = method.ParameterList.Parameters;
            ParameterSyntax[] moved = order
                .Select((from, to) => parameters[from]
                    .WithLeadingTrivia(parameters[to].GetLeadingTrivia())
                    .WithTrailingTrivia(parameters[to].GetTrailingTrivia()))
                .ToArray();
            return method.WithParameterList(method.ParameterList.WithParameters(
                SyntaxFactory.SeparatedList(moved, parameters.GetSeparators())));
        }
    }
}
