using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The generated part declares the runtime's markers <see cref="IAffineInParameters"/> and <see cref="IAffineInInputs"/>
/// exactly for layers whose body the degree analysis finds affine in w (resp. x); a marker the user declares is kept
/// and checked (MG0033 in <see cref="DiagnosticTests"/>).
/// </summary>
public sealed class AffineTests
{
    [Theory]
    [InlineData("Affine", true, true)]                // w0 x0 + w1 x1 + w2
    [InlineData("Pendulum", true, false)]             // sin θ, w[0] added
    [InlineData("Arithmetic", false, false)]          // products of w and x with w and x
    [InlineData("Trigonometry", false, false)]
    [InlineData("RuntimeAffine", true, true)]
    [InlineData("FixedWide", true, true)]
    [InlineData("AccumulatedOutputs", true, false)]   // y[j] = w[j] + Σ w[…] sin(x[k]) in loops
    [InlineData("DenseTanhLoops", false, false)]      // tanh of an affine map
    [InlineData("IfElse", false, false)]              // a branch on x makes it piecewise in x; w·w in an arm
    [InlineData("SizeBounds", true, false)]           // Σ w[i] sqrt(1 + x[i]²) in a loop
    [InlineData("PendulumRollout", false, false)]     // six steps: sin of a state that depends on w
    [InlineData("Primitive_Multiply", true, true)]    // w x: affine in each for the other fixed
    [InlineData("Primitive_Divide", true, false)]     // w / x
    [InlineData("Dense", false, false)]               // batched: relu(x·W + b)
    [InlineData("TensorAffine", true, true)]          // batched: x·W + b, the output layer
    [InlineData("Tensor_MatMul", true, true)]         // x·W
    [InlineData("TensorTransposedB", true, true)]     // x·Wᵀ
    [InlineData("TensorMlp", false, false)]           // two layers with tanh and sigmoid
    [InlineData("Tensor_Scale", false, true)]         // w[k]·(w[k]·x + b): degree 2 in w, 1 in x
    [InlineData("Tensor_Multiply", false, false)]     // ((x·W) ⊙ x)²
    public void Markers_follow_the_degree_analysis(string name, bool inParameters, bool inInputs)
    {
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(LayerCorpus.Find(name), "Double");
        Assert.Equal(inParameters, layer is IAffineInParameters);
        Assert.Equal(inInputs, layer is IAffineInInputs);
    }

    [Fact]
    public void A_declared_marker_that_holds_is_kept_and_not_repeated()
    {
        GeneratorResult result = GeneratorHarness.Run("""
            using System;
            using MoreauGen;
            public partial class Declared : IAffineInParameters
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = w[0] * Math.Sin(x[0]);
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity != Microsoft.CodeAnalysis.DiagnosticSeverity.Hidden));
        string generated = Assert.Single(result.Sources).Value;
        Assert.Contains("partial class Declared : global::MoreauGen.IMoreauLayer<double>\n", generated.Replace("\r\n", "\n"));
    }
}
