using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The keystroke path of the parse step. ForAttributeWithMetadataName runs the parse again for every layer whenever
    /// the compilation changes, which bound every layer body on every keystroke anywhere. The binding of a method whose
    /// syntax node is unchanged can change only if a declaration changes; so a parse result is reused, as it is, when the
    /// new compilation differs from the one it was parsed in only by edits inside method bodies, none of them a helper's
    /// (<c>[Differentiable]</c> or <c>[CustomPullback]</c>), in files that none of its diagnostics point into and that hold
    /// none of the type's own helpers it reads in place of their calls (<see cref="ParseResult.ReadFiles"/>), with the
    /// same options, references and files. Anything else (a file
    /// added or removed, an edit outside a method body, a syntax error or a directive before or after, an edit in the
    /// layer's own file) parses again.
    /// </summary>
    internal static class ParseCache
    {
        private static readonly ConditionalWeakTable<SyntaxNode, Slots> Results = new();
        private static readonly ConditionalWeakTable<Compilation, Step> Steps = new();

        /// <summary>
        /// The result of <paramref name="parse"/> for <paramref name="method"/> in <paramref name="compilation"/>: the one
        /// computed in an earlier compilation if only method bodies changed in between (see the type), else a new one.
        /// </summary>
        public static ParseResult Parse(SyntaxNode method, Compilation compilation, ModelKind kind, Func<ParseResult> parse, CancellationToken cancellationToken)
        {
            Slots slots = Results.GetValue(method, static _ => new Slots());
            Entry? entry = kind == ModelKind.Layer ? slots.Layer : slots.Objective;
            if (entry is not null && entry.Compilation.TryGetTarget(out Compilation? previous))
            {
                HashSet<string>? edited = ReferenceEquals(previous, compilation) ? new HashSet<string>() : EditedFiles(previous, compilation, cancellationToken);
                if (edited is not null && !entry.Files.Any(edited.Contains))
                {
                    Store(slots, kind, new Entry(compilation, entry.Result, entry.Files));
                    return entry.Result;
                }
            }

            ParseResult result = parse();
            Store(slots, kind, new Entry(compilation, result, result.Diagnostics.Select(d => d.Location?.FilePath).OfType<string>().Concat(result.ReadFiles).Distinct().ToArray()));
            return result;
        }

        private static void Store(Slots slots, ModelKind kind, Entry entry)
        {
            if (kind == ModelKind.Layer)
            {
                slots.Layer = entry;
            }
            else
            {
                slots.Objective = entry;
            }
        }

        /// <summary>The files edited between the two compilations if every edit is inside an unattributed method body, else null.</summary>
        private static HashSet<string>? EditedFiles(Compilation from, Compilation to, CancellationToken cancellationToken)
        {
            Step step = Steps.GetValue(to, static _ => new Step());
            lock (step)
            {
                if (step.From is not null && step.From.TryGetTarget(out Compilation? known) && ReferenceEquals(known, from))
                {
                    return step.Edited;
                }

                HashSet<string>? edited = Compare(from, to, cancellationToken);
                step.From = new WeakReference<Compilation>(from);
                step.Edited = edited;
                return edited;
            }
        }

        private static HashSet<string>? Compare(Compilation from, Compilation to, CancellationToken cancellationToken)
        {
            if (from.Language != to.Language || from.AssemblyName != to.AssemblyName || !from.Options.Equals(to.Options) ||
                !from.ExternalReferences.SequenceEqual(to.ExternalReferences))
            {
                return null;
            }

            SyntaxTree[] before = from.SyntaxTrees.ToArray();
            SyntaxTree[] after = to.SyntaxTrees.ToArray();
            if (before.Length != after.Length)
            {
                return null;
            }

            var edited = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < before.Length; i++)
            {
                if (ReferenceEquals(before[i], after[i]))
                {
                    continue;
                }

                if (!OnlyBodiesEdited(from, to, before[i], after[i], cancellationToken))
                {
                    return null;
                }

                edited.Add(before[i].FilePath);
            }

            return edited;
        }

        /// <summary>True when every text change from <paramref name="before"/> to <paramref name="after"/> lies inside the body of one method that is no helper, in both trees.</summary>
        private static bool OnlyBodiesEdited(Compilation from, Compilation to, SyntaxTree before, SyntaxTree after, CancellationToken cancellationToken)
        {
            if (before.FilePath != after.FilePath || !before.Options.Equals(after.Options))
            {
                return false;
            }

            SyntaxNode oldRoot = before.GetRoot(cancellationToken);
            SyntaxNode newRoot = after.GetRoot(cancellationToken);
            if (oldRoot.ContainsDiagnostics || newRoot.ContainsDiagnostics || oldRoot.ContainsDirectives || newRoot.ContainsDirectives)
            {
                return false;
            }

            int shift = 0;
            foreach (TextChange change in after.GetChanges(before))
            {
                var changed = new TextSpan(change.Span.Start + shift, change.NewText?.Length ?? 0);
                shift += changed.Length - change.Span.Length;
                if (!IsNoHelper(from, before, BodyAround(oldRoot, change.Span), cancellationToken) ||
                    !IsNoHelper(to, after, BodyAround(newRoot, changed), cancellationToken))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True for a method (found by <see cref="BodyAround"/>) without attributes, or whose attributes make it no helper.</summary>
        private static bool IsNoHelper(Compilation compilation, SyntaxTree tree, MethodDeclarationSyntax? method, CancellationToken cancellationToken) =>
            method is not null &&
            (method.AttributeLists.Count == 0 ||
             compilation.GetSemanticModel(tree).GetDeclaredSymbol(method, cancellationToken) is IMethodSymbol symbol && !HelperParser.IsHelper(symbol));

        /// <summary>The method whose body holds <paramref name="span"/> strictly (between its braces, or within its => expression), or null.</summary>
        private static MethodDeclarationSyntax? BodyAround(SyntaxNode root, TextSpan span)
        {
            for (SyntaxNode? node = root.FindToken(span.Start).Parent; node is not null; node = node.Parent)
            {
                switch (node)
                {
                    case MethodDeclarationSyntax method:
                        bool inside = method.Body is { } body
                            ? body.OpenBraceToken.Span.End <= span.Start && span.End <= body.CloseBraceToken.SpanStart
                            : method.ExpressionBody is { } arrow && arrow.Expression.Span.Start <= span.Start && span.End <= arrow.Expression.Span.End;
                        return inside ? method : null;
                    case MemberDeclarationSyntax:
                        return null;
                }
            }

            return null;
        }

        /// <summary>The last result of a method's parse as a layer and as an objective.</summary>
        private sealed class Slots
        {
            public volatile Entry? Layer;
            public volatile Entry? Objective;
        }

        /// <summary>A parse result, the compilation it holds for, and the files its diagnostics point into.</summary>
        private sealed class Entry
        {
            public Entry(Compilation compilation, ParseResult result, string[] files)
            {
                Compilation = new WeakReference<Compilation>(compilation);
                Result = result;
                Files = files;
            }

            public WeakReference<Compilation> Compilation { get; }

            public ParseResult Result { get; }

            public string[] Files { get; }
        }

        /// <summary>What changed from one compilation to the next (computed once for all the layers).</summary>
        private sealed class Step
        {
            public WeakReference<Compilation>? From;
            public HashSet<string>? Edited;
        }
    }
}
