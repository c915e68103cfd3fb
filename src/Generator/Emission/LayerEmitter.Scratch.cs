using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// The scratch arrays of a per-sample body: each member takes their values (forward passes) and adjoints (reverse
    /// passes) once, before its loop over the samples, on the stack when small and fixed, else from ArrayPool, so that
    /// nothing is allocated per call. Part of <see cref="LayerEmitter"/>.
    /// </summary>
    internal sealed partial class LayerEmitter
    {
        private void ScratchBuffers(MemberFrame member, bool values, bool adjoints, bool plainForward = false)
        {
            foreach (ScratchArray array in body.ScratchArrays.Where(a => plainForward || !a.Scalarized))
            {
                string length = member.Expression(array.Length);
                if (values)
                {
                    member.Buffer(array.Name, length, exactName: array.Name);
                }

                if (adjoints && !array.Scalarized)
                {
                    member.Buffer(array.AdjointName, length, exactName: array.AdjointName);
                }
            }
        }

        /// <summary>The user's body as the plain forward pass runs it: a scratch array's declaration clears the member's buffer.</summary>
        private static IReadOnlyList<Stmt> ScratchCleared(IReadOnlyList<Stmt> statements)
        {
            if (!statements.Any(ContainsScratch))
            {
                return statements;
            }

            return statements.Select(Cleared).ToList();

            static bool ContainsScratch(Stmt statement) => statement switch
            {
                Declare { Value: NewSpan } => true,
                For loop => loop.Body.Any(ContainsScratch),
                If branch => branch.Then.Any(ContainsScratch) || branch.Else.Any(ContainsScratch),
                Block block => block.Body.Any(ContainsScratch),
                _ => false,
            };

            static Stmt Cleared(Stmt statement) => statement switch
            {
                Declare { Value: NewSpan } declare => new ClearSpan(new Local(declare.Name, declare.Type)),
                For loop => loop with { Body = EquatableArray.From(loop.Body.Select(Cleared)) },
                If branch => branch with { Then = EquatableArray.From(branch.Then.Select(Cleared)), Else = EquatableArray.From(branch.Else.Select(Cleared)) },
                Block block => new Block(EquatableArray.From(block.Body.Select(Cleared))),
                _ => statement,
            };
        }
    }
}
