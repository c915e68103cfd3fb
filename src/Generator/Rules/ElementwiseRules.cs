using System.Collections.Generic;
using MoreauGen.Generator.Model;
using static MoreauGen.Generator.Rules.RuleFunctions;

namespace MoreauGen.Generator.Rules
{
    /// <summary>
    /// Derivative rules of the scalar primitives: arithmetic, conversions and the Math/MathF functions.
    /// One entry per primitive; d is the adjoint of the result r, a and b are the arguments, and each lambda
    /// gives the contribution to one argument's adjoint. <c>Forward(…)</c> marks a partial derivative that costs a
    /// Math call: the forward pass computes it (sin and cos of one value in one SinCos call) and records it, so the
    /// reverse pass does not call the function again.
    /// </summary>
    internal static class ElementwiseRules
    {
        public static IEnumerable<DerivativeRule> All { get; } = new[]
        {
            // Arithmetic.
            DerivativeRule.Binary(Op.Add, (d, a, b, r) => d, (d, a, b, r) => d).WithDegree(RuleDegree.Linear),
            DerivativeRule.Binary(Op.Subtract, (d, a, b, r) => d, (d, a, b, r) => -d).WithDegree(RuleDegree.Linear),
            DerivativeRule.Binary(Op.Multiply, (d, a, b, r) => d * b, (d, a, b, r) => d * a).WithDegree(RuleDegree.Bilinear),
            // ∂(a/b)/∂b = −r/b: the factor r/b reads only forward values, so it is computed off the adjoint's dependent chain
            // (d · (r/b) puts one multiply on the chain, not a multiply and a divide).
            DerivativeRule.Binary(Op.Divide, (d, a, b, r) => d / b, (d, a, b, r) => -(d * (r / b))).WithDegree(RuleDegree.Quotient),
            DerivativeRule.Unary(Op.Negate, (d, a, r) => -d).WithDegree(RuleDegree.Linear),
            DerivativeRule.Unary(Op.Convert, (d, a, r) => d.To(a.Type)).WithDegree(RuleDegree.Linear),

            // Math / MathF (all nonlinear). Sin and Cos of one argument are computed by one SinCos call.
            DerivativeRule.Function(Op.Sin, "Sin", (d, a, r) => d * Forward(Cos(a))).Fused(Op.Cos),
            DerivativeRule.Function(Op.Cos, "Cos", (d, a, r) => -(d * Forward(Sin(a)))).Fused(Op.Sin),
            DerivativeRule.Function(Op.Tan, "Tan", (d, a, r) => d * (1 + r * r)),
            DerivativeRule.Function(Op.Exp, "Exp", (d, a, r) => d * r),
            DerivativeRule.Function(Op.Log, "Log", (d, a, r) => d / a),
            DerivativeRule.Function(Op.Sqrt, "Sqrt", (d, a, r) => d / (2 * r)),
            DerivativeRule.Function(Op.Pow, "Pow", (d, a, b, r) => d * b * Pow(a, b - 1), (d, a, b, r) => d * r * Log(a)),
            DerivativeRule.Function(Op.Tanh, "Tanh", (d, a, r) => d * (1 - r * r)),
            DerivativeRule.Function(Op.Sinh, "Sinh", (d, a, r) => d * Forward(Cosh(a))),
            DerivativeRule.Function(Op.Cosh, "Cosh", (d, a, r) => d * Forward(Sinh(a))),
            DerivativeRule.Function(Op.Atan, "Atan", (d, a, r) => d / (1 + a * a)),
            DerivativeRule.Function(Op.Cbrt, "Cbrt", (d, a, r) => d / (3 * (r * r))),
            DerivativeRule.Function(Op.Abs, "Abs", (d, a, r) => Select(a >= 0, d, -d)),
            DerivativeRule.Function(Op.Max, "Max", (d, a, b, r) => Select(a >= b, d, 0), (d, a, b, r) => Select(a >= b, 0, d)),
            DerivativeRule.Function(Op.Min, "Min", (d, a, b, r) => Select(a <= b, d, 0), (d, a, b, r) => Select(a <= b, 0, d)),
            DerivativeRule.Function(Op.Log10, "Log10", (d, a, r) => d / (Ln10 * a)),
            DerivativeRule.Function(Op.Log2, "Log2", (d, a, r) => d / (Ln2 * a)),
            DerivativeRule.Function(Op.Asin, "Asin", (d, a, r) => d / Forward(Sqrt(1 - a * a))),
            DerivativeRule.Function(Op.Acos, "Acos", (d, a, r) => -(d / Forward(Sqrt(1 - a * a)))),

            // Atan2(a, b) = the angle of the point (b, a): ∂/∂a = b / (a² + b²), ∂/∂b = −a / (a² + b²).
            DerivativeRule.Function(Op.Atan2, "Atan2", (d, a, b, r) => d * b / (a * a + b * b), (d, a, b, r) => -(d * a / (a * a + b * b))),

            // double.Hypot / float.Hypot (neither Math nor MathF has it): r = √(a² + b²), ∂/∂a = a / r.
            DerivativeRule.Function(Op.Hypot, "Hypot", (d, a, b, r) => d * a / r, (d, a, b, r) => d * b / r).OnNumericType(),

            // a·b + c in one rounding; its degree is that of a·b + c.
            DerivativeRule.Function(Op.FusedMultiplyAdd, "FusedMultiplyAdd", (d, a, b, c, r) => d * b, (d, a, b, c, r) => d * a, (d, a, b, c, r) => d)
                .WithDegree(RuleDegree.MultiplyAdd),

            // Clamp(v, lo, hi) is lo below lo, hi above hi and v between (Math.Clamp's own tests, in its order): the adjoint goes
            // to the argument whose value it returns. No MathF.Clamp: Math.Clamp has float overloads.
            DerivativeRule.Function(
                Op.Clamp,
                "Clamp",
                (d, v, lo, hi, r) => Select(v < lo, 0, Select(v > hi, 0, d)),
                (d, v, lo, hi, r) => Select(v < lo, d, 0),
                (d, v, lo, hi, r) => Select(v < lo, 0, Select(v > hi, d, 0))).OnMathOnly(),

            // Piecewise constant: the derivative is zero wherever it exists (not at the jumps), so these are accepted on
            // any argument. Math.Sign returns an int (see DerivativeRule.ReturnsInt).
            DerivativeRule.Function(Op.Sign, "Sign", (d, a, r) => Zero(a)).ReturningInt(),
            DerivativeRule.Function(Op.Floor, "Floor", (d, a, r) => Zero(a)),
            DerivativeRule.Function(Op.Ceiling, "Ceiling", (d, a, r) => Zero(a)),
            DerivativeRule.Function(Op.Round, "Round", (d, a, r) => Zero(a)),
            DerivativeRule.Function(Op.Truncate, "Truncate", (d, a, r) => Zero(a)),
        };

        private const double Ln10 = 2.302585092994045684;
        private const double Ln2 = 0.693147180559945309;
    }
}
