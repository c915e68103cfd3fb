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
    /// <summary>The <c>Ops</c> calls of a batched body read from syntax, each argument checked against its parameter as the compiler converts it. Part of <see cref="BatchedSyntaxReader"/>: its state lives in BatchedSyntaxReader.cs.</summary>
    internal sealed partial class BatchedSyntaxReader
    {
        // ---- calls -----------------------------------------------------------------------------------

        /// <summary><c>Ops.X(…)</c> with a rule, positional arguments that convert to the one method named X, T inferred.</summary>
        private bool Call(InvocationExpressionSyntax call)
        {
            if (call.Expression is not MemberAccessExpressionSyntax
                {
                    RawKind: (int)SyntaxKind.SimpleMemberAccessExpression,
                    Expression: IdentifierNameSyntax { Identifier.ValueText: "Ops" },
                    Name: IdentifierNameSyntax { Identifier.ValueText: var name },
                })
            {
                return false;
            }

            ops ??= symbols.Lookup("Ops") is INamedTypeSymbol found && DisplayNames.Of(found) == "MoreauGen.Ops" ? found : null;
            if (ops is null || TensorRules.Find(name) is not { } rule || symbols.OpsMethod(ops, name) is not { } target || !Accepts(target, rule))
            {
                return false;
            }

            if (Arguments(call.ArgumentList.Arguments, rule) is not { } arguments)
            {
                return false;
            }

            var args = new Expr?[rule.Parameters.Count];
            var syntax = new SyntaxNode?[rule.Parameters.Count];
            bool inferred = target.TypeParameters.Length == 0;
            for (int i = 0; i < rule.Parameters.Count; i++)
            {
                IParameterSymbol parameter = target.Parameters[i];
                if (arguments[i] is not { } argument)
                {
                    // A default value: only a flag's (the bound parser reads the constant).
                    if (rule.Parameters[i].Kind != TensorParameterKind.Flag || !parameter.HasExplicitDefaultValue || parameter.ExplicitDefaultValue is not bool flag)
                    {
                        return false;
                    }

                    args[i] = new Literal(IrType.Bool, flag ? 1 : 0);
                    continue;
                }

                if (!Argument(rule.Parameters[i].Kind, parameter, argument.Expression, ref inferred, out args[i]))
                {
                    return false;
                }

                syntax[i] = argument;
            }

            if (!inferred)
            {
                return false;
            }

            Add(new TensorCall(rule.Method, IrType.ScalarOf(element), new EquatableArray<Expr>(args!)), call, syntax);
            return true;
        }

        /// <summary>
        /// The argument of each parameter (null where none is given): positional ones in order, then named flags
        /// (<c>transposeB: true</c>) in any order. Anything else — a named argument before a positional one, a named span
        /// or size, a name given twice or unknown, ref/out/in — is left to the bound parser.
        /// </summary>
        private static ArgumentSyntax?[]? Arguments(SeparatedSyntaxList<ArgumentSyntax> arguments, TensorRule rule)
        {
            if (arguments.Count > rule.Parameters.Count)
            {
                return null;
            }

            var byParameter = new ArgumentSyntax?[rule.Parameters.Count];
            bool named = false;
            for (int i = 0; i < arguments.Count; i++)
            {
                ArgumentSyntax argument = arguments[i];
                if (argument.RefKindKeyword.RawKind != 0)
                {
                    return null;
                }

                if (argument.NameColon is null)
                {
                    if (named)
                    {
                        return null;
                    }

                    byParameter[i] = argument;
                    continue;
                }

                named = true;
                string name = argument.NameColon.Name.Identifier.ValueText;
                int ordinal = -1;
                for (int p = 0; p < rule.Parameters.Count && ordinal < 0; p++)
                {
                    ordinal = rule.Parameters[p].Name == name ? p : -1;
                }

                if (ordinal < 0 || byParameter[ordinal] is not null || rule.Parameters[ordinal].Kind != TensorParameterKind.Flag)
                {
                    return null;
                }

                byParameter[ordinal] = argument;
            }

            return byParameter;
        }

        private bool Accepts(IMethodSymbol target, TensorRule rule)
        {
            if (!accepted.TryGetValue(target, out bool accepts))
            {
                accepts = BatchedSyntaxSignature.Accepts(target, rule, symbols.ElementType);
                accepted.Add(target, accepts);
            }

            return accepts;
        }

        /// <summary>One argument, checked against its parameter's type as the compiler would convert it.</summary>
        private bool Argument(TensorParameterKind kind, IParameterSymbol parameter, ExpressionSyntax syntax, ref bool inferred, out Expr? value)
        {
            value = null;
            switch (kind)
            {
                case TensorParameterKind.Input or TensorParameterKind.Output or TensorParameterKind.InputOutput:
                {
                    bool? wantsReadOnly = BatchedSyntaxSignature.SpanParameter(parameter, symbols.ElementType);
                    if (wantsReadOnly is null || !Span(syntax, out value, out bool readOnly) || (readOnly && wantsReadOnly == false))
                    {
                        return false;
                    }

                    // An exact match fixes T in every language version (Span<T> to ReadOnlySpan<T> infers only from C# 14 on).
                    inferred |= readOnly == wantsReadOnly;
                    return true;
                }

                case TensorParameterKind.Size:
                    return parameter.Type.SpecialType == SpecialType.System_Int32 && Size(syntax, out value);

                case TensorParameterKind.Flag:
                    if (parameter.Type.SpecialType != SpecialType.System_Boolean || syntax.Kind() is not (SyntaxKind.TrueLiteralExpression or SyntaxKind.FalseLiteralExpression))
                    {
                        return false;
                    }

                    value = new Literal(IrType.Bool, syntax.IsKind(SyntaxKind.TrueLiteralExpression) ? 1 : 0);
                    return true;

                default:
                    return Scalar(parameter, syntax, ref inferred, out value);
            }
        }

        /// <summary>
        /// A scalar factor: an element of w (<c>w[i]</c>, i in range), a numeric literal that converts to the element type
        /// implicitly, or one cast to it (<c>(T)0.75</c>); as the bound parser folds it. Anything else is left to it.
        /// </summary>
        private bool Scalar(IParameterSymbol parameter, ExpressionSyntax syntax, ref bool inferred, out Expr? value)
        {
            value = null;
            if (!BatchedSyntaxSignature.IsElementParameter(parameter, symbols.ElementType))
            {
                return false;
            }

            IrType scalar = IrType.ScalarOf(element);
            switch (syntax)
            {
                case ElementAccessExpressionSyntax { Expression: IdentifierNameSyntax span, ArgumentList.Arguments: { Count: 1 } arguments }
                    when arguments[0] is { NameColon: null, RefKindKeyword.RawKind: 0 } && !bodyLocals.Contains(span.Identifier.ValueText) &&
                         ParameterRole(span.Identifier.ValueText) == SpanRole.W:
                {
                    if (!Int(arguments[0].Expression, 1, out Expr? index, out long? constant) ||
                        (constant is long i && (i < 0 || (parameterCount is int count && i >= count))))
                    {
                        // An index out of range is the bound parser's diagnostic.
                        return false;
                    }

                    inferred = true;
                    value = new Element(new SpanRef(SpanRole.W, IrType.SpanOf(element, readOnly: true)), index!, scalar);
                    return true;
                }

                case IdentifierNameSyntax identifier:
                    inferred = true;
                    return ScalarName(identifier.Identifier.ValueText, scalar, out value);

                default:
                    if (!ElementLiteral(syntax, out double number, out bool exact))
                    {
                        return false;
                    }

                    // Only a value of the element type itself fixes T (an int or float literal is a lower bound the element type meets).
                    inferred |= exact;
                    value = new Literal(scalar, number);
                    return true;
            }
        }

        /// <summary>A factor by name: a <c>const T</c> local, or the type's own data of the element type (a field, a property, a primary-constructor parameter).</summary>
        private bool ScalarName(string name, IrType scalar, out Expr? value)
        {
            value = null;
            if (declared.TryGetValue(name, out LocalKind local))
            {
                value = local == LocalKind.RealConstant ? new Local(name, scalar) : null;
                return value is not null;
            }

            if (bodyLocals.Contains(name) || ParameterRole(name) is not null)
            {
                return false;
            }

            ISymbol? symbol = symbols.Lookup(name);
            ITypeSymbol? dataType = symbol switch
            {
                IParameterSymbol { RefKind: RefKind.None } parameter => parameter.Type,
                IFieldSymbol { IsConst: false, RefKind: RefKind.None } field => field.Type,
                IPropertySymbol property when Readable(property) => property.Type,
                _ => null,
            };
            if (!SymbolEqualityComparer.Default.Equals(dataType, symbols.ElementType))
            {
                return false;
            }

            if (symbol is IParameterSymbol { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } data &&
                SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type))
            {
                read.Reserved.Add(data.Name);
                value = new LayerData(BodyParser.Identifier(data.Name), scalar);
                return true;
            }

            return symbol is not IParameterSymbol && Data(symbol!, scalar, out value);
        }

        /// <summary>
        /// A numeric literal that converts to the element type implicitly (<paramref name="exact"/> when it is of that type),
        /// or one cast to it (<c>(T)0.75</c>, exact), with the value the compiler folds it to.
        /// </summary>
        private bool ElementLiteral(ExpressionSyntax syntax, out double value, out bool exact)
        {
            value = 0;
            exact = false;
            switch (syntax)
            {
                case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } literal:
                {
                    object? number = literal.Token.Value;
                    exact = element == ScalarKind.Single ? number is float : number is double;
                    if (!exact && number is not int && !(element == ScalarKind.Double && number is float))
                    {
                        return false;
                    }

                    value = element == ScalarKind.Single ? Convert.ToSingle(number, CultureInfo.InvariantCulture) : Convert.ToDouble(number, CultureInfo.InvariantCulture);
                    return true;
                }

                case CastExpressionSyntax { Expression: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } literal } cast
                    when literal.Token.Value is int or float or double && symbols.IsElement(cast.Type):
                {
                    double number = Convert.ToDouble(literal.Token.Value, CultureInfo.InvariantCulture);
                    exact = true;
                    value = element == ScalarKind.Single ? (float)number : number;
                    return true;
                }

                default:
                    return false;
            }
        }
    }
}
