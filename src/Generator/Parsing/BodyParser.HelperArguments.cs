using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// What the parameters of a helper read in place of its call stand for, one rule for every helper of the type's own
    /// (scalar ones, BodyParser.Inlining.cs, and those that take spans, BodyParser.SpanHelpers.cs): a value parameter
    /// (float, double, int, bool) is a fresh local holding its argument; an <c>out</c>/<c>ref</c> float or double parameter
    /// is the caller's local, declared local or element of y itself, so the helper's writes land there; a
    /// <c>Span</c>/<c>ReadOnlySpan</c> parameter is the view its argument is (w, x, y, scratch, or a slice of one), its
    /// start and length read where the call is. Every argument is read before the helper runs (so <c>F(a, out a)</c>
    /// reads the old a). Reads and writes of a parameter inside the helper look it up here, innermost call first.
    /// Part of <see cref="BodyParser"/>.
    /// </summary>
    internal sealed partial class BodyParser
    {
        private const string HelperParameterHint =
            "a helper of the type itself (followed without an attribute) takes float, double, int or bool values, 'out'/'ref' float or double locals " +
            "and ReadOnlySpan<T>/Span<T> views of w, x, y or scratch; for other types, mark a static helper [Differentiable] or [CustomPullback], or compute the value in the body";

        /// <summary>The helpers being read in place of their calls, outermost first, with what their parameters stand for.</summary>
        private readonly List<InlineFrame> inlineFrames = new();

        private sealed class InlineFrame
        {
            public InlineFrame(IMethodSymbol helper)
            {
                Helper = helper;
            }

            public IMethodSymbol Helper { get; }

            /// <summary>Value parameters (fresh locals) and out/ref parameters (the caller's targets).</summary>
            public Dictionary<IParameterSymbol, Expr> Values { get; } = new(SymbolEqualityComparer.Default);

            /// <summary>Span parameters, as the views their arguments are.</summary>
            public Dictionary<IParameterSymbol, SpanLocal> Spans { get; } = new(SymbolEqualityComparer.Default);
        }

        /// <summary>
        /// Binds the arguments of <paramref name="invocation"/> to the parameters of <paramref name="helper"/>; the copies
        /// (value parameters, a view's start and length) go to <paramref name="into"/> after every argument was read. Null
        /// after a diagnostic.
        /// </summary>
        private InlineFrame? BindArguments(IInvocationOperation invocation, IMethodSymbol helper, List<Stmt> into, int depth)
        {
            var frame = new InlineFrame(helper);
            var copies = new List<Stmt>();
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                IParameterSymbol? parameter = argument.Parameter?.OriginalDefinition;
                if (parameter is null || argument.ArgumentKind == ArgumentKind.ParamArray)
                {
                    Unsupported(invocation, "The call '" + Abbreviate(invocation.Syntax) + "'", "pass each argument once");
                    return null;
                }

                if (!BindArgument(argument, parameter, helper, frame, into, copies, depth))
                {
                    return null;
                }
            }

            into.AddRange(copies);
            return frame;
        }

        private bool BindArgument(IArgumentOperation argument, IParameterSymbol parameter, IMethodSymbol helper, InlineFrame frame, List<Stmt> into, List<Stmt> copies, int depth)
        {
            bool byReference = parameter.RefKind is RefKind.Out or RefKind.Ref;
            IrType? parameterType = parameter.Type.SpecialType == SpecialType.System_Boolean ? IrType.Bool : NumericType(parameter.Type);
            bool span = IsSpanType(parameter.Type) && AcceptsViews && !byReference;
            if (!span && (parameterType is null || (byReference && !parameterType.IsReal)))
            {
                Unsupported(argument, "The parameter '" + parameter.Name + "' of '" + helper.Name + "' (" +
                    (parameter.RefKind == RefKind.None ? string.Empty : parameter.RefKind.ToString().ToLowerInvariant() + " ") + parameter.Type.ToDisplayString() + ")",
                    HelperParameterHint);
                return false;
            }

            if (span)
            {
                SpanLocal? view = View(argument.Value, writable: parameter.Type is INamedTypeSymbol { Name: "Span" });
                if (view is null)
                {
                    return false;
                }

                frame.Spans[parameter] = Pinned(view, helper.Name + "_" + parameter.Name, copies);
                return true;
            }

            if (byReference)
            {
                Expr? target = OutTarget(argument.Value, parameter.RefKind == RefKind.Ref, parameterType!, into);
                if (target is null)
                {
                    return false;
                }

                frame.Values[parameter] = target;
                return true;
            }

            Expr? value = parameterType == IrType.Bool ? Condition(argument.Value) : Expression(argument.Value, depth + 1);
            if (value is null)
            {
                return false;
            }

            string copy = FreshReserved(parameter.Name);
            if (parameterType == IrType.Int)
            {
                // An int parameter computed from a count is a count too (never a loop bound: MG0029).
                NoteIntLocal(copy, value);
            }

            copies.Add(new Declare(parameterType!, copy, ConvertTo(value, parameterType!)));
            frame.Values[parameter] = new Local(copy, parameterType!);
            return true;
        }

        /// <summary>The caller's local, declared local (<c>out double s</c>, <c>out _</c>) or element of y an out/ref argument writes.</summary>
        private Expr? OutTarget(IOperation argument, bool isRef, IrType type, List<Stmt> into)
        {
            switch (argument)
            {
                case IDeclarationExpressionOperation { Expression: ILocalReferenceOperation { Local: var local } }:
                    declaredAtScope[local] = scopes.Count;
                    into.Add(new Declare(type, NameOf(local), null));
                    return new Local(NameOf(local), type);
                case IDiscardOperation:
                {
                    string discard = FreshReserved("discarded");
                    into.Add(new Declare(type, discard, null));
                    return new Local(discard, type);
                }

                default:
                    Expr? target = Target(argument, isCompound: isRef);
                    return target is null || target.Type == type ? target : null;
            }
        }

        /// <summary>A view whose start and length are read into int locals where it is made, so later changes to the locals in them do not move it.</summary>
        private SpanLocal Pinned(SpanLocal view, string name, List<Stmt> into)
        {
            Expr start = view.Start;
            Expr length = view.Length;
            if (IrWalk.Nodes(start).OfType<Local>().Any())
            {
                string startName = FreshReserved(name + "_start");
                into.Add(new Declare(IrType.Int, startName, start));
                start = new Local(startName, IrType.Int);
            }

            if (IrWalk.Nodes(length).OfType<Local>().Any())
            {
                string lengthName = FreshReserved(name + "_length");
                NoteIntLocal(lengthName, length);
                into.Add(new Declare(IrType.Int, lengthName, length));
                length = new Local(lengthName, IrType.Int);
            }

            return new SpanLocal(view.Base, start, length, view.Role);
        }

        /// <summary>What a value or out/ref parameter of a helper being read stands for, or null outside one.</summary>
        private Expr? InlinedParameter(IParameterSymbol parameter)
        {
            for (int i = inlineFrames.Count - 1; i >= 0; i--)
            {
                if (inlineFrames[i].Values.TryGetValue(parameter.OriginalDefinition, out Expr? mapped))
                {
                    return mapped;
                }
            }

            return null;
        }

        /// <summary>A span parameter of a helper being read, as the view it is bound to; null for any other operation.</summary>
        private SpanLocal? InlinedSpan(IOperation? op)
        {
            if (op is not IParameterReferenceOperation { Parameter: var parameter })
            {
                return null;
            }

            for (int i = inlineFrames.Count - 1; i >= 0; i--)
            {
                if (inlineFrames[i].Spans.TryGetValue(parameter.OriginalDefinition, out SpanLocal? view))
                {
                    return view;
                }
            }

            return null;
        }
    }
}
