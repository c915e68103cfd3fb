using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Scratch arrays of a per-sample body: memory like y at run-time indices. A read is a temporary value (the taped
    /// forward records it when the reverse pass reads it, so an element overwritten later is restored from the tape); a
    /// store hands the element's adjoint to the stored value and resets it; the declaration is a loop of stores of zero
    /// (as <c>new</c> clears an array), whose reverse clears the adjoints of whatever the array held before.
    /// </summary>
    internal sealed partial class Lowering
    {
        private void DeclareScratch(string name, NewSpan declaration)
        {
            var memory = new Local(name, state.WritableSpan);
            if (!state.Scratch.Exists(a => a.Name == name))
            {
                state.Scratch.Add(new ScratchArray(name, state.Names.Fresh("d_" + name), declaration.Length));
            }

            var body = new Region(current);
            string index = state.Names.Fresh("k");
            var loop = new LoopItem(index, DifferentiationState.IntLiteral(0), LowerIndex(declaration.Length), DifferentiationState.IntLiteral(1), body);
            Region saved = current;
            current = body;
            Value zero = Temporary(Node.Leaf(DifferentiationState.Zero(state.Element), Need.None));
            body.Items.Add(new StoreItem(new Local(index, IrType.Int), zero, resetsAdjoint: true) { Memory = memory });
            current = saved;
            current.Items.Add(loop);
        }

        private void StoreScratch(Local memory, Expr index, AssignKind kind, Node value)
        {
            if (kind != AssignKind.Assign)
            {
                Value old = Temporary(Node.OutputRead(index, state.Element, Need.Both, memory));
                value = Node.Apply(OpOf(kind), state.Element, new[] { Node.Reference(old), value });
            }

            Value stored = Temporary(value);
            current.Items.Add(new StoreItem(index, stored, resetsAdjoint: true) { Memory = memory });
        }
    }
}
