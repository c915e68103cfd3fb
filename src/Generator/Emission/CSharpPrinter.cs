using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
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
    internal sealed partial class CSharpPrinter
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

                case GrowTape grow:
                    WriteGrowTape(code, grow);
                    break;

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
                    AppendStatement(code.BeginLine(), statement);
                    code.EndLine();
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
        public string Statement(Stmt statement)
        {
            StringBuilder text = Buffer;
            int start = text.Length;
            AppendStatement(text, statement);
            return Take(text, start);
        }

        public string Expression(Expr expr)
        {
            StringBuilder text = Buffer;
            int start = text.Length;
            Append(text, expr);
            return Take(text, start);
        }

        /// <summary>
        /// One builder per thread that every printer writes its expressions into (the text of an expression and of its
        /// operands is written once, not concatenated per operand). A caller takes back only what it appended, so a
        /// nested use (a comment quoting a call) leaves the outer text in place.
        /// </summary>
        private static StringBuilder Buffer => buffer ??= new StringBuilder(256);

        [ThreadStatic]
        private static StringBuilder? buffer;

        private static string Take(StringBuilder text, int start)
        {
            string result = text.ToString(start, text.Length - start);
            text.Length = start;
            return result;
        }

        private void AppendStatement(StringBuilder text, Stmt statement)
        {
            switch (statement)
            {
                case Declare declare:
                    text.Append(TypeName(declare.Type)).Append(' ').Append(Identifier(declare.Name));
                    if (declare.Value is not null)
                    {
                        text.Append(" = ");
                        Append(text, declare.Value);
                    }

                    text.Append(';');
                    break;
                case Restore restore:
                    text.Append(TypeName(restore.Type)).Append(' ').Append(Identifier(restore.Name)).Append(" = ");
                    Append(text, restore.Source);
                    text.Append(';');
                    break;
                case Assign { Target: Local target, Kind: AssignKind.Assign, Value: Apply { Op: Op.Add or Op.Subtract or Op.Multiply or Op.Divide, Args: var args } compound } assign
                    when args[0].Equals(target) && compound.Type == target.Type:
                    Append(text, assign.Target);
                    text.Append(' ').Append(AssignOperator(compound.Op switch
                    {
                        Op.Add => AssignKind.Add,
                        Op.Subtract => AssignKind.Subtract,
                        Op.Multiply => AssignKind.Multiply,
                        _ => AssignKind.Divide,
                    })).Append(' ');
                    Append(text, args[1]);
                    text.Append(';');
                    break;
                case Assign assign:
                    Append(text, assign.Target);
                    text.Append(' ').Append(AssignOperator(assign.Kind)).Append(' ');
                    Append(text, assign.Value);
                    text.Append(';');
                    break;
                case Return ret:
                    text.Append("return ");
                    Append(text, ret.Value);
                    text.Append(';');
                    break;
                case CallPullback call:
                {
                    text.Append(call.Method).Append('(');
                    AppendArguments(text, call.Args);
                    for (int i = 0; i < call.Outs.Count; i++)
                    {
                        text.Append(call.Args.Count > 0 || i > 0 ? ", out " : "out ").Append(TypeName(call.Type)).Append(' ').Append(Identifier(call.Outs[i]));
                    }

                    text.Append(");");
                    break;
                }

                case SinCos sinCos:
                    text.Append('(').Append(TypeName(sinCos.Type)).Append(' ').Append(Identifier(sinCos.SinName)).Append(", ")
                        .Append(TypeName(sinCos.Type)).Append(' ').Append(Identifier(sinCos.CosName)).Append(") = ")
                        .Append(MathClass(sinCos.Type)).Append("SinCos(");
                    Append(text, sinCos.Argument);
                    text.Append(");");
                    break;
                case CopySpan copy:
                    Append(text, copy.Source);
                    text.Append(".CopyTo(");
                    Append(text, copy.Destination);
                    text.Append(");");
                    break;
                case ClearSpan clear:
                    Append(text, clear.Span);
                    text.Append(".Clear();");
                    break;
                case TensorCall call:
                    AppendOpsMethod(text, call.Method, call.Element);
                    text.Append('(');
                    AppendArguments(text, call.Args);
                    text.Append(");");
                    break;
                case ReturnSpan ret:
                    text.Append("global::System.Buffers.ArrayPool<").Append(TypeName(ret.Element)).Append(">.Shared.Return(").Append(Identifier(ret.Array)).Append(");");
                    break;
                case Comment comment:
                    text.Append("// ").Append(comment.Text);
                    break;
                case CallComment call:
                {
                    CSharpPrinter user = UserNames(call.SpanNames);
                    text.Append("// ").Append(call.Method).Append('(');
                    user.AppendArguments(text, call.Arguments);
                    text.Append(')');
                    break;
                }

                default:
                    throw new InvalidOperationException("Cannot print the statement " + statement.GetType().Name + ".");
            }
        }

        /// <summary>Expressions separated by commas.</summary>
        private void AppendArguments<TList>(StringBuilder text, TList args)
            where TList : IReadOnlyList<Expr>
        {
            for (int i = 0; i < args.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(", ");
                }

                Append(text, args[i]);
            }
        }

        /// <summary><c>global::MoreauGen.Ops.Name&lt;T&gt;</c>, with the element type spelled out (spans of different kinds do not infer it).</summary>
        private static void AppendOpsMethod(StringBuilder text, string name, IrType element) =>
            text.Append("global::MoreauGen.Ops.").Append(name).Append('<').Append(TypeName(element.Element)).Append('>');

        private static string MathClass(IrType type) => type.Scalar == ScalarKind.Single ? "global::System.MathF." : "global::System.Math.";

        /// <summary>
        /// The header of a loop. Descending, it visits the same indices as the ascending loop, from the last one
        /// down: <c>To - 1</c> for a step of 1, else <c>From + ((To - From + Step - 1) / Step - 1) * Step</c>.
        /// </summary>
        private string ForHeader(For loop)
        {
            string index = Identifier(loop.Index);
            bool unit = loop.Step is Literal { Value: 1 };
            if (!loop.Descending && loop.Continue is not null)
            {
                return "for (int " + index + " = " + Expression(loop.From) + "; " + Expression(loop.Continue) + "; " + index + "++)";
            }

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

        private string Operand(Expr expr, int minimumLevel)
        {
            StringBuilder text = Buffer;
            int start = text.Length;
            AppendOperand(text, expr, minimumLevel);
            return Take(text, start);
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
            CouldBeKeyword(name) && SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        /// <summary>
        /// False for a name no C# keyword can be: every keyword is 2 to 10 lower-case letters and underscores
        /// (<c>__arglist</c>, <c>stackalloc</c>), so the versioned names (<c>a_3</c>, <c>t16</c>) that most of a large body's
        /// identifiers are skip the keyword table, which showed in the printer's time.
        /// </summary>
        private static bool CouldBeKeyword(string name)
        {
            if (name.Length < 2 || name.Length > 10)
            {
                return false;
            }

            foreach (char c in name)
            {
                if (c is not (>= 'a' and <= 'z' or '_'))
                {
                    return false;
                }
            }

            return true;
        }

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
