using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Rules
{
    /// <summary>
    /// The derivative rules one generator run differentiates with: the scalar rules (by primitive and by Math/MathF
    /// method name) and the tensor rules of <c>MoreauGen.Ops</c> (by method). The generator hands one table to the
    /// differentiators through their constructors; <see cref="Standard"/> is the table of the family files
    /// (<see cref="ElementwiseRules"/>, <see cref="TensorRules"/>). A different table (a rule deliberately wrong) is how
    /// the mutation tests show that the finite-difference checks catch a wrong derivative.
    /// </summary>
    internal sealed class RuleTable
    {
        private readonly Dictionary<Op, DerivativeRule> byOp;
        private readonly Dictionary<string, DerivativeRule> byMethodName;
        private readonly Dictionary<string, TensorRule> byMethod;

        public RuleTable(IEnumerable<DerivativeRule> scalar, IEnumerable<TensorRule> tensor)
        {
            byOp = scalar.ToDictionary(r => r.Op);
            byMethodName = byOp.Values.Where(r => r.MethodName is not null).ToDictionary(r => r.MethodName!, System.StringComparer.Ordinal);
            byMethod = tensor.ToDictionary(r => r.Method);
        }

        /// <summary>The rules of the family files.</summary>
        public static RuleTable Standard { get; } = new(ElementwiseRules.All, TensorRules.All);

        /// <summary>Every scalar rule.</summary>
        public IEnumerable<DerivativeRule> Scalar => byOp.Values;

        /// <summary>Every tensor rule.</summary>
        public IEnumerable<TensorRule> Tensor => byMethod.Values;

        /// <summary>The rule of <paramref name="op"/>, or null when it has none (comparisons, remainder).</summary>
        public DerivativeRule? Find(Op op) => byOp.TryGetValue(op, out DerivativeRule? rule) ? rule : null;

        /// <summary>The rule of the Math/MathF method <paramref name="name"/>, or null.</summary>
        public DerivativeRule? FindFunction(string name) => byMethodName.TryGetValue(name, out DerivativeRule? rule) ? rule : null;

        /// <summary>The Math/MathF methods that have rules, for messages: "Math.Sin, Math.Cos, …".</summary>
        public string FunctionList => string.Join(", ", byMethodName.Values.OrderBy(r => r.MethodName, System.StringComparer.Ordinal)
            .Select(r => (r.Home == FunctionHome.NumericType ? "double." : "Math.") + r.MethodName));

        /// <summary>The rule of <c>Ops.<paramref name="method"/></c>, or null.</summary>
        public TensorRule? FindTensor(string method) => byMethod.TryGetValue(method, out TensorRule? rule) ? rule : null;
    }
}
