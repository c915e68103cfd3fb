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
        private const int OrLevel = 4;
        private const int AndLevel = 5;
        private const int EqualityLevel = 9;
        private const int RelationalLevel = 10;
        private const int AdditiveLevel = 12;
        private const int MultiplicativeLevel = 13;
        private const int UnaryLevel = 14;
        private const int PrimaryLevel = 16;

        private readonly IReadOnlyDictionary<SpanRole, string> spans;
        private readonly IReadOnlyDictionary<SpanRole, string>? lengths;
        private readonly RuleTable? rules;

        /// <param name="spans">The name each span role has in the member being written.</param>
        /// <param name="lengths">How the member writes <see cref="SpanLength"/> of a role (a size); by default <c>span.Length</c>.</param>
        /// <param name="rules">
        /// The rule table the generator runs with: a Math function is printed by the name its row carries. Without it
        /// the printer prints no Math call (enough for words about spans and int arithmetic).
        /// </param>
        public CSharpPrinter(IReadOnlyDictionary<SpanRole, string> spans, IReadOnlyDictionary<SpanRole, string>? lengths = null, RuleTable? rules = null)
        {
            this.spans = spans;
            this.lengths = lengths;
            this.rules = rules;
        }

        /// <summary>A printer that words spans by the user's names of w, x and y, for comments that quote the user's calls.</summary>
        private CSharpPrinter UserNames(IReadOnlyList<string> names) =>
            new(new Dictionary<SpanRole, string> { [SpanRole.W] = names[0], [SpanRole.X] = names[1], [SpanRole.Y] = names[2] }, rules: rules);

        /// <summary>Writes <paramref name="statement"/> (blocks for loops and branches) to <paramref name="code"/>.</summary>
        public void Write(CodeWriter code, Stmt statement)
        {
            switch (statement)
            {
                case For loop:
                {
                    code.Open(ForHeader(loop));
                    WriteAll(code, loop.Body);
                    code.Close();
                    break;
                }

                case Block block:
                    code.OpenBlock();
                    WriteAll(code, block.Body);
                    code.Close();
                    break;

                case If { Then.Count: 0, Else.Count: > 0 } branch:
                    code.Open("if (!" + Operand(branch.Condition, UnaryLevel) + ")");
                    WriteAll(code, branch.Else);
                    code.Close();
                    break;
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
                case RentSpan rent:
                {
                    string element = TypeName(rent.Element);
                    string length = Expression(rent.Length);
                    code.Line(element + "[] " + Identifier(rent.Array) + " = global::System.Buffers.ArrayPool<" + element + ">.Shared.Rent(" + length + ");");
                    code.Line("global::System.Span<" + element + "> " + Identifier(rent.Name) + " = new global::System.Span<" + element + ">(" +
                              Identifier(rent.Array) + ", 0, " + length + ");");
                    break;
                }

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
            Assign { Target: Local target, Kind: AssignKind.Assign, Value: Apply { Op: Op.Add or Op.Subtract or Op.Multiply or Op.Divide, Args: var args } compound } assign
                when args[0].Equals(target) && compound.Type == target.Type =>
                Expression(assign.Target) + " " + AssignOperator(compound.Op switch
                {
                    Op.Add => AssignKind.Add,
                    Op.Subtract => AssignKind.Subtract,
                    Op.Multiply => AssignKind.Multiply,
                    _ => AssignKind.Divide,
                }) + " " + Expression(args[1]) + ";",
            Assign assign => Expression(assign.Target) + " " + AssignOperator(assign.Kind) + " " + Expression(assign.Value) + ";",
            Return ret => "return " + Expression(ret.Value) + ";",
            CallPullback call => call.Method + "(" + string.Join(", ", ArgumentsOf(call)) + ");",
            SinCos sinCos => "(" + TypeName(sinCos.Type) + " " + Identifier(sinCos.SinName) + ", " + TypeName(sinCos.Type) + " " + Identifier(sinCos.CosName) + ") = " +
                             MathClass(sinCos.Type) + "SinCos(" + Expression(sinCos.Argument) + ");",
            CopySpan copy => Expression(copy.Source) + ".CopyTo(" + Expression(copy.Destination) + ");",
            ClearSpan clear => Expression(clear.Span) + ".Clear();",
            TensorCall call => OpsMethod(call.Method, call.Element) + "(" + string.Join(", ", Arguments(call.Args)) + ");",
            ReturnSpan ret => "global::System.Buffers.ArrayPool<" + TypeName(ret.Element) + ">.Shared.Return(" + Identifier(ret.Array) + ");",
            Comment comment => "// " + comment.Text,
            CallComment call => "// " + call.Method + "(" + string.Join(", ", call.Arguments.Select(UserNames(call.SpanNames).Expression)) + ")",
            _ => throw new InvalidOperationException("Cannot print the statement " + statement.GetType().Name + "."),
        };

        public string Expression(Expr expr) => Print(expr, out _);

        private IEnumerable<string> ArgumentsOf(CallPullback call)
        {
            foreach (Expr arg in call.Args)
            {
                yield return Expression(arg);
            }

            foreach (string output in call.Outs)
            {
                yield return "out " + TypeName(call.Type) + " " + Identifier(output);
            }
        }

        private IEnumerable<string> Arguments(IEnumerable<Expr> args)
        {
            foreach (Expr arg in args)
            {
                yield return Expression(arg);
            }
        }

        /// <summary><c>global::MoreauGen.Ops.Name&lt;T&gt;</c>, with the element type spelled out (spans of different kinds do not infer it).</summary>
        private static string OpsMethod(string name, IrType element) => "global::MoreauGen.Ops." + name + "<" + TypeName(element.Element) + ">";

        private static string MathClass(IrType type) => type.Scalar == ScalarKind.Single ? "global::System.MathF." : "global::System.Math.";

        /// <summary>
        /// The header of a loop. Descending, it visits the same indices as the ascending loop, from the last one
        /// down: <c>To - 1</c> for a step of 1, else <c>From + ((To - From + Step - 1) / Step - 1) * Step</c>.
        /// </summary>
        private string ForHeader(For loop)
        {
            string index = Identifier(loop.Index);
            bool unit = loop.Step is Literal { Value: 1 };
            if (!loop.Descending)
            {
                return "for (int " + index + " = " + Expression(loop.From) + "; " + index + " < " + Operand(loop.To, RelationalLevel + 1) + "; " +
                       (unit ? index + "++" : index + " += " + Expression(loop.Step)) + ")";
            }

            if (unit && loop.To is Apply { Op: Op.Add, Args: var plus } && plus[1] is Literal { Value: 1 })
            {
                return "for (int " + index + " = " + Expression(plus[0]) + "; " + index + " >= " + Operand(loop.From, RelationalLevel + 1) + "; " + index + "--)";
            }

            if (unit && loop.To is Literal bound)
            {
                return "for (int " + index + " = " + Expression(new Literal(IrType.Int, bound.Value - 1)) + "; " + index + " >= " + Operand(loop.From, RelationalLevel + 1) + "; " + index + "--)";
            }

            if (unit)
            {
                return "for (int " + index + " = " + Operand(loop.To, AdditiveLevel) + " - 1; " + index + " >= " + Operand(loop.From, RelationalLevel + 1) + "; " + index + "--)";
            }

            Expr span = Binary(Op.Subtract, loop.To, loop.From);
            Expr count = Binary(Op.Divide, Binary(Op.Add, span, Binary(Op.Subtract, loop.Step, new Literal(IrType.Int, 1))), loop.Step);
            Expr last = Binary(Op.Add, loop.From, Binary(Op.Multiply, Binary(Op.Subtract, count, new Literal(IrType.Int, 1)), loop.Step));
            return "for (int " + index + " = " + Expression(last) + "; " + index + " >= " + Operand(loop.From, RelationalLevel + 1) + "; " +
                   index + " -= " + Expression(loop.Step) + ")";
        }

        private static Expr Binary(Op op, Expr a, Expr b)
        {
            if (op is Op.Add or Op.Subtract && b is Literal { Value: 0 })
            {
                return a;
            }

            if (op == Op.Add && a is Literal { Value: 0 })
            {
                return b;
            }

            if (a is Literal x && b is Literal y)
            {
                double value = op switch
                {
                    Op.Add => x.Value + y.Value,
                    Op.Subtract => x.Value - y.Value,
                    Op.Multiply => x.Value * y.Value,
                    _ => y.Value == 0 ? double.NaN : Math.Truncate(x.Value / y.Value),
                };
                if (!double.IsNaN(value))
                {
                    return new Literal(IrType.Int, value);
                }
            }

            return new Apply(op, IrType.Int, EquatableArray.Of(a, b));
        }

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
                case SpanLength length:
                    level = PrimaryLevel;
                    if (lengths is not null && lengths.TryGetValue(length.Role, out string? size))
                    {
                        // A number, a local or a member access: always a primary expression.
                        return size;
                    }

                    return (spans.TryGetValue(length.Role, out string? spanName)
                        ? spanName
                        : throw new InvalidOperationException("The span " + length.Role + " is not available here.")) + ".Length";
                case Call call:
                {
                    level = PrimaryLevel;
                    var args = new List<string>();
                    foreach (Expr arg in call.Args)
                    {
                        args.Add(Expression(arg));
                    }

                    return call.Method + "(" + string.Join(", ", args) + ")";
                }

                case OpsCall opsCall:
                    level = PrimaryLevel;
                    return OpsMethod(opsCall.Method, opsCall.Type) + "(" + string.Join(", ", Arguments(opsCall.Args)) + ")";
                case NewSpan newSpan:
                    level = PrimaryLevel;
                    return "new " + TypeName(newSpan.Type.Element) + "[" + Expression(newSpan.Length) + "]";
                case CursorStep step:
                    level = step.Push ? PrimaryLevel : UnaryLevel;
                    return step.Push ? Identifier(step.Cursor) + "++" : "--" + Identifier(step.Cursor);
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

                case Op.Not:
                    level = UnaryLevel;
                    return "!" + Operand(apply.Args[0], UnaryLevel);
                case Op.And:
                    return Binary(apply, AndLevel, out level);
                case Op.Or:
                    return Binary(apply, OrLevel, out level);
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

            if (rules is null)
            {
                throw new InvalidOperationException("No rule table to name the function of " + apply.Op + ".");
            }

            DerivativeRule rule = rules.Find(apply.Op) ?? throw new InvalidOperationException("No function for " + apply.Op + ".");
            var args = new List<string>();
            foreach (Expr arg in apply.Args)
            {
                args.Add(Expression(arg));
            }

            level = PrimaryLevel;
            return rule.PrintedName(apply.Type) + "(" + string.Join(", ", args) + ")";
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
                Op.And => "&&",
                Op.Or => "||",
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
