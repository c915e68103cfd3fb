using System;
using System.Text;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// The expression half of the printer: every expression is written into one <see cref="StringBuilder"/>, its operands
    /// in place, with the precedence level of an operand read off its node before it is written (no string per operand).
    /// </summary>
    internal sealed partial class CSharpPrinter
    {
        /// <summary>
        /// The precedence level of <paramref name="expr"/> as printed (a literal printed with a leading minus is a unary
        /// expression).
        /// </summary>
        private static int LevelOf(Expr expr) => expr switch
        {
            Literal literal => FormatLiteral(literal).StartsWith("-", StringComparison.Ordinal) ? UnaryLevel : PrimaryLevel,
            CursorStep step => step.Push ? PrimaryLevel : UnaryLevel,
            Conditional => ConditionalLevel,
            Apply apply => apply.Op switch
            {
                Op.Negate or Op.Not or Op.Convert => UnaryLevel,
                Op.And => AndLevel,
                Op.Or => OrLevel,
                Op.Add or Op.Subtract => AdditiveLevel,
                Op.Multiply or Op.Divide or Op.Remainder => MultiplicativeLevel,
                Op.Less or Op.LessOrEqual or Op.Greater or Op.GreaterOrEqual => RelationalLevel,
                Op.Equal or Op.NotEqual => EqualityLevel,
                _ => PrimaryLevel,
            },
            _ => PrimaryLevel,
        };

        private void Append(StringBuilder text, Expr expr)
        {
            switch (expr)
            {
                case Literal literal:
                    text.Append(FormatLiteral(literal));
                    return;
                case Local local:
                    text.Append(Identifier(local.Name));
                    return;
                case LayerData data:
                    text.Append(data.Code);
                    return;
                case SpanRef span:
                    text.Append(spans.TryGetValue(span.Role, out string? name)
                        ? name
                        : throw new InvalidOperationException("The span " + span.Role + " is not available here."));
                    return;
                case Element element:
                    Append(text, element.Span);
                    text.Append('[');
                    Append(text, element.Index);
                    text.Append(']');
                    return;
                case Slice slice:
                    Append(text, slice.Span);
                    text.Append(".Slice(");
                    Append(text, slice.Start);
                    if (slice.Length is not null)
                    {
                        text.Append(", ");
                        Append(text, slice.Length);
                    }

                    text.Append(')');
                    return;
                case SpanLength length:
                    if (lengths is not null && lengths.TryGetValue(length.Role, out string? size))
                    {
                        // A number, a local or a member access: always a primary expression.
                        text.Append(size);
                        return;
                    }

                    text.Append(spans.TryGetValue(length.Role, out string? spanName)
                        ? spanName
                        : throw new InvalidOperationException("The span " + length.Role + " is not available here.")).Append(".Length");
                    return;
                case Call call:
                    text.Append(call.Method).Append('(');
                    AppendArguments(text, call.Args);
                    text.Append(')');
                    return;
                case OpsCall opsCall:
                    AppendOpsMethod(text, opsCall.Method, opsCall.Type);
                    text.Append('(');
                    AppendArguments(text, opsCall.Args);
                    text.Append(')');
                    return;
                case NewSpan newSpan:
                    text.Append("new ").Append(TypeName(newSpan.Type.Element)).Append('[');
                    Append(text, newSpan.Length);
                    text.Append(']');
                    return;
                case CursorStep step:
                    if (step.Push)
                    {
                        text.Append(Identifier(step.Cursor)).Append("++");
                    }
                    else
                    {
                        text.Append("--").Append(Identifier(step.Cursor));
                    }

                    return;
                case Conditional conditional:
                    AppendOperand(text, conditional.Condition, ConditionalLevel + 1);
                    text.Append(" ? ");
                    AppendOperand(text, conditional.WhenTrue, ConditionalLevel);
                    text.Append(" : ");
                    AppendOperand(text, conditional.WhenFalse, ConditionalLevel);
                    return;
                case Apply apply:
                    AppendApply(text, apply);
                    return;
                default:
                    throw new InvalidOperationException("Cannot print the expression " + expr.GetType().Name + ".");
            }
        }

        private void AppendApply(StringBuilder text, Apply apply)
        {
            switch (apply.Op)
            {
                case Op.Negate:
                {
                    // An operand that prints with its own leading minus (a negative literal, a pop --tp, a negation)
                    // is parenthesized: -(-a), never --a.
                    text.Append('-');
                    int start = text.Length;
                    bool parenthesize = LevelOf(apply.Args[0]) < UnaryLevel;
                    AppendOperand(text, apply.Args[0], UnaryLevel);
                    if (!parenthesize && text.Length > start && text[start] == '-')
                    {
                        text.Insert(start, '(').Append(')');
                    }

                    return;
                }

                case Op.Not:
                    text.Append('!');
                    AppendOperand(text, apply.Args[0], UnaryLevel);
                    return;
                case Op.And:
                    AppendBinary(text, apply, AndLevel);
                    return;
                case Op.Or:
                    AppendBinary(text, apply, OrLevel);
                    return;
                case Op.Convert:
                    text.Append('(').Append(TypeName(apply.Type)).Append(')');
                    AppendOperand(text, apply.Args[0], UnaryLevel);
                    return;
                case Op.Add or Op.Subtract:
                    AppendBinary(text, apply, AdditiveLevel);
                    return;
                case Op.Multiply or Op.Divide or Op.Remainder:
                    AppendBinary(text, apply, MultiplicativeLevel);
                    return;
                case Op.Less or Op.LessOrEqual or Op.Greater or Op.GreaterOrEqual:
                    AppendBinary(text, apply, RelationalLevel);
                    return;
                case Op.Equal or Op.NotEqual:
                    AppendBinary(text, apply, EqualityLevel);
                    return;
            }

            if (rules is null)
            {
                throw new InvalidOperationException("No rule table to name the function of " + apply.Op + ".");
            }

            DerivativeRule rule = rules.Find(apply.Op) ?? throw new InvalidOperationException("No function for " + apply.Op + ".");
            text.Append(rule.PrintedName(apply.Type)).Append('(');
            AppendArguments(text, apply.Args);
            text.Append(')');
        }

        private void AppendBinary(StringBuilder text, Apply apply, int own)
        {
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
            AppendOperand(text, apply.Args[0], own);
            text.Append(' ').Append(symbol).Append(' ');
            AppendOperand(text, apply.Args[1], own + 1);
        }

        private void AppendOperand(StringBuilder text, Expr expr, int minimumLevel)
        {
            bool parenthesize = LevelOf(expr) < minimumLevel;
            text.Append(parenthesize ? "(" : string.Empty);
            Append(text, expr);
            text.Append(parenthesize ? ")" : string.Empty);
        }
    }
}
