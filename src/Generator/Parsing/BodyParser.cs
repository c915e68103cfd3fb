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
    /// <summary>
    /// Turns the body of a <c>[MoreauLayer]</c> method (its <see cref="IOperation"/> tree) into IR statements,
    /// reporting everything outside the supported subset at the offending node. A body with compiler errors
    /// yields nothing and no diagnostics (the compiler already reports them).
    /// </summary>
    internal sealed class BodyParser
    {
        /// <summary>Expressions nested deeper than this are reported (and keep the generator's recursion bounded).</summary>
        internal const int MaxDepth = 100;

        private const string LoopHint = "loops are not supported yet, so write the iterations out as straight-line statements";
        private const string BranchHint = "branches are not supported yet; piecewise expressions can use Math.Max, Math.Min or Math.Abs";

        private readonly SemanticModel semanticModel;
        private readonly IMethodSymbol method;
        private readonly INamedTypeSymbol type;
        private readonly ScalarKind element;
        private readonly LayerSizes sizes;
        private readonly List<DiagnosticInfo> diagnostics;
        private readonly CancellationToken cancellationToken;

        private readonly List<Stmt> body = new();
        private readonly List<ConstantDeclaration> constants = new();
        private readonly Dictionary<ILocalSymbol, string> localNames = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ILocalSymbol> rejectedLocals = new(SymbolEqualityComparer.Default);
        private readonly HashSet<string> reserved = new(StringComparer.Ordinal);
        private readonly List<OutputAccess> outputAccesses = new();
        private MethodDeclarationSyntax? methodSyntax;

        public BodyParser(
            SemanticModel semanticModel,
            IMethodSymbol method,
            INamedTypeSymbol type,
            ScalarKind element,
            LayerSizes sizes,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            this.semanticModel = semanticModel;
            this.method = method;
            this.type = type;
            this.element = element;
            this.sizes = sizes;
            this.diagnostics = diagnostics;
            this.cancellationToken = cancellationToken;
        }

        /// <summary>What the body parser found.</summary>
        internal sealed class Output
        {
            public Output(List<Stmt> body, List<ConstantDeclaration> constants, List<string> reservedNames)
            {
                Body = body;
                Constants = constants;
                ReservedNames = reservedNames;
            }

            public List<Stmt> Body { get; }

            public List<ConstantDeclaration> Constants { get; }

            public List<string> ReservedNames { get; }
        }

        /// <summary>A read or write of y, in program order, for the checks that need the whole body.</summary>
        private sealed class OutputAccess
        {
            public OutputAccess(bool isWrite, int? index, SyntaxNode node)
            {
                IsWrite = isWrite;
                Index = index;
                Node = node;
            }

            public bool IsWrite { get; }

            public int? Index { get; }

            public SyntaxNode Node { get; }
        }

        public Output? Parse(MethodDeclarationSyntax syntax)
        {
            methodSyntax = syntax;
            if (syntax.ContainsDiagnostics)
            {
                return null;
            }

            if (semanticModel.GetOperation(syntax, cancellationToken) is not IMethodBodyOperation operation)
            {
                return null;
            }

            IBlockOperation? block = operation.BlockBody ?? operation.ExpressionBody;
            if (block is null || HasErrors(block))
            {
                return null;
            }

            // Reserve every local name first, so that renamed duplicates cannot take a user's name.
            foreach (ILocalSymbol local in block.Descendants().OfType<IVariableDeclaratorOperation>().Select(d => d.Symbol))
            {
                reserved.Add(local.Name);
            }

            int errorsBefore = diagnostics.Count;
            Statements(block, topLevel: true);
            CheckOutputs();
            if (diagnostics.Count > errorsBefore && diagnostics.Skip(errorsBefore).Any(IsError))
            {
                return null;
            }

            return new Output(body, constants, reserved.OrderBy(n => n, StringComparer.Ordinal).ToList());
        }

        private static bool IsError(DiagnosticInfo info) =>
            DiagnosticDescriptors.Get(info.Id).DefaultSeverity == DiagnosticSeverity.Error;

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

        private void Unsupported(IOperation op, string what, string hint) =>
            Report(DiagnosticDescriptors.UnsupportedExpression, op.Syntax, what, hint);

        // ---- statements -------------------------------------------------------------------------------

        private void Statements(IBlockOperation block, bool topLevel)
        {
            for (int i = 0; i < block.Operations.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IOperation statement = block.Operations[i];
                bool last = topLevel && i == block.Operations.Length - 1;
                Statement(statement, last);
            }
        }

        private void Statement(IOperation statement, bool lastTopLevel)
        {
            switch (statement)
            {
                case IBlockOperation nested:
                    Statements(nested, topLevel: false);
                    break;
                case IVariableDeclarationGroupOperation group:
                    foreach (IVariableDeclarationOperation declaration in group.Declarations)
                    {
                        foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                        {
                            LocalDeclaration(declarator, declaration);
                        }
                    }

                    break;
                case IExpressionStatementOperation expressionStatement:
                    ExpressionStatement(expressionStatement);
                    break;
                case IEmptyOperation:
                    break;
                case IReturnOperation { ReturnedValue: null } ret when ret.IsImplicit || lastTopLevel:
                    break;
                default:
                    ReportStatement(statement);
                    break;
            }
        }

        private void ReportStatement(IOperation statement)
        {
            (string what, string hint) = statement.Syntax.Kind() switch
            {
                SyntaxKind.ForStatement => ("A 'for' loop", LoopHint),
                SyntaxKind.ForEachStatement or SyntaxKind.ForEachVariableStatement => ("A 'foreach' loop", LoopHint),
                SyntaxKind.WhileStatement => ("A 'while' loop", LoopHint),
                SyntaxKind.DoStatement => ("A 'do' loop", LoopHint),
                SyntaxKind.IfStatement => ("An 'if' statement", BranchHint),
                SyntaxKind.SwitchStatement => ("A 'switch' statement", BranchHint),
                SyntaxKind.ReturnStatement => ("A 'return' before the end of the method", "end the method after the last assignment instead"),
                SyntaxKind.LocalFunctionStatement => ("A local function", "write its computation inline"),
                SyntaxKind.TryStatement => ("A 'try' statement", "a layer body cannot handle exceptions; remove it"),
                SyntaxKind.ThrowStatement => ("A 'throw' statement", "validate inputs outside the layer"),
                _ => ("The statement '" + Abbreviate(statement.Syntax) + "'", "write straight-line declarations of float or double locals and assignments to them and to y[i]"),
            };
            Report(DiagnosticDescriptors.UnsupportedStatement, statement.Syntax, what, hint);
        }

        private static string Abbreviate(SyntaxNode node)
        {
            string text = node.ToString().Replace('\r', ' ').Replace('\n', ' ');
            return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
        }

        private void LocalDeclaration(IVariableDeclaratorOperation declarator, IVariableDeclarationOperation declaration)
        {
            ILocalSymbol local = declarator.Symbol;
            IOperation? initializer = declarator.Initializer?.Value ?? declaration.Initializer?.Value;
            IrType? localType = RealType(local.Type);

            if (local.IsRef)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax, "A ref local", "declare a plain float or double local");
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
                else if (local.Type.SpecialType != SpecialType.System_Int32)
                {
                    Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax,
                        "A constant of type '" + local.Type.ToDisplayString() + "'", "use const float, const double or const int");
                }

                return;
            }

            if (localType is null)
            {
                rejectedLocals.Add(local);
                string hint = local.Type.SpecialType == SpecialType.System_Int32
                    ? "integer locals are not supported yet; make the value a 'const int' or write the integer expression where it is used"
                    : "declare locals of type float or double (span locals are not supported yet)";
                Report(DiagnosticDescriptors.UnsupportedStatement, declarator.Syntax, "A local of type '" + local.Type.ToDisplayString() + "'", hint);
                return;
            }

            Expr? value = null;
            if (initializer is not null)
            {
                value = Expression(initializer, 0);
                if (value is null)
                {
                    return;
                }
            }

            body.Add(new Declare(localType, NameOf(local), value));
        }

        private string NameOf(ILocalSymbol local)
        {
            if (localNames.TryGetValue(local, out string? name))
            {
                return name;
            }

            // Locals of sibling blocks may share a name; the generated code flattens blocks, so give later ones a suffix.
            name = local.Name;
            if (localNames.Values.Contains(name))
            {
                int k = 2;
                while (reserved.Contains(local.Name + "_" + k) || localNames.Values.Contains(local.Name + "_" + k))
                {
                    k++;
                }

                name = local.Name + "_" + k;
            }

            localNames.Add(local, name);
            reserved.Add(name);
            return name;
        }

        private void ExpressionStatement(IExpressionStatementOperation statement)
        {
            switch (statement.Operation)
            {
                case ISimpleAssignmentOperation { IsRef: false } assignment:
                {
                    Expr? value = Expression(assignment.Value, 0);
                    Expr? target = Target(assignment.Target, isCompound: false);
                    if (value is not null && target is not null)
                    {
                        body.Add(new Assign(target, AssignKind.Assign, value));
                    }

                    break;
                }

                case ICompoundAssignmentOperation compound:
                    CompoundAssignment(compound);
                    break;
                case IIncrementOrDecrementOperation increment:
                    Report(DiagnosticDescriptors.UnsupportedStatement, increment.Syntax, "'" + Abbreviate(increment.Syntax) + "'", "write 'a += 1;' or 'a -= 1;'");
                    break;
                case IInvocationOperation invocation when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.OriginalDefinition, method.OriginalDefinition):
                    Report(DiagnosticDescriptors.Recursion, invocation.Syntax, method.Name);
                    break;
                case IInvocationOperation invocation:
                    Report(DiagnosticDescriptors.UnsupportedStatement, invocation.Syntax, "A call whose result is discarded",
                        "assign the result to a local or to y[i]");
                    break;
                default:
                    Report(DiagnosticDescriptors.UnsupportedStatement, statement.Syntax, "The statement '" + Abbreviate(statement.Syntax) + "'",
                        "write assignments to float or double locals and to y[i]");
                    break;
            }
        }

        private void CompoundAssignment(ICompoundAssignmentOperation compound)
        {
            AssignKind? kind = compound.OperatorKind switch
            {
                BinaryOperatorKind.Add => AssignKind.Add,
                BinaryOperatorKind.Subtract => AssignKind.Subtract,
                BinaryOperatorKind.Multiply => AssignKind.Multiply,
                BinaryOperatorKind.Divide => AssignKind.Divide,
                _ => null,
            };
            if (kind is null || compound.OperatorMethod is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, compound.Syntax, "The compound assignment '" + Abbreviate(compound.Syntax) + "'",
                    "use =, +=, -=, *= or /= on float or double values");
                return;
            }

            Expr? value = Expression(compound.Value, 0);
            Expr? target = Target(compound.Target, isCompound: true);
            if (value is null || target is null)
            {
                return;
            }

            // C# evaluates 'a op= b' as 'a = (A)(a op b)' with b (and a) promoted to the operator's type.
            IrType operatorType = Wider(target.Type, value.Type);
            if (operatorType == target.Type)
            {
                body.Add(new Assign(target, kind.Value, ConvertTo(value, operatorType)));
                return;
            }

            Op op = kind.Value switch
            {
                AssignKind.Add => Op.Add,
                AssignKind.Subtract => Op.Subtract,
                AssignKind.Multiply => Op.Multiply,
                _ => Op.Divide,
            };
            Expr combined = new Apply(op, operatorType, EquatableArray.Of(ConvertTo(target, operatorType), value));
            body.Add(new Assign(target, AssignKind.Assign, ConvertTo(combined, target.Type)));
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
                case ILocalReferenceOperation { Local: { IsConst: false } local } when RealType(local.Type) is { } localType:
                    return new Local(NameOf(local), localType);
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
                        outputAccesses.Add(new OutputAccess(isWrite: false, constant, indexer.Syntax));
                    }

                    outputAccesses.Add(new OutputAccess(isWrite: true, constant, indexer.Syntax));
                    return new Element(new SpanRef(SpanRole.Y, IrType.SpanOf(element, readOnly: false)), index, IrType.ScalarOf(element));
                }

                default:
                    Report(DiagnosticDescriptors.UnsupportedExpression, target.Syntax, "Assigning to '" + Abbreviate(target.Syntax) + "'",
                        "assign only to float or double locals and to the output's elements y[i]");
                    return null;
            }
        }

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

            return parameter.Ordinal switch
            {
                0 => SpanRole.W,
                1 => SpanRole.X,
                _ => SpanRole.Y,
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
                Unsupported(op, "A value of type '" + typeName + "' ('" + Abbreviate(op.Syntax) + "')",
                    "compute with float, double or (for indices) int values");
                return null;
            }

            switch (op)
            {
                case ILiteralOperation literal when literal.ConstantValue.HasValue:
                    return new Literal(resultType, Convert.ToDouble(literal.ConstantValue.Value, CultureInfo.InvariantCulture));

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
                    return PropertyReference(property, resultType);

                case IInvocationOperation invocation:
                    return Invocation(invocation, resultType, depth);

                case IConditionalOperation:
                    Unsupported(op, "A conditional expression", BranchHint);
                    return null;

                case IAssignmentOperation:
                    Unsupported(op, "An assignment inside an expression", "write the assignment as a statement of its own");
                    return null;

                case IIncrementOrDecrementOperation:
                    Unsupported(op, "'" + Abbreviate(op.Syntax) + "'", "write 'a += 1;' as a statement of its own");
                    return null;

                default:
                    Unsupported(op, "'" + Abbreviate(op.Syntax) + "'",
                        "use arithmetic (+ - * /), Math/MathF functions, locals, w[i], x[i], y[i] and the layer's fields or constants");
                    return null;
            }
        }

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
                bool comparison = binary.OperatorKind is BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or
                    BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual or BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals;
                Unsupported(binary, "The operator in '" + Abbreviate(binary.Syntax) + "'",
                    comparison ? BranchHint : "use +, -, * and / (and % on integer indices)");
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

            if (!localNames.ContainsKey(local) || !resultType.IsReal)
            {
                Unsupported(reference, "The local '" + local.Name + "'", "read only float or double locals declared in the method");
                return null;
            }

            return new Local(NameOf(local), resultType);
        }

        private Expr? ParameterReference(IParameterReferenceOperation reference, IrType resultType)
        {
            IParameterSymbol parameter = reference.Parameter;
            if (SpanRoleOf(parameter) is not null)
            {
                Unsupported(reference, "Using the span '" + parameter.Name + "' as a value", "read its elements, " + parameter.Name + "[i]");
                return null;
            }

            if (parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor &&
                SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type))
            {
                reserved.Add(parameter.Name);
                return new LayerData(Identifier(parameter.Name), resultType);
            }

            Unsupported(reference, "The parameter '" + parameter.Name + "'", "read the layer's data through fields, properties or primary-constructor parameters");
            return null;
        }

        private Expr? FieldReference(IFieldReferenceOperation reference, IrType resultType)
        {
            IFieldSymbol field = reference.Field;
            if (field.IsConst)
            {
                if (resultType == IrType.Int && reference.ConstantValue.HasValue)
                {
                    return IntConstant(reference);
                }

                return new LayerData(Qualified(field), resultType);
            }

            return Member(reference, field, reference.Instance, resultType);
        }

        private Expr? PropertyReference(IPropertyReferenceOperation reference, IrType resultType)
        {
            if (reference.Property.IsIndexer)
            {
                if (reference.Instance is IParameterReferenceOperation { Parameter: var parameter } && SpanRoleOf(parameter) is { } role &&
                    reference.Arguments.Length == 1)
                {
                    Expr? index = Index(reference.Arguments[0].Value, role);
                    if (index is null)
                    {
                        return null;
                    }

                    if (role == SpanRole.Y)
                    {
                        outputAccesses.Add(new OutputAccess(isWrite: false, index is Literal literal ? (int)literal.Value : null, reference.Syntax));
                    }

                    var span = new SpanRef(role, IrType.SpanOf(element, readOnly: role != SpanRole.Y));
                    return new Element(span, index, resultType);
                }

                Unsupported(reference, "The indexer '" + Abbreviate(reference.Syntax) + "'", "index only the method's spans w, x and y");
                return null;
            }

            if (reference.Instance is IParameterReferenceOperation { Parameter: var spanParameter } && SpanRoleOf(spanParameter) is not null)
            {
                Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'", "use the sizes ParameterCount, InputCount or OutputCount (or constants)");
                return null;
            }

            return Member(reference, reference.Property, reference.Instance, resultType);
        }

        /// <summary>A field or property of the layer type, read as non-differentiable data.</summary>
        private Expr? Member(IOperation reference, ISymbol member, IOperation? instance, IrType resultType)
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

            Unsupported(reference, "'" + Abbreviate(reference.Syntax) + "'",
                "read fields and properties of the layer itself (this.name), its constants, or constants of other types");
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

            string? container = target.ContainingType.ToDisplayString();
            DerivativeRule? rule = target.IsStatic && (container == "System.Math" || container == "System.MathF")
                ? DerivativeRules.FindFunction(target.Name)
                : null;
            bool realSignature = resultType.IsReal && target.Parameters.All(p => RealType(p.Type) == resultType && p.RefKind == RefKind.None);
            if (rule is null || !realSignature || rule.Arity != target.Parameters.Length)
            {
                Report(DiagnosticDescriptors.NoDerivativeRule, invocation.Syntax, name, DerivativeRules.FunctionList + " (or MathF.…)");
                return null;
            }

            var args = new Expr[target.Parameters.Length];
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter is null)
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

            return new Apply(rule.Op, resultType, new EquatableArray<Expr>(args));
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
                int? size = role switch
                {
                    SpanRole.W => sizes.Parameters,
                    SpanRole.X => sizes.Inputs,
                    _ => sizes.Outputs,
                };
                string spanName = method.Parameters[(int)role].Name;
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
            if (outputAccesses.Any(a => a.Index is null))
            {
                // y is indexed at run time: the generated forward passes clear y before the body runs.
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
