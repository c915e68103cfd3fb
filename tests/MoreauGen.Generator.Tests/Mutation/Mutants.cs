using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;
using static MoreauGen.Generator.Rules.RuleFunctions;
using static MoreauGen.Generator.Rules.TensorRuleSyntax;

namespace MoreauGen.Generator.Tests.Mutation;

/// <summary>Which finite-difference checks a mutant is run against first (the random programs come after, for survivors).</summary>
internal enum Target
{
    /// <summary>A scalar derivative rule: the per-primitive and composite layers.</summary>
    Scalar,

    /// <summary>A tensor derivative rule: the batched layers.</summary>
    Tensor,

    /// <summary>A structural step: the layers with loops, branches and helpers, and the batched layers.</summary>
    Structure,
}

/// <summary>One deliberately wrong generator: a rule table or reverse-mode steps with one thing wrong.</summary>
internal sealed record Mutant(string Name, Target Target, RuleTable Rules, DifferentiatorSteps Steps)
{
    public MoreauGenerator Generator() => new(Rules, Steps, Parsing.LayerParser.Read);

    public override string ToString() => Name;
}

/// <summary>
/// Every mutant the mutation tests run: each pullback of each scalar rule doubled; plausible slips of the rules (a sign,
/// the derivative of a neighbour); each contribution of each tensor rule dropped and doubled, and the transposes of the
/// matrix product forgotten; and each structural step of <see cref="DifferentiatorSteps"/> wrong.
/// </summary>
internal static class Mutants
{
    public static IReadOnlyList<Mutant> All { get; } = Scalar().Concat(Tensor()).Concat(Structural()).ToArray();

    private static IEnumerable<Mutant> Scalar()
    {
        foreach (DerivativeRule rule in RuleTable.Standard.Scalar)
        {
            for (int argument = 0; argument < rule.Arity; argument++)
            {
                int which = argument;
                if (IsZero(rule, which))
                {
                    // Doubling zero changes nothing: the slip for a piecewise-constant function is the derivative of its smooth neighbour.
                    yield return ScalarMutant($"{rule.Op} pullback {argument} d instead of 0", Replace(rule, which, (d, args, r) => d.To(args[which].Type)));
                    continue;
                }

                yield return ScalarMutant($"{rule.Op} pullback {argument} doubled", Replace(rule, which, (d, args, r) => 2 * Original(rule, which, d, args, r)));
            }
        }

        // Plausible slips, each one a rule a person could write.
        yield return ScalarMutant("Sin: d·sin a", Unary(Op.Sin, "Sin", (d, a, r) => d * Sin(a)));
        yield return ScalarMutant("Cos: +d·sin a", Unary(Op.Cos, "Cos", (d, a, r) => d * Sin(a)));
        yield return ScalarMutant("Tan: d·(1 − r²)", Unary(Op.Tan, "Tan", (d, a, r) => d * (1 - r * r)));
        yield return ScalarMutant("Tanh: d·(1 + r²)", Unary(Op.Tanh, "Tanh", (d, a, r) => d * (1 + r * r)));
        yield return ScalarMutant("Sqrt: d / r", Unary(Op.Sqrt, "Sqrt", (d, a, r) => d / r));
        yield return ScalarMutant("Log: d·a", Unary(Op.Log, "Log", (d, a, r) => d * a));
        yield return ScalarMutant("Exp: d·a", Unary(Op.Exp, "Exp", (d, a, r) => d * a));
        yield return ScalarMutant("Atan: d / (1 − a²)", Unary(Op.Atan, "Atan", (d, a, r) => d / (1 - a * a)));
        yield return ScalarMutant("Sinh: d·sinh a", Unary(Op.Sinh, "Sinh", (d, a, r) => d * Sinh(a)));
        yield return ScalarMutant("Cosh: d·cosh a", Unary(Op.Cosh, "Cosh", (d, a, r) => d * Cosh(a)));
        yield return ScalarMutant("Abs: d", Unary(Op.Abs, "Abs", (d, a, r) => d));
        yield return ScalarMutant("Divide: +d·r / b", DerivativeRule.Binary(Op.Divide, (d, a, b, r) => d / b, (d, a, b, r) => d * r / b));
        yield return ScalarMutant("Subtract: +d for b", DerivativeRule.Binary(Op.Subtract, (d, a, b, r) => d, (d, a, b, r) => d));
        yield return ScalarMutant("Multiply: arguments swapped", DerivativeRule.Binary(Op.Multiply, (d, a, b, r) => d * a, (d, a, b, r) => d * b));
        yield return ScalarMutant("Pow: d·b·aᵇ", DerivativeRule.Function(Op.Pow, "Pow", (d, a, b, r) => d * b * r, (d, a, b, r) => d * r * Log(a)));
        yield return ScalarMutant("Max: arms swapped", DerivativeRule.Function(Op.Max, "Max", (d, a, b, r) => Select(a >= b, 0, d), (d, a, b, r) => Select(a >= b, d, 0)));
        yield return ScalarMutant("Log10: d / a (the natural logarithm's)", Unary(Op.Log10, "Log10", (d, a, r) => d / a));
        yield return ScalarMutant("Acos: +d / √(1 − a²) (Asin's)", Unary(Op.Acos, "Acos", (d, a, r) => d / Sqrt(1 - a * a)));
        yield return ScalarMutant("Atan2: arguments swapped", DerivativeRule.Function(Op.Atan2, "Atan2", (d, a, b, r) => -(d * b / (a * a + b * b)), (d, a, b, r) => d * a / (a * a + b * b)));
        yield return ScalarMutant("Clamp: d to the value everywhere", RuleTable.Standard.Find(Op.Clamp)!.WithPullback(0, (d, args, r) => d));
        yield return ScalarMutant("Min: arms swapped", DerivativeRule.Function(Op.Min, "Min", (d, a, b, r) => Select(a <= b, 0, d), (d, a, b, r) => Select(a <= b, d, 0)));
    }

    private static IEnumerable<Mutant> Tensor()
    {
        foreach (TensorRule rule in RuleTable.Standard.Tensor)
        {
            int count = rule.Reverse(Arguments(rule)).Count;
            for (int k = 0; k < count; k++)
            {
                int which = k;
                yield return TensorMutant($"Ops.{rule.Method} contribution {k} dropped", Rewrite(rule, list => list.Where((_, i) => i != which)));
                yield return TensorMutant($"Ops.{rule.Method} contribution {k} doubled", Rewrite(rule, list => list.Concat(list.Where((_, i) => i == which))));
            }
        }

        // The reverse products with the transposes of the forward product forgotten.
        TensorRule matMul = RuleTable.Standard.FindTensor("MatMul")!;
        yield return TensorMutant("Ops.MatMul: da without the transpose of b", Rewrite(matMul, (call, list) => list.Select((c, i) => i != 0 || call.Flag("transposeA") ? c :
            TensorContribution.Call("a", "MatMul", "MatMulAdd", Adjoint, Value("b"), Destination, call["m"], call["n"], call["k"], Bool(false), Bool(call.Flag("transposeB"))))));
        yield return TensorMutant("Ops.MatMul: db without the transpose of a", Rewrite(matMul, (call, list) => list.Select((c, i) => i != 1 || call.Flag("transposeB") ? c :
            TensorContribution.Call("b", "MatMul", "MatMulAdd", Value("a"), Adjoint, Destination, call["k"], call["m"], call["n"], Bool(call.Flag("transposeA")), Bool(false)))));
    }

    private static IEnumerable<Mutant> Structural()
    {
        yield return StructuralMutant("carried locals ignore their update", new CarriedIgnoreUpdate());
        yield return StructuralMutant("reverse loops ascend", new AscendingLoops());
        yield return StructuralMutant("pops in push order", new PopsInPushOrder());
        yield return StructuralMutant("restores read the next tape slot", new RestoreFromNextSlot());
        yield return StructuralMutant("adjoints assigned instead of accumulated", new AssignedAdjoints());
        yield return StructuralMutant("carried adjoints accumulated across iterations", new AccumulatedCarriedAdjoints());
        yield return StructuralMutant("branches replay the other arm", new OtherArm());
        yield return StructuralMutant("overwritten outputs keep their adjoint", new KeptOutputAdjoints());
        yield return StructuralMutant("overwritten scratch elements keep their adjoint", new KeptScratchAdjoints());
        yield return StructuralMutant("gradient slices start one late", new ShiftedGradientSlices());
        yield return StructuralMutant("restored tape slices start one late", new ShiftedRestoreSlices());
        yield return StructuralMutant("unbounded loops reverse one trip fewer", new OneTripFewer());
    }

    private static Mutant ScalarMutant(string name, DerivativeRule wrong) =>
        new("scalar rule " + name, Target.Scalar, new RuleTable(RuleTable.Standard.Scalar.Select(r => r.Op == wrong.Op ? wrong : r), RuleTable.Standard.Tensor), DifferentiatorSteps.Standard);

    private static Mutant TensorMutant(string name, TensorRule wrong) =>
        new("tensor rule " + name, Target.Tensor, new RuleTable(RuleTable.Standard.Scalar, RuleTable.Standard.Tensor.Select(r => r.Method == wrong.Method ? wrong : r)), DifferentiatorSteps.Standard);

    private static Mutant StructuralMutant(string name, DifferentiatorSteps steps) => new("step: " + name, Target.Structure, RuleTable.Standard, steps);

    private static DerivativeRule Unary(Op op, string method, Func<RuleExpr, RuleExpr, RuleExpr, RuleExpr> pullback) => DerivativeRule.Function(op, method, pullback);

    /// <summary>The rule's own pullback of <paramref name="argument"/>, as an expression the mutant can change.</summary>
    private static RuleExpr Original(DerivativeRule rule, int argument, RuleExpr d, RuleExpr[] args, RuleExpr r) =>
        new(rule.Pullback(argument, d.Expr, args.Select(a => a.Expr).ToArray(), r.Expr));

    /// <summary><paramref name="rule"/> with the pullback of <paramref name="argument"/> replaced (its degree, name and fusion kept).</summary>
    private static DerivativeRule Replace(DerivativeRule rule, int argument, Func<RuleExpr, RuleExpr[], RuleExpr, RuleExpr> wrong) =>
        rule.WithPullback(argument, wrong);

    /// <summary>Whether the rule's pullback of <paramref name="argument"/> is the literal 0 (Floor, Sign).</summary>
    private static bool IsZero(DerivativeRule rule, int argument) =>
        rule.Template(argument, Enumerable.Repeat(IrType.Double, rule.Arity).ToArray(), IrType.Double) is Literal { Value: 0 };

    /// <summary>Placeholder arguments for a rule (sizes as literals, flags false), to count its contributions.</summary>
    private static Expr[] Arguments(TensorRule rule) =>
        rule.Parameters.Select(p => (Expr)new Literal(p.Kind == TensorParameterKind.Flag ? IrType.Bool : IrType.Int, p.Kind == TensorParameterKind.Flag ? 0 : 2)).ToArray();

    private static TensorRule Rewrite(TensorRule rule, Func<IEnumerable<TensorContribution>, IEnumerable<TensorContribution>> change) =>
        Rewrite(rule, (_, list) => change(list));

    private static TensorRule Rewrite(TensorRule rule, Func<TensorRuleCall, IEnumerable<TensorContribution>, IEnumerable<TensorContribution>> change) =>
        new(rule.Method, rule.Degree, rule.Parameters.ToArray(), rule.InPlace.ToArray(), call =>
        {
            Expr[] args = rule.Parameters.Select(p => call[p.Name]).ToArray();
            return change(call, rule.Reverse(args)).ToArray();
        });

    private sealed class CarriedIgnoreUpdate : DifferentiatorSteps
    {
        public override Need CarriedVarying(Need beforeLoop, Need afterUpdate) => beforeLoop;
    }

    private sealed class OneTripFewer : DifferentiatorSteps
    {
        public override Expr UnboundedTripsReversed(Expr recorded) => new Apply(Op.Subtract, IrType.Int, EquatableArray.Of(recorded, (Expr)new Literal(IrType.Int, 1)));
    }

    private sealed class AscendingLoops : DifferentiatorSteps
    {
        public override bool ReverseLoopsDescend => false;
    }

    private sealed class PopsInPushOrder : DifferentiatorSteps
    {
        public override bool PopInReverseOrder => false;
    }

    private sealed class RestoreFromNextSlot : DifferentiatorSteps
    {
        public override Expr RestoreIndex(Expr index) => new Apply(Op.Add, IrType.Int, EquatableArray.Of(index, (Expr)new Literal(IrType.Int, 1)));
    }

    private sealed class AssignedAdjoints : DifferentiatorSteps
    {
        public override AssignKind Accumulate(AssignKind kind) => AssignKind.Assign;
    }

    private sealed class AccumulatedCarriedAdjoints : DifferentiatorSteps
    {
        public override AssignKind CarriedAdjoint => AssignKind.Add;
    }

    private sealed class OtherArm : DifferentiatorSteps
    {
        public override Expr ReplayCondition(Expr recorded) => new Apply(Op.Not, IrType.Bool, EquatableArray.Of(recorded));
    }

    private sealed class KeptOutputAdjoints : DifferentiatorSteps
    {
        public override bool ResetOverwrittenOutputAdjoints => false;
    }

    private sealed class KeptScratchAdjoints : DifferentiatorSteps
    {
        public override bool ResetOverwrittenScratchAdjoints => false;
    }

    private sealed class ShiftedRestoreSlices : DifferentiatorSteps
    {
        public override Expr RestoreSliceStart(Expr start) => new Apply(Op.Add, IrType.Int, EquatableArray.Of(start, (Expr)new Literal(IrType.Int, 1)));
    }

    private sealed class ShiftedGradientSlices : DifferentiatorSteps
    {
        public override Expr GradientViewStart(Expr start) => new Apply(Op.Add, IrType.Int, EquatableArray.Of(start, (Expr)new Literal(IrType.Int, 1)));
    }
}
