using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Analysis
{
    /// <summary>The spans a batched body works on.</summary>
    internal enum SpanBufferKind
    {
        /// <summary>w (read only; its views are leaves with adjoints in gradW).</summary>
        Parameters,

        /// <summary>x (read only; its views are leaves with adjoints in gradX).</summary>
        Inputs,

        /// <summary>y (written; the adjoint of its final values is λ).</summary>
        Outputs,

        /// <summary>A temporary the body declares, <c>Span&lt;T&gt; h = new T[n];</c>.</summary>
        Temporary,
    }

    /// <summary>A span of the body: w, x, y or a temporary.</summary>
    internal sealed class SpanBuffer
    {
        public SpanBuffer(SpanBufferKind kind, string name, Expr length, Expr canonicalLength, SpanRole? role)
        {
            Kind = kind;
            Name = name;
            Length = length;
            CanonicalLength = canonicalLength;
            Role = role;
        }

        public SpanBufferKind Kind { get; }

        /// <summary>The name in the user's code (the parameter or local).</summary>
        public string Name { get; }

        /// <summary>Its length as the body writes it (a temporary) or as a span length (w, x, y).</summary>
        public Expr Length { get; }

        public Expr CanonicalLength { get; }

        /// <summary>The span role of w, x or y; null for a temporary.</summary>
        public SpanRole? Role { get; }

        public bool IsLeaf => Kind is SpanBufferKind.Parameters or SpanBufferKind.Inputs;
    }

    /// <summary>A range [Start, End) of a buffer: the printed start and length, and canonical bounds for comparisons.</summary>
    internal sealed class SpanView
    {
        public SpanView(SpanBuffer buffer, Expr start, Expr length, Expr canonicalStart, Expr canonicalEnd)
        {
            Buffer = buffer;
            Start = start;
            Length = length;
            CanonicalStart = canonicalStart;
            CanonicalEnd = canonicalEnd;
        }

        public SpanBuffer Buffer { get; }

        /// <summary>The start, in the body's own int expressions (printable where the body's sizes are).</summary>
        public Expr Start { get; }

        /// <summary>The length, in the body's own int expressions.</summary>
        public Expr Length { get; }

        public Expr CanonicalStart { get; }

        public Expr CanonicalEnd { get; }

        /// <summary>A name for messages and generated locals: the span local it was first declared as, or null.</summary>
        public string? Name { get; set; }

        /// <summary>The expression it was first written as, in the user's names (for messages).</summary>
        public string Text { get; set; } = string.Empty;

        /// <summary>The whole buffer.</summary>
        public bool IsWhole => CanonicalStart is Literal { Value: 0 } && CanonicalEnd.Equals(Buffer.CanonicalLength);

        public bool SameRange(SpanView other) =>
            ReferenceEquals(Buffer, other.Buffer) && CanonicalStart.Equals(other.CanonicalStart) && CanonicalEnd.Equals(other.CanonicalEnd);

        /// <summary>
        /// Provably disjoint: one ends where the other starts, one ends at a constant at or before the constant the other
        /// starts at (<c>w[..12]</c> and <c>w[24..]</c>), or one is a constant empty range.
        /// </summary>
        public bool DisjointFrom(SpanView other)
        {
            if (!ReferenceEquals(Buffer, other.Buffer))
            {
                return true;
            }

            if (CanonicalEnd.Equals(other.CanonicalStart) || other.CanonicalEnd.Equals(CanonicalStart))
            {
                return true;
            }

            static bool EndsBefore(SpanView first, SpanView second) =>
                first.CanonicalEnd is Literal end && second.CanonicalStart is Literal start && end.Value <= start.Value;

            static bool Empty(SpanView view) =>
                view.CanonicalStart is Literal start && view.CanonicalEnd is Literal end && start.Value >= end.Value;

            return EndsBefore(this, other) || EndsBefore(other, this) || Empty(this) || Empty(other);
        }

        /// <summary>A short description for messages: <c>y</c>, <c>weights</c> or <c>w[a..b]</c>.</summary>
        public string Describe() => Name ?? (IsWhole ? Buffer.Name : Text);
    }

    /// <summary>
    /// One version of a view's contents: a leaf (a view of w or x), or what one call wrote into a view of y or of a
    /// temporary.
    /// </summary>
    internal sealed class SpanValue
    {
        public SpanValue(SpanView view, int version, TensorOperation? producer, Need varying, (int W, int X) degree)
        {
            View = view;
            Version = version;
            Producer = producer;
            Varying = varying;
            Degree = degree;
        }

        public SpanView View { get; }

        /// <summary>0 for a leaf, else 1, 2, … in the order the view is written.</summary>
        public int Version { get; }

        /// <summary>The call that wrote it; null for a leaf.</summary>
        public TensorOperation? Producer { get; }

        /// <summary>Which of w and x it depends on.</summary>
        public Need Varying { get; }

        /// <summary>Its polynomial degree in w and in x, capped at 2 (not affine).</summary>
        public (int W, int X) Degree { get; }

        public bool IsLeaf => Producer is null;

        /// <summary>No later call writes its view again.</summary>
        public bool IsFinal { get; set; }
    }

    /// <summary>An argument of a call: a span (its view and the value read or written) or an int, flag or scalar.</summary>
    internal sealed class TensorOperand
    {
        public TensorOperand(TensorParameter parameter, Expr argument)
        {
            Parameter = parameter;
            Argument = argument;
        }

        public TensorParameter Parameter { get; }

        /// <summary>The argument as the body wrote it.</summary>
        public Expr Argument { get; }

        public SpanView? View { get; set; }

        /// <summary>The value an input (or in-place) span holds when the call reads it.</summary>
        public SpanValue? Read { get; set; }

        /// <summary>For a scalar: <c>w[i]</c> (it has a derivative), else null.</summary>
        public Element? Differentiable { get; set; }
    }

    /// <summary>One Ops call of the body.</summary>
    internal sealed class TensorOperation
    {
        public TensorOperation(int statement, TensorCall call, TensorRule rule)
        {
            Statement = statement;
            Call = call;
            Rule = rule;
        }

        /// <summary>The index of the call among the body's statements.</summary>
        public int Statement { get; }

        public TensorCall Call { get; }

        public TensorRule Rule { get; }

        public List<TensorOperand> Operands { get; } = new();

        /// <summary>The value the call writes.</summary>
        public SpanValue Output { get; set; } = null!;

        public TensorOperand Operand(string parameter) => Operands[Rule.IndexOf(parameter)];

        /// <summary>The call as the user wrote it, for comments: <c>Ops.Relu(y, y)</c>.</summary>
        public CallComment Describe(IReadOnlyList<string> spanNames)
        {
            // Flags left at their default (false) at the end are left out, as the user would write the call.
            int count = Operands.Count;
            while (count > 0 && Operands[count - 1].Parameter.Kind == TensorParameterKind.Flag && Operands[count - 1].Argument is Literal { Value: 0 })
            {
                count--;
            }

            return new CallComment("Ops." + Rule.Method, Operands.Take(count).Select(o => o.Argument).ToList(), spanNames);
        }
    }

    /// <summary>What the graph cannot differentiate, with the statement (and argument) it is about.</summary>
    internal enum TensorProblemKind
    {
        /// <summary>A view of y or of a temporary is read before anything is written to it. Arguments: the span.</summary>
        ReadBeforeWritten,

        /// <summary>An input is the very span the call writes, which the operation does not allow. Arguments: operation, parameter, span.</summary>
        InPlaceNotAllowed,

        /// <summary>The output overlaps an input in part (or cannot be shown not to). Arguments: operation, output span, input span.</summary>
        OutputOverlapsInput,

        /// <summary>Two views of y or of a temporary overlap in part (or cannot be shown not to). Arguments: the two spans.</summary>
        ViewsOverlap,

        /// <summary>y is never written, or its written views cannot be shown to cover it (a warning). Arguments: the span y.</summary>
        OutputNotCovered,
    }

    internal sealed record TensorProblem(int Statement, int? Argument, TensorProblemKind Kind, string[] Arguments);
}
