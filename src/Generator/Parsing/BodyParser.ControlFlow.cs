using System;
using System.Collections.Generic;
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
    /// <summary>Loops and branches. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.</summary>
    internal sealed partial class BodyParser
    {
        private void ForLoop(IForLoopOperation loop, List<Stmt> into)
        {
            var syntax = (ForStatementSyntax)loop.Syntax;
            LocationInfo? header = Header(syntax);
            string headerText = "for (" + syntax.Declaration + "; " + syntax.Condition + "; " + string.Join(", ", syntax.Incrementors) + ")";
            if (headerText.Length > 60)
            {
                headerText = headerText.Substring(0, 57) + "...";
            }

            // for (int i = from; ...)
            if (loop.Before.Length != 1 || loop.Before[0] is not IVariableDeclarationGroupOperation group ||
                group.Declarations.Length != 1 || group.Declarations[0].Declarators.Length != 1)
            {
                Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                return;
            }

            IVariableDeclaratorOperation declarator = group.Declarations[0].Declarators[0];
            ILocalSymbol index = declarator.Symbol;
            IOperation? initial = declarator.Initializer?.Value ?? group.Declarations[0].Initializer?.Value;
            if (index.Type.SpecialType != SpecialType.System_Int32 || initial is null)
            {
                if (index.Type.SpecialType != SpecialType.System_Int32 && RealType(index.Type) is not null)
                {
                    Report(DiagnosticDescriptors.LoopBoundDependsOnValue, declarator.Syntax, declarator.Syntax.ToString());
                }
                else
                {
                    Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                }

                return;
            }

            // ...; i < to; or i <= to; or to > i; or to >= i
            IOperation? bound = null;
            bool inclusive = false;
            if (loop.Condition is IBinaryOperation { OperatorMethod: null } comparison)
            {
                if (IsIndex(comparison.LeftOperand, index, out bool leftConverted) &&
                    comparison.OperatorKind is BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual)
                {
                    bound = comparison.RightOperand;
                    inclusive = comparison.OperatorKind == BinaryOperatorKind.LessThanOrEqual;
                    if (leftConverted)
                    {
                        Report(DiagnosticDescriptors.LoopBoundDependsOnValue, bound.Syntax, Abbreviate(bound.Syntax));
                        return;
                    }
                }
                else if (IsIndex(comparison.RightOperand, index, out bool rightConverted) &&
                         comparison.OperatorKind is BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual)
                {
                    bound = comparison.LeftOperand;
                    inclusive = comparison.OperatorKind == BinaryOperatorKind.GreaterThanOrEqual;
                    if (rightConverted)
                    {
                        Report(DiagnosticDescriptors.LoopBoundDependsOnValue, bound.Syntax, Abbreviate(bound.Syntax));
                        return;
                    }
                }
            }

            if (bound is null)
            {
                Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                return;
            }

            // ...; i++) or ++i or i += k (k a positive constant)
            int step = 0;
            if (loop.AtLoopBottom.Length == 1 && loop.AtLoopBottom[0] is IExpressionStatementOperation { Operation: var increment })
            {
                if (increment is IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation target } &&
                    SymbolEqualityComparer.Default.Equals(target.Local, index))
                {
                    step = 1;
                }
                else if (increment is ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, Target: ILocalReferenceOperation target2 } added &&
                         SymbolEqualityComparer.Default.Equals(target2.Local, index) && added.Value.ConstantValue.HasValue &&
                         added.Value.ConstantValue.Value is int k && k > 0)
                {
                    step = k;
                }
            }

            if (step == 0)
            {
                Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                return;
            }

            declaredAtScope[index] = scopes.Count;
            string name = NameOf(index);
            Expr? from = LoopBound(initial);
            Expr? to = LoopBound(bound);
            if (from is null || to is null)
            {
                return;
            }

            if (inclusive)
            {
                to = to is Literal literal ? new Literal(IrType.Int, literal.Value + 1) : new Apply(Op.Add, IrType.Int, EquatableArray.Of(to, new Literal(IrType.Int, 1)));
            }

            scopes.Add(new ControlScope(index));
            List<Stmt> body = LoopBody(loop, into);
            scopes.RemoveAt(scopes.Count - 1);
            into.Add(new For(name, from, to, new Literal(IrType.Int, step), false, EquatableArray.From(body)));
        }

        private static bool IsIndex(IOperation operand, ILocalSymbol index, out bool converted)
        {
            converted = false;
            if (operand is IConversionOperation { Operand: ILocalReferenceOperation convertedReference } && SymbolEqualityComparer.Default.Equals(convertedReference.Local, index))
            {
                converted = true;
                return true;
            }

            return operand is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, index);
        }

        /// <summary>A loop's start or bound: an int expression that does not depend on w, x or float/double values.</summary>
        private Expr? LoopBound(IOperation bound)
        {
            if (bound.Type?.SpecialType != SpecialType.System_Int32)
            {
                Report(DiagnosticDescriptors.LoopBoundDependsOnValue, bound.Syntax, Abbreviate(bound.Syntax));
                return null;
            }

            bool previous = inLoopBound;
            inLoopBound = true;
            try
            {
                Expr? value = Expression(bound, 0);
                return value is not null && CarriedInIndex(value, bound) ? null : value;
            }
            finally
            {
                inLoopBound = previous;
            }
        }

        private void IfStatement(IConditionalOperation branch, List<Stmt> into)
        {
            Expr? condition = Condition(branch.Condition);
            var then = new List<Stmt>();
            var otherwise = new List<Stmt>();
            scopes.Add(new ControlScope(null));
            Statement(branch.WhenTrue, then, lastTopLevel: false);
            scopes.RemoveAt(scopes.Count - 1);
            if (branch.WhenFalse is not null)
            {
                scopes.Add(new ControlScope(null));
                Statement(branch.WhenFalse, otherwise, lastTopLevel: false);
                scopes.RemoveAt(scopes.Count - 1);
            }

            if (condition is not null)
            {
                into.Add(new If(condition, EquatableArray.From(then), EquatableArray.From(otherwise)));
            }
        }

        /// <summary>A branch condition: comparisons of values or indices combined with &amp;&amp;, || and !, bool locals and data.</summary>
        private Expr? Condition(IOperation op)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (op.Type?.SpecialType == SpecialType.System_Boolean && op.ConstantValue.HasValue && op.ConstantValue.Value is bool constant)
            {
                return new Literal(IrType.Bool, constant ? 1 : 0);
            }

            switch (op)
            {
                case IParenthesizedOperation parenthesized:
                    return Condition(parenthesized.Operand);
                case IBinaryOperation { OperatorMethod: null, OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } logical:
                {
                    Expr? left = Condition(logical.LeftOperand);
                    Expr? right = Condition(logical.RightOperand);
                    return left is null || right is null
                        ? null
                        : new Apply(logical.OperatorKind == BinaryOperatorKind.ConditionalAnd ? Op.And : Op.Or, IrType.Bool, EquatableArray.Of(left, right));
                }

                case IBinaryOperation { OperatorMethod: null } comparison when ComparisonOp(comparison.OperatorKind) is { } compare &&
                                                                              NumericType(comparison.LeftOperand.Type) is not null &&
                                                                              NumericType(comparison.RightOperand.Type) is not null:
                {
                    Expr? left = Expression(comparison.LeftOperand, 1);
                    Expr? right = Expression(comparison.RightOperand, 1);
                    if (left is not null && right is not null && left.Type.IsReal != right.Type.IsReal)
                    {
                        // A carried int (a value of the element type) against an int.
                        IrType wider = Wider(left.Type, right.Type);
                        (left, right) = (ConvertTo(left, wider), ConvertTo(right, wider));
                    }

                    return left is null || right is null ? null : new Apply(compare, IrType.Bool, EquatableArray.Of(left, right));
                }

                case IUnaryOperation { OperatorMethod: null, OperatorKind: UnaryOperatorKind.Not } not:
                {
                    Expr? operand = Condition(not.Operand);
                    return operand is null ? null : new Apply(Op.Not, IrType.Bool, EquatableArray.Of(operand));
                }

                case ILocalReferenceOperation { Local: { IsConst: false } local } when local.Type.SpecialType == SpecialType.System_Boolean && rejectedLocals.Contains(local):
                    return null;
                case ILocalReferenceOperation { Local: { IsConst: false } local } when IsCarried(local) && localNames.ContainsKey(local):
                    return new Apply(Op.NotEqual, IrType.Bool, EquatableArray.Of<Expr>(new Local(NameOf(local), FlagType), new Literal(FlagType, 0)));
                case ILocalReferenceOperation { Local: { IsConst: false } local } when local.Type.SpecialType == SpecialType.System_Boolean && localNames.ContainsKey(local):
                    return new Local(NameOf(local), IrType.Bool);
                case IFieldReferenceOperation field when field.Type?.SpecialType == SpecialType.System_Boolean:
                    return DataCondition(op, field.Field, field.Instance);
                case IPropertyReferenceOperation property when property.Type?.SpecialType == SpecialType.System_Boolean && !property.Property.IsIndexer:
                    return DataCondition(op, property.Property, property.Instance);
                case IParameterReferenceOperation parameter when InlinedParameter(parameter.Parameter) is { Type: var boolType } inlinedBool && boolType == IrType.Bool:
                    // A bool parameter of a helper read in place of its call: the local holding its argument.
                    return inlinedBool;
                case IParameterReferenceOperation parameter when parameter.Type?.SpecialType == SpecialType.System_Boolean &&
                                                                 parameter.Parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor &&
                                                                 SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type) && kind != BodyKind.Helper:
                    reserved.Add(parameter.Parameter.Name);
                    return new LayerData(Identifier(parameter.Parameter.Name), IrType.Bool);
                case IBinaryOperation { OperatorMethod: null } enumComparison when ComparisonOp(enumComparison.OperatorKind) is { } compare &&
                                                                                  (IsEnum(enumComparison.LeftOperand) || IsEnum(enumComparison.RightOperand)):
                {
                    // Enums of the type's data: a condition like any other on data, re-evaluated by the reverse pass.
                    Expr? left = EnumData(enumComparison.LeftOperand, enumComparison);
                    Expr? right = left is null ? null : EnumData(enumComparison.RightOperand, enumComparison);
                    return left is null || right is null ? null : new Apply(compare, IrType.Bool, EquatableArray.Of(left, right));
                }

                case IBinaryOperation { OperatorMethod: null, OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } boolComparison
                    when boolComparison.LeftOperand.Type?.SpecialType == SpecialType.System_Boolean && boolComparison.RightOperand.Type?.SpecialType == SpecialType.System_Boolean:
                {
                    Expr? left = Condition(boolComparison.LeftOperand);
                    Expr? right = Condition(boolComparison.RightOperand);
                    return left is null || right is null
                        ? null
                        : new Apply(boolComparison.OperatorKind == BinaryOperatorKind.Equals ? Op.Equal : Op.NotEqual, IrType.Bool, EquatableArray.Of(left, right));
                }

                case IBinaryOperation other when ComparisonOp(other.OperatorKind) is not null:
                    Report(DiagnosticDescriptors.UnsupportedCondition, op.Syntax, Abbreviate(op.Syntax),
                        "it compares values of type '" + (other.LeftOperand.Type?.ToDisplayString() ?? "unknown") + "'; compare float, double or int values, " +
                        "bools, or enums of the type's data (fields, properties, primary-constructor parameters)");
                    return null;
                default:
                    Report(DiagnosticDescriptors.UnsupportedCondition, op.Syntax, Abbreviate(op.Syntax), ConditionHint);
                    return null;
            }
        }

        private const string ConditionHint =
            "the reverse pass re-evaluates branch conditions instead of differentiating them, so write them as comparisons (<, <=, >, >=, ==, !=) of values or indices, combined with &&, || and !";

        private static bool IsEnum(IOperation op) => op.Type?.TypeKind == TypeKind.Enum;

        /// <summary>
        /// An operand of an enum comparison: a constant (<c>Mode.Fast</c>, printed fully qualified), or a field, property or
        /// primary-constructor parameter of the type (data, never differentiated).
        /// </summary>
        private Expr? EnumData(IOperation operand, IOperation comparison)
        {
            while (operand is IConversionOperation { IsImplicit: true } conversion && !operand.ConstantValue.HasValue)
            {
                operand = conversion.Operand;
            }

            if (operand.Type is not { TypeKind: TypeKind.Enum } enumType)
            {
                Report(DiagnosticDescriptors.UnsupportedCondition, comparison.Syntax, Abbreviate(comparison.Syntax),
                    "compare an enum with an enum: a constant, or a field, property or primary-constructor parameter of the type");
                return null;
            }

            if (operand is IFieldReferenceOperation { Field.IsConst: true } constant && enumType.Equals(constant.Field.ContainingType, SymbolEqualityComparer.Default))
            {
                return new LayerData(Qualified(constant.Field), IrType.Int);
            }

            if (operand.ConstantValue.HasValue)
            {
                string value = Convert.ToString(operand.ConstantValue.Value, CultureInfo.InvariantCulture) ?? "0";
                return new LayerData("((" + enumType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ")(" + value + "))", IrType.Int);
            }

            Expr? data = operand switch
            {
                _ when kind == BodyKind.Helper => null,
                IFieldReferenceOperation field => MemberData(field.Field, field.Instance, IrType.Int),
                IPropertyReferenceOperation { Property.IsIndexer: false } property => MemberData(property.Property, property.Instance, IrType.Int),
                IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter }
                    when SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type) => new LayerData(Identifier(parameter.Name), IrType.Int),
                _ => null,
            };
            if (data is null)
            {
                Report(DiagnosticDescriptors.UnsupportedCondition, comparison.Syntax, Abbreviate(comparison.Syntax),
                    "an enum in a condition must be the type's data (a field, property or primary-constructor parameter) or a constant, not '" + Abbreviate(operand.Syntax) + "'");
            }
            else if (operand is IParameterReferenceOperation parameterReference)
            {
                reserved.Add(parameterReference.Parameter.Name);
            }

            return data;
        }

        private Expr? DataCondition(IOperation op, ISymbol member, IOperation? instance)
        {
            Expr? data = kind == BodyKind.Helper ? null : MemberData(member, instance, IrType.Bool);
            if (data is null)
            {
                Report(DiagnosticDescriptors.UnsupportedCondition, op.Syntax, Abbreviate(op.Syntax), ConditionHint);
            }

            return data;
        }

        private static Op? ComparisonOp(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => Op.Less,
            BinaryOperatorKind.LessThanOrEqual => Op.LessOrEqual,
            BinaryOperatorKind.GreaterThan => Op.Greater,
            BinaryOperatorKind.GreaterThanOrEqual => Op.GreaterOrEqual,
            BinaryOperatorKind.Equals => Op.Equal,
            BinaryOperatorKind.NotEquals => Op.NotEqual,
            _ => null,
        };
    }
}
