using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The semantic facts <see cref="BatchedSyntaxReader"/> needs, each found by a name lookup or a type binding (never by
    /// binding a statement) and found once: the <c>Ops</c> method of each name per compilation, and per body the symbol
    /// each other name stands for and the span type each type's text stands for. A question it cannot answer exactly
    /// (a name that means several things, an overload set, a type it does not know) answers null, and the reader then
    /// leaves the body to the bound parser.
    /// </summary>
    internal sealed class BatchedSyntaxSymbols
    {
        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(INamedTypeSymbol, string), IMethodSymbol?>> OpsMethods = new();

        private readonly SemanticModel model;
        private readonly int position;
        private readonly Dictionary<string, ISymbol?> names = new();
        private readonly Dictionary<string, SpanType?> spanTypes = new();
        private readonly Dictionary<string, bool> elementTypes = new();
        private readonly Dictionary<string, IrType?> realTypes = new();
        private readonly ITypeSymbol elementType;

        /// <param name="model">The semantic model of the body's tree.</param>
        /// <param name="position">The position of the body's opening brace: the method's parameters, the type's members and the body's own locals are in scope (the reader resolves the locals itself).</param>
        /// <param name="element">The layer's element type.</param>
        public BatchedSyntaxSymbols(SemanticModel model, int position, ScalarKind element)
        {
            this.model = model;
            this.position = position;
            elementType = model.Compilation.GetSpecialType(element == ScalarKind.Single ? SpecialType.System_Single : SpecialType.System_Double);
        }

        /// <summary>A span type the reader knows: <c>Span&lt;T&gt;</c> or <c>ReadOnlySpan&lt;T&gt;</c> of the layer's element type.</summary>
        internal sealed record SpanType(bool ReadOnly);

        /// <summary>The one accessible symbol <paramref name="name"/> stands for at the body's start, or null (none, or several).</summary>
        public ISymbol? Lookup(string name)
        {
            if (!names.TryGetValue(name, out ISymbol? symbol))
            {
                ImmutableArray<ISymbol> found = model.LookupSymbols(position, name: name);
                symbol = found.Length == 1 && model.IsAccessible(position, found[0]) ? found[0] : null;
                names.Add(name, symbol);
            }

            return symbol;
        }

        /// <summary>The position names are looked up at.</summary>
        public int Position => position;

        /// <summary>Whether nothing named <paramref name="name"/> is in scope (so that <c>var</c> means an implicitly typed local).</summary>
        public bool IsUnbound(string name) => model.LookupSymbols(position, name: name).IsEmpty;

        /// <summary>The span type <paramref name="syntax"/> names, or null when it is another type or the reader cannot tell.</summary>
        public SpanType? Span(TypeSyntax syntax)
        {
            string text = syntax.ToString();
            if (!spanTypes.TryGetValue(text, out SpanType? span))
            {
                ITypeSymbol? type = model.GetSpeculativeTypeInfo(position, syntax, SpeculativeBindingOption.BindAsTypeOrNamespace).Type;
                string? display = type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named &&
                                  SymbolEqualityComparer.Default.Equals(named.TypeArguments[0], elementType)
                    ? DisplayNames.Of(named.ConstructedFrom)
                    : null;
                span = display is "System.Span<T>" or "System.ReadOnlySpan<T>" ? new SpanType(display == "System.ReadOnlySpan<T>") : null;
                spanTypes.Add(text, span);
            }

            return span;
        }

        /// <summary>Whether <paramref name="syntax"/> names the layer's element type (<c>new T[n]</c>'s T).</summary>
        public bool IsElement(TypeSyntax syntax)
        {
            if (syntax is PredefinedTypeSyntax predefined)
            {
                return predefined.Keyword.IsKind(elementType.SpecialType == SpecialType.System_Single ? SyntaxKind.FloatKeyword : SyntaxKind.DoubleKeyword);
            }

            string text = syntax.ToString();
            if (!elementTypes.TryGetValue(text, out bool isElement))
            {
                ITypeSymbol? type = model.GetSpeculativeTypeInfo(position, syntax, SpeculativeBindingOption.BindAsTypeOrNamespace).Type;
                isElement = SymbolEqualityComparer.Default.Equals(type, elementType);
                elementTypes.Add(text, isElement);
            }

            return isElement;
        }

        /// <summary>Double or Float when <paramref name="syntax"/> names System.Double or System.Single (an alias, say), else null.</summary>
        public IrType? Real(IdentifierNameSyntax syntax)
        {
            string text = syntax.Identifier.ValueText;
            if (!realTypes.TryGetValue(text, out IrType? real))
            {
                real = model.GetSpeculativeTypeInfo(position, syntax, SpeculativeBindingOption.BindAsTypeOrNamespace).Type?.SpecialType switch
                {
                    SpecialType.System_Double => IrType.Double,
                    SpecialType.System_Single => IrType.Float,
                    _ => null,
                };
                realTypes.Add(text, real);
            }

            return real;
        }

        /// <summary>The element type's symbol (double or float).</summary>
        public ITypeSymbol ElementType => elementType;

        /// <summary>
        /// The one method named <paramref name="name"/> of <paramref name="ops"/>, static and accessible here, or null (none,
        /// an overload set, or another member of that name). Cached per compilation: the members of a type do not change
        /// within one.
        /// </summary>
        public IMethodSymbol? OpsMethod(INamedTypeSymbol ops, string name)
        {
            ConcurrentDictionary<(INamedTypeSymbol, string), IMethodSymbol?> methods =
                OpsMethods.GetValue(model.Compilation, static _ => new ConcurrentDictionary<(INamedTypeSymbol, string), IMethodSymbol?>());
            IMethodSymbol? method = methods.GetOrAdd((ops, name), static key =>
            {
                ImmutableArray<ISymbol> members = key.Item1.GetMembers(key.Item2);
                return members.Length == 1 && members[0] is IMethodSymbol { IsStatic: true, MethodKind: MethodKind.Ordinary, IsVararg: false } only ? only : null;
            });
            return method is not null && model.IsAccessible(position, method) ? method : null;
        }
    }
}
