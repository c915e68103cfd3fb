using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;
using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>Mirrors Rules/ElementwiseRules.cs: every primitive has a rule and a finite-difference case that passes.</summary>
public sealed class ElementwiseRulesTests
{
    public static TheoryData<string> Rules => new(RuleTable.Standard.Scalar.Select(r => r.Op.ToString()));

    [Fact]
    public void Every_differentiable_primitive_has_a_rule()
    {
        Op[] withoutRule = [Op.Remainder, Op.Less, Op.LessOrEqual, Op.Greater, Op.GreaterOrEqual, Op.Equal, Op.NotEqual, Op.And, Op.Or, Op.Not];
        foreach (Op op in Enum.GetValues<Op>().Except(withoutRule))
        {
            Assert.NotNull(RuleTable.Standard.Find(op));
        }
    }

    [Fact]
    public void Every_rule_has_a_finite_difference_case()
    {
        foreach (DerivativeRule rule in RuleTable.Standard.Scalar)
        {
            Assert.Contains(LayerCorpus.Primitives, e => e.Name == "Primitive_" + rule.Op);
        }
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Rule_matches_central_differences(string op) =>
        CompileAndRunTests.CheckEntry(CorpusAssembly.Default, LayerCorpus.Find("Primitive_" + op));
}
