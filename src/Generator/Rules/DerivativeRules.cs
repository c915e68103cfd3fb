using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Rules
{
    /// <summary>
    /// The table of derivative rules, gathered from the family files (one family per file: elementwise math
    /// now; linear algebra and tensor operations join here). The differentiator and the parser look rules up
    /// here only, so a primitive without a rule is reported, never guessed.
    /// </summary>
    internal static class DerivativeRules
    {
        private static readonly Dictionary<Op, DerivativeRule> ByOp = ElementwiseRules.All.ToDictionary(r => r.Op);

        private static readonly Dictionary<string, DerivativeRule> ByMethodName =
            ByOp.Values.Where(r => r.MethodName is not null).ToDictionary(r => r.MethodName!);

        /// <summary>Every rule.</summary>
        public static IEnumerable<DerivativeRule> All => ByOp.Values;

        /// <summary>
        /// Tests only: when set on the thread that runs the generator, consulted first (a deliberately wrong rule shows
        /// that the random-program check catches a bad derivative).
        /// </summary>
        [System.ThreadStatic]
        internal static System.Func<Op, DerivativeRule?>? OverrideForTesting;

        /// <summary>The rule of <paramref name="op"/>, or null when it has none (comparisons, remainder).</summary>
        public static DerivativeRule? Find(Op op) =>
            OverrideForTesting?.Invoke(op) ?? (ByOp.TryGetValue(op, out DerivativeRule? rule) ? rule : null);

        /// <summary>The rule of the Math/MathF method <paramref name="name"/>, or null.</summary>
        public static DerivativeRule? FindFunction(string name) =>
            ByMethodName.TryGetValue(name, out DerivativeRule? rule) ? rule : null;

        /// <summary>The Math/MathF methods that have rules, for messages: "Math.Sin, Math.Cos, …".</summary>
        public static string FunctionList =>
            string.Join(", ", ByMethodName.Keys.OrderBy(n => n, System.StringComparer.Ordinal).Select(n => "Math." + n));
    }
}
