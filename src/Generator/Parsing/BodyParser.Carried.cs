using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// Int and bool locals carried across iterations or changed in a branch (<c>int count = 0; … if (c) count++;</c>,
    /// <c>bool landed = false; … landed = true;</c>). The reverse pass cannot recompute them from the loop indices, so
    /// they become locals of the element type (a count, or 1 and 0 for true and false) that vary with neither w nor x:
    /// carried and merged like any other value, and recorded where the reverse pass reads them, so it sees the value each
    /// iteration saw. Read in conditions, arithmetic and indices; not in loop bounds (reported). Part of <see cref="BodyParser"/>.
    /// </summary>
    internal sealed partial class BodyParser
    {
        private readonly HashSet<ILocalSymbol> carriedLocals = new(SymbolEqualityComparer.Default);

        /// <summary>
        /// The int locals computed from a carried int (<c>int j = k;</c> with k a count), by IR name, each with the count's
        /// name: not carried themselves, but like the count known only as the data runs, so no loop bound either.
        /// </summary>
        private readonly Dictionary<string, string> countIndices = new(StringComparer.Ordinal);

        /// <summary>Finds the int and bool locals assigned inside a loop or branch that does not declare them.</summary>
        private void FindCarriedLocals(IOperation body)
        {
            foreach (IOperation operation in body.Descendants())
            {
                NoteCarried(operation);
            }
        }

        /// <summary>Adds the local <paramref name="operation"/> assigns to the carried ones if it is an int or bool local assigned inside a loop or branch that does not declare it.</summary>
        private void NoteCarried(IOperation operation)
        {
            IOperation? target = operation switch
            {
                ISimpleAssignmentOperation assignment => assignment.Target,
                ICompoundAssignmentOperation compound => compound.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                _ => null,
            };
            if (target is not ILocalReferenceOperation { Local: { IsConst: false } local } ||
                local.Type.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Boolean))
            {
                return;
            }

            for (IOperation? p = operation.Parent; p is not null; p = p.Parent)
            {
                if ((p is IBlockOperation block && block.Locals.Contains(local, SymbolEqualityComparer.Default)) ||
                    (p is ILoopOperation loop && loop.Locals.Contains(local, SymbolEqualityComparer.Default)))
                {
                    break;
                }

                if (p is ILoopOperation or IConditionalOperation or ISwitchOperation)
                {
                    carriedLocals.Add(local);
                    break;
                }
            }
        }

        private bool IsCarried(ILocalSymbol local) => carriedLocals.Contains(local);

        /// <summary>A condition as a value of the element type: 1 when it holds, else 0.</summary>
        private Expr AsFlag(Expr condition) => condition is Literal literal
            ? new Literal(FlagType, literal.Value)
            : new Conditional(condition, new Literal(FlagType, 1), new Literal(FlagType, 0));

        /// <summary>The declaration of a carried local: its value (0 or false when it has none) in the element type.</summary>
        private void CarriedDeclaration(ILocalSymbol local, IOperation? initializer, List<Stmt> into)
        {
            Expr? value = new Literal(FlagType, 0);
            if (initializer is not null)
            {
                value = local.Type.SpecialType == SpecialType.System_Boolean
                    ? Condition(initializer) is { } condition ? AsFlag(condition) : null
                    : Expression(initializer, 0) is { } count ? ConvertTo(count, FlagType) : null;
            }

            if (value is null)
            {
                rejectedLocals.Add(local);
                return;
            }

            into.Add(new Declare(FlagType, NameOf(local), value));
        }

        /// <summary>
        /// An index or int local computed from carried ints (<c>y[k]</c>, <c>w[2 * k + 1]</c>, <c>int j = k + i;</c>): the count
        /// converted back to int where it is read. The value of the element type it converts is carried and recorded like
        /// a condition's, so the reverse pass reads the index each iteration used; the index itself is an int of the IR
        /// (never differentiated), recomputed from that value.
        /// </summary>
        private static Expr CarriedAsInt(Expr value) => value.Type.IsReal ? ConvertTo(value, IrType.Int) : value;

        /// <summary>Notes the int local <paramref name="name"/> set to <paramref name="value"/>: computed from a count, it is one of <see cref="countIndices"/>.</summary>
        private void NoteIntLocal(string name, Expr? value)
        {
            if (value is not null && CountRead(value) is { } count)
            {
                countIndices[name] = count;
            }
        }

        /// <summary>
        /// The name of the count an int expression reads, else null: a local of the element type (in an int expression
        /// only a carried int is one; other float or double values cannot become ints, RealToInt), or an int local computed from one.
        /// </summary>
        private string? CountRead(Expr value) =>
            IrWalk.Nodes(value).OfType<Local>()
                .Select(l => l.Type.IsReal ? l.Name : countIndices.TryGetValue(l.Name, out string? count) ? count : null)
                .FirstOrDefault(n => n is not null);

        /// <summary>
        /// Reports a loop bound computed from a carried int, directly or through int locals computed from one (the tape
        /// needs the bound before the loop runs); true when <paramref name="value"/> is one.
        /// </summary>
        private bool CarriedInIndex(Expr value, IOperation at)
        {
            string? count = CountRead(value);
            if (!value.Type.IsReal && count is null)
            {
                return false;
            }

            ILocalSymbol? carried = at.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Select(r => r.Local).FirstOrDefault(IsCarried);
            Report(DiagnosticDescriptors.IndexCarriedAcrossScopes, at.Syntax, carried?.Name ?? count ?? Abbreviate(at.Syntax),
                carried?.Type.SpecialType == SpecialType.System_Boolean ? "bool" : "int", Abbreviate(at.Syntax));
            return true;
        }
    }
}
