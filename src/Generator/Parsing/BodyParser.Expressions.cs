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
    /// <summary>Expressions: operators, constants, references to locals, parameters, fields and arrays, conditionals (calls and conversions: BodyParser.Calls.cs). Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.</summary>
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

            // The common operations by kind first (each case of the switch below is a test of an interface).
            switch (op.Kind)
            {
                case OperationKind.LocalReference:
                    return LocalReference((ILocalReferenceOperation)op, resultType);
                case OperationKind.Binary:
                    return Binary((IBinaryOperation)op, resultType, depth);
                case OperationKind.Invocation:
                    return Invocation((IInvocationOperation)op, resultType, depth);
                case OperationKind.PropertyReference:
                    return PropertyReference((IPropertyReferenceOperation)op, resultType, depth);
            }

            switch (op)
            {
                case ILiteralOperation { ConstantValue: { HasValue: true } constant }:
                    return new Literal(resultType, Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture));

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

                case ISwitchExpressionOperation switchExpression:
                    return SwitchExpression(switchExpression, resultType, depth);

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

            if (resultType == IrType.Int && (left.Type.IsReal || right.Type.IsReal))
            {
                // Int arithmetic on a carried int (a value of the element type): computed in the element type, except / and %,
                // which truncate: computed on the count converted back to int (BodyParser.Carried.cs).
                IrType carried = IrType.ScalarOf(element);
                if (op is Op.Remainder or Op.Divide)
                {
                    return ConvertTo(new Apply(op.Value, IrType.Int, EquatableArray.Of(CarriedAsInt(left), CarriedAsInt(right))), carried);
                }

                return new Apply(op.Value, carried, EquatableArray.Of(ConvertTo(left, carried), ConvertTo(right, carried)));
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

            if (IsCarried(local))
            {
                return new Local(NameOf(local), FlagType);
            }

            return new Local(NameOf(local), resultType);
        }

        private Expr? ParameterReference(IParameterReferenceOperation reference, IrType resultType)
        {
            IParameterSymbol parameter = reference.Parameter;
            if (InlinedParameter(parameter) is { } inlined)
            {
                return inlined;
            }

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
            if (SpanLocalAccess(reference, isWrite: false, isCompound: false, out Expr? spanLocalValue))
            {
                return spanLocalValue;
            }

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
            if (SpanLocalAccess(reference, isWrite: false, isCompound: false, out Expr? scratchValue))
            {
                return scratchValue;
            }

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
            if (reference is ILocalReferenceOperation { Local: var rejected } && rejectedLocals.Contains(rejected))
            {
                // Its declaration is reported already (a scratch array where none is accepted).
                return null;
            }

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

        /// <summary>A name as C# source: <c>@</c> before a keyword.</summary>
        internal static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) is SyntaxKind.GlobalKeyword
                ? "@" + name
                : name;
    }
}
