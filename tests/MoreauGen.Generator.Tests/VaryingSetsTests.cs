using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The varying sets of loop-carried locals are settled by a worklist; when they cannot settle, the generator reports an
/// internal error (MG0022) and generates nothing, rather than differentiating with sets that are still moving.
/// </summary>
public sealed class VaryingSetsTests
{
    private const string Source = DiagnosticTests.Header + """
        public partial class L
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
            {
                double s = 1;
                for (int i = 0; i < 3; i++)
                {
                    s = s * 2;
                }

                y[0] = s * w[0] + x[0];
            }
        }
        """;

    [Fact]
    public void The_loop_generates_with_the_standard_steps()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compile(Source));
        Assert.Null(result.Result.Exception);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Equal(["L.Apply.g.cs"], result.Sources.Keys);
    }

    [Fact]
    public void Varying_sets_that_never_settle_are_reported_as_MG0022_and_nothing_is_generated()
    {
        var generator = new MoreauGenerator(RuleTable.Standard, new Oscillating(), Parsing.LayerParser.Read);
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compile(Source), generator);
        Assert.Null(result.Result.Exception);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("MG0022", diagnostic.Id);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("L.Apply", message, StringComparison.Ordinal);
        Assert.Contains("do not settle", message, StringComparison.Ordinal);
        Assert.Empty(result.Sources.Keys);
    }

    /// <summary>
    /// Steps whose carried varying set is not monotone: a local varies with w and x exactly when its update varies with
    /// neither. For <c>s = s * 2</c> the update varies as the phi does, so the phi's set flips on every visit.
    /// </summary>
    private sealed class Oscillating : DifferentiatorSteps
    {
        public override Need CarriedVarying(Need beforeLoop, Need afterUpdate) => afterUpdate == Need.None ? Need.Both : Need.None;
    }
}
