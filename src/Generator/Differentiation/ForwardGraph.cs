using System;
using System.Collections.Generic;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    // The differentiator's working data: the forward program in single-assignment form, as a tree of regions (the
    // body, loop bodies, branch arms). It lives only inside one call of the differentiator (mutable, never part of a
    // pipeline model).

    /// <summary>Where a value comes from, which decides its name, whether it may be folded into its use and how the reverse pass gets it back.</summary>
    internal enum ValueKind
    {
        /// <summary>A version of a user local (keeps the user's name, never folded away).</summary>
        UserLocal,

        /// <summary>A version of y[i] (element-wise outputs).</summary>
        Output,

        /// <summary>A subexpression the reverse pass needs, a read of y, or a value stored to y at a run-time index.</summary>
        Temporary,

        /// <summary>A loop-carried local at the start of an iteration (read from the loop's storage variable).</summary>
        Phi,

        /// <summary>A loop-carried local after its loop (read from the loop's storage variable).</summary>
        LoopResult,

        /// <summary>A local after an if/else that assigns it (read from the branch's storage variable).</summary>
        Merge,

        /// <summary>An int value (an index): never differentiated, always recomputed by the reverse pass.</summary>
        Index,

        /// <summary>A bool value (a branch condition): never differentiated.</summary>
        Condition,

        /// <summary>A partial derivative a rule asks the forward pass to compute (e.g. cos a for sin a).</summary>
        Partial,
    }

    /// <summary>
    /// Values by identity, hashed by their unique <see cref="Value.Sequence"/>: an object's default hash code is made
    /// and stored in its header on first use, which showed in the passes over every value of a large body.
    /// </summary>
    internal sealed class ValueIdentity : IEqualityComparer<Value>
    {
        public static readonly ValueIdentity Instance = new();

        public bool Equals(Value? x, Value? y) => ReferenceEquals(x, y);

        public int GetHashCode(Value obj) => obj.Sequence;
    }

    /// <summary>One value of the forward pass, assigned once.</summary>
    internal sealed class Value
    {
        private static int counter;

        public Value(string name, IrType type, Node definition, ValueKind kind, Region region)
        {
            Name = name;
            Type = type;
            Definition = definition;
            Kind = kind;
            Region = region;
            Sequence = System.Threading.Interlocked.Increment(ref counter);
        }

        /// <summary>The value's own name: its local in forward code, and in the reverse pass where it is restored.</summary>
        public string Name { get; }

        public IrType Type { get; }

        /// <summary>The expression computing the value (its root is this value's node; opaque for phis, loop results and merges).</summary>
        public Node Definition { get; }

        public ValueKind Kind { get; }

        /// <summary>The region the value is defined in.</summary>
        public Region Region { get; }

        /// <summary>Creation order (ties in ordering).</summary>
        public int Sequence { get; }

        /// <summary>The name forward code reads the value by: a storage variable for phis, loop results and merges, else <see cref="Name"/>.</summary>
        public string ForwardName { get; set; } = string.Empty;

        public string ReadName => ForwardName.Length > 0 ? ForwardName : Name;

        public Need Varying => Definition.Varying;

        public bool Live { get; set; }

        /// <summary>Reads by later forward statements, stores and loop or branch plumbing.</summary>
        public int ForwardUses { get; set; }

        /// <summary>The reverse pass reads this value (its region restores it: from the tape, or recomputed).</summary>
        public bool Restored { get; set; }

        /// <summary>The taped forward pass records this value (at the end of its region).</summary>
        public bool Pushed { get; set; }

        /// <summary>The value's tape slot when the layout is static (no loop records anything), else -1.</summary>
        public int TapeSlot { get; set; } = -1;

        /// <summary>The adjoint before any contribution: λ[i] for a final version of y[i], a carried adjoint, a merge's adjoint.</summary>
        public Expr? Seed { get; set; }

        /// <summary>The local holding the adjoint, once the reverse pass has declared it.</summary>
        public string? AdjointName { get; set; }

        /// <summary>Partial derivatives of this value's definition that rules asked the forward pass to compute.</summary>
        public List<Value> Partials { get; } = new();

        public override string ToString() => Name;
    }

    internal enum NodeKind
    {
        /// <summary>A value the reverse pass can always read again: a literal, data, a constant, an int expression, w[i] or x[i].</summary>
        Leaf,

        /// <summary>A reference to a <see cref="Value"/>.</summary>
        Ref,

        /// <summary>A primitive applied to argument nodes.</summary>
        Apply,

        /// <summary>A call of a helper.</summary>
        Call,

        /// <summary>A read of y at a run-time index (always the whole definition of a temporary value).</summary>
        OutputRead,

        /// <summary>A value made by control flow (phi, loop result, merge): the reverse pass cannot recompute it.</summary>
        Opaque,
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

        /// <summary>
        /// Which of w and x the node's value depends on (none for int and bool values). Set when the lowering builds
        /// the node; <see cref="VaryingSets"/> raises it where a loop-carried value turns out to vary more.
        /// </summary>
        public Need Varying { get; set; }

        /// <summary>The leaf expression (leaves) or the index (output reads).</summary>
        public Expr? Expr { get; private set; }

        public Value? Ref { get; private set; }

        public Op Op { get; private set; }

        public HelperModel? Helper { get; private set; }

        /// <summary>The arguments (an array, so that the passes' many <c>foreach</c> loops over them allocate no enumerator; never written after the node is built).</summary>
        public Node[] Args { get; private set; } = Array.Empty<Node>();

        /// <summary>A primitive whose derivative is zero (Floor, Sign): its value varies with nothing whatever its arguments do.</summary>
        public bool PiecewiseConstant { get; private set; }

        /// <summary>The temporary this subexpression is bound to because the reverse pass reads its value.</summary>
        public Value? Binding { get; set; }

        public static Node Leaf(Expr expr, Need varying) => new(NodeKind.Leaf, expr.Type, expr.Type.IsReal ? varying : Need.None) { Expr = expr };

        public static Node Reference(Value value) => new(NodeKind.Ref, value.Type, value.Varying) { Ref = value };

        /// <param name="piecewiseConstant">The primitive's derivative is zero (Floor, Sign): the value varies with nothing.</param>
        public static Node Apply(Op op, IrType type, Node[] args, bool piecewiseConstant = false) =>
            new(NodeKind.Apply, type, type.IsReal && !piecewiseConstant ? Union(args) : Need.None) { Op = op, Args = args, PiecewiseConstant = piecewiseConstant };

        public static Node Call(HelperModel helper, Node[] args) =>
            new(NodeKind.Call, helper.ElementType, Union(args)) { Helper = helper, Args = args };

        public static Node OutputRead(Expr index, IrType type, Need varying, Expr? memory = null) => new(NodeKind.OutputRead, type, varying) { Expr = index, Memory = memory };

        /// <summary>The scratch array an output read reads (a <see cref="Model.Local"/> span), or null for y.</summary>
        public Expr? Memory { get; private set; }

        public static Node Opaque(IrType type, Need varying) => new(NodeKind.Opaque, type, type.IsReal ? varying : Need.None);

        private static Need Union(Node[] args)
        {
            Need varying = Need.None;
            foreach (Node arg in args)
            {
                varying |= arg.Varying;
            }

            return varying;
        }
    }

    /// <summary>A list of forward items: the body, a loop body or a branch arm.</summary>
    internal sealed class Region
    {
        public Region(Region? parent) => Parent = parent;

        public Region? Parent { get; }

        public List<Item> Items { get; } = new();

        /// <summary>The values of the region the taped forward pass records, in the order it records them (at the region's end).</summary>
        public List<Value> Pushed { get; } = new();

        public bool IsWithin(Region ancestor)
        {
            for (Region? r = this; r is not null; r = r.Parent)
            {
                if (ReferenceEquals(r, ancestor))
                {
                    return true;
                }
            }

            return false;
        }
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
        public StoreItem(Expr index, Value value, bool resetsAdjoint)
        {
            Index = index;
            Value = value;
            ResetsAdjoint = resetsAdjoint;
        }

        public Expr Index { get; }

        public Value Value { get; }

        /// <summary>The reverse pass zeroes d_y[Index] after reading it (an earlier access to y may read it again).</summary>
        public bool ResetsAdjoint { get; }

        /// <summary>The scratch array stored to (a <see cref="Model.Local"/> span), or null for y.</summary>
        public Expr? Memory { get; init; }
    }

    /// <summary>A local carried around a loop: its value before the loop, at the start and end of an iteration, after the loop.</summary>
    internal sealed class Carried
    {
        public Carried(string local, Value init, Value phi)
        {
            Local = local;
            Init = init;
            Phi = phi;
        }

        public string Local { get; }

        public Value Init { get; }

        public Value Phi { get; }

        public Value Next { get; set; } = null!;

        public Value Result { get; set; } = null!;

        /// <summary>The forward storage variable (declared before the loop, updated at the end of each iteration).</summary>
        public string Storage { get; set; } = string.Empty;

        /// <summary>The reverse pass's adjoint of the storage, carried across reverse iterations.</summary>
        public string? Adjoint { get; set; }
    }

    /// <summary><c>for (Index = From; Index &lt; To; Index += Step) Body</c>.</summary>
    internal sealed class LoopItem : Item
    {
        public LoopItem(string index, Expr from, Expr to, Expr step, Region body)
        {
            Index = index;
            From = from;
            To = to;
            Step = step;
            Body = body;
        }

        public string Index { get; }

        public Expr From { get; }

        public Expr To { get; }

        public Expr Step { get; }

        public Region Body { get; }

        public List<Carried> Carried { get; } = new();

        /// <summary>The stop flag of a lowered <c>while</c> or <c>do</c> loop (see <see cref="For.StopFlag"/>), or null.</summary>
        public string? StopFlag { get; set; }

        /// <summary>The loop ends after the trip that sets its stop flag, and its trips start with it clear (see <see cref="For.EndsAtStop"/>).</summary>
        public bool EndsAtStop { get; set; }

        /// <summary>A <c>while</c> or <c>do</c> loop with no trip bound (see <see cref="For.Continue"/>): its trips go on a growable tape.</summary>
        public bool Unbounded { get; set; }
    }

    /// <summary>A local assigned by an if/else: the value after it and the value each arm leaves.</summary>
    internal sealed class Merge
    {
        public Merge(Value result, Value whenTrue, Value whenFalse)
        {
            Result = result;
            WhenTrue = whenTrue;
            WhenFalse = whenFalse;
        }

        public Value Result { get; }

        public Value WhenTrue { get; }

        public Value WhenFalse { get; }

        public string Storage { get; set; } = string.Empty;
    }

    /// <summary><c>if (Condition) Then else Else</c>.</summary>
    internal sealed class IfItem : Item
    {
        public IfItem(Value condition, Region then, Region otherwise)
        {
            Condition = condition;
            Then = then;
            Else = otherwise;
        }

        public Value Condition { get; }

        public Region Then { get; }

        public Region Else { get; }

        public List<Merge> Merges { get; } = new();
    }
}
