using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MoreauGen.CodeFixes
{
    /// <summary>
    /// What every MoreauGen code fix does first: read the document's syntax root and semantic model and find the node
    /// each diagnostic points at. A fix only says what it offers for that node (<see cref="Register"/>).
    /// </summary>
    public abstract class MoreauCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override FixAllProvider? GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                Register(new FixSite(context, root, model, root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true), diagnostic));
            }
        }

        /// <summary>Registers the fixes this provider has for one diagnostic, if any.</summary>
        protected abstract void Register(FixSite site);
    }

    /// <summary>One diagnostic to fix: the node it points at, its document's root and semantic model.</summary>
    public sealed class FixSite
    {
        internal FixSite(CodeFixContext context, SyntaxNode root, SemanticModel model, SyntaxNode node, Diagnostic diagnostic)
        {
            Context = context;
            Root = root;
            Model = model;
            Node = node;
            Diagnostic = diagnostic;
        }

        /// <summary>The code-fix context the diagnostic came in.</summary>
        public CodeFixContext Context { get; }

        /// <summary>The document's syntax root.</summary>
        public SyntaxNode Root { get; }

        /// <summary>The document's semantic model.</summary>
        public SemanticModel Model { get; }

        /// <summary>The node the diagnostic's span covers.</summary>
        public SyntaxNode Node { get; }

        /// <summary>The diagnostic.</summary>
        public Diagnostic Diagnostic { get; }

        /// <summary>The node itself or its nearest ancestor of type <typeparamref name="T"/>.</summary>
        public T? Enclosing<T>() where T : SyntaxNode
        {
            foreach (SyntaxNode node in Node.AncestorsAndSelf())
            {
                if (node is T found)
                {
                    return found;
                }
            }

            return null;
        }

        /// <summary>Offers a fix titled <paramref name="title"/> that replaces <paramref name="old"/> in this document by <paramref name="replacement"/>.</summary>
        public void OfferReplacement(string title, string equivalenceKey, SyntaxNode old, SyntaxNode replacement)
        {
            Document document = Context.Document;
            SyntaxNode root = Root;
            Offer(CodeAction.Create(title, token => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(old, replacement))), equivalenceKey));
        }

        /// <summary>Offers <paramref name="action"/> for the diagnostic.</summary>
        public void Offer(CodeAction action) => Context.RegisterCodeFix(action, Diagnostic);
    }
}
