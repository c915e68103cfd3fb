using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// <c>switch</c> statements and expressions, lowered to if/else and <c>?:</c> (the differentiator sees branches on
    /// conditions, replayed by the reverse pass as any other), and <c>foreach</c> over a span, lowered to a <c>for</c>
    /// loop over its indices. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.
    /// </summary>
    internal sealed partial class BodyParser
    {
        private const string SwitchHint = "switch on an int, a bool or an enum of the type's data, with constant labels (also 'or', '<', '>'), '_' or default";

        /// <summary>A section of a switch statement: its condition (null for default) and its statements without the final break.</summary>
        private sealed class SwitchArm
        {
            public SwitchArm(Expr? condition, List<IOperation> operations)
            {
                Condition = condition;
                Operations = operations;
            }

            public Expr? Condition { get; }

            public List<IOperation> Operations { get; }
        }

        /// <summary>The sections of <paramref name="switchOperation"/>, default last; null when a label is not supported (reported).</summary>
        private List<SwitchArm>? SwitchArms(ISwitchOperation switchOperation)
        {
            var arms = new List<SwitchArm>();
            SwitchArm? fallback = null;
            foreach (ISwitchCaseOperation section in switchOperation.Cases)
            {
                var operations = new List<IOperation>();
                foreach (IOperation operation in section.Body.SelectMany(Flatten))
                {
                    if (operation is IBranchOperation { BranchKind: BranchKind.Break } exit &&
                        SymbolEqualityComparer.Default.Equals(exit.Target, switchOperation.ExitLabel))
                    {
                        break;
                    }

                    operations.Add(operation);
                }

                foreach (IBranchOperation inner in operations.SelectMany(o => o.DescendantsAndSelf()).OfType<IBranchOperation>())
                {
                    if (inner.BranchKind == BranchKind.Break && SymbolEqualityComparer.Default.Equals(inner.Target, switchOperation.ExitLabel))
                    {
                        Report(DiagnosticDescriptors.JumpStatement, inner.Syntax, "A 'break' out of the middle of a switch section");
                        return null;
                    }
                }

                Expr? condition = null;
                bool isDefault = false;
                foreach (ICaseClauseOperation clause in section.Clauses)
                {
                    if (clause is IDefaultCaseClauseOperation || (clause is IPatternCaseClauseOperation { Pattern: IDiscardPatternOperation }))
                    {
                        isDefault = true;
                        continue;
                    }

                    Expr? one = clause switch
                    {
                        ISingleValueCaseClauseOperation single => Equality(switchOperation.Value, single.Value, switchOperation),
                        IPatternCaseClauseOperation { Guard: null } pattern => PatternCondition(pattern.Pattern, switchOperation.Value, switchOperation),
                        _ => Rejected(clause.Syntax),
                    };

                    if (one is null)
                    {
                        return null;
                    }

                    condition = condition is null ? one : new Apply(Op.Or, IrType.Bool, EquatableArray.Of(condition, one));
                }

                if (isDefault)
                {
                    fallback = new SwitchArm(null, operations);
                }
                else
                {
                    arms.Add(new SwitchArm(condition, operations));
                }
            }

            arms.Add(fallback ?? new SwitchArm(null, new List<IOperation>()));
            return arms;

            Expr? Rejected(SyntaxNode node)
            {
                Report(DiagnosticDescriptors.UnsupportedCondition, node, Abbreviate(node), SwitchHint);
                return null;
            }
        }

        /// <summary>A switch statement without jumps out of it: nested if/else, one arm per section.</summary>
        private void SwitchStatement(ISwitchOperation switchOperation, List<Stmt> into)
        {
            List<SwitchArm>? arms = SwitchArms(switchOperation);
            if (arms is null)
            {
                return;
            }

            List<Stmt> Arm(int k)
            {
                var list = new List<Stmt>();
                scopes.Add(new ControlScope(null));
                Sequence(arms[k].Operations, list, topLevel: false);
                scopes.RemoveAt(scopes.Count - 1);
                if (arms[k].Condition is null)
                {
                    return list;
                }

                List<Stmt> otherwise = Arm(k + 1);
                return new List<Stmt> { new If(arms[k].Condition!, EquatableArray.From(list), EquatableArray.From(otherwise)) };
            }

            into.AddRange(Arm(0));
        }

        /// <summary>A switch statement with a return or continue in a section: each arm goes on with <paramref name="rest"/>.</summary>
        private bool JumpingSwitch(ISwitchOperation switchOperation, List<IOperation> rest, List<Stmt> into)
        {
            List<SwitchArm>? arms = SwitchArms(switchOperation);
            if (arms is null)
            {
                return false;
            }

            bool Arm(int k, List<Stmt> list)
            {
                scopes.Add(new ControlScope(null));
                var body = new List<Stmt>();
                bool jumps = JumpingSequence(arms[k].Operations.Concat(rest).ToList(), 0, body);
                scopes.RemoveAt(scopes.Count - 1);
                if (arms[k].Condition is null)
                {
                    list.AddRange(body);
                    return jumps;
                }

                var otherwise = new List<Stmt>();
                bool otherJumps = Arm(k + 1, otherwise);
                list.Add(new If(arms[k].Condition!, EquatableArray.From(body), EquatableArray.From(otherwise)));
                return jumps && otherJumps;
            }

            return Arm(0, into);
        }

        /// <summary><c>subject switch { p1 =&gt; v1, p2 =&gt; v2, _ =&gt; v3 }</c> as <c>p1 ? v1 : p2 ? v2 : v3</c>.</summary>
        private Expr? SwitchExpression(ISwitchExpressionOperation switchExpression, IrType resultType, int depth)
        {
            if (switchExpression.Arms.Length == 0)
            {
                Unsupported(switchExpression, "An empty switch expression", SwitchHint);
                return null;
            }

            Expr? Arm(int k)
            {
                ISwitchExpressionArmOperation arm = switchExpression.Arms[k];
                Expr? value = Expression(arm.Value, depth + 1);
                if (value is null)
                {
                    return null;
                }

                value = ConvertTo(value, resultType);
                if (k == switchExpression.Arms.Length - 1 || arm.Pattern is IDiscardPatternOperation)
                {
                    // The last arm (or a discard) takes every value the ones before it did not.
                    return value;
                }

                if (arm.Guard is not null)
                {
                    Unsupported(arm.Guard, "A 'when' clause", SwitchHint);
                    return null;
                }

                Expr? condition = PatternCondition(arm.Pattern, switchExpression.Value, switchExpression);
                Expr? otherwise = condition is null ? null : Arm(k + 1);
                if (condition is null || otherwise is null)
                {
                    return null;
                }

                if (resultType == IrType.Int && DependsOnValues(condition))
                {
                    Unsupported(switchExpression, "An index chosen by a condition on float or double values ('" + Abbreviate(switchExpression.Syntax) + "')",
                        "indices must not depend on w or x; compute them from constants, sizes and loop indices");
                    return null;
                }

                return new Conditional(condition, value, otherwise);
            }

            return Arm(0);
        }

        /// <summary>The condition a pattern puts on <paramref name="subject"/>: constants, relational patterns, <c>or</c>, <c>and</c>, <c>not</c>.</summary>
        private Expr? PatternCondition(IPatternOperation pattern, IOperation subject, IOperation site)
        {
            switch (pattern)
            {
                case IConstantPatternOperation constant:
                    return Equality(subject, constant.Value, site);
                case IRelationalPatternOperation relational when ComparisonOp(relational.OperatorKind) is { } compare && !IsEnum(subject):
                {
                    Expr? left = subject.Type?.SpecialType == SpecialType.System_Boolean ? null : Expression(subject, 1);
                    Expr? right = left is null ? null : Expression(relational.Value, 1);
                    return left is null || right is null ? null : new Apply(compare, IrType.Bool, EquatableArray.Of(left, right));
                }

                case IBinaryPatternOperation binary:
                {
                    Expr? left = PatternCondition(binary.LeftPattern, subject, site);
                    Expr? right = left is null ? null : PatternCondition(binary.RightPattern, subject, site);
                    return left is null || right is null
                        ? null
                        : new Apply(binary.OperatorKind == BinaryOperatorKind.Or ? Op.Or : Op.And, IrType.Bool, EquatableArray.Of(left, right));
                }

                case INegatedPatternOperation negated:
                {
                    Expr? inner = PatternCondition(negated.Pattern, subject, site);
                    return inner is null ? null : new Apply(Op.Not, IrType.Bool, EquatableArray.Of(inner));
                }

                default:
                    Report(DiagnosticDescriptors.UnsupportedCondition, pattern.Syntax, Abbreviate(pattern.Syntax), SwitchHint);
                    return null;
            }
        }

        /// <summary><c>subject == label</c> for an int, bool or enum subject.</summary>
        private Expr? Equality(IOperation subject, IOperation label, IOperation site)
        {
            if (IsEnum(subject) || IsEnum(label))
            {
                Expr? left = EnumData(subject, site);
                Expr? right = left is null ? null : EnumData(label, site);
                return left is null || right is null ? null : new Apply(Op.Equal, IrType.Bool, EquatableArray.Of(left, right));
            }

            if (subject.Type?.SpecialType == SpecialType.System_Boolean && label.ConstantValue.HasValue && label.ConstantValue.Value is bool value)
            {
                Expr? condition = Condition(subject);
                return condition is null || value ? condition : new Apply(Op.Not, IrType.Bool, EquatableArray.Of(condition));
            }

            if (NumericType(subject.Type) is null || NumericType(label.Type) is null)
            {
                Report(DiagnosticDescriptors.UnsupportedCondition, site.Syntax, Abbreviate(site.Syntax), SwitchHint);
                return null;
            }

            Expr? subjectValue = Expression(subject, 1);
            Expr? labelValue = subjectValue is null ? null : Expression(label, 1);
            return subjectValue is null || labelValue is null ? null : new Apply(Op.Equal, IrType.Bool, EquatableArray.Of(subjectValue, labelValue));
        }

        /// <summary>
        /// <c>foreach (var v in s) body</c> over a span the parser resolves to a range of w, x or y:
        /// <c>for (int v_index = 0; v_index &lt; length; v_index++) { var v = span[start + v_index]; body }</c>.
        /// </summary>
        private void ForEachLoop(IForEachLoopOperation loop, List<Stmt> into)
        {
            IOperation collection = loop.Collection;
            while (collection is IConversionOperation conversion)
            {
                collection = conversion.Operand;
            }

            (Expr Span, Expr Start, Expr Length)? range = SpanRange(collection) ?? ViewRange(collection, into);
            if (range is null || loop.Locals.Length != 1 || loop.LoopControlVariable is not IVariableDeclaratorOperation { Symbol: var variable } ||
                RealType(variable.Type) is not { } variableType)
            {
                Report(DiagnosticDescriptors.UnsupportedLoop, LoopKeyword(loop.Syntax), "A 'foreach' loop over '" + Abbreviate(collection.Syntax) + "'");
                return;
            }

            if (CarriedInIndex(range.Value.Length, collection))
            {
                // A view whose length is a count's: the tape needs the trip count before the loop runs.
                return;
            }

            string index = FlagName(variable.Name + "_index");
            scopes.Add(new ControlScope(variable));
            declaredAtScope[variable] = scopes.Count;
            Expr position = range.Value.Start is Literal { Value: 0 }
                ? new Local(index, IrType.Int)
                : new Apply(Op.Add, IrType.Int, EquatableArray.Of(range.Value.Start, new Local(index, IrType.Int)));
            Expr read = ConvertTo(new Element(range.Value.Span, position, IrType.ScalarOf(element)), variableType);
            var body = new List<Stmt> { new Declare(variableType, NameOf(variable), read) };
            body.AddRange(LoopBody(loop, into));
            scopes.RemoveAt(scopes.Count - 1);
            into.Add(new For(index, new Literal(IrType.Int, 0), range.Value.Length, new Literal(IrType.Int, 1), false, EquatableArray.From(body)));
        }

        /// <summary>A span expression as a range of w or x: (the span, its first index, its length); null when it is none.</summary>
        private (Expr Span, Expr Start, Expr Length)? SpanRange(IOperation span)
        {
            if (span is IParameterReferenceOperation { Parameter: var parameter } && SpanRoleOf(parameter) is { } role && role != SpanRole.Y)
            {
                return (new SpanRef(role, IrType.SpanOf(element, readOnly: true)), new Literal(IrType.Int, 0), new SpanLength(role));
            }

            return null;
        }
    }
}
