using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>Expressions: operators, conversions, Math calls, helper calls, conditionals. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.</summary>
    internal sealed partial class BodyParser
    {
        private static IrType? RealType(ITypeSymbol? symbol) => symbol?.SpecialType switch
        {
            SpecialType.System_Double => IrType.Double,
            SpecialType.System_Single => IrType.Float,
            _ => null,
        };

        private static IrType? NumericType(ITypeSymbol? symbol) =>
            symbol?.SpecialType == SpecialType.System_Int32 ? IrType.Int : RealType(symbol);

        private SpanRole? SpanRoleOf(IParameterSymbol parameter)
        {
            if (!SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method))
            {
                return null;
            }

            return kind switch
            {
                BodyKind.Layer => parameter.Ordinal switch
                {
                    0 => SpanRole.W,
                    1 => SpanRole.X,
                    _ => SpanRole.Y,
                },
                BodyKind.Objective => SpanRole.X,
                _ => null,
            };
        }

        private Expr? Expression(IOperation op, int depth)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (depth > MaxDepth)
            {
                Unsupported(op, "An expression nested more than " + MaxDepth + " levels deep", "split it into locals");
                return null;
            }

            IrType? resultType = NumericType(op.Type);
            if (resultType is null)
            {
                string typeName = op.Type?.ToDisplayString() ?? "no type";
                if (op.Type?.SpecialType == SpecialType.System_Boolean)
                {
                    Unsupported(op, "A bool value ('" + Abbreviate(op.Syntax) + "') used as a number", "use the condition in if/else or ?: instead");
                    return null;
                }

                Unsupported(op, "A value of type '" + typeName + "' ('" + Abbreviate(op.Syntax) + "')",
                    "compute with float, double or (for indices) int values");
                return null;
            }

            switch (op)
            {
                case ILiteralOperation literal when literal.ConstantValue.HasValue:
                    return new Literal(resultType, Convert.ToDouble(literal.ConstantValue.Value, CultureInfo.InvariantCulture));

                case IParenthesizedOperation parenthesized:
                    return Expression(parenthesized.Operand, depth + 1);

                case IConversionOperation conversion:
                    return Conversion(conversion, resultType, depth);

                case IBinaryOperation binary:
                    return Binary(binary, resultType, depth);

                case IUnaryOperation { OperatorMethod: null, OperatorKind: UnaryOperatorKind.Plus } plus:
                    return Expression(plus.Operand, depth + 1);

                case IUnaryOperation { OperatorMethod: null, OperatorKind: UnaryOperatorKind.Minus } minus:
                {
                    if (resultType == IrType.Int && minus.ConstantValue.HasValue)
                    {
                        return IntConstant(minus);
                    }

                    Expr? operand = Expression(minus.Operand, depth + 1);
                    return operand is null ? null : new Apply(Op.Negate, resultType, EquatableArray.Of(operand));
                }

                case ILocalReferenceOperation reference:
                    return LocalReference(reference, resultType);

                case IParameterReferenceOperation parameter:
                    return ParameterReference(parameter, resultType);

                case IFieldReferenceOperation field:
                    return FieldReference(field, resultType);

                case IPropertyReferenceOperation property:
                    return PropertyReference(property, resultType, depth);

                case IArrayElementReferenceOperation arrayElement:
                    return ArrayElement(arrayElement, resultType, depth);

                case IInvocationOperation invocation:
                    return Invocation(invocation, resultType, depth);

                case IConditionalOperation conditional when conditional.WhenFalse is not null:
                {
                    Expr? condition = Condition(conditional.Condition);
                    Expr? whenTrue = Expression(conditional.WhenTrue, depth + 1);
                    Expr? whenFalse = Expression(conditional.WhenFalse, depth + 1);
                    if (condition is null || whenTrue is null || whenFalse is null)
                    {
                        return null;
                    }

                    if (resultType == IrType.Int && DependsOnValues(condition) && inLoopBound)
                    {
                        Report(DiagnosticDescriptors.LoopBoundDependsOnValue, conditional.Syntax, Abbreviate(conditional.Syntax));
                        return null;
                    }

                    if (resultType == IrType.Int && DependsOnValues(condition))
                    {
                        Unsupported(conditional, "An index chosen by a condition on float or double values ('" + Abbreviate(conditional.Syntax) + "')",
                            "indices must not depend on w or x; compute them from constants, sizes and loop indices");
                        return null;
                    }

                    return new Conditional(condition, ConvertTo(whenTrue, resultType), ConvertTo(whenFalse, resultType));
                }

                case IAssignmentOperation:
                    Unsupported(op, "An assignment inside an expression", "write the assignment as a statement of its own");
                    return null;

                case IIncrementOrDecrementOperation:
                    Unsupported(op, "'" + Abbreviate(op.Syntax) + "'", "write 'a += 1;' as a statement of its own");
                    return null;

                default:
                    Unsupported(op, "'" + Abbreviate(op.Syntax) + "'",
                        "use arithmetic (+ - * /), Math/MathF functions, helpers, locals, ?:, the spans' elements and the type's fields or constants");
                    return null;
            }
        }

        /// <summary>True when <paramref name="expr"/> reads a float or double value, or a bool local (which may compare them): anything but ints, data and sizes.</summary>
        private static bool DependsOnValues(Expr expr) => expr switch
        {
            Local local => local.Type.IsReal || local.Type == IrType.Bool,
            Element { Span: SpanRef } => true,
            Element element => DependsOnValues(element.Index),
            Call => true,
            Apply apply => apply.Args.Any(DependsOnValues),
            Conditional conditional => DependsOnValues(conditional.Condition) || DependsOnValues(conditional.WhenTrue) || DependsOnValues(conditional.WhenFalse),
            _ => false,
        };

        private static Literal IntConstant(IOperation op) =>
            new(IrType.Int, Convert.ToDouble(op.ConstantValue.Value, CultureInfo.InvariantCulture));

        private Expr? Conversion(IConversionOperation conversion, IrType resultType, int depth)
        {
            IrType? from = NumericType(conversion.Operand.Type);
            if (conversion.OperatorMethod is not null || from is null)
            {
                Unsupported(conversion, "The conversion '" + Abbreviate(conversion.Syntax) + "'", "convert only between int, float and double");
                return null;
            }

            if (resultType == IrType.Int && from.IsReal)
            {
                return RealToInt(conversion, depth);
            }

            if (from == IrType.Int && resultType.IsReal && IntValuedCall(conversion.Operand) is { } call)
            {
                // (double)Math.Sign(v), often implicit (Math.Sign(v) * a): the call as a value of v's type, printed with the cast.
                Expr[]? callArgs = Arguments(call.Invocation, depth + 1);
                return callArgs is null
                    ? null
                    : new Apply(Op.Convert, resultType, EquatableArray.Of<Expr>(new Apply(call.Rule.Op, callArgs[0].Type, new EquatableArray<Expr>(callArgs))));
            }

            if (conversion.ConstantValue.HasValue && IsConstantLeaf(conversion.Operand))
            {
                return new Literal(resultType, Convert.ToDouble(conversion.ConstantValue.Value, CultureInfo.InvariantCulture));
            }

            Expr? operand = Expression(conversion.Operand, depth + 1);
            if (operand is null)
            {
                return null;
            }

            return operand.Type == resultType ? operand : ConvertTo(operand, resultType);
        }

        /// <summary>
        /// <c>(int)v</c> for a float or double v: an index like any other when v is data (<c>(int)Math.Floor(this.scale)</c>);
        /// a diagnostic when it depends on w or x (indices are recomputed, never differentiated).
        /// </summary>
        private Expr? RealToInt(IConversionOperation conversion, int depth)
        {
            Expr? value = Expression(conversion.Operand, depth + 1);
            if (value is null)
            {
                return null;
            }

            if (!DependsOnValues(value))
            {
                return new Apply(Op.Convert, IrType.Int, EquatableArray.Of(value));
            }

            if (inLoopBound)
            {
                Report(DiagnosticDescriptors.LoopBoundDependsOnValue, conversion.Syntax, Abbreviate(conversion.Syntax));
                return null;
            }

            Unsupported(conversion, "Converting a float or double value of w or x to int ('" + Abbreviate(conversion.Syntax) + "')",
                "integer values (indices) cannot depend on w or x; compute them from constants, sizes and the type's data");
            return null;
        }

        /// <summary>A call of a Math function that returns an int for float or double arguments (Math.Sign), with its rule.</summary>
        private static (IInvocationOperation Invocation, DerivativeRule Rule)? IntValuedCall(IOperation operand)
        {
            while (operand is IParenthesizedOperation parenthesized)
            {
                operand = parenthesized.Operand;
            }

            if (operand is not IInvocationOperation invocation || FunctionRule(invocation.TargetMethod) is not { ReturnsInt: true } rule)
            {
                return null;
            }

            ImmutableArray<IParameterSymbol> parameters = invocation.TargetMethod.Parameters;
            bool realArguments = parameters.Length == rule.Arity && parameters.All(p => RealType(p.Type) is { } type && type == RealType(parameters[0].Type) && p.RefKind == RefKind.None);
            return realArguments ? (invocation, rule) : null;
        }

        /// <summary>The rule of a Math/MathF method, or of a numeric type's method whose row says it lives there (double.Hypot); null otherwise.</summary>
        private static DerivativeRule? FunctionRule(IMethodSymbol target)
        {
            if (!target.IsStatic)
            {
                return null;
            }

            string container = target.ContainingType.ToDisplayString();
            if (container is "System.Math" or "System.MathF")
            {
                return RuleTable.Standard.FindFunction(target.Name) is { Home: not FunctionHome.NumericType } rule ? rule : null;
            }

            bool numericType = target.ContainingType.SpecialType is SpecialType.System_Double or SpecialType.System_Single;
            return numericType && RuleTable.Standard.FindFunction(target.Name) is { Home: FunctionHome.NumericType } own ? own : null;
        }

        /// <summary>A literal, or a reference to an integer constant: folded into a literal when converted.</summary>
        private static bool IsConstantLeaf(IOperation op) => op switch
        {
            ILiteralOperation => true,
            IUnaryOperation { Operand: ILiteralOperation } => true,
            _ => op.Type?.SpecialType == SpecialType.System_Int32 && op.ConstantValue.HasValue,
        };

        private Expr? Binary(IBinaryOperation binary, IrType resultType, int depth)
        {
            Op? op = binary.OperatorKind switch
            {
                BinaryOperatorKind.Add => Op.Add,
                BinaryOperatorKind.Subtract => Op.Subtract,
                BinaryOperatorKind.Multiply => Op.Multiply,
                BinaryOperatorKind.Divide => Op.Divide,
                BinaryOperatorKind.Remainder when resultType == IrType.Int => Op.Remainder,
                _ => null,
            };

            if (op is null || binary.OperatorMethod is not null || binary.IsChecked)
            {
                Unsupported(binary, "The operator in '" + Abbreviate(binary.Syntax) + "'", "use +, -, * and / (and % on integer indices)");
                return null;
            }

            if (resultType == IrType.Int && binary.ConstantValue.HasValue)
            {
                return IntConstant(binary);
            }

            Expr? left = Expression(binary.LeftOperand, depth + 1);
            Expr? right = Expression(binary.RightOperand, depth + 1);
            if (left is null || right is null)
            {
                return null;
            }

            return new Apply(op.Value, resultType, EquatableArray.Of(left, right));
        }

        private Expr? LocalReference(ILocalReferenceOperation reference, IrType resultType)
        {
            ILocalSymbol local = reference.Local;
            if (local.IsConst)
            {
                if (resultType == IrType.Int && reference.ConstantValue.HasValue)
                {
                    return IntConstant(reference);
                }

                return new Local(NameOf(local), resultType);
            }

            if (rejectedLocals.Contains(local))
            {
                // Its declaration is already reported.
                return null;
            }

            if (!localNames.ContainsKey(local))
            {
                Unsupported(reference, "The local '" + local.Name + "'", "read only locals declared in the method");
                return null;
            }

            return new Local(NameOf(local), resultType);
        }

        private Expr? ParameterReference(IParameterReferenceOperation reference, IrType resultType)
        {
            IParameterSymbol parameter = reference.Parameter;
            if (SpanRoleOf(parameter) is not null)
            {
                Unsupported(reference, "Using the span '" + parameter.Name + "' as a value", "read its elements, " + parameter.Name + "[i], or its length, " + parameter.Name + ".Length");
                return null;
            }

            if (kind == BodyKind.Helper && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method))
            {
                return new Local(parameter.Name, resultType);
            }

            if (kind != BodyKind.Helper && parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor &&
                SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type))
            {
                reserved.Add(parameter.Name);
                return new LayerData(Identifier(parameter.Name), resultType);
            }

            Unsupported(reference, "The parameter '" + parameter.Name + "'", "read the type's data through fields, properties or primary-constructor parameters");
            return null;
        }

        private Expr? FieldReference(IFieldReferenceOperation reference, IrType resultType)
        {
            IFieldSymbol field = reference.Field;
            if (field.IsConst)
            {
                if ((resultType == IrType.Int || kind == BodyKind.Helper) && reference.ConstantValue.HasValue)
                {
                    // Helpers fold constants: their pullback is emitted on the caller's type, where a private constant is not visible.
                    return resultType == IrType.Int ? IntConstant(reference) : new Literal(resultType, Convert.ToDouble(reference.ConstantValue.Value, CultureInfo.InvariantCulture));
                }

                return new LayerData(Qualified(field), resultType);
            }

            return Member(reference, field, reference.Instance, resultType);
        }

        private Expr? PropertyReference(IPropertyReferenceOperation reference, IrType resultType, int depth)
        {
            if (reference.Property.IsIndexer)
            {
                if (reference.Instance is IParameterReferenceOperation { Parameter: var parameter } && SpanRoleOf(parameter) is { } role &&
                    reference.Arguments.Length == 1)
                {
                    if (batched && !(allowParameterElement && role == SpanRole.W))
                    {
                        Report(DiagnosticDescriptors.BatchedUnsupported, reference.Syntax, "Reading one element ('" + Abbreviate(reference.Syntax) + "')", ScalarCodeHint);
                        return null;
                    }

                    Expr? index = Index(reference.Arguments[0].Value, role);
                    if (index is null)
                    {
                        return null;
                    }

                    if (role == SpanRole.Y)
                    {
                        outputAccesses.Add(new OutputAccess(isWrite: false, index is Literal literal ? (int)literal.Value : null, reference.Syntax, InControlFlow));
                    }

                    var span = new SpanRef(role, IrType.SpanOf(element, readOnly: role != SpanRole.Y));
                    return new Element(span, index, resultType);
                }

                Unsupported(reference, "The indexer '" + Abbreviate(reference.Syntax) + "'", "index the method's spans, or arrays of the type's data");
                return null;
            }

            if (reference.Instance is IParameterReferenceOperation { Parameter: var spanParameter } && SpanRoleOf(spanParameter) is { } spanRole)
            {
                if (reference.Property.Name == "Length")
                {
                    return new SpanLength(spanRole);
                }

                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "use " + spanParameter.Name + ".Length, the type's sizes or constants");
                return null;
            }

            if (reference.Property.Name == "Length" && reference.Instance?.Type is IArrayTypeSymbol && resultType == IrType.Int)
            {
                Expr? array = DataArray(reference.Instance, depth);
                return array is LayerData data ? new LayerData(data.Code + ".Length", IrType.Int) : null;
            }

            return Member(reference, reference.Property, reference.Instance, resultType);
        }

        private Expr? ArrayElement(IArrayElementReferenceOperation reference, IrType resultType, int depth)
        {
            if (reference.Indices.Length != 1)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "index one-dimensional arrays of the type's data");
                return null;
            }

            Expr? array = DataArray(reference.ArrayReference, depth);
            if (array is null)
            {
                return null;
            }

            Expr? index = Expression(reference.Indices[0], depth + 1);
            if (index is null)
            {
                return null;
            }

            if (index.Type != IrType.Int)
            {
                Unsupported(reference, "The index '" + Abbreviate(reference.Indices[0].Syntax) + "'", "index with an int");
                return null;
            }

            return new Element(array, index, resultType);
        }

        /// <summary>An array of the type's data (<c>this.targets</c>, a property, a primary-constructor parameter) as <see cref="LayerData"/>.</summary>
        private Expr? DataArray(IOperation reference, int depth)
        {
            if (reference.Type is not IArrayTypeSymbol { Rank: 1 } array || NumericType(array.ElementType) is not { } elementType)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "read arrays of int, float or double data of the type");
                return null;
            }

            IrType arrayType = IrType.SpanOf(elementType.Scalar, readOnly: true);
            Expr? data = reference switch
            {
                IFieldReferenceOperation field => kind == BodyKind.Helper ? null : MemberData(field.Field, field.Instance, arrayType),
                IPropertyReferenceOperation property when !property.Property.IsIndexer => kind == BodyKind.Helper ? null : MemberData(property.Property, property.Instance, arrayType),
                IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter }
                    when kind != BodyKind.Helper && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type) =>
                    new LayerData(Identifier(parameter.Name), arrayType),
                _ => null,
            };
            if (data is null)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "read arrays that are fields, properties or primary-constructor parameters of the type itself");
            }
            else if (reference is IParameterReferenceOperation parameterReference)
            {
                reserved.Add(parameterReference.Parameter.Name);
            }

            return data;
        }

        /// <summary>A field or property of the type, read as non-differentiable data.</summary>
        private Expr? Member(IOperation reference, ISymbol member, IOperation? instance, IrType resultType)
        {
            Expr? data = kind == BodyKind.Helper ? null : MemberData(member, instance, resultType);
            if (data is null)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'",
                    kind == BodyKind.Helper
                        ? "a helper reads only its parameters, locals and constants"
                        : "read fields and properties of the type itself (this.name), its constants, or constants of other types");
            }

            return data;
        }

        private Expr? MemberData(ISymbol member, IOperation? instance, IrType resultType)
        {
            bool ownType = IsOwnMember(member);
            if (!member.IsStatic && ownType && instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            {
                return new LayerData("this." + Identifier(member.Name), resultType);
            }

            if (member.IsStatic && ownType)
            {
                return new LayerData(Qualified(member), resultType);
            }

            return null;
        }

        private bool IsOwnMember(ISymbol member)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(member.ContainingType.OriginalDefinition, current.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        private static string Qualified(ISymbol member) =>
            member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Identifier(member.Name);

        private static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) is SyntaxKind.GlobalKeyword
                ? "@" + name
                : name;

        private Expr? Invocation(IInvocationOperation invocation, IrType resultType, int depth)
        {
            IMethodSymbol target = invocation.TargetMethod;
            string name = target.ContainingType.Name + "." + target.Name;
            if (SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, method.OriginalDefinition))
            {
                Report(DiagnosticDescriptors.Recursion, invocation.Syntax, method.Name);
                return null;
            }

            if (IsOps(target) || TakesSpans(target))
            {
                return SpanCall(invocation, resultType, depth);
            }

            DerivativeRule? rule = FunctionRule(target);
            if (rule is null && helpers is not null && HelperParser.IsHelper(target))
            {
                HelperModel? helper = helpers.Resolve(target, invocation, diagnostics);
                if (helper is null)
                {
                    return null;
                }

                Expr[]? helperArgs = Arguments(invocation, depth);
                if (helperArgs is null)
                {
                    return null;
                }

                if (!calledHelpers.Contains(helper))
                {
                    calledHelpers.Add(helper);
                }

                return new Call(helper.Method, helper.ElementType, new EquatableArray<Expr>(helperArgs));
            }

            if (rule is { ReturnsInt: true } && resultType == IrType.Int)
            {
                return IntValued(invocation, rule, depth);
            }

            bool realSignature = resultType.IsReal && target.Parameters.All(p => RealType(p.Type) == resultType && p.RefKind == RefKind.None);
            if (rule is not null && (!realSignature || rule.Arity != target.Parameters.Length))
            {
                Unsupported(invocation, "The overload '" + target.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "'",
                    "call " + name + " with " + rule.Arity + (rule.Arity == 1 ? " float or double argument" : " float or double arguments of one type"));
                return null;
            }

            if (rule is null)
            {
                Report(DiagnosticDescriptors.NoDerivativeRule, invocation.Syntax, name, RuleTable.Standard.FunctionList + " (or MathF.…)");
                return null;
            }

            Expr[]? args = Arguments(invocation, depth);
            return args is null ? null : new Apply(rule.Op, resultType, new EquatableArray<Expr>(args));
        }

        /// <summary>
        /// Math.Sign used as an int: an index expression when its argument is an int or data (<c>Math.Sign(i - k)</c>,
        /// <c>Math.Sign(this.bias)</c>); of a value of w or x it must be converted to float or double where it is used.
        /// </summary>
        private Expr? IntValued(IInvocationOperation invocation, DerivativeRule rule, int depth)
        {
            string name = invocation.TargetMethod.ContainingType.Name + "." + invocation.TargetMethod.Name;
            if (invocation.TargetMethod.Parameters.Length != rule.Arity || invocation.TargetMethod.Parameters.Any(p => NumericType(p.Type) is null || p.RefKind != RefKind.None))
            {
                Report(DiagnosticDescriptors.NoDerivativeRule, invocation.Syntax, name, RuleTable.Standard.FunctionList + " (or MathF.…)");
                return null;
            }

            Expr[]? args = Arguments(invocation, depth);
            if (args is null)
            {
                return null;
            }

            if (args.Any(DependsOnValues))
            {
                Unsupported(invocation, "The int '" + Abbreviate(invocation.Syntax) + "' of a float or double value",
                    "use it as a number of the argument's type where it is needed, e.g. 'double s = " + name + "(v);' or '" + name + "(v) * a' (its derivative is zero)");
                return null;
            }

            return new Apply(rule.Op, IrType.Int, new EquatableArray<Expr>(args));
        }

        private Expr[]? Arguments(IInvocationOperation invocation, int depth)
        {
            var args = new Expr[invocation.TargetMethod.Parameters.Length];
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter is null || argument.ArgumentKind != ArgumentKind.Explicit)
                {
                    Unsupported(invocation, "The call '" + Abbreviate(invocation.Syntax) + "'", "pass each argument once");
                    return null;
                }

                Expr? value = Expression(argument.Value, depth + 1);
                if (value is null)
                {
                    return null;
                }

                args[argument.Parameter.Ordinal] = value;
            }

            return args;
        }
    }
}
