using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// Prints IR expressions and statements as C#, with the fewest parentheses that keep the tree's meaning
    /// (floating-point arithmetic is not associative, so <c>a + (b + c)</c> keeps its parentheses). Span roles
    /// are printed with the names the current member binds them to. Numbers use the invariant culture and a
    /// form that reads back to the same value.
    /// </summary>
    internal sealed class CSharpPrinter
    {
        private const int ConditionalLevel = 3;
        private const int EqualityLevel = 9;
        private const int RelationalLevel = 10;
        private const int AdditiveLevel = 12;
        private const int MultiplicativeLevel = 13;
        private const int UnaryLevel = 14;
        private const int PrimaryLevel = 16;

        private readonly IReadOnlyDictionary<SpanRole, string> spans;

        public CSharpPrinter(IReadOnlyDictionary<SpanRole, string> spans) => this.spans = spans;

        /// <summary>Writes <paramref name="statement"/> (blocks for loops and branches) to <paramref name="code"/>.</summary>
        public void Write(CodeWriter code, Stmt statement)
        {
            switch (statement)
            {
                case For loop:
                {
                    string index = Identifier(loop.Index);
                    code.Open(loop.Descending
                        ? "for (int " + index + " = " + Operand(loop.To, AdditiveLevel) + " - 1; " + index + " >= " + Operand(loop.From, RelationalLevel + 1) + "; " + index + "--)"
                        : "for (int " + index + " = " + Expression(loop.From) + "; " + index + " < " + Operand(loop.To, RelationalLevel + 1) + "; " + index + "++)");
                    WriteAll(code, loop.Body);
                    code.Close();
                    break;
                }

                case If branch:
                    code.Open("if (" + Expression(branch.Condition) + ")");
                    WriteAll(code, branch.Then);
                    code.Close();
                    if (branch.Else.Count > 0)
                    {
                        code.Open("else");
                        WriteAll(code, branch.Else);
                        code.Close();
                    }

                    break;
                default:
                    code.Line(Statement(statement));
                    break;
            }
        }

        public void WriteAll(CodeWriter code, IEnumerable<Stmt> statements)
        {
            foreach (Stmt statement in statements)
            {
                Write(code, statement);
            }
        }

        /// <summary>A simple (one-line) statement.</summary>
        public string Statement(Stmt statement) => statement switch
        {
            Declare { Value: null } declare => TypeName(declare.Type) + " " + Identifier(declare.Name) + ";",
            Declare declare => TypeName(declare.Type) + " " + Identifier(declare.Name) + " = " + Expression(declare.Value) + ";",
            Restore restore => TypeName(restore.Type) + " " + Identifier(restore.Name) + " = " + Expression(restore.Source) + ";",
            Assign assign => Expression(assign.Target) + " " + AssignOperator(assign.Kind) + " " + Expression(assign.Value) + ";",
            CopySpan copy => Expression(copy.Source) + ".CopyTo(" + Expression(copy.Destination) + ");",
            ClearSpan clear => Expression(clear.Span) + ".Clear();",
            _ => throw new InvalidOperationException("Cannot print the statement " + statement.GetType().Name + "."),
        };

        public string Expression(Expr expr) => Print(expr, out _);

        private static string AssignOperator(AssignKind kind) => kind switch
        {
            AssignKind.Add => "+=",
            AssignKind.Subtract => "-=",
            AssignKind.Multiply => "*=",
            AssignKind.Divide => "/=",
            _ => "=",
        };

        private string Print(Expr expr, out int level)
        {
            switch (expr)
            {
                case Literal literal:
                    string text = FormatLiteral(literal);
                    level = text.StartsWith("-", StringComparison.Ordinal) ? UnaryLevel : PrimaryLevel;
                    return text;
                case Local local:
                    level = PrimaryLevel;
                    return Identifier(local.Name);
                case LayerData data:
                    level = PrimaryLevel;
                    return data.Code;
                case SpanRef span:
                    level = PrimaryLevel;
                    return spans.TryGetValue(span.Role, out string? name)
                        ? name
                        : throw new InvalidOperationException("The span " + span.Role + " is not available here.");
                case Element element:
                    level = PrimaryLevel;
                    return Print(element.Span, out _) + "[" + Expression(element.Index) + "]";
                case Slice slice:
                    level = PrimaryLevel;
                    return Print(slice.Span, out _) + ".Slice(" + Expression(slice.Start) +
                           (slice.Length is null ? string.Empty : ", " + Expression(slice.Length)) + ")";
                case Conditional conditional:
                    level = ConditionalLevel;
                    return Operand(conditional.Condition, ConditionalLevel + 1) + " ? " +
                           Operand(conditional.WhenTrue, ConditionalLevel) + " : " + Operand(conditional.WhenFalse, ConditionalLevel);
                case Apply apply:
                    return PrintApply(apply, out level);
                default:
                    throw new InvalidOperationException("Cannot print the expression " + expr.GetType().Name + ".");
            }
        }

        private string PrintApply(Apply apply, out int level)
        {
            switch (apply.Op)
            {
                case Op.Negate:
                {
                    level = UnaryLevel;
                    string operand = Print(apply.Args[0], out int inner);
                    bool parenthesize = inner < UnaryLevel || operand.StartsWith("-", StringComparison.Ordinal);
                    return "-" + (parenthesize ? "(" + operand + ")" : operand);
                }

                case Op.Convert:
                    level = UnaryLevel;
                    return "(" + TypeName(apply.Type) + ")" + Operand(apply.Args[0], UnaryLevel);
                case Op.Add or Op.Subtract:
                    return Binary(apply, AdditiveLevel, out level);
                case Op.Multiply or Op.Divide or Op.Remainder:
                    return Binary(apply, MultiplicativeLevel, out level);
                case Op.Less or Op.LessOrEqual or Op.Greater or Op.GreaterOrEqual:
                    return Binary(apply, RelationalLevel, out level);
                case Op.Equal or Op.NotEqual:
                    return Binary(apply, EqualityLevel, out level);
            }

            DerivativeRule rule = DerivativeRules.Find(apply.Op) ?? throw new InvalidOperationException("No function for " + apply.Op + ".");
            string math = apply.Type.Scalar == ScalarKind.Single ? "global::System.MathF." : "global::System.Math.";
            var args = new List<string>();
            foreach (Expr arg in apply.Args)
            {
                args.Add(Expression(arg));
            }

            level = PrimaryLevel;
            return math + rule.MethodName + "(" + string.Join(", ", args) + ")";
        }

        private string Binary(Apply apply, int own, out int level)
        {
            level = own;
            string symbol = apply.Op switch
            {
                Op.Add => "+",
                Op.Subtract => "-",
                Op.Multiply => "*",
                Op.Divide => "/",
                Op.Remainder => "%",
                Op.Less => "<",
                Op.LessOrEqual => "<=",
                Op.Greater => ">",
                Op.GreaterOrEqual => ">=",
                Op.Equal => "==",
                _ => "!=",
            };

            // Left-associative: the right operand needs parentheses at the same level.
            return Operand(apply.Args[0], own) + " " + symbol + " " + Operand(apply.Args[1], own + 1);
        }

        private string Operand(Expr expr, int minimumLevel)
        {
            string text = Print(expr, out int level);
            return level < minimumLevel ? "(" + text + ")" : text;
        }

        public static string TypeName(IrType type)
        {
            string scalar = type.Scalar switch
            {
                ScalarKind.Boolean => "bool",
                ScalarKind.Int32 => "int",
                ScalarKind.Single => "float",
                _ => "double",
            };
            return type.Shape switch
            {
                TypeShape.Span => "global::System.Span<" + scalar + ">",
                TypeShape.ReadOnlySpan => "global::System.ReadOnlySpan<" + scalar + ">",
                _ => scalar,
            };
        }

        public static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        /// <summary>A literal in the invariant culture that reads back to the same value (f suffix for float).</summary>
        public static string FormatLiteral(Literal literal)
        {
            double value = literal.Value;
            switch (literal.Type.Scalar)
            {
                case ScalarKind.Boolean:
                    return value != 0 ? "true" : "false";
                case ScalarKind.Int32:
                    return ((long)value).ToString(CultureInfo.InvariantCulture);
                case ScalarKind.Single:
                {
                    float single = (float)value;
                    if (float.IsNaN(single) || float.IsInfinity(single))
                    {
                        return "global::System.Single." + (float.IsNaN(single) ? "NaN" : single > 0 ? "PositiveInfinity" : "NegativeInfinity");
                    }

                    return RoundTrip(single) + "f";
                }

                default:
                {
                    if (double.IsNaN(value) || double.IsInfinity(value))
                    {
                        return "global::System.Double." + (double.IsNaN(value) ? "NaN" : value > 0 ? "PositiveInfinity" : "NegativeInfinity");
                    }

                    string text = RoundTrip(value);
                    return text.IndexOfAny(new[] { '.', 'E' }) >= 0 ? text : text + ".0";
                }
            }
        }

        /// <summary>The shortest of G15, G16, G17 that parses back to the same double (G17 always does).</summary>
        private static string RoundTrip(double value)
        {
            for (int digits = 15; digits < 17; digits++)
            {
                string text = value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                if (BitConverter.DoubleToInt64Bits(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)) == BitConverter.DoubleToInt64Bits(value))
                {
                    return text;
                }
            }

            return value.ToString("G17", CultureInfo.InvariantCulture);
        }

        /// <summary>The shortest of G7, G8, G9 that parses back to the same float (G9 always does).</summary>
        private static string RoundTrip(float value)
        {
            for (int digits = 7; digits < 9; digits++)
            {
                string text = value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                float parsed = float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (BitConverter.ToInt32(BitConverter.GetBytes(parsed), 0) == BitConverter.ToInt32(BitConverter.GetBytes(value), 0))
                {
                    return text;
                }
            }

            return value.ToString("G9", CultureInfo.InvariantCulture);
        }
    }
}
