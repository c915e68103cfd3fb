using System;
using System.Collections.Generic;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    // The differentiator's working data: the forward program in single-assignment form. It lives only inside
    // one call of the differentiator (mutable, never part of a pipeline model).

    /// <summary>Which gradients a value (or an adjoint statement) matters for.</summary>
    [Flags]
    internal enum Need
    {
        None = 0,
        W = 1,
        X = 2,
        Both = W | X,
    }

    /// <summary>Where a value comes from, which decides its name and whether it may be folded into its use.</summary>
    internal enum ValueKind
    {
        /// <summary>A version of a user local (keeps the user's name, never folded away).</summary>
        UserLocal,

        /// <summary>A version of y[i] (element-wise outputs).</summary>
        Output,

        /// <summary>A subexpression the reverse pass needs, a read of y, or a value stored to y at a run-time index.</summary>
        Temporary,
    }

    /// <summary>One value of the forward pass, assigned once.</summary>
    internal sealed class Value
    {
        public Value(string name, IrType type, Node definition, ValueKind kind)
        {
            Name = name;
            Type = type;
            Definition = definition;
            Kind = kind;
        }

        public string Name { get; }

        public IrType Type { get; }

        /// <summary>The expression computing the value (its root is this value's node).</summary>
        public Node Definition { get; }

        public ValueKind Kind { get; }

        public Need Varying => Definition.Varying;

        /// <summary>Reads by later forward statements and stores.</summary>
        public int ForwardUses { get; set; }

        /// <summary>The reverse pass reads this value (Pullback restores it from the tape or recomputes it).</summary>
        public bool Restored { get; set; }

        /// <summary>The value's slot in the sample's tape, or -1.</summary>
        public int TapeSlot { get; set; } = -1;

        /// <summary>For a final version of y[i]: its adjoint before any contribution, λ[i].</summary>
        public Expr? Seed { get; set; }

        /// <summary>The local holding the adjoint, once the reverse pass has declared it.</summary>
        public string? AdjointName { get; set; }
    }

    internal enum NodeKind
    {
        /// <summary>A value the reverse pass can always read again: a literal, data, a constant, an int expression, w[i] or x[i].</summary>
        Leaf,

        /// <summary>A reference to a <see cref="Value"/>.</summary>
        Ref,

        /// <summary>A primitive applied to argument nodes.</summary>
        Apply,

        /// <summary>A read of y at a run-time index (always the whole definition of a temporary value).</summary>
        OutputRead,
    }

    /// <summary>A node of an expression tree being differentiated.</summary>
    internal sealed class Node
    {
        private Node(NodeKind kind, IrType type, Need varying)
        {
            Kind = kind;
            Type = type;
            Varying = varying;
        }

        public NodeKind Kind { get; }

        public IrType Type { get; }

        /// <summary>Which of w and x the node's value depends on.</summary>
        public Need Varying { get; }

        /// <summary>The leaf expression (leaves) or the index (output reads).</summary>
        public Expr? Expr { get; private set; }

        public Value? Ref { get; private set; }

        public Op Op { get; private set; }

        public IReadOnlyList<Node> Args { get; private set; } = Array.Empty<Node>();

        /// <summary>The temporary this subexpression is bound to because the reverse pass reads its value.</summary>
        public Value? Binding { get; set; }

        public static Node Leaf(Expr expr, Need varying) => new(NodeKind.Leaf, expr.Type, varying) { Expr = expr };

        public static Node Reference(Value value) => new(NodeKind.Ref, value.Type, value.Varying) { Ref = value };

        public static Node Apply(Op op, IrType type, IReadOnlyList<Node> args)
        {
            Need varying = Need.None;
            foreach (Node arg in args)
            {
                varying |= arg.Varying;
            }

            return new Node(NodeKind.Apply, type, varying) { Op = op, Args = args };
        }

        public static Node OutputRead(Expr index, IrType type, Need varying) => new(NodeKind.OutputRead, type, varying) { Expr = index };
    }

    /// <summary>A statement of the single-assignment forward program.</summary>
    internal abstract class Item
    {
    }

    /// <summary><c>Type Name = Definition;</c></summary>
    internal sealed class LetItem : Item
    {
        public LetItem(Value value) => Value = value;

        public Value Value { get; }
    }

    /// <summary><c>y[Index] = Value;</c></summary>
    internal sealed class StoreItem : Item
    {
        public StoreItem(Expr index, Value value)
        {
            Index = index;
            Value = value;
        }

        public Expr Index { get; }

        public Value Value { get; }
    }
}
