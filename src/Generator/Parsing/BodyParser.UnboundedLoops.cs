using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// <c>while</c> and <c>do</c> loops with no int counter that bounds them (part of <see cref="BodyParser"/>):
    /// <c>while (!landed) { … }</c>, <c>do { … } while (Math.Abs(dz) &gt; 1e-12);</c>. They are lowered as bounded ones are,
    /// to a <c>for</c> under a stop flag, but with no bound (<see cref="int.MaxValue"/>) and the plain forward pass going on
    /// while the flag is clear (<see cref="For.Continue"/>):
    /// <code>
    /// while (c) { body }   →  stopped = 0; for (trip = 0; stopped == 0; trip++) { if (stopped == 0) { if (!c) stopped = 1; } if (stopped == 0) { body } }
    /// </code>
    /// A call's tape is fixed before the data is seen, so it holds a fixed reserve per sample: the taped Forward records the
    /// trips there while they fit, and the layer's Pullback re-runs the forward pass of a sample that overflowed, recording
    /// on a pooled tape that grows with the trips (<c>TapeLayout.Unbounded.cs</c>, <c>LayerEmitter.Growable.cs</c>,
    /// <c>MoreauGen.Generated.GrowableTape</c>). Only layer bodies (and the helpers inlined into them) take such a loop; an
    /// objective or a helper with a pullback of its own still needs a counter (MG0023). The loop must end for the call to:
    /// that is the user's to ensure, as in the plain C#.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>
        /// Whether <paramref name="local"/> (declared without a value) is written in a <c>while</c> or <c>do</c> loop:
        /// <c>double dz; do { dz = …; } while (Math.Abs(dz) &gt; 1e-12);</c>. C# proves every read follows a write, but the
        /// lowered loop (a <c>for</c> under a stop flag) hides that proof, so the local starts at zero, which changes nothing.
        /// The locals written in such loops are collected once per method (one walk of its operations, kept in
        /// <see cref="writtenInWhileLoops"/>), not once per local.
        /// </summary>
        private bool WrittenInWhileLoop(ILocalSymbol local, IOperation declarator)
        {
            IOperation root = declarator;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (!writtenInWhileLoops.TryGetValue(root, out HashSet<ILocalSymbol>? written))
            {
                written = WrittenInWhileLoops(root);
                writtenInWhileLoops.Add(root, written);
            }

            return written.Contains(local);
        }

        /// <summary>The locals written inside a <c>while</c> or <c>do</c> loop under <paramref name="root"/>: one walk with a stack (deep expressions do not deepen the call stack).</summary>
        private static HashSet<ILocalSymbol> WrittenInWhileLoops(IOperation root)
        {
            var written = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            var pending = new Stack<(IOperation Operation, bool InWhileLoop)>();
            pending.Push((root, root is IWhileLoopOperation));
            while (pending.Count > 0)
            {
                (IOperation operation, bool inWhileLoop) = pending.Pop();
                foreach (IOperation child in operation.ChildOperations)
                {
                    if (inWhileLoop && child is ILocalReferenceOperation reference && Writes(reference))
                    {
                        written.Add(reference.Local);
                    }

                    pending.Push((child, inWhileLoop || child is IWhileLoopOperation));
                }
            }

            return written;
        }

        private void UnboundedLoop(IWhileLoopOperation loop, List<Stmt> into, string what)
        {
            if (kind != BodyKind.Layer)
            {
                Report(DiagnosticDescriptors.UnsupportedLoop, LoopKeyword(loop.Syntax), what + " with no int counter that bounds its trips, in " +
                    (kind == BodyKind.Objective ? "an objective" : "a helper with a pullback of its own"));
                return;
            }

            string stopped = FlagName("stopped");
            string trip = FlagName("trip");
            into.Add(new Declare(FlagType, stopped, new Literal(FlagType, 0)));
            into.Add(new For(trip, new Literal(IrType.Int, 0), new Literal(IrType.Int, int.MaxValue), new Literal(IrType.Int, 1), false,
                TripBody(loop, into, stopped, testFirst: loop.ConditionIsTop, unbounded: true)) { StopFlag = stopped, Continue = FlagIsClear(stopped) });
        }
    }
}
