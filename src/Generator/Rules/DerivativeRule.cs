using System;
using System.Collections.Generic;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Rules
{
    /// <summary>How a primitive's polynomial degree in w (and in x) follows from its arguments' (for the affine analysis).</summary>
    internal enum RuleDegree
    {
        /// <summary>Not a polynomial of its arguments: any dependence on the variable makes the result non-affine.</summary>
        Nonlinear,

        /// <summary>Linear in its arguments together: the largest of their degrees (a + b, −a, a conversion).</summary>
        Linear,

        /// <summary>Linear in each argument separately: the sum of their degrees (a·b).</summary>
        Bilinear,

        /// <summary>a / b: the degree of a while b does not depend on the variable, else non-affine.</summary>
        Quotient,

        /// <summary>a·b + c (fused multiply-add): the larger of the degree of a·b and that of c.</summary>
        MultiplyAdd,
    }

    /// <summary>Where a function's method lives, for the parser (which calls it finds) and the printer (what it prints).</summary>
    internal enum FunctionHome
    {
        /// <summary><c>Math.Name</c> for double, <c>MathF.Name</c> for float (both are accepted).</summary>
        MathOrMathF,

        /// <summary><c>Math.Name</c> for both types: the method has no MathF form (<c>Math.Clamp</c>).</summary>
        Math,

        /// <summary>The numeric type's own static method, <c>double.Name</c> / <c>float.Name</c> (<c>double.Hypot</c>): neither Math nor MathF has it.</summary>
        NumericType,
    }

    /// <summary>
    /// The row of one primitive in the rule table: for each argument, its contribution to that argument's adjoint
    /// given the adjoint d of the result, the argument values and the result value r (a rule may reuse r, as
    /// ChainRules' <c>@scalar_rule</c> does); its degree for the affine analysis; its printed name (and where the method
    /// lives); whether C# gives its value as an int (Math.Sign); and the primitive whose value one fused call computes
    /// with it (sin and cos: <c>Math.SinCos</c>). Rules are written in the family files (ElementwiseRules, …).
    /// </summary>
    internal sealed class DerivativeRule
    {
        private readonly Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[] pullbacks;
        private bool? piecewiseConstant;

        private DerivativeRule(
            Op op,
            string? methodName,
            Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[] pullbacks,
            RuleDegree degree = RuleDegree.Nonlinear,
            Op? fusedWith = null,
            FunctionHome home = FunctionHome.MathOrMathF,
            bool returnsInt = false)
        {
            Op = op;
            MethodName = methodName;
            this.pullbacks = pullbacks;
            Degree = degree;
            FusedWith = fusedWith;
            Home = home;
            ReturnsInt = returnsInt;
        }

        /// <summary>The primitive.</summary>
        public Op Op { get; }

        /// <summary>The Math/MathF method name for call primitives (how the emitted code prints them); null for operators.</summary>
        public string? MethodName { get; }

        /// <summary>How the result's degree follows from the arguments' (Math functions are <see cref="RuleDegree.Nonlinear"/>).</summary>
        public RuleDegree Degree { get; }

        /// <summary>The primitive of the same argument one call computes together with this one (Sin with Cos: SinCos), if any.</summary>
        public Op? FusedWith { get; }

        /// <summary>Where the method lives (Math/MathF by type, Math only, or the numeric type).</summary>
        public FunctionHome Home { get; }

        /// <summary>
        /// True when the C# method returns an int for a float or double argument (<c>Math.Sign</c>): the parser reads such a
        /// call as a value of its argument's type where the user's code converts it to float or double.
        /// </summary>
        public bool ReturnsInt { get; }

        /// <summary>This rule with the degree <paramref name="degree"/>.</summary>
        public DerivativeRule WithDegree(RuleDegree degree) => new(Op, MethodName, pullbacks, degree, FusedWith, Home, ReturnsInt);

        /// <summary>This rule, computed by one call together with <paramref name="partner"/> of the same argument.</summary>
        public DerivativeRule Fused(Op partner) => new(Op, MethodName, pullbacks, Degree, partner, Home, ReturnsInt);

        /// <summary>This rule, printed as <c>Math.Name</c> for float too (the method has no MathF form).</summary>
        public DerivativeRule OnMathOnly() => new(Op, MethodName, pullbacks, Degree, FusedWith, FunctionHome.Math, ReturnsInt);

        /// <summary>This rule, called and printed as <c>double.Name</c> / <c>float.Name</c>.</summary>
        public DerivativeRule OnNumericType() => new(Op, MethodName, pullbacks, Degree, FusedWith, FunctionHome.NumericType, ReturnsInt);

        /// <summary>This rule, whose C# method returns an int (<see cref="ReturnsInt"/>).</summary>
        public DerivativeRule ReturningInt() => new(Op, MethodName, pullbacks, Degree, FusedWith, Home, returnsInt: true);

        /// <summary>This rule with the pullback of <paramref name="argument"/> replaced by <c>pullback(d, args, r)</c>, everything else kept.</summary>
        public DerivativeRule WithPullback(int argument, Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr> pullback)
        {
            var replaced = (Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[])pullbacks.Clone();
            replaced[argument] = pullback;
            return new DerivativeRule(Op, MethodName, replaced, Degree, FusedWith, Home, ReturnsInt);
        }

        /// <summary>The number of arguments.</summary>
        public int Arity => pullbacks.Length;

        /// <summary>
        /// True when every pullback is the literal 0: the function is piecewise constant (Floor, Sign), its derivative zero
        /// wherever it exists, so its value varies with neither w nor x for the differentiator.
        /// </summary>
        public bool IsPiecewiseConstant => piecewiseConstant ??= AllPullbacksZero();

        private bool AllPullbacksZero()
        {
            var types = new IrType[Arity];
            for (int i = 0; i < types.Length; i++)
            {
                types[i] = IrType.Double;
            }

            for (int i = 0; i < Arity; i++)
            {
                if (Template(i, types, IrType.Double) is not Literal { Value: 0 })
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The printed method, fully qualified, for a call whose value has type <paramref name="type"/>: <c>global::System.MathF.Sin</c>.</summary>
        public string PrintedName(IrType type)
        {
            bool single = type.Scalar == ScalarKind.Single;
            string home = Home switch
            {
                FunctionHome.Math => "global::System.Math.",
                FunctionHome.NumericType => single ? "global::System.Single." : "global::System.Double.",
                _ => single ? "global::System.MathF." : "global::System.Math.",
            };
            return home + MethodName;
        }

        /// <summary>A rule for an operator or a conversion with one argument: <c>pullback(d, a, r)</c>.</summary>
        public static DerivativeRule Unary(Op op, Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullback) =>
            new(op, null, new Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[] { (d, a, r) => pullback(d, a[0], r) });

        /// <summary>A rule for a binary operator: one pullback per argument, <c>(d, a, b, r)</c>.</summary>
        public static DerivativeRule Binary(
            Op op,
            Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullbackA,
            Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullbackB) =>
            new(op, null, new Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[]
            {
                (d, a, r) => pullbackA(d, a[0], a[1], r),
                (d, a, r) => pullbackB(d, a[0], a[1], r),
            });

        /// <summary>A rule for <c>Math.Name(a)</c> / <c>MathF.Name(a)</c>.</summary>
        public static DerivativeRule Function(Op op, string methodName, Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullback) =>
            new(op, methodName, new Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[] { (d, a, r) => pullback(d, a[0], r) });

        /// <summary>A rule for <c>Math.Name(a, b)</c> / <c>MathF.Name(a, b)</c>.</summary>
        public static DerivativeRule Function(
            Op op,
            string methodName,
            Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullbackA,
            Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullbackB) =>
            new(op, methodName, new Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[]
            {
                (d, a, r) => pullbackA(d, a[0], a[1], r),
                (d, a, r) => pullbackB(d, a[0], a[1], r),
            });

        /// <summary>A rule for <c>Math.Name(a, b, c)</c> / <c>MathF.Name(a, b, c)</c>.</summary>
        public static DerivativeRule Function(
            Op op,
            string methodName,
            Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullbackA,
            Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullbackB,
            Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullbackC) =>
            new(op, methodName, new Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr>[]
            {
                (d, a, r) => pullbackA(d, a[0], a[1], a[2], r),
                (d, a, r) => pullbackB(d, a[0], a[1], a[2], r),
                (d, a, r) => pullbackC(d, a[0], a[1], a[2], r),
            });

        /// <summary>The contribution to the adjoint of argument <paramref name="argument"/>.</summary>
        public Expr Pullback(int argument, Expr adjoint, IReadOnlyList<Expr> args, Expr result)
        {
            var wrapped = new RuleExpr[args.Count];
            for (int i = 0; i < args.Count; i++)
            {
                wrapped[i] = new RuleExpr(args[i]);
            }

            return pullbacks[argument](new RuleExpr(adjoint), wrapped, new RuleExpr(result)).Expr;
        }

        /// <summary>
        /// The pullback of <paramref name="argument"/> as a template: the arguments, the result and the adjoint appear
        /// as <see cref="Placeholder"/>s, and values the forward pass should compute as <see cref="ForwardValue"/>s.
        /// </summary>
        public Expr Template(int argument, IReadOnlyList<IrType> argTypes, IrType resultType)
        {
            var args = new Expr[argTypes.Count];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = new Placeholder(i, argTypes[i]);
            }

            Expr adjoint = new Placeholder(Placeholder.AdjointIndex, resultType);
            Expr result = new Placeholder(Placeholder.ResultIndex, resultType);
            return Pullback(argument, adjoint, args, result);
        }

        /// <summary>
        /// Which values the pullback of <paramref name="argument"/> reads: each argument (by index) and the result.
        /// Found by running the rule on placeholders.
        /// </summary>
        public RuleNeeds Needs(int argument, IReadOnlyList<IrType> argTypes, IrType resultType)
        {
            var needs = new RuleNeeds(argTypes.Count);
            Collect(Template(argument, argTypes, resultType), needs);
            return needs;
        }

        private static void Collect(Expr expr, RuleNeeds needs)
        {
            switch (expr)
            {
                case Placeholder { Index: Placeholder.ResultIndex }:
                    needs.Result = true;
                    break;
                case Placeholder { Index: Placeholder.AdjointIndex }:
                    needs.AdjointUses++;
                    break;
                case Placeholder placeholder:
                    needs.Arguments[placeholder.Index] = true;
                    break;
                case Apply apply:
                    foreach (Expr arg in apply.Args)
                    {
                        Collect(arg, needs);
                    }

                    break;
                case Conditional conditional:
                    Collect(conditional.Condition, needs);
                    Collect(conditional.WhenTrue, needs);
                    Collect(conditional.WhenFalse, needs);
                    break;
                case ForwardValue forward:
                    Collect(forward.Value, needs);
                    break;
            }
        }
    }

    /// <summary>Stands for an argument (0, 1, …), the result or the adjoint in a rule's template.</summary>
    internal sealed record Placeholder(int Index, IrType Type) : Expr(Type)
    {
        public const int ResultIndex = -1;
        public const int AdjointIndex = -2;
    }

    /// <summary>
    /// A part of a pullback that depends only on forward values and costs a Math call (cos a in the rule of sin a):
    /// the forward pass computes it and, when it records, records it, so the reverse pass reads it instead of
    /// calling the function again.
    /// </summary>
    internal sealed record ForwardValue(Expr Value) : Expr(Value.Type);

    /// <summary>The values a pullback reads (see <see cref="DerivativeRule.Needs"/>).</summary>
    internal sealed class RuleNeeds
    {
        public RuleNeeds(int arity) => Arguments = new bool[arity];

        /// <summary>Whether the pullback reads argument i.</summary>
        public bool[] Arguments { get; }

        /// <summary>Whether the pullback reads the result.</summary>
        public bool Result { get; set; }

        /// <summary>How many times the pullback reads the adjoint of the result.</summary>
        public int AdjointUses { get; set; }
    }
}
