using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>Statements: declarations, assignments, stores to y, returns and calls. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.</summary>
    internal sealed partial class BodyParser
    {
        private void Sequence(IEnumerable<IOperation> operations, List<Stmt> into, bool topLevel)
        {
            IOperation[] list = operations.ToArray();
            for (int i = 0; i < list.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Statement(list[i], into, topLevel && i == list.Length - 1);
            }
        }

        /// <summary>
        /// The body of an objective or helper: statements ending with <c>return e;</c>. A <c>return</c> elsewhere (in an
        /// arm of an <c>if</c>, inside a loop) is made structured by <see cref="JumpingSequence"/>; the returned values
        /// then go to a local and the body ends with one <see cref="Return"/> of it.
        /// </summary>
        private void ReturningBody(IBlockOperation block, List<Stmt> into)
        {
            List<IOperation> operations = Flatten(block).ToList();
            bool plain = operations.Count > 0 && operations[operations.Count - 1] is IReturnOperation { ReturnedValue: not null } &&
                         !operations.Take(operations.Count - 1).Any(ContainsReturn);
            if (plain)
            {
                Sequence(operations.Take(operations.Count - 1), into, topLevel: false);
                var last = (IReturnOperation)operations[operations.Count - 1];
                Expr? value = WithHoisted(into, () => ReturnValue(last));
                if (value is not null)
                {
                    into.Add(new Return(value));
                }

                return;
            }

            resultLocal = FreshReserved("result");
            into.Add(new Declare(IrType.ScalarOf(element), resultLocal, null));
            JumpingSequence(operations, 0, into);
            into.Add(new Return(new Local(resultLocal, IrType.ScalarOf(element))));
        }

        private Expr? ReturnValue(IReturnOperation ret)
        {
            Expr? value = Expression(ret.ReturnedValue!, 0);
            return value is null ? null : ConvertTo(value, ResultType);
        }

        private string FreshReserved(string preferred)
        {
            string name = preferred;
            for (int k = 2; reserved.Contains(name); k++)
            {
                name = preferred + "_" + k.ToString(CultureInfo.InvariantCulture);
            }

            reserved.Add(name);
            return name;
        }

        private static IEnumerable<IOperation> Flatten(IOperation operation) =>
            operation is IBlockOperation block ? block.Operations.SelectMany(Flatten) : new[] { operation };

        private static bool ContainsReturn(IOperation operation) =>
            operation.DescendantsAndSelf().Any(o => o is IReturnOperation { IsImplicit: false });

        private void ParseStatement(IOperation statement, List<Stmt> into, bool lastTopLevel)
        {
            List<Stmt>? savedTarget = statementTarget;
            statementTarget = into;
            StatementOf(statement, into, lastTopLevel);
            statementTarget = savedTarget;
        }

        private void StatementOf(IOperation statement, List<Stmt> into, bool lastTopLevel)
        {
            // The common statements by kind first: each case below is a test of an interface, and most statements are these.
            if (statement.Kind == OperationKind.ExpressionStatement)
            {
                ExpressionStatement((IExpressionStatementOperation)statement, into);
                return;
            }

            switch (statement)
            {
                case IBlockOperation nested:
                    Sequence(nested.Operations, into, topLevel: false);
                    break;
                case IVariableDeclarationGroupOperation group:
                    foreach (IVariableDeclarationOperation declaration in group.Declarations)
                    {
                        foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                        {
                            LocalDeclaration(declarator, declaration, into);
                        }
                    }

                    break;
                case IExpressionStatementOperation expressionStatement:
                    ExpressionStatement(expressionStatement, into);
                    break;
                case IEmptyOperation:
                    break;
                case IReturnOperation { ReturnedValue: null } ret when kind == BodyKind.Layer && !InControlFlow && (ret.IsImplicit || lastTopLevel):
                    break;
                case IForLoopOperation loop:
                    ForLoop(loop, into);
                    break;
                case IConditionalOperation branch:
                    IfStatement(branch, into);
                    break;
                case IWhileLoopOperation loop:
                    WhileLoop(loop, into);
                    break;
                case IForEachLoopOperation loop:
                    ForEachLoop(loop, into);
                    break;
                case ISwitchOperation switchOperation:
                    SwitchStatement(switchOperation, into);
                    break;
                case ILocalFunctionOperation:
                    ReportStatement(statement);
                    break;
                case IBranchOperation jump:
                    Report(DiagnosticDescriptors.JumpStatement, jump.Syntax, "'" + Abbreviate(jump.Syntax) + "'");
                    break;
                case ILabeledOperation label:
                    Report(DiagnosticDescriptors.JumpStatement, label.Syntax, "A label");
                    break;
                case IReturnOperation ret:
                    Report(DiagnosticDescriptors.JumpStatement, ret.Syntax,
                        InLoop ? "A 'return' inside a loop" : kind == BodyKind.Layer ? "A 'return' before the end of the method" : "This 'return'");
                    break;
                default:
                    ReportStatement(statement);
                    break;
            }
        }

        /// <summary>The loop's keyword, where diagnostics about the kind of loop point.</summary>
        private static LocationInfo? LoopKeyword(SyntaxNode loop) => loop switch
        {
            WhileStatementSyntax w => LocationInfo.From(w.WhileKeyword),
            DoStatementSyntax d => LocationInfo.From(d.DoKeyword),
            CommonForEachStatementSyntax f => LocationInfo.From(f.ForEachKeyword),
            ForStatementSyntax f => LocationInfo.From(f.ForKeyword),
            _ => LocationInfo.From(loop),
        };

        /// <summary><c>for (…)</c> without the body, where diagnostics about a loop header point.</summary>
        private static LocationInfo? Header(ForStatementSyntax loop) =>
            LocationInfo.From(Location.Create(loop.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(loop.ForKeyword.SpanStart, loop.CloseParenToken.Span.End)));

        private void ReportStatement(IOperation statement)
        {
            (string what, string hint) = statement.Syntax.Kind() switch
            {
                SyntaxKind.SwitchStatement => ("A 'switch' statement", BranchHint),
                SyntaxKind.LocalFunctionStatement => ("A local function", "write its computation inline, or make it a static [Differentiable] helper"),
                SyntaxKind.TryStatement => ("A 'try' statement", "a generated method cannot handle exceptions; remove it"),
                SyntaxKind.ThrowStatement => ("A 'throw' statement", "validate inputs outside the layer"),
                SyntaxKind.UsingStatement or SyntaxKind.LockStatement or SyntaxKind.FixedStatement or SyntaxKind.UnsafeStatement or
                    SyntaxKind.CheckedStatement or SyntaxKind.UncheckedStatement => ("The statement '" + Abbreviate(statement.Syntax) + "'", "write plain statements"),
                _ => ("The statement '" + Abbreviate(statement.Syntax) + "'",
                    "write declarations of float, double, int or bool locals, assignments, for loops and if/else"),
            };
            Report(DiagnosticDescriptors.UnsupportedStatement, statement.Syntax, what, hint);
        }

        private static string Abbreviate(SyntaxNode node)
        {
            string text = node.ToString().Replace('\r', ' ').Replace('\n', ' ');
            return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
        }

        private void LocalDeclaration(IVariableDeclaratorOperation declarator, IVariableDeclarationOperation declaration, List<Stmt> into)
        {
            ILocalSymbol local = declarator.Symbol;
            IOperation? initializer = declarator.Initializer?.Value ?? declaration.Initializer?.Value;
            IrType? localType = RealType(local.Type);
            declaredAtScope[local] = scopes.Count;

            if (local.IsRef)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax, "A ref local", "declare a plain float, double or int local");
                return;
            }

            if (local.IsConst)
            {
                if (localType is not null && local.HasConstantValue)
                {
                    string name = NameOf(local);
                    double constant = Convert.ToDouble(local.ConstantValue, CultureInfo.InvariantCulture);
                    constants.Add(new ConstantDeclaration(localType, name, new Literal(localType, constant)));
                }
                else if (local.Type.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Boolean))
                {
                    Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax,
                        "A constant of type '" + local.Type.ToDisplayString() + "'", "use const float, const double, const int or const bool");
                }

                return;
            }

            if (IsCarried(local))
            {
                CarriedDeclaration(local, initializer, into);
                return;
            }

            if (SpanLocalDeclaration(local, initializer, declarator.Syntax, into))
            {
                return;
            }

            if (local.Type.SpecialType == SpecialType.System_Int32)
            {
                Expr? index = initializer is null ? null : Expression(initializer, 0);
                NoteIntLocal(NameOf(local), index);
                index = index is null ? null : CarriedAsInt(index);

                if (initializer is null || index is not null)
                {
                    into.Add(new Declare(IrType.Int, NameOf(local), index));
                }
                else
                {
                    // Reported already: later uses are not reported again.
                    rejectedLocals.Add(local);
                }

                return;
            }

            if (local.Type.SpecialType == SpecialType.System_Boolean)
            {
                Expr? condition = initializer is null ? null : Condition(initializer);
                if (initializer is null || condition is not null)
                {
                    into.Add(new Declare(IrType.Bool, NameOf(local), condition));
                }
                else
                {
                    rejectedLocals.Add(local);
                }

                return;
            }

            if (localType is null)
            {
                rejectedLocals.Add(local);
                if ((IsSpanType(local.Type) || local.Type is IArrayTypeSymbol) && kind != BodyKind.Layer)
                {
                    Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax, "The span or array local '" + local.Name + "'",
                        kind == BodyKind.Objective
                            ? "scratch arrays are accepted in [MoreauLayer] bodies; here compute with float, double or int locals, or views of x ('var s = x.Slice(i, n);')"
                            : "scratch arrays and views are accepted in [MoreauLayer] bodies; here compute with float, double or int locals, or move the work into the layer");
                    return;
                }

                if (IsSpanType(local.Type))
                {
                    Report(DiagnosticDescriptors.TensorOperationPerSample, declarator.Syntax, "A span local ('" + local.Name + "')", PerSampleHint);
                    return;
                }

                Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax, "A local of type '" + local.Type.ToDisplayString() + "'",
                    "declare locals of type float, double, int (indices) or bool (conditions)");
                return;
            }

            Expr? value = initializer is null && WrittenInWhileLoop(local, declarator) ? new Literal(localType, 0) : null;
            if (initializer is not null)
            {
                value = Expression(initializer, 0);
                if (value is null)
                {
                    rejectedLocals.Add(local);
                    return;
                }
            }

            into.Add(new Declare(localType, NameOf(local), value));
        }

        private string NameOf(ILocalSymbol local)
        {
            if (localNames.TryGetValue(local, out string? name))
            {
                return name;
            }

            name = HandOut(local.Name);
            localNames.Add(local, name);
            return name;
        }

        /// <summary>The IR name of a new local the user named <paramref name="userName"/> (the syntax reader's locals take theirs here too).</summary>
        private string HandOut(string userName)
        {
            // Locals of sibling blocks may share a name; the generated code flattens blocks, so give later ones a suffix.
            // Every name handed out is also reserved, and reserved names are never released, so the first free suffix
            // only grows: resume the search where the last one for this name stopped (linear in the locals, not quadratic).
            string name = userName;
            if (!handedOut.Add(name))
            {
                suffixNext.TryGetValue(userName, out int k);
                for (k = Math.Max(k, 2); reserved.Contains(userName + "_" + k.ToString(CultureInfo.InvariantCulture)); k++)
                {
                }

                name = userName + "_" + k.ToString(CultureInfo.InvariantCulture);
                suffixNext[userName] = k + 1;
                handedOut.Add(name);
            }

            reserved.Add(name);
            return name;
        }

        private void ExpressionStatement(IExpressionStatementOperation statement, List<Stmt> into)
        {
            switch (statement.Operation)
            {
                case ISimpleAssignmentOperation { IsRef: false } assignment:
                {
                    Expr? target = Target(assignment.Target, isCompound: false);

                    // By the C# type, so that a rejected bool target ('landed = true;' declared outside a loop) draws no second message.
                    bool isBool = target?.Type == IrType.Bool || assignment.Target.Type?.SpecialType == SpecialType.System_Boolean;
                    Expr? value = isBool ? Condition(assignment.Value) : Expression(assignment.Value, 0);
                    if (value is not null && target is not null && target.Type.IsReal)
                    {
                        // A carried int or bool: its value in the element type.
                        value = isBool ? AsFlag(value) : ConvertTo(value, target.Type);
                    }
                    else if (value is not null && target is Local { Type.Scalar: ScalarKind.Int32 } intLocal)
                    {
                        // An int local set from a count ('j = k;'): the count converted back, and j one of the counts' indices.
                        NoteIntLocal(intLocal.Name, value);
                        value = CarriedAsInt(value);
                    }

                    if (value is not null && target is not null)
                    {
                        into.Add(new Assign(target, AssignKind.Assign, value));
                    }

                    break;
                }

                case ICompoundAssignmentOperation compound:
                    CompoundAssignment(compound, into);
                    break;
                case IIncrementOrDecrementOperation increment:
                {
                    Expr? target = Target(increment.Target, isCompound: true);
                    if (target is not null)
                    {
                        into.Add(new Assign(target, increment.Kind == OperationKind.Increment ? AssignKind.Add : AssignKind.Subtract, new Literal(target.Type, 1)));
                    }

                    break;
                }

                case IInvocationOperation invocation when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.OriginalDefinition, method.OriginalDefinition):
                    Report(DiagnosticDescriptors.Recursion, invocation.Syntax, method.Name);
                    break;
                case IInvocationOperation invocation when SpanStatement(invocation, into):
                    break;
                case IInvocationOperation invocation when IsSpanHelper(invocation.TargetMethod):
                    InlineSpanHelper(invocation, 0);
                    break;
                case IInvocationOperation invocation when !TakesSpans(invocation.TargetMethod) && IsInlinable(invocation.TargetMethod):
                    Inline(invocation, 0);
                    break;
                case IInvocationOperation invocation when IsOps(invocation.TargetMethod):
                    Report(DiagnosticDescriptors.TensorOperationPerSample, invocation.Syntax, "'Ops." + invocation.TargetMethod.Name + "'", PerSampleHint);
                    break;
                case IInvocationOperation invocation when TakesSpans(invocation.TargetMethod):
                    Report(DiagnosticDescriptors.NoTensorRule, invocation.Syntax, CallName(invocation.TargetMethod), SpanCallHint);
                    break;
                case IInvocationOperation invocation:
                    Report(DiagnosticDescriptors.UnsupportedStatement, invocation.Syntax, "A call whose result is discarded",
                        "assign the result to a local" + (kind == BodyKind.Layer ? " or to y[i]" : string.Empty));
                    break;
                default:
                    Report(DiagnosticDescriptors.UnsupportedStatement, statement.Syntax, "The statement '" + Abbreviate(statement.Syntax) + "'",
                        "write assignments to locals" + (kind == BodyKind.Layer ? " and to y[i]" : string.Empty));
                    break;
            }
        }

        private void CompoundAssignment(ICompoundAssignmentOperation compound, List<Stmt> into)
        {
            AssignKind? assignKind = compound.OperatorKind switch
            {
                BinaryOperatorKind.Add => AssignKind.Add,
                BinaryOperatorKind.Subtract => AssignKind.Subtract,
                BinaryOperatorKind.Multiply => AssignKind.Multiply,
                BinaryOperatorKind.Divide => AssignKind.Divide,
                _ => null,
            };
            bool intRemainder = compound.OperatorKind == BinaryOperatorKind.Remainder && compound.Target.Type?.SpecialType == SpecialType.System_Int32;
            if ((assignKind is null && !intRemainder) || compound.OperatorMethod is not null || compound.IsChecked)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, compound.Syntax, "The compound assignment '" + Abbreviate(compound.Syntax) + "'",
                    "use =, +=, -=, *= or /= on float or double values (and %= on int indices)");
                return;
            }

            Expr? target = Target(compound.Target, isCompound: true);
            Expr? value = target is null ? null : Expression(compound.Value, 0);
            if (value is null || target is null)
            {
                return;
            }

            if (intRemainder)
            {
                into.Add(new Assign(target, AssignKind.Assign, new Apply(Op.Remainder, IrType.Int, EquatableArray.Of(target, value))));
                return;
            }

            // C# evaluates 'a op= b' as 'a = (A)(a op b)' with b (and a) promoted to the operator's type.
            IrType operatorType = Wider(target.Type, value.Type);
            if (operatorType == target.Type)
            {
                into.Add(new Assign(target, assignKind!.Value, ConvertTo(value, operatorType)));
                return;
            }

            Op op = assignKind!.Value switch
            {
                AssignKind.Add => Op.Add,
                AssignKind.Subtract => Op.Subtract,
                AssignKind.Multiply => Op.Multiply,
                _ => Op.Divide,
            };
            Expr combined = new Apply(op, operatorType, EquatableArray.Of(ConvertTo(target, operatorType), value));
            into.Add(new Assign(target, AssignKind.Assign, ConvertTo(combined, target.Type)));
        }

        private static IrType Wider(IrType a, IrType b)
        {
            static int Rank(IrType t) => t.Scalar switch
            {
                ScalarKind.Double => 3,
                ScalarKind.Single => 2,
                _ => 1,
            };

            return Rank(a) >= Rank(b) ? a : b;
        }

        private static Expr ConvertTo(Expr value, IrType type)
        {
            if (value.Type == type)
            {
                return value;
            }

            if (value is Literal literal)
            {
                return new Literal(type, type.Scalar == ScalarKind.Single ? (float)literal.Value : literal.Value);
            }

            return new Apply(Op.Convert, type, EquatableArray.Of(value));
        }

        private Expr? Target(IOperation target, bool isCompound)
        {
            switch (target)
            {
                case ILocalReferenceOperation { Local: { IsConst: false } local } when LoopWithIndex(local) is not null:
                    Report(DiagnosticDescriptors.LoopVariableModified, target.Syntax.Parent ?? target.Syntax, local.Name);
                    return null;
                case ILocalReferenceOperation { Local: { IsConst: false } local } when RealType(local.Type) is { } localType:
                    if (rejectedLocals.Contains(local))
                    {
                        return null;
                    }

                    return new Local(NameOf(local), localType);
                case ILocalReferenceOperation { Local: { IsConst: false } local } when IsCarried(local):
                    return rejectedLocals.Contains(local) ? null : new Local(NameOf(local), FlagType);
                case ILocalReferenceOperation { Local: { IsConst: false } local } when local.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Boolean:
                {
                    bool isInt = local.Type.SpecialType == SpecialType.System_Int32;
                    if (declaredAtScope.TryGetValue(local, out int depth) && depth != scopes.Count)
                    {
                        Report(DiagnosticDescriptors.IndexCarriedAcrossScopes, target.Syntax.Parent ?? target.Syntax, local.Name, isInt ? "int" : "bool", Abbreviate(target.Syntax));
                        return null;
                    }

                    return new Local(NameOf(local), isInt ? IrType.Int : IrType.Bool);
                }

                case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation { Parameter: var parameter } } indexer
                    when SpanRoleOf(parameter) == SpanRole.Y:
                {
                    Expr? index = Index(indexer.Arguments[0].Value, SpanRole.Y);
                    if (index is null)
                    {
                        return null;
                    }

                    int? constant = index is Literal literal ? (int)literal.Value : null;
                    if (isCompound)
                    {
                        outputAccesses.Add(new OutputAccess(isWrite: false, constant, indexer.Syntax, InControlFlow));
                    }

                    outputAccesses.Add(new OutputAccess(isWrite: true, constant, indexer.Syntax, InControlFlow));
                    return new Element(new SpanRef(SpanRole.Y, IrType.SpanOf(element, readOnly: false)), index, IrType.ScalarOf(element));
                }

                case IParameterReferenceOperation { Parameter: var parameter } when InlinedParameter(parameter) is { } mapped:
                    return mapped;
                case IPropertyReferenceOperation or IArrayElementReferenceOperation when SpanLocalAccess(target, isWrite: true, isCompound, out Expr? scratchElement):
                    return scratchElement;
                default:
                    Report(DiagnosticDescriptors.UnsupportedExpression, target.Syntax, "Assigning to '" + Abbreviate(target.Syntax) + "'",
                        "assign only to locals" + (kind == BodyKind.Layer ? " and to the output's elements y[i]" : string.Empty));
                    return null;
            }
        }

        private ControlScope? LoopWithIndex(ILocalSymbol local) =>
            scopes.FirstOrDefault(s => s.LoopIndex is not null && SymbolEqualityComparer.Default.Equals(s.LoopIndex, local));
    }
}
