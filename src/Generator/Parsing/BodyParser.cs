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
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>Which kind of body a <see cref="BodyParser"/> reads.</summary>
    internal enum BodyKind
    {
        /// <summary>A <c>[MoreauLayer]</c> method: spans w, x, y, one sample.</summary>
        Layer,

        /// <summary>A <c>[MoreauObjective]</c> method: the span x (the whole batch), returns T.</summary>
        Objective,

        /// <summary>A <c>[Differentiable]</c> static helper: scalar parameters, returns T.</summary>
        Helper,
    }

    /// <summary>Finds the model of a helper a body calls, or reports why it cannot be called (and returns null).</summary>
    internal interface IHelperResolver
    {
        HelperModel? Resolve(IMethodSymbol helper, IInvocationOperation call, List<DiagnosticInfo> diagnostics);
    }

    /// <summary>
    /// Turns the body of a <c>[MoreauLayer]</c>, <c>[MoreauObjective]</c> or <c>[Differentiable]</c> method (its
    /// <see cref="IOperation"/> tree) into IR statements, reporting everything outside the supported subset at the
    /// offending node. A body with compiler errors yields nothing and no diagnostics (the compiler reports them).
    /// </summary>
    /// <remarks>
    /// Supported: float/double locals (<c>var</c> too), int locals for indices and bool locals for conditions, local
    /// constants, assignments and compound assignments, <c>++</c>/<c>--</c> on locals, <c>for (int i = a; i &lt; b; i++)</c>
    /// loops (nested, bounds from constants, sizes, data and outer indices), <c>if</c>/<c>else</c> and <c>?:</c> on
    /// comparisons, Math/MathF calls with rules, helpers, the layer's data (fields, properties, primary-constructor
    /// parameters, constants, arrays), and (objectives, helpers) <c>return</c>, also inside <c>if</c>s.
    /// </remarks>
    internal sealed partial class BodyParser
    {
        /// <summary>Expressions nested deeper than this are reported (and keep the generator's recursion bounded).</summary>
        internal const int MaxDepth = 100;

        private const string BranchHint = "write the piecewise computation with if/else or ?: on comparisons, or with Math.Max, Math.Min or Math.Abs";

        private readonly SemanticModel semanticModel;
        private readonly IMethodSymbol method;
        private readonly INamedTypeSymbol type;
        private readonly ScalarKind element;
        private readonly LayerSizes sizes;
        private readonly BodyKind kind;
        private readonly IHelperResolver? helpers;
        private readonly List<DiagnosticInfo> diagnostics;
        private readonly CancellationToken cancellationToken;

        private readonly List<ConstantDeclaration> constants = new();
        private readonly Dictionary<ILocalSymbol, string> localNames = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ILocalSymbol, int> declaredAtScope = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ILocalSymbol> rejectedLocals = new(SymbolEqualityComparer.Default);
        private readonly HashSet<string> reserved = new(StringComparer.Ordinal);
        private readonly HashSet<string> handedOut = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> suffixNext = new(StringComparer.Ordinal);
        private readonly List<OutputAccess> outputAccesses = new();
        private readonly List<HelperModel> calledHelpers = new();
        private readonly List<ControlScope> scopes = new();
        private MethodDeclarationSyntax? methodSyntax;
        private string? resultLocal;
        private bool inLoopBound;
        private readonly bool batched;

        public BodyParser(
            SemanticModel semanticModel,
            IMethodSymbol method,
            INamedTypeSymbol type,
            ScalarKind element,
            LayerSizes sizes,
            BodyKind kind,
            IHelperResolver? helpers,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken,
            bool batched = false)
        {
            this.semanticModel = semanticModel;
            this.method = method;
            this.type = type;
            this.element = element;
            this.sizes = sizes;
            this.kind = kind;
            this.helpers = helpers;
            this.diagnostics = diagnostics;
            this.cancellationToken = cancellationToken;
            this.batched = batched;
        }

        /// <summary>What the body parser found.</summary>
        internal sealed class Output
        {
            public Output(List<Stmt> body, List<ConstantDeclaration> constants, List<string> reservedNames, List<HelperModel> helpers)
            {
                Body = body;
                Constants = constants;
                ReservedNames = reservedNames;
                Helpers = helpers;
            }

            public List<Stmt> Body { get; }

            public List<ConstantDeclaration> Constants { get; }

            public List<string> ReservedNames { get; }

            /// <summary>The helpers the body calls directly.</summary>
            public List<HelperModel> Helpers { get; }

            /// <summary>The dataflow graph of a batched body (null otherwise).</summary>
            public Differentiation.TensorGraph? Graph { get; set; }
        }

        /// <summary>A read or write of y, in program order, for the checks that need the whole body.</summary>
        private sealed class OutputAccess
        {
            public OutputAccess(bool isWrite, int? index, SyntaxNode node, bool inControlFlow)
            {
                IsWrite = isWrite;
                Index = index;
                Node = node;
                InControlFlow = inControlFlow;
            }

            public bool IsWrite { get; }

            public int? Index { get; }

            public SyntaxNode Node { get; }

            public bool InControlFlow { get; }
        }

        /// <summary>A loop body or a branch arm being parsed; int and bool locals may be assigned only in their own scope.</summary>
        private sealed class ControlScope
        {
            public ControlScope(ILocalSymbol? loopIndex) => LoopIndex = loopIndex;

            /// <summary>The index of the loop whose body this is, or null for a branch arm.</summary>
            public ILocalSymbol? LoopIndex { get; }
        }

        public Output? Parse(MethodDeclarationSyntax syntax)
        {
            methodSyntax = syntax;
            if (syntax.ContainsDiagnostics)
            {
                return null;
            }

            if (WithoutNullableAnalysis(semanticModel, syntax.SyntaxTree).GetOperation(syntax, cancellationToken) is not IMethodBodyOperation operation)
            {
                return null;
            }

            IBlockOperation? block = operation.BlockBody ?? operation.ExpressionBody;
            if (block is null || HasErrors(block))
            {
                return null;
            }

            // Reserve every local and parameter name first, so that renamed duplicates cannot take a user's name.
            foreach (ILocalSymbol local in block.Descendants().OfType<IVariableDeclaratorOperation>().Select(d => d.Symbol))
            {
                reserved.Add(local.Name);
            }

            if (kind == BodyKind.Helper)
            {
                foreach (IParameterSymbol parameter in method.Parameters)
                {
                    reserved.Add(parameter.Name);
                }
            }

            int errorsBefore = diagnostics.Count;
            var body = new List<Stmt>();
            Differentiation.TensorGraph? graph = null;
            if (kind == BodyKind.Layer && batched)
            {
                BatchedSequence(block.Operations, body);
                if (!diagnostics.Skip(errorsBefore).Any(IsError))
                {
                    graph = CheckGraph(body);
                }
            }
            else if (kind == BodyKind.Layer)
            {
                Sequence(block.Operations, body, topLevel: true);
            }
            else
            {
                ReturningBody(block, body);
            }

            if (!batched)
            {
                CheckOutputs();
            }

            Deduplicate(errorsBefore);
            if (diagnostics.Count > errorsBefore && diagnostics.Skip(errorsBefore).Any(IsError))
            {
                return null;
            }

            return new Output(body, constants, reserved.OrderBy(n => n, StringComparer.Ordinal).ToList(), calledHelpers) { Graph = graph };
        }

        /// <summary>
        /// A semantic model of <paramref name="tree"/> that binds without nullable analysis: the parser reads types,
        /// symbols and constants, never nullability, and the analysis is most of the binding cost (super-linear in the
        /// locals of a long body). The option is experimental in Roslyn (RSEXPERIMENTAL001); should a compiler that
        /// loads the generator lack it, the given model is used, at the old cost and with the same result.
        /// </summary>
        private static SemanticModel WithoutNullableAnalysis(SemanticModel model, SyntaxTree tree)
        {
            try
            {
                return Unanalysed(model.Compilation, tree);
            }
            catch (Exception exception) when (exception is MissingMemberException or TypeLoadException)
            {
                return model;
            }

#pragma warning disable RSEXPERIMENTAL001 // Experimental in Roslyn 4.14 and 5.x.
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
            static SemanticModel Unanalysed(Compilation compilation, SyntaxTree tree) =>
                compilation.GetSemanticModel(tree, SemanticModelOptions.DisableNullableAnalysis);
#pragma warning restore RSEXPERIMENTAL001
        }

        private static bool IsError(DiagnosticInfo info) =>
            DiagnosticDescriptors.Get(info.Id).DefaultSeverity == DiagnosticSeverity.Error;

        /// <summary>Statements after an if that returns are parsed once per arm; report each problem once.</summary>
        private void Deduplicate(int from)
        {
            var seen = new HashSet<DiagnosticInfo>();
            for (int i = from; i < diagnostics.Count; i++)
            {
                if (!seen.Add(diagnostics[i]))
                {
                    diagnostics.RemoveAt(i);
                    i--;
                }
            }
        }

        private static bool HasErrors(IOperation root)
        {
            foreach (IOperation op in root.DescendantsAndSelf())
            {
                if (op.Kind == OperationKind.Invalid || op.Type is IErrorTypeSymbol)
                {
                    return true;
                }
            }

            return false;
        }

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(node), arguments));

        private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

        private void Unsupported(IOperation op, string what, string hint) =>
            Report(DiagnosticDescriptors.UnsupportedExpression, op.Syntax, what, hint);

        private bool InControlFlow => scopes.Count > 0;

        private bool InLoop => scopes.Any(s => s.LoopIndex is not null);

        // ---- statements -------------------------------------------------------------------------------

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
        /// The body of an objective or helper: statements ending with <c>return e;</c>. An <c>if</c> that returns in an
        /// arm becomes an if/else whose other arm holds the statements after it; the returned values then go to a local
        /// and the body ends with one <see cref="Return"/> of it.
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
                Expr? value = ReturnValue(last);
                if (value is not null)
                {
                    into.Add(new Return(value));
                }

                return;
            }

            resultLocal = FreshReserved("result");
            into.Add(new Declare(IrType.ScalarOf(element), resultLocal, null));
            ReturningSequence(operations, 0, into);
            into.Add(new Return(new Local(resultLocal, IrType.ScalarOf(element))));
        }

        private Expr? ReturnValue(IReturnOperation ret)
        {
            Expr? value = Expression(ret.ReturnedValue!, 0);
            return value is null ? null : ConvertTo(value, IrType.ScalarOf(element));
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

        /// <summary>Parses <paramref name="operations"/> from <paramref name="start"/>; true when every path returns.</summary>
        private bool ReturningSequence(IReadOnlyList<IOperation> operations, int start, List<Stmt> into)
        {
            for (int i = start; i < operations.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IOperation operation = operations[i];
                if (operation is IReturnOperation { ReturnedValue: not null } ret && scopes.All(s => s.LoopIndex is null))
                {
                    Expr? value = ReturnValue(ret);
                    if (value is not null)
                    {
                        into.Add(new Assign(new Local(resultLocal!, IrType.ScalarOf(element)), AssignKind.Assign, value));
                    }

                    return true;
                }

                if (operation is IConditionalOperation branch && ContainsReturn(branch) && !InLoop)
                {
                    Expr? condition = Condition(branch.Condition);
                    List<IOperation> rest = operations.Skip(i + 1).ToList();
                    var then = new List<Stmt>();
                    var otherwise = new List<Stmt>();
                    scopes.Add(new ControlScope(null));
                    bool thenReturns = ReturningSequence(Flatten(branch.WhenTrue).Concat(rest).ToList(), 0, then);
                    scopes.RemoveAt(scopes.Count - 1);
                    scopes.Add(new ControlScope(null));
                    IEnumerable<IOperation> elseOperations = branch.WhenFalse is null ? rest : Flatten(branch.WhenFalse).Concat(rest);
                    bool elseReturns = ReturningSequence(elseOperations.ToList(), 0, otherwise);
                    scopes.RemoveAt(scopes.Count - 1);
                    if (condition is not null)
                    {
                        into.Add(new If(condition, EquatableArray.From(then), EquatableArray.From(otherwise)));
                    }

                    return thenReturns && elseReturns;
                }

                Statement(operation, into, lastTopLevel: false);
            }

            return false;
        }

        private void Statement(IOperation statement, List<Stmt> into, bool lastTopLevel)
        {
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
                    Report(DiagnosticDescriptors.UnsupportedLoop, LoopKeyword(loop.Syntax), loop.ConditionIsTop ? "A 'while' loop" : "A 'do' loop");
                    break;
                case IForEachLoopOperation loop:
                    Report(DiagnosticDescriptors.UnsupportedLoop, LoopKeyword(loop.Syntax), "A 'foreach' loop");
                    break;
                case ILocalFunctionOperation or ISwitchOperation:
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

            if (local.Type.SpecialType == SpecialType.System_Int32)
            {
                Expr? index = initializer is null ? null : Expression(initializer, 0);
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
                if (IsSpanType(local.Type))
                {
                    Report(DiagnosticDescriptors.TensorOperationPerSample, declarator.Syntax, "A span local ('" + local.Name + "')", PerSampleHint);
                    return;
                }

                Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax, "A local of type '" + local.Type.ToDisplayString() + "'",
                    "declare locals of type float, double, int (indices) or bool (conditions)");
                return;
            }

            Expr? value = null;
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

            // Locals of sibling blocks may share a name; the generated code flattens blocks, so give later ones a suffix.
            // Every name handed out is also reserved, and reserved names are never released, so the first free suffix
            // only grows: resume the search where the last one for this name stopped (linear in the locals, not quadratic).
            name = local.Name;
            if (!handedOut.Add(name))
            {
                suffixNext.TryGetValue(local.Name, out int k);
                for (k = Math.Max(k, 2); reserved.Contains(local.Name + "_" + k.ToString(CultureInfo.InvariantCulture)); k++)
                {
                }

                name = local.Name + "_" + k.ToString(CultureInfo.InvariantCulture);
                suffixNext[local.Name] = k + 1;
                handedOut.Add(name);
            }

            localNames.Add(local, name);
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
                    Expr? value = target?.Type == IrType.Bool ? Condition(assignment.Value) : Expression(assignment.Value, 0);
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
                case ILocalReferenceOperation { Local: { IsConst: false } local } when local.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Boolean:
                {
                    bool isInt = local.Type.SpecialType == SpecialType.System_Int32;
                    if (declaredAtScope.TryGetValue(local, out int depth) && depth != scopes.Count)
                    {
                        Report(DiagnosticDescriptors.IndexCarriedAcrossScopes, target.Syntax.Parent ?? target.Syntax, local.Name, isInt ? "int" : "bool");
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

                default:
                    Report(DiagnosticDescriptors.UnsupportedExpression, target.Syntax, "Assigning to '" + Abbreviate(target.Syntax) + "'",
                        "assign only to locals" + (kind == BodyKind.Layer ? " and to the output's elements y[i]" : string.Empty));
                    return null;
            }
        }

        private ControlScope? LoopWithIndex(ILocalSymbol local) =>
            scopes.FirstOrDefault(s => s.LoopIndex is not null && SymbolEqualityComparer.Default.Equals(s.LoopIndex, local));

        // ---- loops and branches ------------------------------------------------------------------------

        private void ForLoop(IForLoopOperation loop, List<Stmt> into)
        {
            var syntax = (ForStatementSyntax)loop.Syntax;
            LocationInfo? header = Header(syntax);
            string headerText = "for (" + syntax.Declaration + "; " + syntax.Condition + "; " + string.Join(", ", syntax.Incrementors) + ")";
            if (headerText.Length > 60)
            {
                headerText = headerText.Substring(0, 57) + "...";
            }

            // for (int i = from; ...)
            if (loop.Before.Length != 1 || loop.Before[0] is not IVariableDeclarationGroupOperation group ||
                group.Declarations.Length != 1 || group.Declarations[0].Declarators.Length != 1)
            {
                Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                return;
            }

            IVariableDeclaratorOperation declarator = group.Declarations[0].Declarators[0];
            ILocalSymbol index = declarator.Symbol;
            IOperation? initial = declarator.Initializer?.Value ?? group.Declarations[0].Initializer?.Value;
            if (index.Type.SpecialType != SpecialType.System_Int32 || initial is null)
            {
                if (index.Type.SpecialType != SpecialType.System_Int32 && RealType(index.Type) is not null)
                {
                    Report(DiagnosticDescriptors.LoopBoundDependsOnValue, declarator.Syntax, declarator.Syntax.ToString());
                }
                else
                {
                    Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                }

                return;
            }

            // ...; i < to; or i <= to; or to > i; or to >= i
            IOperation? bound = null;
            bool inclusive = false;
            if (loop.Condition is IBinaryOperation { OperatorMethod: null } comparison)
            {
                if (IsIndex(comparison.LeftOperand, index, out bool leftConverted) &&
                    comparison.OperatorKind is BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual)
                {
                    bound = comparison.RightOperand;
                    inclusive = comparison.OperatorKind == BinaryOperatorKind.LessThanOrEqual;
                    if (leftConverted)
                    {
                        Report(DiagnosticDescriptors.LoopBoundDependsOnValue, bound.Syntax, Abbreviate(bound.Syntax));
                        return;
                    }
                }
                else if (IsIndex(comparison.RightOperand, index, out bool rightConverted) &&
                         comparison.OperatorKind is BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual)
                {
                    bound = comparison.LeftOperand;
                    inclusive = comparison.OperatorKind == BinaryOperatorKind.GreaterThanOrEqual;
                    if (rightConverted)
                    {
                        Report(DiagnosticDescriptors.LoopBoundDependsOnValue, bound.Syntax, Abbreviate(bound.Syntax));
                        return;
                    }
                }
            }

            if (bound is null)
            {
                Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                return;
            }

            // ...; i++) or ++i or i += k (k a positive constant)
            int step = 0;
            if (loop.AtLoopBottom.Length == 1 && loop.AtLoopBottom[0] is IExpressionStatementOperation { Operation: var increment })
            {
                if (increment is IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation target } &&
                    SymbolEqualityComparer.Default.Equals(target.Local, index))
                {
                    step = 1;
                }
                else if (increment is ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, Target: ILocalReferenceOperation target2 } added &&
                         SymbolEqualityComparer.Default.Equals(target2.Local, index) && added.Value.ConstantValue.HasValue &&
                         added.Value.ConstantValue.Value is int k && k > 0)
                {
                    step = k;
                }
            }

            if (step == 0)
            {
                Report(DiagnosticDescriptors.UnsupportedLoopShape, header, headerText);
                return;
            }

            declaredAtScope[index] = scopes.Count;
            string name = NameOf(index);
            Expr? from = LoopBound(initial);
            Expr? to = LoopBound(bound);
            if (from is null || to is null)
            {
                return;
            }

            if (inclusive)
            {
                to = to is Literal literal ? new Literal(IrType.Int, literal.Value + 1) : new Apply(Op.Add, IrType.Int, EquatableArray.Of(to, new Literal(IrType.Int, 1)));
            }

            var body = new List<Stmt>();
            scopes.Add(new ControlScope(index));
            Statement(loop.Body, body, lastTopLevel: false);
            scopes.RemoveAt(scopes.Count - 1);
            into.Add(new For(name, from, to, new Literal(IrType.Int, step), false, EquatableArray.From(body)));
        }

        private static bool IsIndex(IOperation operand, ILocalSymbol index, out bool converted)
        {
            converted = false;
            if (operand is IConversionOperation { Operand: ILocalReferenceOperation convertedReference } && SymbolEqualityComparer.Default.Equals(convertedReference.Local, index))
            {
                converted = true;
                return true;
            }

            return operand is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, index);
        }

        /// <summary>A loop's start or bound: an int expression that does not depend on w, x or float/double values.</summary>
        private Expr? LoopBound(IOperation bound)
        {
            if (bound.Type?.SpecialType != SpecialType.System_Int32)
            {
                Report(DiagnosticDescriptors.LoopBoundDependsOnValue, bound.Syntax, Abbreviate(bound.Syntax));
                return null;
            }

            bool previous = inLoopBound;
            inLoopBound = true;
            try
            {
                return Expression(bound, 0);
            }
            finally
            {
                inLoopBound = previous;
            }
        }

        private void IfStatement(IConditionalOperation branch, List<Stmt> into)
        {
            Expr? condition = Condition(branch.Condition);
            var then = new List<Stmt>();
            var otherwise = new List<Stmt>();
            scopes.Add(new ControlScope(null));
            Statement(branch.WhenTrue, then, lastTopLevel: false);
            scopes.RemoveAt(scopes.Count - 1);
            if (branch.WhenFalse is not null)
            {
                scopes.Add(new ControlScope(null));
                Statement(branch.WhenFalse, otherwise, lastTopLevel: false);
                scopes.RemoveAt(scopes.Count - 1);
            }

            if (condition is not null)
            {
                into.Add(new If(condition, EquatableArray.From(then), EquatableArray.From(otherwise)));
            }
        }

        /// <summary>A branch condition: comparisons of values or indices combined with &amp;&amp;, || and !, bool locals and data.</summary>
        private Expr? Condition(IOperation op)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (op.Type?.SpecialType == SpecialType.System_Boolean && op.ConstantValue.HasValue && op.ConstantValue.Value is bool constant)
            {
                return new Literal(IrType.Bool, constant ? 1 : 0);
            }

            switch (op)
            {
                case IParenthesizedOperation parenthesized:
                    return Condition(parenthesized.Operand);
                case IBinaryOperation { OperatorMethod: null, OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } logical:
                {
                    Expr? left = Condition(logical.LeftOperand);
                    Expr? right = Condition(logical.RightOperand);
                    return left is null || right is null
                        ? null
                        : new Apply(logical.OperatorKind == BinaryOperatorKind.ConditionalAnd ? Op.And : Op.Or, IrType.Bool, EquatableArray.Of(left, right));
                }

                case IBinaryOperation { OperatorMethod: null } comparison when ComparisonOp(comparison.OperatorKind) is { } compare &&
                                                                              NumericType(comparison.LeftOperand.Type) is not null &&
                                                                              NumericType(comparison.RightOperand.Type) is not null:
                {
                    Expr? left = Expression(comparison.LeftOperand, 1);
                    Expr? right = Expression(comparison.RightOperand, 1);
                    return left is null || right is null ? null : new Apply(compare, IrType.Bool, EquatableArray.Of(left, right));
                }

                case IUnaryOperation { OperatorMethod: null, OperatorKind: UnaryOperatorKind.Not } not:
                {
                    Expr? operand = Condition(not.Operand);
                    return operand is null ? null : new Apply(Op.Not, IrType.Bool, EquatableArray.Of(operand));
                }

                case ILocalReferenceOperation { Local: { IsConst: false } local } when local.Type.SpecialType == SpecialType.System_Boolean && rejectedLocals.Contains(local):
                    return null;
                case ILocalReferenceOperation { Local: { IsConst: false } local } when local.Type.SpecialType == SpecialType.System_Boolean && localNames.ContainsKey(local):
                    return new Local(NameOf(local), IrType.Bool);
                case IFieldReferenceOperation field when field.Type?.SpecialType == SpecialType.System_Boolean:
                    return DataCondition(op, field.Field, field.Instance);
                case IPropertyReferenceOperation property when property.Type?.SpecialType == SpecialType.System_Boolean && !property.Property.IsIndexer:
                    return DataCondition(op, property.Property, property.Instance);
                case IParameterReferenceOperation parameter when parameter.Type?.SpecialType == SpecialType.System_Boolean &&
                                                                 parameter.Parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor &&
                                                                 SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type) && kind != BodyKind.Helper:
                    reserved.Add(parameter.Parameter.Name);
                    return new LayerData(Identifier(parameter.Parameter.Name), IrType.Bool);
                default:
                    Report(DiagnosticDescriptors.UnsupportedCondition, op.Syntax, Abbreviate(op.Syntax));
                    return null;
            }
        }

        private Expr? DataCondition(IOperation op, ISymbol member, IOperation? instance)
        {
            Expr? data = kind == BodyKind.Helper ? null : MemberData(member, instance, IrType.Bool);
            if (data is null)
            {
                Report(DiagnosticDescriptors.UnsupportedCondition, op.Syntax, Abbreviate(op.Syntax));
            }

            return data;
        }

        private static Op? ComparisonOp(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => Op.Less,
            BinaryOperatorKind.LessThanOrEqual => Op.LessOrEqual,
            BinaryOperatorKind.GreaterThan => Op.Greater,
            BinaryOperatorKind.GreaterThanOrEqual => Op.GreaterOrEqual,
            BinaryOperatorKind.Equals => Op.Equal,
            BinaryOperatorKind.NotEquals => Op.NotEqual,
            _ => null,
        };

        // ---- expressions -------------------------------------------------------------------------------

        private static IrType? RealType(ITypeSymbol? symbol) => symbol?.SpecialType switch
        {
            SpecialType.System_Double => IrType.Double,
            SpecialType.System_Single => IrType.Float,
            _ => null,
        };

        private static IrType? NumericType(ITypeSymbol? symbol) =>
            symbol?.SpecialType == SpecialType.System_Int32 ? IrType.Int : RealType(symbol);

        private SpanRole? SpanRoleOf(IParameterSymbol parameter)
        {
            if (!SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method))
            {
                return null;
            }

            return kind switch
            {
                BodyKind.Layer => parameter.Ordinal switch
                {
                    0 => SpanRole.W,
                    1 => SpanRole.X,
                    _ => SpanRole.Y,
                },
                BodyKind.Objective => SpanRole.X,
                _ => null,
            };
        }

        private Expr? Expression(IOperation op, int depth)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (depth > MaxDepth)
            {
                Unsupported(op, "An expression nested more than " + MaxDepth + " levels deep", "split it into locals");
                return null;
            }

            IrType? resultType = NumericType(op.Type);
            if (resultType is null)
            {
                string typeName = op.Type?.ToDisplayString() ?? "no type";
                if (op.Type?.SpecialType == SpecialType.System_Boolean)
                {
                    Unsupported(op, "A bool value ('" + Abbreviate(op.Syntax) + "') used as a number", "use the condition in if/else or ?: instead");
                    return null;
                }

                Unsupported(op, "A value of type '" + typeName + "' ('" + Abbreviate(op.Syntax) + "')",
                    "compute with float, double or (for indices) int values");
                return null;
            }

            switch (op)
            {
                case ILiteralOperation literal when literal.ConstantValue.HasValue:
                    return new Literal(resultType, Convert.ToDouble(literal.ConstantValue.Value, CultureInfo.InvariantCulture));

                case IParenthesizedOperation parenthesized:
                    return Expression(parenthesized.Operand, depth + 1);

                case IConversionOperation conversion:
                    return Conversion(conversion, resultType, depth);

                case IBinaryOperation binary:
                    return Binary(binary, resultType, depth);

                case IUnaryOperation { OperatorMethod: null, OperatorKind: UnaryOperatorKind.Plus } plus:
                    return Expression(plus.Operand, depth + 1);

                case IUnaryOperation { OperatorMethod: null, OperatorKind: UnaryOperatorKind.Minus } minus:
                {
                    if (resultType == IrType.Int && minus.ConstantValue.HasValue)
                    {
                        return IntConstant(minus);
                    }

                    Expr? operand = Expression(minus.Operand, depth + 1);
                    return operand is null ? null : new Apply(Op.Negate, resultType, EquatableArray.Of(operand));
                }

                case ILocalReferenceOperation reference:
                    return LocalReference(reference, resultType);

                case IParameterReferenceOperation parameter:
                    return ParameterReference(parameter, resultType);

                case IFieldReferenceOperation field:
                    return FieldReference(field, resultType);

                case IPropertyReferenceOperation property:
                    return PropertyReference(property, resultType, depth);

                case IArrayElementReferenceOperation arrayElement:
                    return ArrayElement(arrayElement, resultType, depth);

                case IInvocationOperation invocation:
                    return Invocation(invocation, resultType, depth);

                case IConditionalOperation conditional when conditional.WhenFalse is not null:
                {
                    Expr? condition = Condition(conditional.Condition);
                    Expr? whenTrue = Expression(conditional.WhenTrue, depth + 1);
                    Expr? whenFalse = Expression(conditional.WhenFalse, depth + 1);
                    if (condition is null || whenTrue is null || whenFalse is null)
                    {
                        return null;
                    }

                    if (resultType == IrType.Int && DependsOnValues(condition) && inLoopBound)
                    {
                        Report(DiagnosticDescriptors.LoopBoundDependsOnValue, conditional.Syntax, Abbreviate(conditional.Syntax));
                        return null;
                    }

                    if (resultType == IrType.Int && DependsOnValues(condition))
                    {
                        Unsupported(conditional, "An index chosen by a condition on float or double values ('" + Abbreviate(conditional.Syntax) + "')",
                            "indices must not depend on w or x; compute them from constants, sizes and loop indices");
                        return null;
                    }

                    return new Conditional(condition, ConvertTo(whenTrue, resultType), ConvertTo(whenFalse, resultType));
                }

                case IAssignmentOperation:
                    Unsupported(op, "An assignment inside an expression", "write the assignment as a statement of its own");
                    return null;

                case IIncrementOrDecrementOperation:
                    Unsupported(op, "'" + Abbreviate(op.Syntax) + "'", "write 'a += 1;' as a statement of its own");
                    return null;

                default:
                    Unsupported(op, "'" + Abbreviate(op.Syntax) + "'",
                        "use arithmetic (+ - * /), Math/MathF functions, helpers, locals, ?:, the spans' elements and the type's fields or constants");
                    return null;
            }
        }

        /// <summary>True when <paramref name="expr"/> reads a float or double value, or a bool local (which may compare them): anything but ints, data and sizes.</summary>
        private static bool DependsOnValues(Expr expr) => expr switch
        {
            Local local => local.Type.IsReal || local.Type == IrType.Bool,
            Element { Span: SpanRef } => true,
            Element element => DependsOnValues(element.Index),
            Call => true,
            Apply apply => apply.Args.Any(DependsOnValues),
            Conditional conditional => DependsOnValues(conditional.Condition) || DependsOnValues(conditional.WhenTrue) || DependsOnValues(conditional.WhenFalse),
            _ => false,
        };

        private static Literal IntConstant(IOperation op) =>
            new(IrType.Int, Convert.ToDouble(op.ConstantValue.Value, CultureInfo.InvariantCulture));

        private Expr? Conversion(IConversionOperation conversion, IrType resultType, int depth)
        {
            IrType? from = NumericType(conversion.Operand.Type);
            if (conversion.OperatorMethod is not null || from is null)
            {
                Unsupported(conversion, "The conversion '" + Abbreviate(conversion.Syntax) + "'", "convert only between int, float and double");
                return null;
            }

            if (resultType == IrType.Int && from.IsReal)
            {
                if (inLoopBound)
                {
                    Report(DiagnosticDescriptors.LoopBoundDependsOnValue, conversion.Syntax, Abbreviate(conversion.Syntax));
                    return null;
                }

                Unsupported(conversion, "Converting a float or double value to int", "integer values (indices) cannot depend on w or x; compute them from constants and sizes");
                return null;
            }

            if (conversion.ConstantValue.HasValue && IsConstantLeaf(conversion.Operand))
            {
                return new Literal(resultType, Convert.ToDouble(conversion.ConstantValue.Value, CultureInfo.InvariantCulture));
            }

            Expr? operand = Expression(conversion.Operand, depth + 1);
            if (operand is null)
            {
                return null;
            }

            return operand.Type == resultType ? operand : ConvertTo(operand, resultType);
        }

        /// <summary>A literal, or a reference to an integer constant: folded into a literal when converted.</summary>
        private static bool IsConstantLeaf(IOperation op) => op switch
        {
            ILiteralOperation => true,
            IUnaryOperation { Operand: ILiteralOperation } => true,
            _ => op.Type?.SpecialType == SpecialType.System_Int32 && op.ConstantValue.HasValue,
        };

        private Expr? Binary(IBinaryOperation binary, IrType resultType, int depth)
        {
            Op? op = binary.OperatorKind switch
            {
                BinaryOperatorKind.Add => Op.Add,
                BinaryOperatorKind.Subtract => Op.Subtract,
                BinaryOperatorKind.Multiply => Op.Multiply,
                BinaryOperatorKind.Divide => Op.Divide,
                BinaryOperatorKind.Remainder when resultType == IrType.Int => Op.Remainder,
                _ => null,
            };

            if (op is null || binary.OperatorMethod is not null || binary.IsChecked)
            {
                Unsupported(binary, "The operator in '" + Abbreviate(binary.Syntax) + "'", "use +, -, * and / (and % on integer indices)");
                return null;
            }

            if (resultType == IrType.Int && binary.ConstantValue.HasValue)
            {
                return IntConstant(binary);
            }

            Expr? left = Expression(binary.LeftOperand, depth + 1);
            Expr? right = Expression(binary.RightOperand, depth + 1);
            if (left is null || right is null)
            {
                return null;
            }

            return new Apply(op.Value, resultType, EquatableArray.Of(left, right));
        }

        private Expr? LocalReference(ILocalReferenceOperation reference, IrType resultType)
        {
            ILocalSymbol local = reference.Local;
            if (local.IsConst)
            {
                if (resultType == IrType.Int && reference.ConstantValue.HasValue)
                {
                    return IntConstant(reference);
                }

                return new Local(NameOf(local), resultType);
            }

            if (rejectedLocals.Contains(local))
            {
                // Its declaration is already reported.
                return null;
            }

            if (!localNames.ContainsKey(local))
            {
                Unsupported(reference, "The local '" + local.Name + "'", "read only locals declared in the method");
                return null;
            }

            return new Local(NameOf(local), resultType);
        }

        private Expr? ParameterReference(IParameterReferenceOperation reference, IrType resultType)
        {
            IParameterSymbol parameter = reference.Parameter;
            if (SpanRoleOf(parameter) is not null)
            {
                Unsupported(reference, "Using the span '" + parameter.Name + "' as a value", "read its elements, " + parameter.Name + "[i], or its length, " + parameter.Name + ".Length");
                return null;
            }

            if (kind == BodyKind.Helper && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method))
            {
                return new Local(parameter.Name, resultType);
            }

            if (kind != BodyKind.Helper && parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor &&
                SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type))
            {
                reserved.Add(parameter.Name);
                return new LayerData(Identifier(parameter.Name), resultType);
            }

            Unsupported(reference, "The parameter '" + parameter.Name + "'", "read the type's data through fields, properties or primary-constructor parameters");
            return null;
        }

        private Expr? FieldReference(IFieldReferenceOperation reference, IrType resultType)
        {
            IFieldSymbol field = reference.Field;
            if (field.IsConst)
            {
                if ((resultType == IrType.Int || kind == BodyKind.Helper) && reference.ConstantValue.HasValue)
                {
                    // Helpers fold constants: their pullback is emitted on the caller's type, where a private constant is not visible.
                    return resultType == IrType.Int ? IntConstant(reference) : new Literal(resultType, Convert.ToDouble(reference.ConstantValue.Value, CultureInfo.InvariantCulture));
                }

                return new LayerData(Qualified(field), resultType);
            }

            return Member(reference, field, reference.Instance, resultType);
        }

        private Expr? PropertyReference(IPropertyReferenceOperation reference, IrType resultType, int depth)
        {
            if (reference.Property.IsIndexer)
            {
                if (reference.Instance is IParameterReferenceOperation { Parameter: var parameter } && SpanRoleOf(parameter) is { } role &&
                    reference.Arguments.Length == 1)
                {
                    if (batched && !(allowParameterElement && role == SpanRole.W))
                    {
                        Report(DiagnosticDescriptors.BatchedUnsupported, reference.Syntax, "Reading one element ('" + Abbreviate(reference.Syntax) + "')", ScalarCodeHint);
                        return null;
                    }

                    Expr? index = Index(reference.Arguments[0].Value, role);
                    if (index is null)
                    {
                        return null;
                    }

                    if (role == SpanRole.Y)
                    {
                        outputAccesses.Add(new OutputAccess(isWrite: false, index is Literal literal ? (int)literal.Value : null, reference.Syntax, InControlFlow));
                    }

                    var span = new SpanRef(role, IrType.SpanOf(element, readOnly: role != SpanRole.Y));
                    return new Element(span, index, resultType);
                }

                Unsupported(reference, "The indexer '" + Abbreviate(reference.Syntax) + "'", "index the method's spans, or arrays of the type's data");
                return null;
            }

            if (reference.Instance is IParameterReferenceOperation { Parameter: var spanParameter } && SpanRoleOf(spanParameter) is { } spanRole)
            {
                if (reference.Property.Name == "Length")
                {
                    return new SpanLength(spanRole);
                }

                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "use " + spanParameter.Name + ".Length, the type's sizes or constants");
                return null;
            }

            if (reference.Property.Name == "Length" && reference.Instance?.Type is IArrayTypeSymbol && resultType == IrType.Int)
            {
                Expr? array = DataArray(reference.Instance, depth);
                return array is LayerData data ? new LayerData(data.Code + ".Length", IrType.Int) : null;
            }

            return Member(reference, reference.Property, reference.Instance, resultType);
        }

        private Expr? ArrayElement(IArrayElementReferenceOperation reference, IrType resultType, int depth)
        {
            if (reference.Indices.Length != 1)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "index one-dimensional arrays of the type's data");
                return null;
            }

            Expr? array = DataArray(reference.ArrayReference, depth);
            if (array is null)
            {
                return null;
            }

            Expr? index = Expression(reference.Indices[0], depth + 1);
            if (index is null)
            {
                return null;
            }

            if (index.Type != IrType.Int)
            {
                Unsupported(reference, "The index '" + Abbreviate(reference.Indices[0].Syntax) + "'", "index with an int");
                return null;
            }

            return new Element(array, index, resultType);
        }

        /// <summary>An array of the type's data (<c>this.targets</c>, a property, a primary-constructor parameter) as <see cref="LayerData"/>.</summary>
        private Expr? DataArray(IOperation reference, int depth)
        {
            if (reference.Type is not IArrayTypeSymbol { Rank: 1 } array || NumericType(array.ElementType) is not { } elementType)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "read arrays of int, float or double data of the type");
                return null;
            }

            IrType arrayType = IrType.SpanOf(elementType.Scalar, readOnly: true);
            Expr? data = reference switch
            {
                IFieldReferenceOperation field => kind == BodyKind.Helper ? null : MemberData(field.Field, field.Instance, arrayType),
                IPropertyReferenceOperation property when !property.Property.IsIndexer => kind == BodyKind.Helper ? null : MemberData(property.Property, property.Instance, arrayType),
                IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter }
                    when kind != BodyKind.Helper && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type) =>
                    new LayerData(Identifier(parameter.Name), arrayType),
                _ => null,
            };
            if (data is null)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "read arrays that are fields, properties or primary-constructor parameters of the type itself");
            }
            else if (reference is IParameterReferenceOperation parameterReference)
            {
                reserved.Add(parameterReference.Parameter.Name);
            }

            return data;
        }

        /// <summary>A field or property of the type, read as non-differentiable data.</summary>
        private Expr? Member(IOperation reference, ISymbol member, IOperation? instance, IrType resultType)
        {
            Expr? data = kind == BodyKind.Helper ? null : MemberData(member, instance, resultType);
            if (data is null)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'",
                    kind == BodyKind.Helper
                        ? "a helper reads only its parameters, locals and constants"
                        : "read fields and properties of the type itself (this.name), its constants, or constants of other types");
            }

            return data;
        }

        private Expr? MemberData(ISymbol member, IOperation? instance, IrType resultType)
        {
            bool ownType = IsOwnMember(member);
            if (!member.IsStatic && ownType && instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            {
                return new LayerData("this." + Identifier(member.Name), resultType);
            }

            if (member.IsStatic && ownType)
            {
                return new LayerData(Qualified(member), resultType);
            }

            return null;
        }

        private bool IsOwnMember(ISymbol member)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(member.ContainingType.OriginalDefinition, current.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        private static string Qualified(ISymbol member) =>
            member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Identifier(member.Name);

        private static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) is SyntaxKind.GlobalKeyword
                ? "@" + name
                : name;

        private Expr? Invocation(IInvocationOperation invocation, IrType resultType, int depth)
        {
            IMethodSymbol target = invocation.TargetMethod;
            string name = target.ContainingType.Name + "." + target.Name;
            if (SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, method.OriginalDefinition))
            {
                Report(DiagnosticDescriptors.Recursion, invocation.Syntax, method.Name);
                return null;
            }

            if (IsOps(target) || TakesSpans(target))
            {
                return SpanCall(invocation, resultType, depth);
            }

            string? container = target.ContainingType.ToDisplayString();
            bool isMath = target.IsStatic && (container == "System.Math" || container == "System.MathF");
            if (!isMath && helpers is not null && HelperParser.IsHelper(target))
            {
                HelperModel? helper = helpers.Resolve(target, invocation, diagnostics);
                if (helper is null)
                {
                    return null;
                }

                Expr[]? helperArgs = Arguments(invocation, depth);
                if (helperArgs is null)
                {
                    return null;
                }

                if (!calledHelpers.Contains(helper))
                {
                    calledHelpers.Add(helper);
                }

                return new Call(helper.Method, helper.ElementType, new EquatableArray<Expr>(helperArgs));
            }

            DerivativeRule? rule = isMath ? DerivativeRules.FindFunction(target.Name) : null;
            bool realSignature = resultType.IsReal && target.Parameters.All(p => RealType(p.Type) == resultType && p.RefKind == RefKind.None);
            if (rule is null || !realSignature || rule.Arity != target.Parameters.Length)
            {
                Report(DiagnosticDescriptors.NoDerivativeRule, invocation.Syntax, name, DerivativeRules.FunctionList + " (or MathF.…)");
                return null;
            }

            Expr[]? args = Arguments(invocation, depth);
            return args is null ? null : new Apply(rule.Op, resultType, new EquatableArray<Expr>(args));
        }

        private Expr[]? Arguments(IInvocationOperation invocation, int depth)
        {
            var args = new Expr[invocation.TargetMethod.Parameters.Length];
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter is null || argument.ArgumentKind != ArgumentKind.Explicit)
                {
                    Unsupported(invocation, "The call '" + Abbreviate(invocation.Syntax) + "'", "pass each argument once");
                    return null;
                }

                Expr? value = Expression(argument.Value, depth + 1);
                if (value is null)
                {
                    return null;
                }

                args[argument.Parameter.Ordinal] = value;
            }

            return args;
        }

        // ---- indices -----------------------------------------------------------------------------------

        private Expr? Index(IOperation index, SpanRole role)
        {
            if (index.Type?.SpecialType != SpecialType.System_Int32)
            {
                Unsupported(index, "The index '" + Abbreviate(index.Syntax) + "'", "index with an int (an index from the end, ^i, or a range is not supported)");
                return null;
            }

            if (index.ConstantValue.HasValue)
            {
                int value = (int)index.ConstantValue.Value!;
                int? size = kind != BodyKind.Layer ? null : role switch
                {
                    SpanRole.W => sizes.Parameters,
                    SpanRole.X => sizes.Inputs,
                    _ => sizes.Outputs,
                };
                string spanName = kind == BodyKind.Layer ? method.Parameters[(int)role].Name : method.Parameters[0].Name;
                if (value < 0 || (size is not null && value >= size))
                {
                    string holds = size is null ? "indices start at 0" : "it holds " + size.Value.ToString(CultureInfo.InvariantCulture) + " values per sample";
                    string range = size is null ? "0 or more" : "from 0 to " + (size.Value - 1).ToString(CultureInfo.InvariantCulture);
                    Report(DiagnosticDescriptors.IndexOutOfRange, index.Syntax, value.ToString(CultureInfo.InvariantCulture), spanName, holds, range);
                    return null;
                }

                return new Literal(IrType.Int, value);
            }

            return Expression(index, 1);
        }

        // ---- checks on the whole body ----------------------------------------------------------------

        private void CheckOutputs()
        {
            if (kind != BodyKind.Layer || outputAccesses.Any(a => a.Index is null || a.InControlFlow))
            {
                // y is indexed at run time or inside loops and branches: the generated forward passes clear y before the body runs.
                return;
            }

            var written = new HashSet<int>();
            foreach (OutputAccess access in outputAccesses)
            {
                if (access.IsWrite)
                {
                    written.Add(access.Index!.Value);
                }
                else if (!written.Contains(access.Index!.Value))
                {
                    Report(DiagnosticDescriptors.OutputReadBeforeWritten, access.Node,
                        method.Parameters[2].Name + "[" + access.Index.Value.ToString(CultureInfo.InvariantCulture) + "]");
                    written.Add(access.Index.Value);
                }
            }

            if (sizes.Outputs is int outputs && !diagnostics.Any(IsError))
            {
                string yName = method.Parameters[2].Name;
                List<string> missing = Enumerable.Range(0, outputs).Where(i => !written.Contains(i))
                    .Select(i => yName + "[" + i.ToString(CultureInfo.InvariantCulture) + "]").ToList();
                if (missing.Count > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.OutputNeverWritten,
                        LocationInfo.From(methodSyntax!.Identifier),
                        method.Name,
                        string.Join(", ", missing),
                        missing[0]));
                }
            }
        }
    }
}
