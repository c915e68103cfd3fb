using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Rules
{
    /// <summary>
    /// A thin wrapper over <see cref="Expr"/> so that derivative rules read like the mathematics
    /// (<c>d * (1 - r * r)</c>). Plain numbers become literals of the other operand's type; arithmetic on two
    /// literals is folded.
    /// </summary>
    internal readonly struct RuleExpr
    {
        public RuleExpr(Expr expr) => Expr = expr;

        public Expr Expr { get; }

        public IrType Type => Expr.Type;

        public static RuleExpr operator +(RuleExpr a, RuleExpr b) => Binary(Op.Add, a, b);

        public static RuleExpr operator -(RuleExpr a, RuleExpr b) => Binary(Op.Subtract, a, b);

        public static RuleExpr operator *(RuleExpr a, RuleExpr b) => Binary(Op.Multiply, a, b);

        public static RuleExpr operator /(RuleExpr a, RuleExpr b) => Binary(Op.Divide, a, b);

        public static RuleExpr operator +(double a, RuleExpr b) => Literal(a, b.Type) + b;

        public static RuleExpr operator -(double a, RuleExpr b) => Literal(a, b.Type) - b;

        public static RuleExpr operator *(double a, RuleExpr b) => Literal(a, b.Type) * b;

        public static RuleExpr operator -(RuleExpr a, double b) => a - Literal(b, a.Type);

        public static RuleExpr operator -(RuleExpr a) =>
            a.Expr is Literal literal ? Literal(-literal.Value, a.Type) : new RuleExpr(new Apply(Op.Negate, a.Type, EquatableArray.Of(a.Expr)));

        public static RuleExpr operator >=(RuleExpr a, RuleExpr b) => Compare(Op.GreaterOrEqual, a, b);

        public static RuleExpr operator <=(RuleExpr a, RuleExpr b) => Compare(Op.LessOrEqual, a, b);

        public static RuleExpr operator >=(RuleExpr a, double b) => a >= Literal(b, a.Type);

        public static RuleExpr operator <=(RuleExpr a, double b) => a <= Literal(b, a.Type);

        /// <summary>The expression converted to <paramref name="type"/>.</summary>
        public RuleExpr To(IrType type) =>
            type == Type ? this : new RuleExpr(new Apply(Op.Convert, type, EquatableArray.Of(Expr)));

        public static RuleExpr Literal(double value, IrType type) =>
            new(new Literal(type, type.Scalar == ScalarKind.Single ? (float)value : value));

        private static RuleExpr Binary(Op op, RuleExpr a, RuleExpr b)
        {
            if (a.Expr is Literal x && b.Expr is Literal y && a.Type == b.Type && op != Op.Divide)
            {
                double value = op switch
                {
                    Op.Add => x.Value + y.Value,
                    Op.Subtract => x.Value - y.Value,
                    _ => x.Value * y.Value,
                };
                return Literal(value, a.Type);
            }

            return new RuleExpr(new Apply(op, a.Type, EquatableArray.Of(a.Expr, b.Expr)));
        }

        private static RuleExpr Compare(Op op, RuleExpr a, RuleExpr b) =>
            new(new Apply(op, IrType.Bool, EquatableArray.Of(a.Expr, b.Expr)));

        // The comparison operators come in pairs; these are never used by rules.
        public static RuleExpr operator >(RuleExpr a, RuleExpr b) => Compare(Op.Greater, a, b);

        public static RuleExpr operator <(RuleExpr a, RuleExpr b) => Compare(Op.Less, a, b);

        public static RuleExpr operator >(RuleExpr a, double b) => a > Literal(b, a.Type);

        public static RuleExpr operator <(RuleExpr a, double b) => a < Literal(b, a.Type);
    }

    /// <summary>Functions for writing rules: <c>Cos(a)</c>, <c>Select(a &gt;= 0, d, -d)</c>.</summary>
    internal static class RuleFunctions
    {
        public static RuleExpr Call(Op op, params RuleExpr[] args)
        {
            var exprs = new Expr[args.Length];
            for (int i = 0; i < args.Length; i++)
            {
                exprs[i] = args[i].Expr;
            }

            return new RuleExpr(new Apply(op, args[0].Type, new EquatableArray<Expr>(exprs)));
        }

        public static RuleExpr Sin(RuleExpr a) => Call(Op.Sin, a);

        public static RuleExpr Cos(RuleExpr a) => Call(Op.Cos, a);

        public static RuleExpr Sinh(RuleExpr a) => Call(Op.Sinh, a);

        public static RuleExpr Cosh(RuleExpr a) => Call(Op.Cosh, a);

        public static RuleExpr Log(RuleExpr a) => Call(Op.Log, a);

        public static RuleExpr Sqrt(RuleExpr a) => Call(Op.Sqrt, a);

        /// <summary>The literal 0 of <paramref name="like"/>'s type: the pullback of a piecewise-constant function (the reverse sweep adds nothing for it).</summary>
        public static RuleExpr Zero(RuleExpr like) => RuleExpr.Literal(0, like.Type);

        public static RuleExpr Pow(RuleExpr a, RuleExpr b) => Call(Op.Pow, a, b);

        /// <summary>A value the forward pass computes (and records) for the reverse pass: see <see cref="ForwardValue"/>.</summary>
        public static RuleExpr Forward(RuleExpr value) => new(new ForwardValue(value.Expr));

        /// <summary><c>condition ? whenTrue : whenFalse</c>.</summary>
        public static RuleExpr Select(RuleExpr condition, RuleExpr whenTrue, RuleExpr whenFalse) =>
            new(new Conditional(condition.Expr, whenTrue.Expr, whenFalse.Expr));

        /// <summary><c>condition ? whenTrue : 0</c>.</summary>
        public static RuleExpr Select(RuleExpr condition, RuleExpr whenTrue, double whenFalse) =>
            Select(condition, whenTrue, RuleExpr.Literal(whenFalse, whenTrue.Type));

        /// <summary><c>condition ? 0 : whenFalse</c>.</summary>
        public static RuleExpr Select(RuleExpr condition, double whenTrue, RuleExpr whenFalse) =>
            Select(condition, RuleExpr.Literal(whenTrue, whenFalse.Type), whenFalse);
    }
}
