using System;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Analysis
{
    /// <summary>Int arithmetic on IR expressions, folding literals (tape sizes, trip counts).</summary>
    internal static class IntMath
    {
        public static Expr Add(Expr a, Expr b) =>
            a is Literal { Value: 0 } ? b : b is Literal { Value: 0 } ? a : Fold(Op.Add, a, b) ?? Make(Op.Add, a, b);

        public static Expr Subtract(Expr a, Expr b) =>
            b is Literal { Value: 0 } ? a : a.Equals(b) ? Int(0) : Fold(Op.Subtract, a, b) ?? Make(Op.Subtract, a, b);

        public static Expr Multiply(Expr a, Expr b) =>
            a is Literal { Value: 1 } ? b : b is Literal { Value: 1 } ? a : a is Literal { Value: 0 } || b is Literal { Value: 0 } ? Int(0) : Fold(Op.Multiply, a, b) ?? Make(Op.Multiply, a, b);

        public static Expr Divide(Expr a, Expr b) =>
            b is Literal { Value: 1 } ? a : Fold(Op.Divide, a, b) ?? Make(Op.Divide, a, b);

        public static Expr Max(Expr a, Expr b) =>
            a.Equals(b) ? a : a is Literal { Value: 0 } && IsCount(b) ? b : b is Literal { Value: 0 } && IsCount(a) ? a : Fold(Op.Max, a, b) ?? Make(Op.Max, a, b);

        /// <summary>Folds literal arithmetic bottom-up in an int expression.</summary>
        public static Expr Simplify(Expr expr) => expr switch
        {
            Apply { Op: Op.Add } a => Add(Simplify(a.Args[0]), Simplify(a.Args[1])),
            Apply { Op: Op.Subtract } a => Subtract(Simplify(a.Args[0]), Simplify(a.Args[1])),
            Apply { Op: Op.Multiply } a => Multiply(Simplify(a.Args[0]), Simplify(a.Args[1])),
            Apply { Op: Op.Divide } a => Divide(Simplify(a.Args[0]), Simplify(a.Args[1])),
            Apply { Op: Op.Max } a => Max(Simplify(a.Args[0]), Simplify(a.Args[1])),
            _ => expr,
        };

        private static Literal Int(double value) => new(IrType.Int, value);

        /// <summary>Counts built here are never negative: a maximum with 0, a product or sum of counts, a literal ≥ 0.</summary>
        private static bool IsCount(Expr e) => e switch
        {
            Literal literal => literal.Value >= 0,
            SpanLength => true,
            Apply { Op: Op.Max } max => IsCount(max.Args[0]) || IsCount(max.Args[1]),
            Apply { Op: Op.Add or Op.Multiply } apply => IsCount(apply.Args[0]) && IsCount(apply.Args[1]),
            _ => false,
        };

        private static Expr? Fold(Op op, Expr a, Expr b)
        {
            if (a is not Literal x || b is not Literal y)
            {
                return null;
            }

            double value = op switch
            {
                Op.Add => x.Value + y.Value,
                Op.Subtract => x.Value - y.Value,
                Op.Multiply => x.Value * y.Value,
                Op.Divide => y.Value == 0 ? double.NaN : Math.Truncate(x.Value / y.Value),
                _ => Math.Max(x.Value, y.Value),
            };
            return double.IsNaN(value) ? null : Int(value);
        }

        private static Expr Make(Op op, Expr a, Expr b) => new Apply(op, IrType.Int, EquatableArray.Of(a, b));
    }
}
