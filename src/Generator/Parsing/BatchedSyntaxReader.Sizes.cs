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
    /// <summary>The int expressions of a batched body read from syntax (sizes, range bounds, indices), constants folded as the compiler folds them. Part of <see cref="BatchedSyntaxReader"/>: its state lives in BatchedSyntaxReader.cs.</summary>
    internal sealed partial class BatchedSyntaxReader
    {
        // ---- sizes -----------------------------------------------------------------------------------

        /// <summary>A size argument or range bound: a constant folded into a literal, else the expression (SizeArgument).</summary>
        private bool Size(ExpressionSyntax syntax, out Expr? size) => Int(syntax, 1, out size, out _);

        /// <summary>
        /// An int expression as the bound parser's Expression builds it: literals, int locals, <c>w.Length</c>, the type's
        /// int data (primary-constructor parameters, fields, properties, constants), + − * / % and unary ±, every constant
        /// subexpression folded (as the compiler folds it; an overflowing constant is a compiler error, left to the bound parser).
        /// </summary>
        private bool Int(ExpressionSyntax syntax, int depth, out Expr? value, out long? constant)
        {
            value = null;
            constant = null;
            if (depth > MaxDepth)
            {
                return false;
            }

            switch (syntax)
            {
                case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression, Token.Value: int literal }:
                    constant = literal;
                    value = new Literal(IrType.Int, literal);
                    return true;

                case ParenthesizedExpressionSyntax parenthesized:
                    return Int(parenthesized.Expression, depth + 1, out value, out constant);

                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryPlusExpression } plus:
                    return Int(plus.Operand, depth + 1, out value, out constant);

                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } minus:
                {
                    if (!Int(minus.Operand, depth + 1, out Expr? operand, out long? inner))
                    {
                        return false;
                    }

                    if (inner is long folded)
                    {
                        return Constant(-folded, out value, out constant);
                    }

                    value = new Apply(Op.Negate, IrType.Int, EquatableArray.Of(operand!));
                    return true;
                }

                case BinaryExpressionSyntax binary when BinaryOp(binary.Kind()) is Op op:
                {
                    if (!Int(binary.Left, depth + 1, out Expr? left, out long? a) || !Int(binary.Right, depth + 1, out Expr? right, out long? b))
                    {
                        return false;
                    }

                    if (a is long x && b is long y)
                    {
                        // A constant the compiler folds; division by zero and overflow are its errors.
                        if (op is Op.Divide or Op.Remainder && (y == 0 || (x == int.MinValue && y == -1)))
                        {
                            return false;
                        }

                        long result = op switch
                        {
                            Op.Add => x + y,
                            Op.Subtract => x - y,
                            Op.Multiply => x * y,
                            Op.Divide => x / y,
                            _ => x % y,
                        };
                        return Constant(result, out value, out constant);
                    }

                    value = new Apply(op, IrType.Int, EquatableArray.Of(left!, right!));
                    return true;
                }

                case IdentifierNameSyntax identifier:
                    return Name(identifier.Identifier.ValueText, out value, out constant);

                case MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression, Expression: IdentifierNameSyntax span, Name: IdentifierNameSyntax { Identifier.ValueText: "Length" } }
                    when !bodyLocals.Contains(span.Identifier.ValueText) && ParameterRole(span.Identifier.ValueText) is { } role:
                    value = new SpanLength(role);
                    return true;

                default:
                    return false;
            }
        }

        private static Op? BinaryOp(SyntaxKind kind) => kind switch
        {
            SyntaxKind.AddExpression => Op.Add,
            SyntaxKind.SubtractExpression => Op.Subtract,
            SyntaxKind.MultiplyExpression => Op.Multiply,
            SyntaxKind.DivideExpression => Op.Divide,
            SyntaxKind.ModuloExpression => Op.Remainder,
            _ => null,
        };

        private static bool Constant(long folded, out Expr? value, out long? constant)
        {
            value = null;
            constant = null;
            if (folded is < int.MinValue or > int.MaxValue)
            {
                return false;
            }

            constant = folded;
            value = new Literal(IrType.Int, folded);
            return true;
        }

        /// <summary>An int name: a size local of the body, else what the name stands for in the type (int data).</summary>
        private bool Name(string name, out Expr? value, out long? constant)
        {
            value = null;
            constant = null;
            if (declared.TryGetValue(name, out LocalKind local))
            {
                if (local == LocalKind.Constant)
                {
                    // A const int local: folded, as the bound parser reads it.
                    constant = intConstants[name];
                    value = new Literal(IrType.Int, intConstants[name]);
                    return true;
                }

                value = local == LocalKind.Int ? new Local(name, IrType.Int) : null;
                return value is not null;
            }

            if (bodyLocals.Contains(name) || ParameterRole(name) is not null)
            {
                // Used before its declaration (a compiler error), or a span used as a number.
                return false;
            }

            switch (symbols.Lookup(name))
            {
                case IParameterSymbol { Type.SpecialType: SpecialType.System_Int32, RefKind: RefKind.None, ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter
                    when SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type):
                    read.Reserved.Add(parameter.Name);
                    value = new LayerData(BodyParser.Identifier(parameter.Name), IrType.Int);
                    return true;

                case IFieldSymbol { Type.SpecialType: SpecialType.System_Int32, IsConst: true, HasConstantValue: true, ConstantValue: int folded }:
                    constant = folded;
                    value = new Literal(IrType.Int, folded);
                    return true;

                case IFieldSymbol { Type.SpecialType: SpecialType.System_Int32, IsConst: false, RefKind: RefKind.None } field:
                    return Data(field, IrType.Int, out value);

                case IPropertySymbol { Type.SpecialType: SpecialType.System_Int32 } property when Readable(property):
                    return Data(property, IrType.Int, out value);

                default:
                    return false;
            }
        }

        /// <summary>A property read by value, with a getter accessible here.</summary>
        private bool Readable(IPropertySymbol property) =>
            property is { IsIndexer: false, ReturnsByRef: false, ReturnsByRefReadonly: false, GetMethod: { } getter } && model.IsAccessible(symbols.Position, getter);

        /// <summary>A field or property of the type itself (or a base), as the bound parser's MemberData prints it.</summary>
        private bool Data(ISymbol member, IrType dataType, out Expr? value)
        {
            value = null;
            bool own = false;
            for (INamedTypeSymbol? current = type; current is not null && !own; current = current.BaseType)
            {
                own = SymbolEqualityComparer.Default.Equals(member.ContainingType.OriginalDefinition, current.OriginalDefinition);
            }

            if (!own)
            {
                return false;
            }

            value = member.IsStatic
                ? new LayerData(member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + BodyParser.Identifier(member.Name), dataType)
                : new LayerData("this." + BodyParser.Identifier(member.Name), dataType);
            return true;
        }
    }
}
