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

        /// <summary>Per method (the root of its operations): the locals written inside a <c>while</c> or <c>do</c> loop (<see cref="WrittenInWhileLoop"/>).</summary>
        private readonly Dictionary<IOperation, HashSet<ILocalSymbol>> writtenInWhileLoops = new();

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
        private readonly bool readsBatchedSyntax;

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
            bool batched = false,
            bool readsBatchedSyntax = false)
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
            this.readsBatchedSyntax = readsBatchedSyntax;
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
            public Analysis.TensorGraph? Graph { get; set; }
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
            public ControlScope(ILocalSymbol? loopIndex, bool isLoop = false, string? unboundedStop = null) =>
                (LoopIndex, IsLoop, UnboundedStop) = (loopIndex, isLoop || loopIndex is not null, unboundedStop);

            /// <summary>The index of the loop whose body this is, or null for a branch arm (or a while/do loop, which has none).</summary>
            public ILocalSymbol? LoopIndex { get; }

            /// <summary>Whether this is a loop body (for, foreach, while or do).</summary>
            public bool IsLoop { get; }

            /// <summary>
            /// For the body of a <c>while</c> or <c>do</c> loop with no trip bound: its stop flag, which a <c>return</c>
            /// inside it must set too, since nothing else ends its trips (<c>BodyParser.UnboundedLoops.cs</c>).
            /// </summary>
            public string? UnboundedStop { get; }
        }

        public Output? Parse(MethodDeclarationSyntax syntax)
        {
            methodSyntax = syntax;
            if (syntax.ContainsDiagnostics)
            {
                return null;
            }

            if (TryReadBatchedSyntax(syntax, out Output? read))
            {
                return read;
            }

            if (TryReadPerSampleSyntax(syntax, out Output? perSample))
            {
                return perSample;
            }

            if (WithoutNullableAnalysis(semanticModel, syntax.SyntaxTree).GetOperation(syntax, cancellationToken) is not IMethodBodyOperation operation)
            {
                return null;
            }

            IBlockOperation? block = operation.BlockBody ?? operation.ExpressionBody;
            if (block is null)
            {
                return null;
            }

            BodySurvey survey = Survey(block, findCarried: !batched);
            if (survey.HasErrors)
            {
                return null;
            }

            methodBlock = block;

            // Reserve every local and parameter name first, so that renamed duplicates cannot take a user's name.
            foreach (ILocalSymbol local in survey.Declared)
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
            Analysis.TensorGraph? graph = null;
            if (kind == BodyKind.Layer && batched)
            {
                BatchedSequence(block.Operations, body);
                if (!diagnostics.Skip(errorsBefore).Any(IsError))
                {
                    graph = CheckGraph(body);
                }
            }
            else if (kind == BodyKind.Layer && survey.MayJump && block.Operations.Any(Jumps))
            {
                topLevelBody = body;
                JumpingSequence(Flatten(block).ToList(), 0, body);
            }
            else if (kind == BodyKind.Layer)
            {
                topLevelBody = body;
                Sequence(block.Operations, body, topLevel: true);
            }
            else
            {
                topLevelBody = body;
                ReturningBody(block, body);
            }

            if (!batched)
            {
                CheckOutputs();
                WordPerSampleHints(block, errorsBefore);
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
                if (IsErrorNode(op))
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

        private bool InLoop => scopes.Any(s => s.IsLoop);

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
