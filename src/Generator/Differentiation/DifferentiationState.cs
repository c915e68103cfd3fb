using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// What the passes of <see cref="Differentiator"/> share for one body, and nothing else: the inputs fixed for the
    /// run, then, grouped by the pass that writes them, the region tree and value table (lowering), the reverse loops
    /// and branches (reverse sweep), the cursor (tape layout) and the branch padding (taped forward). Each pass keeps
    /// its own working data to itself; the per-value facts the passes hand on (live, restored, pushed, tape slot,
    /// adjoint) are on the <see cref="Value"/>s of the tree.
    /// </summary>
    internal sealed class DifferentiationState
    {
        public DifferentiationState(
            IrType element,
            IEnumerable<string> reserved,
            IEnumerable<ConstantDeclaration> constants,
            bool layerMode,
            bool arrayMode,
            IEnumerable<string> parameters,
            IEnumerable<HelperModel> helpers,
            LayerSizes? sizes,
            RuleTable rules,
            DifferentiatorSteps steps)
        {
            Element = element;
            LayerMode = layerMode;
            ArrayMode = arrayMode;
            Sizes = sizes;
            Rules = rules;
            Steps = steps;
            Constants = new HashSet<string>(constants.Select(c => c.Name), StringComparer.Ordinal);
            Parameters = new HashSet<string>(parameters, StringComparer.Ordinal);
            Names = new NameTable(reserved.Concat(Constants).Concat(Parameters));
            ParameterAdjoints = Parameters.ToDictionary(p => p, p => p, StringComparer.Ordinal);
            Helpers = new Dictionary<string, HelperModel>(StringComparer.Ordinal);
            foreach (HelperModel helper in helpers)
            {
                Helpers[helper.Method] = helper;
            }
        }

        // ----- Inputs, fixed for the run -----

        /// <summary>The element type of w, x, y and the tape.</summary>
        public IrType Element { get; }

        /// <summary>The names of the generated code (every pass that declares a local takes its name here, in pass order).</summary>
        public NameTable Names { get; }

        public RuleTable Rules { get; }

        public DifferentiatorSteps Steps { get; }

        /// <summary>A layer's sample (writes y) rather than an objective or a helper (returns a value).</summary>
        public bool LayerMode { get; }

        /// <summary>y is one array value: read back, written at a run-time index, or touched inside a loop or branch.</summary>
        public bool ArrayMode { get; }

        /// <summary>The sizes the attribute fixes (layers only).</summary>
        public LayerSizes? Sizes { get; }

        /// <summary>The local constants of the body (never differentiated).</summary>
        public HashSet<string> Constants { get; }

        /// <summary>A helper's parameters (its differentiable inputs).</summary>
        public HashSet<string> Parameters { get; }

        /// <summary>Where each parameter's adjoint goes (a helper's <c>out</c> parameters).</summary>
        public Dictionary<string, string> ParameterAdjoints { get; }

        /// <summary>The helpers the body may call, by method name.</summary>
        public Dictionary<string, HelperModel> Helpers { get; }

        // ----- Written by the lowering (pass 1), its varying sets settled by pass 2, pruned by the dead values (pass 3) -----

        /// <summary>The body's region (loop bodies and branch arms nest in it).</summary>
        public Region Top { get; } = new(null);

        /// <summary>Every value by name (the lowering's, and the temporaries the reverse sweep binds).</summary>
        public Dictionary<string, Value> ByName { get; } = new(StringComparer.Ordinal);

        /// <summary>The loop and carried local of each phi and loop result.</summary>
        public Dictionary<Value, (LoopItem Loop, Carried Carried)> CarriedOf { get; } = new(ValueIdentity.Instance);

        /// <summary>The branch and merge of each merge value.</summary>
        public Dictionary<Value, (IfItem Branch, Merge Merge)> MergeOf { get; } = new(ValueIdentity.Instance);

        /// <summary>The final version of each y[i] (element-wise outputs).</summary>
        public Dictionary<int, Value> Outputs { get; } = new();

        /// <summary>The returned value (objectives and helpers).</summary>
        public Value? Result { get; set; }

        /// <summary>The scratch arrays the body declares, by name, in declaration order.</summary>
        public List<ScratchArray> Scratch { get; } = new();

        /// <summary>y or scratch arrays are memory the reverse pass keeps adjoint buffers of: every adjoint is computed for both gradients.</summary>
        public bool HasMemory => ArrayMode || Scratch.Count > 0;

        /// <summary>Element <paramref name="index"/> of y (<paramref name="memory"/> null) or of a scratch array.</summary>
        public Element MemoryElement(Expr? memory, Expr index) =>
            memory is null ? ElementOf(SpanRole.Y, index, Element) : new Element(memory, index, Element);

        /// <summary>The adjoint of element <paramref name="index"/> of y (<paramref name="memory"/> null) or of a scratch array.</summary>
        public Element MemoryAdjoint(Expr? memory, Expr index) =>
            memory is Local scratch
                ? new Element(new Local(Scratch.First(a => a.Name == scratch.Name).AdjointName, WritableSpan), index, Element)
                : ElementOf(SpanRole.OutputAdjoint, index, Element);

        // ----- Written by the reverse sweep (pass 4), read by the reverse variants (pass 8) -----

        /// <summary>The loop each reverse loop reverses.</summary>
        public Dictionary<Stmt, LoopItem> ReverseLoops { get; } = new(ReferenceComparer.Instance);

        /// <summary>The branch each reverse branch replays.</summary>
        public Dictionary<Stmt, IfItem> ReverseBranches { get; } = new(ReferenceComparer.Instance);

        // ----- Written by the tape layout (pass 6) -----

        /// <summary>A loop records values: a cursor moves through the tape (else every recorded value has a fixed slot).</summary>
        public bool CursorMode { get; set; }

        /// <summary>The cursor's local (cursor mode only).</summary>
        public string Cursor { get; set; } = string.Empty;

        // ----- Written by the taped forward (pass 7), read by the reverse variants (pass 8) -----

        /// <summary>The cursor steps that pad each arm of an if/else to the room of the larger one, with the statements computing them.</summary>
        public Dictionary<IfItem, (Expr Then, Expr Else, List<Stmt> Prelude)> BranchPads { get; } = new();

        private readonly Dictionary<SpanRole, SpanRef> spanRefs = new();
        private CursorStep? pushStep;
        private CursorStep? popStep;

        // ----- Small IR helpers -----

        public IrType ReadOnlySpan => IrType.SpanOf(Element.Scalar, readOnly: true);

        public IrType WritableSpan => IrType.SpanOf(Element.Scalar, readOnly: false);

        public static Literal IntLiteral(int value) => new(IrType.Int, value);

        public static Literal Zero(IrType type) => new(type, 0);

        /// <summary>Element <paramref name="index"/> of the span of <paramref name="role"/>.</summary>
        /// <remarks>
        /// The span's reference is made once per role and shared (the IR is immutable): a new one, with its type, at every
        /// tape store and read was a large share of the passes' allocations in a large body.
        /// </remarks>
        public Element ElementOf(SpanRole role, Expr index, IrType type)
        {
            if (!spanRefs.TryGetValue(role, out SpanRef? span))
            {
                bool readOnly = role is SpanRole.W or SpanRole.X or SpanRole.Lambda;
                spanRefs[role] = span = new SpanRef(role, IrType.SpanOf(Element.Scalar, readOnly));
            }

            return new Element(span, index, type);
        }

        /// <summary>The step of <see cref="Cursor"/> forward (a push) or back (a pop), made once per cursor name and shared.</summary>
        public CursorStep CursorStepOf(bool push)
        {
            if (push)
            {
                return pushStep is { } step && step.Cursor == Cursor ? step : pushStep = new CursorStep(Cursor, Push: true);
            }

            return popStep is { } back && back.Cursor == Cursor ? back : popStep = new CursorStep(Cursor, Push: false);
        }

        /// <summary>Adds <paramref name="value"/> to the value table.</summary>
        public Value Register(Value value)
        {
            ByName[value.Name] = value;
            return value;
        }

        /// <summary>Compares statements by reference (records compare by value).</summary>
        private sealed class ReferenceComparer : IEqualityComparer<Stmt>
        {
            public static readonly ReferenceComparer Instance = new();

            public bool Equals(Stmt? x, Stmt? y) => ReferenceEquals(x, y);

            public int GetHashCode(Stmt obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
