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
    /// <summary>Calls and conversions: Math functions by their rows, helper calls, int-valued Math.Sign, casts. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.</summary>
    internal sealed partial class BodyParser
    {
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

            string container = DisplayNames.Of(target.ContainingType);
            if (container is "System.Math" or "System.MathF")
            {
                return RuleTable.Standard.FindFunction(target.Name) is { Home: not FunctionHome.NumericType } rule ? rule : null;
            }

            bool numericType = target.ContainingType.SpecialType is SpecialType.System_Double or SpecialType.System_Single;
            return numericType && RuleTable.Standard.FindFunction(target.Name) is { Home: FunctionHome.NumericType } own ? own : null;
        }

        private Expr? Invocation(IInvocationOperation invocation, IrType resultType, int depth)
        {
            IMethodSymbol target = invocation.TargetMethod;
            if (SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, method.OriginalDefinition))
            {
                Report(DiagnosticDescriptors.Recursion, invocation.Syntax, method.Name);
                return null;
            }

            if (IsSpanHelper(target))
            {
                return InlineSpanHelper(invocation, depth);
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

            if (rule is null && IsInlinable(target))
            {
                return Inline(invocation, depth);
            }

            if (rule is { ReturnsInt: true } && resultType == IrType.Int)
            {
                return IntValued(invocation, rule, depth);
            }

            bool realSignature = resultType.IsReal && target.Parameters.All(p => RealType(p.Type) == resultType && p.RefKind == RefKind.None);
            if (rule is not null && (!realSignature || rule.Arity != target.Parameters.Length))
            {
                Unsupported(invocation, "The overload '" + target.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "'",
                    "call " + CallName(target) + " with " + rule.Arity + (rule.Arity == 1 ? " float or double argument" : " float or double arguments of one type"));
                return null;
            }

            if (rule is null)
            {
                Report(DiagnosticDescriptors.NoDerivativeRule, invocation.Syntax, CallName(target), RuleTable.Standard.FunctionList + " (or MathF.…)");
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
