using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using static MoreauGen.Generator.Rules.TensorRuleSyntax;

namespace MoreauGen.Generator.Rules
{
    /// <summary>
    /// Derivative rules of the tensor operations of <c>MoreauGen.Ops</c> a <c>[MoreauLayer(Batched = true)]</c> body may
    /// call, one entry per operation. Each entry lists the operation's parameters (in its signature's order), the inputs
    /// that may be the very span it writes, and its reverse: one contribution per input, as an <c>Ops</c> call with a
    /// writing and an accumulating form. <c>Adjoint</c> is the adjoint of the output, <c>Destination</c> the adjoint being
    /// written, <c>Value(p)</c> the forward value of input p, <c>Output</c> that of the output (a rule may reuse it, as
    /// ChainRules' <c>@scalar_rule</c> reuses the result).
    /// </summary>
    internal static class TensorRules
    {
        public static IReadOnlyList<TensorRule> All { get; } = new[]
        {
            // y[m×n] = op(a)·op(b), op(a) m×k, op(b) k×n; a stored k×m when transposeA, b stored n×k when transposeB.
            Rule("MatMul", TensorDegree.Bilinear, new[] { In("a"), In("b"), Out("y"), Size("m"), Size("k"), Size("n"), Flag("transposeA"), Flag("transposeB") }, NoAlias, c =>
            {
                bool ta = c.Flag("transposeA"), tb = c.Flag("transposeB");
                Expr m = c["m"], k = c["k"], n = c["n"];
                return new[]
                {
                    // da = dy·op(b)ᵀ (m×k), or op(b)·dyᵀ (k×m) for a stored transposed.
                    ta ? Product("a", Value("b"), Adjoint, k, n, m, tb, true) : Product("a", Adjoint, Value("b"), m, n, k, false, !tb),
                    // db = op(a)ᵀ·dy (k×n), or dyᵀ·op(a) (n×k) for b stored transposed.
                    tb ? Product("b", Adjoint, Value("a"), n, m, k, true, ta) : Product("b", Value("a"), Adjoint, k, m, n, !ta, false),
                };
            }),

            // y[i, j] += bias[j]: y passes its adjoint through; dbias = Σᵢ dy[i, ·].
            Rule("AddBias", TensorDegree.Linear, new[] { InOut("y"), In("bias"), Size("m"), Size("n") }, NoAlias, c => new[]
            {
                TensorContribution.Identity("y"),
                TensorContribution.Call("bias", "SumRows", "SumRowsAdd", Adjoint, Destination, c["m"], c["n"]),
            }),

            // y = max(x, 0): dx = dy where x > 0 (the output has the input's sign pattern).
            Rule("Relu", TensorDegree.Nonlinear, new[] { In("x"), Out("y") }, Alias("x"), c => new[]
            {
                TensorContribution.Call("x", "ReluBackward", "ReluBackwardAdd", InputOrOutput("x"), Adjoint, Destination).InPlace(),
            }),

            // y = tanh x: dx = dy·(1 − y²), from the output.
            Rule("Tanh", TensorDegree.Nonlinear, new[] { In("x"), Out("y") }, Alias("x"), c => new[]
            {
                TensorContribution.Call("x", "TanhBackward", "TanhBackwardAdd", Output, Adjoint, Destination).InPlace(),
            }),

            // y = 1 / (1 + e^(−x)): dx = dy·y·(1 − y), from the output.
            Rule("Sigmoid", TensorDegree.Nonlinear, new[] { In("x"), Out("y") }, Alias("x"), c => new[]
            {
                TensorContribution.Call("x", "SigmoidBackward", "SigmoidBackwardAdd", Output, Adjoint, Destination).InPlace(),
            }),

            // y = a + b: both pass the adjoint through.
            Rule("Add", TensorDegree.Linear, new[] { In("a"), In("b"), Out("y") }, Alias("a", "b"), c => new[]
            {
                TensorContribution.Identity("a"),
                TensorContribution.Identity("b"),
            }),

            // y = a ⊙ b: da = dy ⊙ b, db = dy ⊙ a.
            Rule("Multiply", TensorDegree.Bilinear, new[] { In("a"), In("b"), Out("y") }, Alias("a", "b"), c => new[]
            {
                TensorContribution.Call("a", "Multiply", "MultiplyAdd", Adjoint, Value("b"), Destination).InPlace(),
                TensorContribution.Call("b", "Multiply", "MultiplyAdd", Adjoint, Value("a"), Destination).InPlace(),
            }),

            // y = s·x: dx = s·dy; ds = ⟨x, dy⟩ when s is a parameter w[i].
            Rule("Scale", TensorDegree.Bilinear, new[] { In("x"), Scalar("s"), Out("y") }, Alias("x"), c => new[]
            {
                TensorContribution.Call("x", "Scale", "ScaleAdd", Adjoint, c["s"], Destination).InPlace(),
                TensorContribution.Dot("s", Value("x"), Adjoint),
            }),

            // y = conv(x, weights), NCHW (App. D: bi-affine in the weights and the input). dx = the transposed convolution of
            // dy (col2im of Wᵀ·dy); dweights = Σₙ dyₙ·colₙᵀ from x.
            Rule("Conv2d", TensorDegree.Bilinear, new[] { In("x"), In("weights"), Out("y"), Size("batch"), Size("inChannels"), Size("height"), Size("width"), Size("outChannels"), Size("kernelHeight"), Size("kernelWidth"), Size("stride"), Size("padding") }, NoAlias, c =>
            {
                Expr[] sizes = Sizes(c, "batch", "inChannels", "height", "width", "outChannels", "kernelHeight", "kernelWidth", "stride", "padding");
                return new[]
                {
                    TensorContribution.Call("x", "Conv2dBackwardInput", "Conv2dBackwardInputAdd", Prepend(sizes, Value("weights"), Adjoint, Destination)),
                    TensorContribution.Call("weights", "Conv2dBackwardWeights", "Conv2dBackwardWeightsAdd", Prepend(sizes, Value("x"), Adjoint, Destination)),
                };
            }),

            // y[n, c, p] += bias[c]: y passes its adjoint through; dbias[c] = Σ_{n, p} dy[n, c, p].
            Rule("AddChannelBias", TensorDegree.Linear, new[] { InOut("y"), In("bias"), Size("batch"), Size("channels"), Size("size") }, NoAlias, c => new[]
            {
                TensorContribution.Identity("y"),
                TensorContribution.Call("bias", "SumChannels", "SumChannelsAdd", Adjoint, Destination, c["batch"], c["channels"], c["size"]),
            }),

            // y = the maximum of each window: dx gets dy at each window's first maximum, recomputed from x.
            Rule("MaxPool2d", TensorDegree.Nonlinear, new[] { In("x"), Out("y"), Size("batch"), Size("channels"), Size("height"), Size("width"), Size("kernel"), Size("stride") }, NoAlias, c => new[]
            {
                TensorContribution.Call("x", "MaxPool2dBackward", "MaxPool2dBackwardAdd", Prepend(Sizes(c, "batch", "channels", "height", "width", "kernel", "stride"), Value("x"), Adjoint, Destination)),
            }),

            // y = the mean of each window: dx spreads dy / k² over each window.
            Rule("AvgPool2d", TensorDegree.Linear, new[] { In("x"), Out("y"), Size("batch"), Size("channels"), Size("height"), Size("width"), Size("kernel"), Size("stride") }, NoAlias, c => new[]
            {
                TensorContribution.Call("x", "AvgPool2dBackward", "AvgPool2dBackwardAdd", Prepend(Sizes(c, "batch", "channels", "height", "width", "kernel", "stride"), Adjoint, Destination)),
            }),
        };

        /// <summary>The batch losses an objective may return (their reverse: the overload that writes the gradient).</summary>
        public static IReadOnlyList<LossRule> Losses { get; } = new[]
        {
            new LossRule("SquaredLoss"),
            new LossRule("SoftmaxCrossEntropy"),
        };

        private static readonly Dictionary<string, TensorRule> ByMethod = All.ToDictionary(r => r.Method);

        /// <summary>The rule of <c>Ops.<paramref name="method"/></c>, or null.</summary>
        public static TensorRule? Find(string method) => ByMethod.TryGetValue(method, out TensorRule? rule) ? rule : null;

        /// <summary>The loss rule of <c>Ops.<paramref name="method"/></c>, or null.</summary>
        public static LossRule? FindLoss(string method) => Losses.FirstOrDefault(l => l.Method == method);

        /// <summary>The operations with rules, for messages: "Ops.MatMul, Ops.AddBias, …".</summary>
        public static string OperationList => string.Join(", ", All.Select(r => "Ops." + r.Method));

        /// <summary>The losses, for messages: "Ops.SquaredLoss, Ops.SoftmaxCrossEntropy".</summary>
        public static string LossList => string.Join(", ", Losses.Select(r => "Ops." + r.Method));

        private static Expr[] Sizes(TensorRuleCall c, params string[] names) => names.Select(n => c[n]).ToArray();

        private static Expr[] Prepend(Expr[] rest, params Expr[] first) => first.Concat(rest).ToArray();

        private static TensorContribution Product(string target, Expr a, Expr b, Expr m, Expr k, Expr n, bool transposeA, bool transposeB) =>
            TensorContribution.Call(target, "MatMul", "MatMulAdd", a, b, Destination, m, k, n, Bool(transposeA), Bool(transposeB));
    }

    /// <summary>The small vocabulary <see cref="TensorRules"/> is written in.</summary>
    internal static class TensorRuleSyntax
    {
        public static readonly string[] NoAlias = System.Array.Empty<string>();

        public static readonly SlotArgument Adjoint = new(TensorSlot.Adjoint, null);

        public static readonly SlotArgument Destination = new(TensorSlot.Destination, null);

        public static readonly SlotArgument Output = new(TensorSlot.Output, null);

        public static TensorRule Rule(string method, TensorDegree degree, TensorParameter[] parameters, string[] inPlace, System.Func<TensorRuleCall, TensorContribution[]> reverse) =>
            new(method, degree, parameters, inPlace, reverse);

        public static string[] Alias(params string[] inputs) => inputs;

        public static TensorParameter In(string name) => new(name, TensorParameterKind.Input);

        public static TensorParameter Out(string name) => new(name, TensorParameterKind.Output);

        public static TensorParameter InOut(string name) => new(name, TensorParameterKind.InputOutput);

        public static TensorParameter Size(string name) => new(name, TensorParameterKind.Size);

        public static TensorParameter Flag(string name) => new(name, TensorParameterKind.Flag);

        public static TensorParameter Scalar(string name) => new(name, TensorParameterKind.Scalar);

        public static SlotArgument Value(string parameter) => new(TensorSlot.Value, parameter);

        public static SlotArgument InputOrOutput(string parameter) => new(TensorSlot.InputOrOutput, parameter);

        public static Literal Bool(bool value) => new(IrType.Bool, value ? 1 : 0);
    }
}
