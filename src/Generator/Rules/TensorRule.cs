using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Rules
{
    /// <summary>What a parameter of a tensor operation is.</summary>
    internal enum TensorParameterKind
    {
        /// <summary>A span the operation reads.</summary>
        Input,

        /// <summary>The span the operation writes (its previous contents are ignored).</summary>
        Output,

        /// <summary>A span the operation updates in place (read, then written): the bias's <c>y</c>.</summary>
        InputOutput,

        /// <summary>An int size (m, k, n): an expression of the sizes, never differentiated.</summary>
        Size,

        /// <summary>A bool flag (transposeA): a constant, so that the rule can choose its reverse products.</summary>
        Flag,

        /// <summary>A scalar factor: a constant, the type's data, or an element <c>w[i]</c> of the parameters.</summary>
        Scalar,
    }

    /// <summary>A parameter of a tensor operation, in the order of the <c>Ops</c> method's signature.</summary>
    internal sealed record TensorParameter(string Name, TensorParameterKind Kind)
    {
        public bool IsSpan => Kind is TensorParameterKind.Input or TensorParameterKind.Output or TensorParameterKind.InputOutput;

        public bool IsRead => Kind is TensorParameterKind.Input or TensorParameterKind.InputOutput;
    }

    /// <summary>The spans a contribution's arguments may name besides the call's own sizes, flags and scalars.</summary>
    internal enum TensorSlot
    {
        /// <summary>The adjoint of the operation's output (read only).</summary>
        Adjoint,

        /// <summary>The adjoint the contribution is written or added into.</summary>
        Destination,

        /// <summary>The forward value of an input span (as it was when the operation ran).</summary>
        Value,

        /// <summary>The forward value of the output span (right after the operation).</summary>
        Output,

        /// <summary>
        /// The input's or the output's forward value, whichever is cheaper to have (the ReLU derivative is the same from
        /// either): the input when it is w or x itself, else the output.
        /// </summary>
        InputOrOutput,
    }

    /// <summary>How the output's degree in w (and in x) follows from the inputs' (for the affine analysis).</summary>
    internal enum TensorDegree
    {
        /// <summary>Linear in its inputs together: the largest of their degrees (Add, AddBias).</summary>
        Linear,

        /// <summary>Linear in each input separately: the sum of their degrees (MatMul, Multiply, Scale).</summary>
        Bilinear,

        /// <summary>Not affine in an input that depends on the variable (Relu, Tanh, Sigmoid).</summary>
        Nonlinear,
    }

    /// <summary>A placeholder in a rule's arguments; the differentiator replaces it by a span of the generated code.</summary>
    internal sealed record SlotArgument(TensorSlot Slot, string? Parameter) : Expr(IrType.Int);

    /// <summary>How a contribution reaches its destination.</summary>
    internal enum ContributionKind
    {
        /// <summary>The adjoint itself (the operation passes its argument through: <c>Add</c>, the bias's <c>y</c>).</summary>
        Identity,

        /// <summary>An <c>Ops</c> call writing (<see cref="TensorContribution.Write"/>) or adding (<see cref="TensorContribution.Add"/>) into the destination span.</summary>
        Call,

        /// <summary>A scalar: <c>Ops.Dot(a, b)</c> written or added into the destination element.</summary>
        Dot,
    }

    /// <summary>
    /// One term of a rule's reverse pass: the contribution to the adjoint of one argument, as an <c>Ops</c> call. The
    /// first contribution to an adjoint uses the writing member, later ones the accumulating member (so no adjoint is
    /// ever cleared only to be added to).
    /// </summary>
    internal sealed class TensorContribution
    {
        private TensorContribution(string target, ContributionKind kind, string? write, string? add, Expr[] args, bool writeMayReuseAdjoint)
        {
            Target = target;
            Kind = kind;
            Write = write;
            Add = add;
            Args = args;
            WriteMayReuseAdjoint = writeMayReuseAdjoint;
        }

        /// <summary>The parameter whose adjoint receives the contribution (an input span, or a scalar).</summary>
        public string Target { get; }

        public ContributionKind Kind { get; }

        /// <summary>The <c>Ops</c> member that writes the contribution into the destination.</summary>
        public string? Write { get; }

        /// <summary>The <c>Ops</c> member that adds the contribution to the destination.</summary>
        public string? Add { get; }

        /// <summary>The call's arguments: <see cref="SlotArgument"/>s and the operation's own sizes, flags and scalars.</summary>
        public IReadOnlyList<Expr> Args { get; }

        /// <summary>The writing member accepts the destination being the very span of the adjoint it reads (element-wise reverses).</summary>
        public bool WriteMayReuseAdjoint { get; }

        /// <summary>The forward values the contribution reads (placeholders <see cref="TensorSlot.Value"/>, <see cref="TensorSlot.Output"/>, <see cref="TensorSlot.InputOrOutput"/>).</summary>
        public IEnumerable<SlotArgument> ForwardValues => Args.OfType<SlotArgument>().Where(a => a.Slot is TensorSlot.Value or TensorSlot.Output or TensorSlot.InputOrOutput);

        public static TensorContribution Identity(string target) =>
            new(target, ContributionKind.Identity, null, null, Array.Empty<Expr>(), writeMayReuseAdjoint: true);

        public static TensorContribution Call(string target, string write, string add, params Expr[] args) =>
            new(target, ContributionKind.Call, write, add, args, writeMayReuseAdjoint: false);

        public static TensorContribution Dot(string target, Expr a, Expr b) =>
            new(target, ContributionKind.Dot, "Dot", "Dot", new[] { a, b }, writeMayReuseAdjoint: false);

        /// <summary>This contribution, whose writing member may write over the adjoint it reads.</summary>
        public TensorContribution InPlace() => new(Target, Kind, Write, Add, Args.ToArray(), writeMayReuseAdjoint: true);
    }

    /// <summary>The arguments of one call of a tensor operation, by parameter name (sizes, flags and scalars as the body wrote them).</summary>
    internal sealed class TensorRuleCall
    {
        private readonly TensorRule rule;
        private readonly IReadOnlyList<Expr> args;

        public TensorRuleCall(TensorRule rule, IReadOnlyList<Expr> args)
        {
            this.rule = rule;
            this.args = args;
        }

        public Expr this[string parameter] => args[rule.IndexOf(parameter)];

        /// <summary>A flag's value (flags are constants; the parser reports any other).</summary>
        public bool Flag(string parameter) => this[parameter] is Literal { Value: not 0 };
    }

    /// <summary>
    /// The reverse-mode rule of one tensor operation of <c>MoreauGen.Ops</c>: its parameters, which inputs may be the very
    /// span it writes (in place), and its contributions to the adjoints of its inputs, written with <c>Ops</c> members.
    /// Rules are written in <see cref="TensorRules"/>.
    /// </summary>
    internal sealed class TensorRule
    {
        private readonly Func<TensorRuleCall, TensorContribution[]> reverse;

        public TensorRule(string method, TensorDegree degree, TensorParameter[] parameters, string[] inPlace, Func<TensorRuleCall, TensorContribution[]> reverse)
        {
            Method = method;
            Degree = degree;
            Parameters = parameters;
            InPlace = inPlace;
            this.reverse = reverse;
        }

        /// <summary>The <c>Ops</c> method.</summary>
        public string Method { get; }

        public IReadOnlyList<TensorParameter> Parameters { get; }

        /// <summary>How the output's polynomial degree follows from the inputs'.</summary>
        public TensorDegree Degree { get; }

        /// <summary>Input parameters that may be the very span the output is (<c>Relu(y, y)</c>); any other overlap is an error.</summary>
        public IReadOnlyList<string> InPlace { get; }

        public int IndexOf(string parameter)
        {
            for (int i = 0; i < Parameters.Count; i++)
            {
                if (Parameters[i].Name == parameter)
                {
                    return i;
                }
            }

            throw new ArgumentException("The operation " + Method + " has no parameter " + parameter + ".", nameof(parameter));
        }

        /// <summary>The span the operation writes (its output or in-place parameter).</summary>
        public TensorParameter Written => Parameters.First(p => p.Kind is TensorParameterKind.Output or TensorParameterKind.InputOutput);

        /// <summary>The contributions of a call with these arguments (in the order of <see cref="Parameters"/>).</summary>
        public IReadOnlyList<TensorContribution> Reverse(IReadOnlyList<Expr> args) => reverse(new TensorRuleCall(this, args));

        /// <summary>Every <c>Ops</c> member the reverse of a call may use (for the test that they exist).</summary>
        public IEnumerable<string> ReverseMembers(IReadOnlyList<Expr> args) =>
            Reverse(args).SelectMany(c => new[] { c.Write, c.Add }).Where(m => m is not null).Select(m => m!);
    }

    /// <summary>A batch loss of <c>MoreauGen.Ops</c> an objective may return: <c>T Method(scores, labels, classes)</c>.</summary>
    /// <param name="Method">The <c>Ops</c> method; its overload with a fourth argument, a span, writes the gradient of the loss.</param>
    internal sealed record LossRule(string Method);
}
