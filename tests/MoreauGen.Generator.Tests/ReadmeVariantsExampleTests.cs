using Xunit;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// README.md's "One layer, five backward algorithms" compiles through the generator with no diagnostic, and what it
/// claims happens: each of the five algorithms trains the same generated layer.
/// </summary>
public sealed class ReadmeVariantsExampleTests
{
    [Fact]
    public void The_five_algorithm_example_compiles_without_diagnostics_and_each_algorithm_lowers_the_cost()
    {
        var results = (List<(string Name, double Before, double After)>)ReadmeExampleTests.CompileAndInvoke("class FiveAlgorithms", "FiveAlgorithms", "Compare")!;
        Assert.Equal(5, results.Count);
        foreach ((string name, double before, double after) in results)
        {
            Assert.True(double.IsFinite(before) && before > 0.05, $"{name}: cost before training {before}");
            Assert.True(after < 0.5 * before, $"{name} took the cost from {before} only to {after}.");
        }
    }
}
