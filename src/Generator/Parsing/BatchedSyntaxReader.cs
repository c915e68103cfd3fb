using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>What <see cref="BatchedSyntaxReader"/> read: the statements the bound parser would have built, and what it records beside them.</summary>
    internal sealed class BatchedSyntaxRead
    {
        /// <summary>The body's statements (sizes, span locals, tensor calls).</summary>
        public List<Stmt> Body { get; } = new();

        /// <summary>Each statement's syntax and, for a call, each argument's (null where a default value was taken).</summary>
        public List<(SyntaxNode Statement, SyntaxNode?[] Arguments)> Syntax { get; } = new();

        /// <summary>Each slice taken and the user's text of it, in the order the bound parser notes them.</summary>
        public List<KeyValuePair<Slice, string>> SliceTexts { get; } = new();

        /// <summary>The body's constants of the element type, in order.</summary>
        public List<ConstantDeclaration> Constants { get; } = new();

        /// <summary>The names the generated code must not take: the body's locals and the primary-constructor parameters it reads.</summary>
        public HashSet<string> Reserved { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads a <c>[MoreauLayer(Batched = true)]</c> body from its syntax, without binding it: int sizes, span locals (views
    /// and <c>new T[n]</c> temporaries) and <c>Ops.X(…)</c> calls, into the very statements the bound parser builds
    /// (BodyParser.Batched.cs). Binding such a body is mostly overload resolution of every <c>Ops</c> call (RESULTS.md,
    /// "the parse phase beyond Roslyn's binding"); here <c>Ops</c> and each method name are looked up once, and the type of
    /// every expression follows from the declarations: the spans' from the signature and the locals' declared types, the
    /// sizes' from the symbols their names stand for.
    /// </summary>
    /// <remarks>
    /// The reader accepts only what it can check as the compiler would: every name resolves to one symbol, every argument
    /// converts to its parameter, T is inferred, constants do not overflow. Anything else (another statement or
    /// expression, a name it cannot resolve, a call that would not bind, a body the bound parser would report on) makes
    /// <see cref="Read"/> return null, and the bound parser reads the body instead, with its diagnostics — a body with
    /// compiler errors included, which it leaves to the compiler.
    /// </remarks>
    internal sealed partial class BatchedSyntaxReader
    {
        /// <summary>Deeper expressions are left to the bound parser (which reports past <see cref="BodyParser.MaxDepth"/>).</summary>
        private const int MaxDepth = 40;

        private readonly SemanticModel model;
        private readonly IMethodSymbol method;
        private readonly INamedTypeSymbol type;
        private readonly ScalarKind element;
        private readonly CancellationToken cancellationToken;
        private readonly int? parameterCount;
        private readonly Dictionary<string, LocalKind> declared = new(StringComparer.Ordinal);
        private readonly HashSet<string> bodyLocals = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> intConstants = new(StringComparer.Ordinal);
        private BatchedSyntaxSymbols symbols = null!;
        private BatchedSyntaxRead read = null!;
        private INamedTypeSymbol? ops;

        /// <summary>Whether each <c>Ops</c> method met has the rule's signature (BatchedSyntaxReader.Calls.cs).</summary>
        private readonly Dictionary<IMethodSymbol, bool> accepted = new(SymbolEqualityComparer.Default);

        /// <param name="model">The semantic model of the body's tree (names and types are looked up in it, nothing is bound).</param>
        /// <param name="method">The layer method.</param>
        /// <param name="type">Its type.</param>
        /// <param name="element">The element type of its spans.</param>
        /// <param name="parameterCount">The attribute's parameter count, if it gives one (a constant w[i] must be below it).</param>
        /// <param name="cancellationToken">Cancels the read.</param>
        public BatchedSyntaxReader(SemanticModel model, IMethodSymbol method, INamedTypeSymbol type, ScalarKind element, int? parameterCount, CancellationToken cancellationToken)
        {
            this.parameterCount = parameterCount;
            this.model = model;
            this.method = method;
            this.type = type;
            this.element = element;
            this.cancellationToken = cancellationToken;
        }

        /// <summary>What a local of the body is: an int size, or a span (read-only or not, as declared).</summary>
        private enum LocalKind
        {
            Int,
            Constant,
            RealConstant,
            Span,
            ReadOnlySpan,
        }

        /// <summary>The body read, or null when the bound parser must read it.</summary>
        public BatchedSyntaxRead? Read(BlockSyntax body)
        {
            if (model.Compilation.Options is CSharpCompilationOptions { CheckOverflow: true } || method.Parameters.Length != 3)
            {
                return null;
            }

            foreach (StatementSyntax statement in body.Statements)
            {
                if (statement is LocalDeclarationStatementSyntax local)
                {
                    foreach (VariableDeclaratorSyntax declarator in local.Declaration.Variables)
                    {
                        if (!bodyLocals.Add(declarator.Identifier.ValueText))
                        {
                            return null;
                        }
                    }
                }
            }

            symbols = new BatchedSyntaxSymbols(model, body.OpenBraceToken.SpanStart, element);
            read = new BatchedSyntaxRead();
            foreach (string name in bodyLocals)
            {
                if (name == "Ops" || Shadows(name))
                {
                    return null;
                }

                read.Reserved.Add(name);
            }

            SyntaxList<StatementSyntax> statements = body.Statements;
            for (int i = 0; i < statements.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool ok = statements[i] switch
                {
                    EmptyStatementSyntax => true,
                    ReturnStatementSyntax { Expression: null } => i == statements.Count - 1,
                    LocalDeclarationStatementSyntax local => Declaration(local),
                    ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call } => Call(call),
                    _ => false,
                };
                if (!ok)
                {
                    return null;
                }
            }

            return read;
        }

        // ---- locals ----------------------------------------------------------------------------------

        /// <summary>
        /// Whether a local named <paramref name="name"/> would take the name of a parameter (the method's, a primary
        /// constructor's) or of a type parameter: an error or a shadowing the reader leaves to the bound parser.
        /// </summary>
        private bool Shadows(string name)
        {
            if (method.Parameters.Any(p => p.Name == name))
            {
                return true;
            }

            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                if (current.TypeParameters.Any(p => p.Name == name) ||
                    current.InstanceConstructors.Any(c => c.Parameters.Any(p => p.Name == name) && c.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax)))
                {
                    return true;
                }
            }

            return false;
        }

        private bool Declaration(LocalDeclarationStatementSyntax statement)
        {
            if (statement.Modifiers.Count == 1 && statement.Modifiers[0].IsKind(SyntaxKind.ConstKeyword))
            {
                return Constants(statement);
            }

            if (statement.Modifiers.Count > 0 || statement.UsingKeyword != default || statement.AwaitKeyword != default ||
                statement.Declaration.Type is RefTypeSyntax or ScopedTypeSyntax)
            {
                return false;
            }

            TypeSyntax declaredType = statement.Declaration.Type;
            bool isVar = declaredType.IsVar && symbols.IsUnbound("var");
            if (declaredType.IsVar && !isVar)
            {
                return false;
            }

            BatchedSyntaxSymbols.SpanType? spanType = null;
            bool isInt = declaredType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.IntKeyword };
            if (!isVar && !isInt && (spanType = symbols.Span(declaredType)) is null)
            {
                return false;
            }

            foreach (VariableDeclaratorSyntax declarator in statement.Declaration.Variables)
            {
                if (declarator.ArgumentList is not null || declarator.Initializer is not { } initializer || (isVar && statement.Declaration.Variables.Count > 1) ||
                    !Local(declarator, initializer.Value, isInt, spanType))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// <c>const int k = 4;</c>: nothing in the statements (the bound parser folds every use into a literal, and declares
        /// nothing for it), a constant for the uses. <c>const T c = 0.5f;</c> of the element type, from a literal: a constant
        /// declaration, read by name. Other constants are left to the bound parser.
        /// </summary>
        private bool Constants(LocalDeclarationStatementSyntax statement)
        {
            TypeSyntax constantType = statement.Declaration.Type;
            bool isInt = constantType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.IntKeyword };
            if (statement.UsingKeyword != default || statement.AwaitKeyword != default || (!isInt && (constantType.IsVar || !symbols.IsElement(constantType))))
            {
                return false;
            }

            foreach (VariableDeclaratorSyntax declarator in statement.Declaration.Variables)
            {
                string name = declarator.Identifier.ValueText;
                if (declarator.ArgumentList is not null || declarator.Initializer is not { } initializer)
                {
                    return false;
                }

                if (isInt)
                {
                    if (!Int(initializer.Value, 0, out _, out long? constant) || constant is not long value)
                    {
                        // Not a constant: a compiler error.
                        return false;
                    }

                    declared.Add(name, LocalKind.Constant);
                    intConstants.Add(name, (int)value);
                }
                else
                {
                    if (!ElementLiteral(initializer.Value, out double value, out _))
                    {
                        return false;
                    }

                    IrType scalar = IrType.ScalarOf(element);
                    declared.Add(name, LocalKind.RealConstant);
                    read.Constants.Add(new ConstantDeclaration(scalar, name, new Literal(scalar, value)));
                }
            }

            return true;
        }

        /// <summary>One declarator: <c>int m = …;</c>, <c>Span&lt;T&gt; h = new T[n];</c>, <c>var v = w[..k];</c> (for <c>var</c>, neither int nor span type is given).</summary>
        private bool Local(VariableDeclaratorSyntax declarator, ExpressionSyntax value, bool isInt, BatchedSyntaxSymbols.SpanType? spanType)
        {
            string name = declarator.Identifier.ValueText;
            if (!isInt && value is ArrayCreationExpressionSyntax creation)
            {
                // var h = new T[n] is an array local, which the bound parser reports.
                if (spanType is null || !Temporary(creation, out Expr? length))
                {
                    return false;
                }

                IrType temporary = IrType.SpanOf(element, readOnly: false);
                Add(new Declare(temporary, name, new NewSpan(length!, temporary)), declarator);
                declared.Add(name, spanType.ReadOnly ? LocalKind.ReadOnlySpan : LocalKind.Span);
                return true;
            }

            if (!isInt && (value is IdentifierNameSyntax identifier ? IsSpanName(identifier.Identifier.ValueText) : IsSpanSyntax(value)))
            {
                if (!Span(value, out Expr? view, out bool readOnly) || (spanType is { ReadOnly: false } && readOnly))
                {
                    return false;
                }

                bool declaredReadOnly = spanType?.ReadOnly ?? readOnly;
                Add(new Declare(IrType.SpanOf(element, declaredReadOnly), name, view!), declarator);
                declared.Add(name, declaredReadOnly ? LocalKind.ReadOnlySpan : LocalKind.Span);
                return true;
            }

            if (spanType is not null || !Int(value, 0, out Expr? size, out _))
            {
                return false;
            }

            Add(new Declare(IrType.Int, name, size!), declarator);
            declared.Add(name, LocalKind.Int);
            return true;
        }

        /// <summary><c>new T[n]</c> of the element type, one dimension, no initializer.</summary>
        private bool Temporary(ArrayCreationExpressionSyntax creation, out Expr? length)
        {
            length = null;
            return creation.Initializer is null && creation.Type.RankSpecifiers.Count == 1 && creation.Type.RankSpecifiers[0].Sizes.Count == 1 &&
                   symbols.IsElement(creation.Type.ElementType) && Int(creation.Type.RankSpecifiers[0].Sizes[0], 0, out length, out _);
        }

        private void Add(Stmt statement, SyntaxNode syntax, SyntaxNode?[]? arguments = null)
        {
            read.Body.Add(statement);
            read.Syntax.Add((syntax, arguments ?? Array.Empty<SyntaxNode?>()));
        }

        // ---- spans -----------------------------------------------------------------------------------

        private bool IsSpanName(string name) =>
            declared.TryGetValue(name, out LocalKind local) ? local is LocalKind.Span or LocalKind.ReadOnlySpan : !bodyLocals.Contains(name) && ParameterRole(name) is not null;

        private static bool IsSpanSyntax(ExpressionSyntax value) =>
            value is ElementAccessExpressionSyntax ||
            value is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Slice" } };

        /// <summary>
        /// A span: w, x, y, a span local, or a slice of one (<c>s[a..b]</c>, <c>s.Slice(a, n)</c>), as the bound parser's
        /// SpanArgument builds it; <paramref name="readOnly"/> is its C# type's.
        /// </summary>
        private bool Span(ExpressionSyntax syntax, out Expr? span, out bool readOnly)
        {
            span = null;
            readOnly = false;
            switch (syntax)
            {
                case IdentifierNameSyntax identifier:
                {
                    string name = identifier.Identifier.ValueText;
                    if (declared.TryGetValue(name, out LocalKind local))
                    {
                        if (local is LocalKind.Int or LocalKind.Constant or LocalKind.RealConstant)
                        {
                            return false;
                        }

                        readOnly = local == LocalKind.ReadOnlySpan;
                        span = new Local(name, IrType.SpanOf(element, readOnly));
                        return true;
                    }

                    if (bodyLocals.Contains(name) || ParameterRole(name) is not { } role)
                    {
                        return false;
                    }

                    readOnly = role != SpanRole.Y;
                    span = new SpanRef(role, IrType.SpanOf(element, readOnly));
                    return true;
                }

                case ElementAccessExpressionSyntax { ArgumentList.Arguments: { Count: 1 } arguments } access
                    when arguments[0] is { NameColon: null, RefKindKeyword.RawKind: 0, Expression: RangeExpressionSyntax range }:
                {
                    if (!Span(access.Expression, out Expr? whole, out readOnly))
                    {
                        return false;
                    }

                    Expr? start = new Literal(IrType.Int, 0);
                    Expr? end = null;
                    if ((range.LeftOperand is { } left && !Size(left, out start)) || (range.RightOperand is { } right && !Size(right, out end)))
                    {
                        return false;
                    }

                    span = Sliced(new Slice(whole!, start!, end is null ? null : IntMath.Subtract(end, start!), whole!.Type), access);
                    return true;
                }

                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression, Name: IdentifierNameSyntax { Identifier.ValueText: "Slice" } } member } slice
                    when slice.ArgumentList.Arguments.Count is 1 or 2 && slice.ArgumentList.Arguments.All(a => a.NameColon is null && a.RefKindKeyword.RawKind == 0):
                {
                    if (!Span(member.Expression, out Expr? whole, out readOnly))
                    {
                        return false;
                    }

                    var bounds = new Expr?[2];
                    for (int i = 0; i < slice.ArgumentList.Arguments.Count; i++)
                    {
                        if (!Size(slice.ArgumentList.Arguments[i].Expression, out bounds[i]))
                        {
                            return false;
                        }
                    }

                    span = Sliced(new Slice(whole!, bounds[0]!, bounds[1], whole!.Type), slice);
                    return true;
                }

                default:
                    return false;
            }
        }

        private Slice Sliced(Slice slice, SyntaxNode syntax)
        {
            read.SliceTexts.Add(new KeyValuePair<Slice, string>(slice, syntax.ToString()));
            return slice;
        }

        /// <summary>The role of the method's parameter named <paramref name="name"/> (w, x, y by position), or null.</summary>
        private SpanRole? ParameterRole(string name)
        {
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                if (method.Parameters[i].Name == name)
                {
                    return i switch
                    {
                        0 => SpanRole.W,
                        1 => SpanRole.X,
                        _ => SpanRole.Y,
                    };
                }
            }

            return null;
        }
    }
}
