using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// Helpers of the body's own type that carry no attribute, static or instance: their bodies are read in place of the
    /// call (inlined), so the differentiator sees one program and needs no pullback of its own for them. Their statements
    /// go before the statement that calls them; a <c>return e;</c> is the call's value (several returns assign one result
    /// local). An instance helper reads the type's fields and properties as data, as the body itself does. What the
    /// parameters stand for (value, out/ref and span parameters alike) is bound in BodyParser.HelperArguments.cs; the
    /// rules shared with helpers that take spans (recursion is MG0012, fresh local names, the caller's state) are in
    /// BodyParser.HelperCalls.cs. Part of <see cref="BodyParser"/>.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>Statements an inlined call puts before the statement being parsed (null outside statements).</summary>
        private List<Stmt>? pending;

        /// <summary>The type of the value a <c>return</c> assigns while an inlined helper with several returns is read.</summary>
        private IrType? inlineResultType;

        /// <summary>The files of the helpers read in place of their calls, in the order first read.</summary>
        public List<string> InlinedFiles { get; } = new();

        private IrType ResultType => inlineResultType ?? IrType.ScalarOf(element);

        /// <summary>Parses one statement; what inlined calls in it compute goes before it.</summary>
        private void Statement(IOperation statement, List<Stmt> into, bool lastTopLevel) =>
            WithHoisted(into, () =>
            {
                ParseStatement(statement, into, lastTopLevel);
                return true;
            });

        /// <summary>Runs <paramref name="parse"/>, then puts the statements its inlined calls made before what it added to <paramref name="into"/>.</summary>
        private T WithHoisted<T>(List<Stmt> into, Func<T> parse)
        {
            List<Stmt>? outer = pending;
            var hoisted = new List<Stmt>();
            int at = into.Count;
            pending = hoisted;
            try
            {
                return parse();
            }
            finally
            {
                pending = outer;
                into.InsertRange(at, hoisted);
            }
        }

        /// <summary>A method of the body's own type, without [Differentiable]/[CustomPullback], whose body the generator can read.</summary>
        private bool IsInlinable(IMethodSymbol target) =>
            !batched &&
            SymbolEqualityComparer.Default.Equals(target.ContainingType?.OriginalDefinition, type.OriginalDefinition) &&
            target.MethodKind == MethodKind.Ordinary &&
            !HelperParser.IsHelper(target) &&
            InlineBody(target) is not null;

        private static MethodDeclarationSyntax? InlineBody(IMethodSymbol method) =>
            method.OriginalDefinition.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>()
                .FirstOrDefault(s => s.Body is not null || s.ExpressionBody is not null);

        /// <summary>
        /// The value of the call <paramref name="invocation"/> of a helper of the type itself, its body read in place (its
        /// statements go to <see cref="pending"/>); for a void helper, a literal 0 that nothing reads. Null after a diagnostic.
        /// </summary>
        private Expr? Inline(IInvocationOperation invocation, int depth)
        {
            IMethodSymbol helper = invocation.TargetMethod.OriginalDefinition;
            string name = helper.Name;
            if (ReportedRecursion(helper, invocation))
            {
                return null;
            }

            if (pending is null || InConditionalPart(invocation.Syntax))
            {
                Unsupported(invocation, "The call '" + Abbreviate(invocation.Syntax) + "' inside a condition's arm or operand",
                    "assign the helper's result to a local in a statement of its own (inside the if/else arm where it is needed)");
                return null;
            }

            if (helper.IsGenericMethod || (!helper.ReturnsVoid && NumericType(helper.ReturnType) is null) || helper.ReturnsByRef || helper.ReturnsByRefReadonly)
            {
                Unsupported(invocation, "The helper '" + name + "' (" + (helper.IsGenericMethod ? "generic" : "returning " + helper.ReturnType.ToDisplayString()) + ")",
                    HelperParameterHint);
                return null;
            }

            if (!helper.IsStatic && invocation.Instance is not IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            {
                Unsupported(invocation, "The call '" + Abbreviate(invocation.Syntax) + "' on another object", "call the type's own helpers on this");
                return null;
            }

            MethodDeclarationSyntax syntax = InlineBody(helper)!;
            if (!InlinedFiles.Contains(syntax.SyntaxTree.FilePath))
            {
                InlinedFiles.Add(syntax.SyntaxTree.FilePath);
            }

            if (syntax.ContainsDiagnostics ||
                WithoutNullableAnalysis(semanticModel, syntax.SyntaxTree).GetOperation(syntax, cancellationToken) is not IMethodBodyOperation operation ||
                (operation.BlockBody ?? operation.ExpressionBody) is not { } block || HasErrors(block))
            {
                // The compiler reports the helper's own errors.
                return null;
            }

            List<Stmt> into = pending;
            InlineFrame? frame = BindArguments(invocation, helper, into, depth);
            if (frame is null)
            {
                return null;
            }

            ForgetHelperLocals(block);
            CallerState caller = EnterHelper(into);
            inlineFrames.Add(frame);
            try
            {
                FindCarriedLocals(block);
                return InlineBodyValue(helper, block, into);
            }
            finally
            {
                inlineFrames.RemoveAt(inlineFrames.Count - 1);
                LeaveHelper(caller);
            }
        }

        private Expr? InlineBodyValue(IMethodSymbol helper, IBlockOperation block, List<Stmt> into)
        {
            List<IOperation> operations = Flatten(block).ToList();
            if (helper.ReturnsVoid)
            {
                if (operations.Count > 0 && operations[operations.Count - 1] is IReturnOperation { ReturnedValue: null })
                {
                    operations.RemoveAt(operations.Count - 1);
                }

                // A return in the middle ends this call only: the jumps are made structured within the helper's statements.
                resultLocal = null;
                JumpingSequence(operations, 0, into);
                return new Literal(IrType.Int, 0);
            }

            IrType returnType = NumericType(helper.ReturnType)!;
            bool plain = operations.Count > 0 && operations[operations.Count - 1] is IReturnOperation { ReturnedValue: not null } &&
                         !operations.Take(operations.Count - 1).Any(ContainsReturn);
            if (plain)
            {
                Sequence(operations.Take(operations.Count - 1), into, topLevel: false);
                Expr? value = Expression(((IReturnOperation)operations[operations.Count - 1]).ReturnedValue!, 0);
                return value is null ? null : ConvertTo(value, returnType);
            }

            resultLocal = FreshReserved(char.ToLowerInvariant(helper.Name[0]) + helper.Name.Substring(1));
            inlineResultType = returnType;
            into.Add(new Declare(returnType, resultLocal, null));
            JumpingSequence(operations, 0, into);
            return new Local(resultLocal, returnType);
        }

        /// <summary>True when <paramref name="call"/> is evaluated only on some paths of its statement (an arm of ?:, the right of &amp;&amp; or ||).</summary>
        private static bool InConditionalPart(SyntaxNode call)
        {
            for (SyntaxNode node = call; node.Parent is { } parent && parent is not StatementSyntax && parent is not ArrowExpressionClauseSyntax; node = parent)
            {
                if ((parent is ConditionalExpressionSyntax conditional && node != conditional.Condition) ||
                    (parent is BinaryExpressionSyntax binary && binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression or SyntaxKind.CoalesceExpression &&
                     node == binary.Right))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
