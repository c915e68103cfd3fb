using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The fast path of a per-sample layer's parse: the body read from its syntax, without binding it, into the very
    /// statements the bound parser builds. Binding a long per-sample body is most of its parse (RESULTS.md, "the parse phase
    /// beyond Roslyn's binding"): the semantic model's maps, the indexer lookups of every <c>w[k]</c>, the operation tree.
    /// Here every type follows from the declarations (float/double locals, int loop indices, the spans' element type) and
    /// the C# rules of numeric promotion and implicit conversion; <c>Math.X</c>/<c>MathF.X</c> is looked up once per body
    /// and its method once per compilation, name, arity and argument type.
    /// </summary>
    /// <remarks>
    /// The subset: declarations of float/double locals with an initializer; <c>=</c>, <c>+=</c>, <c>-=</c>, <c>*=</c>,
    /// <c>/=</c>, <c>++</c>, <c>--</c> on them and on <c>y[i]</c>; <c>for (int i = a; i &lt; b; i++) { … }</c> (also
    /// <c>&lt;=</c>, <c>b &gt; i</c>, <c>++i</c>, <c>i += k</c>); literals, locals, <c>+ - * /</c>, unary minus and plus,
    /// <c>w[e]</c>, <c>x[e]</c>, <c>y[e]</c> with int indices of literals and loop indices, and <c>Math</c>/<c>MathF</c>
    /// calls whose arguments all have the parameters' type. Anything else — another statement or expression, a name
    /// that is not such a local, a conversion C# does not make implicitly, a constant index out of range, a call that is
    /// not an exact match — makes the reader give up before the bound parser starts, which then reads the body with its
    /// diagnostics (so a body with compiler errors or with anything the generator reports is the bound parser's). The
    /// reader checks what the compiler would: every local is declared before use and shadows nothing, int constants fold
    /// without overflow, no <c>checked</c> compilation. Part of <see cref="BodyParser"/>: the locals' names come from
    /// the same table (<see cref="HandOut"/>) and the checks on the outputs run on the same accesses.
    /// </remarks>
    internal sealed partial class BodyParser
    {
        /// <summary>The locals a block of the syntax reader sees, each with its IR name and type; the loop index an int.</summary>
        private sealed class SyntaxScope
        {
            public SyntaxScope(SyntaxScope? parent) => Parent = parent;

            public SyntaxScope? Parent { get; }

            public Dictionary<string, (string Name, IrType Type)> Locals { get; } = new(StringComparer.Ordinal);

            public (string Name, IrType Type)? Find(string name)
            {
                for (SyntaxScope? scope = this; scope is not null; scope = scope.Parent)
                {
                    if (scope.Locals.TryGetValue(name, out (string Name, IrType Type) found))
                    {
                        return found;
                    }
                }

                return null;
            }
        }

        /// <summary>
        /// True when the syntax reader read the per-sample body, with the parse's output (null when the checks on the
        /// outputs reported an error); false when the bound parser must read it (every state the reader touched reset).
        /// </summary>
        private bool TryReadPerSampleSyntax(MethodDeclarationSyntax syntax, out Output? output)
        {
            output = null;
            if (!readsBatchedSyntax || kind != BodyKind.Layer || batched || syntax.ContainsDiagnostics || syntax.Body is not { } block ||
                semanticModel.Compilation.Options is CSharpCompilationOptions { CheckOverflow: true } || method.Parameters.Length != 3)
            {
                return false;
            }

            var forbidden = new HashSet<string>(method.Parameters.Select(p => p.Name), StringComparer.Ordinal);
            forbidden.UnionWith(method.TypeParameters.Select(p => p.Name));
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                forbidden.UnionWith(current.TypeParameters.Select(p => p.Name));
            }

            methodSyntax = syntax;
            syntaxSymbols = new BatchedSyntaxSymbols(semanticModel, block.OpenBraceToken.SpanStart, element);
            var body = new List<Stmt>();
            if (!DeclaresOnce(block.Statements, null, new HashSet<string>(StringComparer.Ordinal), forbidden) ||
                !SyntaxSequence(block.Statements, body, new SyntaxScope(null)))
            {
                reserved.Clear();
                handedOut.Clear();
                suffixNext.Clear();
                outputAccesses.Clear();
                scopes.Clear();
                return false;
            }

            int errorsBefore = diagnostics.Count;
            CheckOutputs();
            Deduplicate(errorsBefore);
            if (!diagnostics.Skip(errorsBefore).Any(IsError))
            {
                output = new Output(body, constants, reserved.OrderBy(n => n, StringComparer.Ordinal).ToList(), calledHelpers);
            }

            return true;
        }

        /// <summary>Whether the syntax reader reads the per-sample layer body of <paramref name="syntax"/> (the tests that compare it with the bound parser ask).</summary>
        internal static bool ReadsFromSyntax(SemanticModel model, IMethodSymbol method, ScalarKind element, LayerSizes sizes, MethodDeclarationSyntax syntax) =>
            new BodyParser(model, method, method.ContainingType, element, sizes, BodyKind.Layer, null, new List<DiagnosticInfo>(), System.Threading.CancellationToken.None, readsBatchedSyntax: true)
                .TryReadPerSampleSyntax(syntax, out _);

        /// <summary>
        /// Whether every local of <paramref name="statements"/> (one scope: a loop's index with its block's locals) is
        /// declared once, shadows no local of an enclosing scope (<paramref name="outer"/>: all of theirs, before or after)
        /// and takes no forbidden name; the names are reserved as the bound parser reserves every declared local.
        /// </summary>
        private bool DeclaresOnce(SyntaxList<StatementSyntax> statements, string? index, HashSet<string> outer, HashSet<string> forbidden)
        {
            var own = new HashSet<string>(StringComparer.Ordinal);
            if (index is not null)
            {
                own.Add(index);
            }

            foreach (StatementSyntax statement in statements)
            {
                if (statement is LocalDeclarationStatementSyntax local)
                {
                    foreach (VariableDeclaratorSyntax declarator in local.Declaration.Variables)
                    {
                        if (!own.Add(declarator.Identifier.ValueText))
                        {
                            return false;
                        }
                    }
                }
            }

            if (own.Overlaps(outer) || own.Overlaps(forbidden))
            {
                return false;
            }

            reserved.UnionWith(own);
            var inner = new HashSet<string>(outer, StringComparer.Ordinal);
            inner.UnionWith(own);
            foreach (StatementSyntax statement in statements)
            {
                if (statement is ForStatementSyntax { Declaration.Variables: { Count: 1 } indices, Statement: BlockSyntax loopBody } &&
                    !DeclaresOnce(loopBody.Statements, indices[0].Identifier.ValueText, inner, forbidden))
                {
                    return false;
                }
            }

            return true;
        }

        private bool SyntaxSequence(SyntaxList<StatementSyntax> statements, List<Stmt> into, SyntaxScope scope)
        {
            foreach (StatementSyntax statement in statements)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool read = statement switch
                {
                    ExpressionStatementSyntax expression => SyntaxExpressionStatement(expression.Expression, into, scope),
                    LocalDeclarationStatementSyntax local => SyntaxDeclaration(local, into, scope),
                    ForStatementSyntax loop => SyntaxFor(loop, into, scope),
                    _ => false,
                };
                if (!read)
                {
                    return false;
                }
            }

            return true;
        }

        private bool SyntaxDeclaration(LocalDeclarationStatementSyntax local, List<Stmt> into, SyntaxScope scope)
        {
            TypeSyntax declared = local.Declaration.Type;
            bool implicitlyTyped = declared is IdentifierNameSyntax { Identifier.ValueText: "var" } && !reserved.Contains("var") && syntaxSymbols.IsUnbound("var");
            IrType? declaredType = implicitlyTyped ? null : SyntaxRealType(declared);
            if (local.Modifiers.Count != 0 || !local.UsingKeyword.IsKind(SyntaxKind.None) || !local.AwaitKeyword.IsKind(SyntaxKind.None) ||
                (!implicitlyTyped && declaredType is null) || (implicitlyTyped && local.Declaration.Variables.Count != 1))
            {
                return false;
            }

            foreach (VariableDeclaratorSyntax declarator in local.Declaration.Variables)
            {
                if (declarator.ArgumentList is not null || declarator.Initializer is null ||
                    SyntaxExpression(declarator.Initializer.Value, scope, 0) is not { } initial ||
                    (declaredType ?? (initial.Type.IsReal ? initial.Type : null)) is not { } localType || Implicit(initial, localType) is not { } value)
                {
                    return false;
                }

                // As the bound parser: the initializer is read before the local is named.
                string name = HandOut(declarator.Identifier.ValueText);
                scope.Locals.Add(declarator.Identifier.ValueText, (name, localType));
                into.Add(new Declare(localType, name, value));
            }

            return true;
        }

        /// <summary>float or double, by keyword or by a name (an alias, <c>Double</c>) no local of the body takes; else null.</summary>
        private IrType? SyntaxRealType(TypeSyntax type) => type switch
        {
            PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.DoubleKeyword } => IrType.Double,
            PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.FloatKeyword } => IrType.Float,
            IdentifierNameSyntax name when !reserved.Contains(name.Identifier.ValueText) => syntaxSymbols.Real(name),
            _ => null,
        };

        private bool SyntaxExpressionStatement(ExpressionSyntax expression, List<Stmt> into, SyntaxScope scope)
        {
            switch (expression)
            {
                case AssignmentExpressionSyntax assignment when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression):
                {
                    if (SyntaxTarget(assignment.Left, scope, isCompound: false) is not { } target ||
                        SyntaxExpression(assignment.Right, scope, 0) is not { } assigned || Implicit(assigned, target.Type) is not { } value)
                    {
                        return false;
                    }

                    into.Add(new Assign(target, AssignKind.Assign, value));
                    return true;
                }

                case AssignmentExpressionSyntax compound:
                {
                    AssignKind? operation = compound.Kind() switch
                    {
                        SyntaxKind.AddAssignmentExpression => AssignKind.Add,
                        SyntaxKind.SubtractAssignmentExpression => AssignKind.Subtract,
                        SyntaxKind.MultiplyAssignmentExpression => AssignKind.Multiply,
                        SyntaxKind.DivideAssignmentExpression => AssignKind.Divide,
                        _ => null,
                    };
                    if (operation is null || SyntaxTarget(compound.Left, scope, isCompound: true) is not { } target ||
                        SyntaxExpression(compound.Right, scope, 0) is not { } right)
                    {
                        return false;
                    }

                    // C# evaluates 'a op= b' as 'a = (A)(a op b)', and accepts it only when b converts to A implicitly: then the
                    // operator's type is A's, and b is converted to it (BodyParser.CompoundAssignment).
                    if (Implicit(right, target.Type) is not { } value)
                    {
                        return false;
                    }

                    into.Add(new Assign(target, operation.Value, value));
                    return true;
                }

                case PostfixUnaryExpressionSyntax { Operand: var operand } postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
                    return SyntaxStep(operand, postfix.IsKind(SyntaxKind.PostIncrementExpression), into, scope);
                case PrefixUnaryExpressionSyntax { Operand: var operand } prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression):
                    return SyntaxStep(operand, prefix.IsKind(SyntaxKind.PreIncrementExpression), into, scope);
                default:
                    return false;
            }
        }

        private bool SyntaxStep(ExpressionSyntax operand, bool increment, List<Stmt> into, SyntaxScope scope)
        {
            if (SyntaxTarget(operand, scope, isCompound: true) is not { } target)
            {
                return false;
            }

            into.Add(new Assign(target, increment ? AssignKind.Add : AssignKind.Subtract, new Literal(target.Type, 1)));
            return true;
        }

        /// <summary>A float/double local or <c>y[i]</c> assigned to (a loop index is not: the bound parser reports that).</summary>
        private Expr? SyntaxTarget(ExpressionSyntax target, SyntaxScope scope, bool isCompound)
        {
            if (target is IdentifierNameSyntax identifier)
            {
                return scope.Find(identifier.Identifier.ValueText) is { Type.IsReal: true } local ? new Local(local.Name, local.Type) : null;
            }

            if (target is not ElementAccessExpressionSyntax access || SpanAccess(access) != SpanRole.Y ||
                SyntaxIndex(access, SpanRole.Y, scope) is not { } index)
            {
                return null;
            }

            int? constant = index is Literal literal ? (int)literal.Value : null;
            if (isCompound)
            {
                outputAccesses.Add(new OutputAccess(isWrite: false, constant, access, InControlFlow));
            }

            outputAccesses.Add(new OutputAccess(isWrite: true, constant, access, InControlFlow));
            return new Element(new SpanRef(SpanRole.Y, IrType.SpanOf(element, readOnly: false)), index, IrType.ScalarOf(element));
        }

        /// <summary><c>for (int i = a; i &lt; b; i++) { … }</c> and its variants, as <see cref="ForLoop"/> reads it.</summary>
        private bool SyntaxFor(ForStatementSyntax loop, List<Stmt> into, SyntaxScope scope)
        {
            if (loop.Declaration is not { Variables.Count: 1 } declaration ||
                declaration.Variables[0] is not { ArgumentList: null, Initializer.Value: var initial } declarator ||
                declaration.Type is not PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.IntKeyword } ||
                loop.Initializers.Count != 0 || loop.Statement is not BlockSyntax block || loop.Incrementors.Count != 1)
            {
                return false;
            }

            string indexName = declarator.Identifier.ValueText;
            bool IsIndex(ExpressionSyntax e) => e is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == indexName;
            (ExpressionSyntax Bound, bool Inclusive)? condition = loop.Condition switch
            {
                BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanExpression } c when IsIndex(c.Left) => (c.Right, false),
                BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanOrEqualExpression } c when IsIndex(c.Left) => (c.Right, true),
                BinaryExpressionSyntax { RawKind: (int)SyntaxKind.GreaterThanExpression } c when IsIndex(c.Right) => (c.Left, false),
                BinaryExpressionSyntax { RawKind: (int)SyntaxKind.GreaterThanOrEqualExpression } c when IsIndex(c.Right) => (c.Left, true),
                _ => null,
            };
            if (condition is null)
            {
                return false;
            }

            var loopScope = new SyntaxScope(scope);
            int step = loop.Incrementors[0] switch
            {
                PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression, Operand: var operand } when IsIndex(operand) => 1,
                PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression, Operand: var operand } when IsIndex(operand) => 1,
                AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.AddAssignmentExpression } added when IsIndex(added.Left) &&
                    SyntaxExpression(added.Right, loopScope, 0) is { Type.Scalar: ScalarKind.Int32, Constant: { } k } && k > 0 => (int)k,
                _ => 0,
            };
            if (step == 0 || SyntaxExpression(initial, scope, 0) is not { Type.Scalar: ScalarKind.Int32 } from)
            {
                return false;
            }

            // As the bound parser: the index is named before its bounds are read.
            string name = HandOut(indexName);
            loopScope.Locals.Add(indexName, (name, IrType.Int));
            if (SyntaxExpression(condition.Value.Bound, loopScope, 0) is not { Type.Scalar: ScalarKind.Int32 } bound)
            {
                return false;
            }

            Expr to = bound.Ir;
            if (condition.Value.Inclusive)
            {
                to = to is Literal literal ? new Literal(IrType.Int, literal.Value + 1) : new Apply(Op.Add, IrType.Int, EquatableArray.Of(to, new Literal(IrType.Int, 1)));
            }

            var body = new List<Stmt>();
            scopes.Add(new ControlScope(null, isLoop: true));
            bool read = SyntaxSequence(block.Statements, body, loopScope);
            scopes.RemoveAt(scopes.Count - 1);
            if (read)
            {
                into.Add(new For(name, from.Ir, to, new Literal(IrType.Int, step), false, EquatableArray.From(body)));
            }

            return read;
        }
    }
}
