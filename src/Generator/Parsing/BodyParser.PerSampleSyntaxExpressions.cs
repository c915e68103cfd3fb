using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The expressions of the per-sample syntax reader (BodyParser.PerSampleSyntax.cs): each read into the expression the
    /// bound parser builds from its operation, with its C# type and, where C# folds one, its constant. Part of
    /// <see cref="BodyParser"/>.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>Deeper expressions are left to the bound parser (which reports past <see cref="MaxDepth"/>).</summary>
        private const int SyntaxMaxDepth = 40;

        /// <summary>Per compilation: the Math/MathF method a call of a name on arguments of one type binds to, or null.</summary>
        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(INamedTypeSymbol, string, int, SpecialType), IMethodSymbol?>> SyntaxMathMethods = new();

        /// <summary>What names and type names stand for at the body's start, each looked up once per body.</summary>
        private BatchedSyntaxSymbols syntaxSymbols = null!;

        /// <summary>
        /// An expression read from syntax: the IR, its C# type, its constant (ints: every folded constant; reals: a literal,
        /// negated or not) and whether the bound parser would fold a conversion of it into a literal (BodyParser.IsConstantLeaf).
        /// </summary>
        private readonly record struct SyntaxValue(Expr Ir, IrType Type, double? Constant, bool Leaf);

        private SyntaxValue? SyntaxExpression(ExpressionSyntax syntax, SyntaxScope scope, int depth)
        {
            if (depth > SyntaxMaxDepth)
            {
                return null;
            }

            switch (syntax)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                {
                    // Parentheses are no operation of their own: a parenthesized literal is still a literal.
                    return SyntaxExpression(parenthesized.Expression, scope, depth + 1);
                }

                case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } literal:
                    return literal.Token.Value switch
                    {
                        int i => new SyntaxValue(new Literal(IrType.Int, i), IrType.Int, i, true),
                        float f => new SyntaxValue(new Literal(IrType.Float, f), IrType.Float, f, true),
                        double d => new SyntaxValue(new Literal(IrType.Double, d), IrType.Double, d, true),
                        _ => null,
                    };

                case IdentifierNameSyntax identifier:
                    return scope.Find(identifier.Identifier.ValueText) is { } local
                        ? new SyntaxValue(new Local(local.Name, local.Type), local.Type, null, false)
                        : null;

                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryPlusExpression or (int)SyntaxKind.UnaryMinusExpression } unary:
                    return SyntaxUnary(unary, scope, depth);

                case BinaryExpressionSyntax binary:
                    return SyntaxBinary(binary, scope, depth);

                case ElementAccessExpressionSyntax access when SpanAccess(access) is { } role:
                {
                    if (SyntaxIndex(access, role, scope) is not { } index)
                    {
                        return null;
                    }

                    if (role == SpanRole.Y)
                    {
                        outputAccesses.Add(new OutputAccess(isWrite: false, index is Literal literal ? (int)literal.Value : null, access, InControlFlow));
                    }

                    IrType type = IrType.ScalarOf(element);
                    return new SyntaxValue(new Element(new SpanRef(role, IrType.SpanOf(element, readOnly: role != SpanRole.Y)), index, type), type, null, false);
                }

                case InvocationExpressionSyntax invocation:
                    return SyntaxMathCall(invocation, scope, depth);

                default:
                    return null;
            }
        }

        private SyntaxValue? SyntaxUnary(PrefixUnaryExpressionSyntax unary, SyntaxScope scope, int depth)
        {
            if (SyntaxExpression(unary.Operand, scope, depth + 1) is not { } operand)
            {
                return null;
            }

            bool ofLiteral = Unparenthesized(unary.Operand) is LiteralExpressionSyntax;
            if (unary.IsKind(SyntaxKind.UnaryPlusExpression))
            {
                return operand with { Leaf = ofLiteral || (operand.Type == IrType.Int && operand.Constant is not null) };
            }

            if (operand.Type == IrType.Int && operand.Constant is { } constant)
            {
                // An int constant folds (int.MinValue negated overflows: an error, the compiler's).
                return constant == int.MinValue ? null : new SyntaxValue(new Literal(IrType.Int, -constant), IrType.Int, -constant, true);
            }

            return new SyntaxValue(new Apply(Op.Negate, operand.Type, EquatableArray.Of(operand.Ir)), operand.Type, -operand.Constant, ofLiteral);
        }

        private static ExpressionSyntax Unparenthesized(ExpressionSyntax syntax)
        {
            while (syntax is ParenthesizedExpressionSyntax parenthesized)
            {
                syntax = parenthesized.Expression;
            }

            return syntax;
        }

        private SyntaxValue? SyntaxBinary(BinaryExpressionSyntax binary, SyntaxScope scope, int depth)
        {
            Op? op = binary.Kind() switch
            {
                SyntaxKind.AddExpression => Op.Add,
                SyntaxKind.SubtractExpression => Op.Subtract,
                SyntaxKind.MultiplyExpression => Op.Multiply,
                SyntaxKind.DivideExpression => Op.Divide,
                _ => null,
            };
            if (op is null || SyntaxExpression(binary.Left, scope, depth + 1) is not { } left || SyntaxExpression(binary.Right, scope, depth + 1) is not { } right)
            {
                return null;
            }

            IrType type = Wider(left.Type, right.Type);
            if (type == IrType.Int)
            {
                if (op == Op.Divide)
                {
                    return null;
                }

                if (left.Constant is { } a && right.Constant is { } b)
                {
                    // C# folds int constants, and an overflowing one is an error: the compiler's.
                    double folded = op == Op.Add ? a + b : op == Op.Subtract ? a - b : a * b;
                    return folded is < int.MinValue or > int.MaxValue ? null : new SyntaxValue(new Literal(IrType.Int, folded), IrType.Int, folded, true);
                }

                return new SyntaxValue(new Apply(op.Value, IrType.Int, EquatableArray.Of(left.Ir, right.Ir)), IrType.Int, null, false);
            }

            return Implicit(left, type) is { } l && Implicit(right, type) is { } r
                ? new SyntaxValue(new Apply(op.Value, type, EquatableArray.Of(l, r)), type, null, false)
                : null;
        }

        /// <summary>
        /// <paramref name="value"/> converted to <paramref name="type"/> where C# converts it implicitly (int to float or
        /// double, float to double), as the bound parser reads the conversion (BodyParser.Conversion); null otherwise.
        /// </summary>
        private static Expr? Implicit(SyntaxValue value, IrType type)
        {
            if (value.Type == type)
            {
                return value.Ir;
            }

            bool widens = value.Type == IrType.Int ? type.IsReal : value.Type == IrType.Float && type == IrType.Double;
            if (!widens)
            {
                return null;
            }

            if (value.Leaf && value.Constant is { } constant)
            {
                return new Literal(type, type == IrType.Float ? (float)constant : constant);
            }

            return ConvertTo(value.Ir, type);
        }

        /// <summary>The role of <c>w[…]</c>, <c>x[…]</c> or <c>y[…]</c> (the method's spans by position), else null.</summary>
        private SpanRole? SpanAccess(ElementAccessExpressionSyntax access)
        {
            if (access.Expression is not IdentifierNameSyntax name)
            {
                return null;
            }

            string text = name.Identifier.ValueText;
            for (int i = 0; i < 3; i++)
            {
                if (method.Parameters[i].Name == text)
                {
                    return (SpanRole)i;
                }
            }

            return null;
        }

        /// <summary>The int index of an element access, as <see cref="Index"/> reads it; null for a constant out of range (reported by the bound parser).</summary>
        private Expr? SyntaxIndex(ElementAccessExpressionSyntax access, SpanRole role, SyntaxScope scope)
        {
            if (access.ArgumentList.Arguments.Count != 1 ||
                access.ArgumentList.Arguments[0] is not { NameColon: null, RefKindKeyword.RawKind: (int)SyntaxKind.None } argument ||
                SyntaxExpression(argument.Expression, scope, 1) is not { Type.Scalar: ScalarKind.Int32 } index)
            {
                return null;
            }

            if (index.Constant is not { } constant)
            {
                return index.Ir;
            }

            int? size = role switch
            {
                SpanRole.W => sizes.Parameters,
                SpanRole.X => sizes.Inputs,
                _ => sizes.Outputs,
            };
            return constant < 0 || (size is not null && constant >= size) ? null : new Literal(IrType.Int, constant);
        }

        /// <summary>
        /// <c>Math.F(a, …)</c> or <c>MathF.F(a, …)</c> (or through an alias) whose arguments all have one type U, when the class has an overload
        /// of F taking U for every parameter (an exact match, which overload resolution picks over every other) and no
        /// generic or params overload, and F has a rule of U's arity returning U: <see cref="Invocation"/>'s Apply.
        /// </summary>
        private SyntaxValue? SyntaxMathCall(InvocationExpressionSyntax invocation, SyntaxScope scope, int depth)
        {
            if (invocation.Expression is not MemberAccessExpressionSyntax
                {
                    RawKind: (int)SyntaxKind.SimpleMemberAccessExpression,
                    Expression: IdentifierNameSyntax container,
                    Name: IdentifierNameSyntax function,
                })
            {
                return null;
            }

            SeparatedSyntaxList<ArgumentSyntax> arguments = invocation.ArgumentList.Arguments;
            var args = new Expr[arguments.Count];
            IrType? argumentType = null;
            for (int i = 0; i < args.Length; i++)
            {
                if (arguments[i] is not { NameColon: null, RefKindKeyword.RawKind: (int)SyntaxKind.None } argument ||
                    SyntaxExpression(argument.Expression, scope, depth + 1) is not { Type.IsReal: true } value ||
                    (argumentType is not null && value.Type != argumentType))
                {
                    return null;
                }

                argumentType = value.Type;
                args[i] = value.Ir;
            }

            // The container's name must be no local of the body (which would hide the type), and stand for System.Math or System.MathF
            // (directly or through an alias).
            if (argumentType is null || reserved.Contains(container.Identifier.ValueText) ||
                (syntaxSymbols.Lookup(container.Identifier.ValueText) is IAliasSymbol alias ? alias.Target : syntaxSymbols.Lookup(container.Identifier.ValueText)) is not INamedTypeSymbol mathType ||
                DisplayNames.Of(mathType) is not ("System.Math" or "System.MathF") ||
                ExactMathMethod(mathType, function.Identifier.ValueText, args.Length, argumentType) is not { } target ||
                FunctionRule(target) is not { ReturnsInt: false } rule || rule.Arity != args.Length || RealType(target.ReturnType) != argumentType)
            {
                return null;
            }

            return new SyntaxValue(new Apply(rule.Op, argumentType, new EquatableArray<Expr>(args)), argumentType, null, false);
        }

        /// <summary>The overload of <paramref name="name"/> in <paramref name="math"/> taking <paramref name="arity"/> values of <paramref name="type"/>, static, public and exact; null when there is none or when a generic, params or optional-parameter overload could compete.</summary>
        private IMethodSymbol? ExactMathMethod(INamedTypeSymbol math, string name, int arity, IrType type)
        {
            SpecialType special = type == IrType.Float ? SpecialType.System_Single : SpecialType.System_Double;
            ConcurrentDictionary<(INamedTypeSymbol, string, int, SpecialType), IMethodSymbol?> methods =
                SyntaxMathMethods.GetValue(semanticModel.Compilation, static _ => new ConcurrentDictionary<(INamedTypeSymbol, string, int, SpecialType), IMethodSymbol?>());
            return methods.GetOrAdd((math, name, arity, special), static key =>
            {
                IMethodSymbol? exact = null;
                ImmutableArray<ISymbol> members = key.Item1.GetMembers(key.Item2);
                foreach (ISymbol member in members)
                {
                    if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } candidate || candidate.IsGenericMethod || candidate.IsVararg ||
                        candidate.Parameters.Any(p => p.IsParams || p.IsOptional))
                    {
                        return null;
                    }

                    if (candidate.IsStatic && candidate.DeclaredAccessibility == Accessibility.Public && candidate.Parameters.Length == key.Item3 &&
                        candidate.Parameters.All(p => p.RefKind == RefKind.None && p.Type.SpecialType == key.Item4))
                    {
                        exact = candidate;
                    }
                }

                return exact;
            });
        }
    }
}
