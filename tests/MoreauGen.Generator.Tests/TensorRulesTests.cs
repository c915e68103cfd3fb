using System.Reflection;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;
using MoreauGen.Generator.Tests.Corpus;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Mirrors Rules/TensorRules.cs: every tensor operation of <see cref="Ops"/> has a rule whose parameters are the
/// runtime method's, every reverse member a rule calls exists in <see cref="Ops"/>, and every rule has a
/// finite-difference case (<c>Tensor_{Method}</c> in <see cref="TensorCorpus"/>) that passes, as do the combinations.
/// </summary>
public sealed class TensorRulesTests
{
    /// <summary>The Ops members a batched layer body calls.</summary>
    private static readonly string[] Operations =
        ["MatMul", "AddBias", "Relu", "Tanh", "Sigmoid", "Add", "Multiply", "Scale", "Conv2d", "AddChannelBias", "MaxPool2d", "AvgPool2d"];

    /// <summary>The Ops members the generated reverse passes call (with the operations themselves): no rule needed.</summary>
    private static readonly string[] ReverseMembers =
        ["MatMulAdd", "MatMulBackward", "SumRows", "SumRowsAdd", "ReluBackward", "ReluBackwardAdd", "TanhBackward", "TanhBackwardAdd",
         "SigmoidBackward", "SigmoidBackwardAdd", "MultiplyAdd", "ScaleAdd", "Dot", "SquaredLossMoreauGradient",
         "Conv2dBackwardInput", "Conv2dBackwardInputAdd", "Conv2dBackwardWeights", "Conv2dBackwardWeightsAdd", "SumChannels", "SumChannelsAdd",
         "MaxPool2dBackward", "MaxPool2dBackwardAdd", "AvgPool2dBackward", "AvgPool2dBackwardAdd",
         "Conv2dOutputSize", // computes a size, not a tensor
         "MatMulBias", "MatMulBiasRelu", "MatMulBiasReluAndCopy", "MatMulBiasReluAndCopyPreActivation", "MatMulSumRows", // fused calls the batched emitter writes (BatchedFusion)
         "MatMulReluMask", "MatMulSumRowsReluMask"]; // the reverse ReLU folded into the products (BatchedMaskFusion)

    public static TheoryData<string> Rules => new(TensorRules.All.Select(r => r.Method));

    public static TheoryData<string> Layers => new(TensorCorpus.Entries.Select(e => e.Name));

    [Fact]
    public void Every_public_Ops_member_has_a_rule_or_is_a_reverse_member()
    {
        string[] members = typeof(Ops).GetMethods(BindingFlags.Public | BindingFlags.Static).Select(m => m.Name).Distinct().ToArray();
        foreach (string member in members)
        {
            bool covered = TensorRules.Find(member) is not null || TensorRules.FindLoss(member) is not null || ReverseMembers.Contains(member);
            Assert.True(covered, $"Ops.{member} has no rule and is not a known reverse member");
        }

        Assert.Equal(Operations.OrderBy(n => n), TensorRules.All.Select(r => r.Method).OrderBy(n => n));
        Assert.Equal(["SoftmaxCrossEntropy", "SquaredLoss"], TensorRules.Losses.Select(l => l.Method).OrderBy(n => n));
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_rule_lists_the_parameters_of_its_Ops_method(string method)
    {
        TensorRule rule = TensorRules.Find(method)!;
        MethodInfo target = Assert.Single(typeof(Ops).GetMethods(BindingFlags.Public | BindingFlags.Static), m => m.Name == method);
        Assert.Equal(target.GetParameters().Select(p => p.Name), rule.Parameters.Select(p => p.Name));
        foreach ((ParameterInfo parameter, TensorParameter declared) in target.GetParameters().Zip(rule.Parameters))
        {
            Type type = parameter.ParameterType;
            string kind = declared.Kind switch
            {
                TensorParameterKind.Input => "ReadOnlySpan`1",
                TensorParameterKind.Output or TensorParameterKind.InputOutput => "Span`1",
                TensorParameterKind.Size => "Int32",
                TensorParameterKind.Flag => "Boolean",
                _ => "T",
            };
            Assert.Equal(kind, type.IsGenericParameter ? "T" : type.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void The_reverse_members_a_rule_calls_exist_in_Ops(string method)
    {
        TensorRule rule = TensorRules.Find(method)!;
        string[] ops = typeof(Ops).GetMethods(BindingFlags.Public | BindingFlags.Static).Select(m => m.Name).ToArray();

        // Every combination of the flags (MatMul's transposes choose different products).
        int flags = rule.Parameters.Count(p => p.Kind == TensorParameterKind.Flag);
        for (int bits = 0; bits < 1 << flags; bits++)
        {
            int flag = 0;
            Expr[] args = rule.Parameters.Select(p => p.Kind == TensorParameterKind.Flag
                ? new Literal(IrType.Bool, (bits >> flag++) & 1)
                : (Expr)new Literal(IrType.Int, 1)).ToArray();
            foreach (string member in rule.ReverseMembers(args))
            {
                Assert.Contains(member, ops);
            }

            // One contribution per input (and per scalar factor), each to a parameter of the operation.
            Assert.Equal(rule.Parameters.Count(p => p.IsRead || p.Kind == TensorParameterKind.Scalar), rule.Reverse(args).Count);
        }
    }

    [Fact]
    public void Every_rule_has_a_finite_difference_case()
    {
        foreach (TensorRule rule in TensorRules.All)
        {
            Assert.Contains(TensorCorpus.Entries, e => e.Name == "Tensor_" + rule.Method && e.Template.Contains("Ops." + rule.Method + "(", StringComparison.Ordinal));
        }

        foreach (LossRule loss in TensorRules.Losses)
        {
            Assert.Contains(ObjectiveCorpus.Entries, e => e.Template.Contains("Ops." + loss.Method + "(", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Batched_layer_oracles_match_central_differences(string name) =>
        CompileAndRunTests.CheckEntry(CorpusAssembly.Default, TensorCorpus.Find(name));

    [Fact]
    public void The_combinations_cover_in_place_calls_temporaries_views_and_every_transpose()
    {
        string all = string.Join("\n", TensorCorpus.Entries.Select(e => e.Template));
        Assert.Contains("Ops.Relu(y, y)", all);
        Assert.Contains("Ops.Tanh(h, h)", all);
        Assert.Contains("Ops.Multiply(y, y, y)", all);
        Assert.Contains("new T[", all);
        Assert.Contains("w.Slice(", all);
        Assert.Contains("y[half..]", all);
        Assert.Contains("true, true", all);
        Assert.Contains("transposeA: true", all);
        Assert.Contains("transposeB: true", all);
    }
}
