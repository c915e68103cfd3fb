using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// DESIGN.md's canonical dense layer (its text exactly, in <see cref="SnapshotTests.Sources"/> as "Dense"): the
/// generated members make exactly the matrix products they must (1 forward, 2 in the reverse pass, none repeated),
/// an empty gradient skips its product, the tape holds the activation's output, and the subproblems' minimisers
/// agree with a precise solve. Its oracles are checked against central differences in <see cref="TensorRulesTests"/>.
/// </summary>
public sealed class DenseLayerTests
{
    private static readonly Lazy<CompilationUnitSyntax> Generated = new(() =>
    {
        GeneratorResult result = GeneratorHarness.Run(SnapshotTests.Usings + SnapshotTests.Sources["Dense"]);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        return (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(Assert.Single(result.Sources).Value).GetRoot();
    });

    private static int Products(SyntaxNode node) =>
        node.DescendantNodes().OfType<InvocationExpressionSyntax>().Count(i => Regex.IsMatch(i.Expression.ToString(), @"\.Ops\.MatMul(Add|Bias|BiasRelu|BiasReluAndCopy|BiasReluAndCopyPreActivation|SumRows|ReluMask|SumRowsReluMask)?<"));

    private static MethodDeclarationSyntax Member(string name, int parameters) =>
        Generated.Value.DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == name && m.ParameterList.Parameters.Count == parameters);

    [Theory]
    [InlineData("Forward", 3, 1)]
    [InlineData("Forward", 4, 1)]
    [InlineData("Pullback", 6, 2)]
    [InlineData("SubproblemW", 5, 2)]
    [InlineData("SubproblemX", 5, 2)]
    [InlineData("TapeLength", 1, 0)]
    public void Each_member_makes_exactly_its_matrix_products(string member, int parameters, int products) =>
        Assert.Equal(products, Products(Member(member, parameters)));

    [Fact]
    public void The_pullback_repeats_no_forward_call()
    {
        // Its 2 products are the reverse ones (dW = xᵀ·dz with transposeA, dx = dz·Wᵀ with transposeB); the bias and the
        // activation are not applied again: the ReLU's output comes from the tape.
        string pullback = Member("Pullback", 6).ToString();
        Assert.DoesNotContain("Ops.AddBias<", pullback, StringComparison.Ordinal);
        Assert.DoesNotContain("Ops.Relu<", pullback, StringComparison.Ordinal);
        Assert.DoesNotContain("MatMul<float>(x, weights", pullback, StringComparison.Ordinal);
        Assert.Contains("tape.Slice(", pullback, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_gradient_skips_its_product()
    {
        MethodDeclarationSyntax pullback = Member("Pullback", 6);
        IfStatementSyntax[] branches = pullback.DescendantNodes().OfType<IfStatementSyntax>().ToArray();
        IfStatementSyntax onlyW = Assert.Single(branches, b => b.Condition.ToString() == "needW");
        IfStatementSyntax onlyX = Assert.Single(branches, b => b.Condition.ToString() == "needX");
        Assert.Equal(1, Products(onlyW.Statement));
        Assert.Equal(1, Products(onlyX.Statement));
        Assert.Contains("gradX", onlyX.Statement.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("gradX", onlyW.Statement.ToString(), StringComparison.Ordinal);

        // The bias gradient is a sum of rows, needed for w only: taken inside the product dW = xᵀ·dz (BatchedFusion), which
        // reads dz = λ ⊙ 1[y > 0] from λ and the tape as it packs it (BatchedMaskFusion); so does dx = dz·Wᵀ.
        Assert.Contains("Ops.MatMulSumRowsReluMask<float>(x, lambda, y_relu,", onlyW.Statement.ToString(), StringComparison.Ordinal);
        Assert.Contains("Ops.MatMulReluMask<float>(lambda, y_relu,", onlyX.Statement.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ReluBackward", pullback.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Subproblems_rent_and_return_every_pooled_buffer()
    {
        foreach (string name in new[] { "Pullback", "SubproblemW", "SubproblemX" })
        {
            string code = Member(name, name == "Pullback" ? 6 : 5).ToString();
            int rents = Regex.Matches(code, @"ArrayPool<float>\.Shared\.Rent\(").Count;
            // The pullback's only temporary was dz, which the products now read masked from λ (BatchedMaskFusion).
            Assert.True(name == "Pullback" ? rents == 0 : rents > 0, name + " rents its temporaries from ArrayPool");
            Assert.Equal(rents, Regex.Matches(code, @"ArrayPool<float>\.Shared\.Return\(").Count);
            Assert.DoesNotContain("new float[", code, StringComparison.Ordinal);
            Assert.DoesNotContain("stackalloc", code, StringComparison.Ordinal);
        }

        // The subproblems read the ReLU output where the forward pass left it: no tape, no copy.
        Assert.DoesNotContain("CopyTo", Member("SubproblemW", 5).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("CopyTo", Member("SubproblemX", 5).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Dense")]            // w[..(inputs * outputs)] and w[(inputs * outputs)..]: one ends where the other starts
    [InlineData("AffineOutput")]     // the same slices written inline
    [InlineData("TwoLayerBlock")]    // w[..12], w[12..16], w[16..24], w[24..]: constant bounds
    public void Views_that_partition_w_receive_their_gradients_without_clearing_gradW(string name)
    {
        GeneratorResult result = GeneratorHarness.Run(SnapshotTests.Usings + SnapshotTests.Sources[name]);
        Assert.Empty(result.GeneratorDiagnostics);
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(Assert.Single(result.Sources).Value).GetRoot();
        MethodDeclarationSyntax pullback = root.DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "Pullback");
        Assert.DoesNotContain("gradW.Clear()", pullback.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Add<", pullback.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_tape_holds_the_pre_activation_of_the_in_place_relu()
    {
        CorpusEntry entry = TensorCorpus.Find("Dense");
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(entry, "Double");
        const int m = 5;
        Assert.Equal(m * layer.OutputCount, layer.TapeLength(m));
        var random = new Random(3);
        double[] w = OracleChecks.Draw(random, layer.ParameterCount, -1, 1);
        double[] x = OracleChecks.Draw(random, m * layer.InputCount, -1, 1);
        double[] y = new double[m * layer.OutputCount], tape = new double[layer.TapeLength(m)];
        layer.Forward(w, x, y, tape);
        // The tape holds z = x·W + b (the ReLU's mask z > 0 for the reverse pass, z for the Gram-form Φw): y = max(z, 0).
        Assert.Equal(y, tape.Select(z => Math.Max(z, 0)));
        Assert.Contains(tape, z => z < 0);
        Assert.Contains(y, v => v == 0);
        Assert.Contains(y, v => v > 0);
    }

    [Theory]
    [InlineData("Dense")]
    [InlineData("TensorAffine")]
    [InlineData("TensorMlp")]
    public void Subproblem_minimisers_satisfy_the_optimality_condition(string name)
    {
        CorpusEntry entry = TensorCorpus.Find(name);
        IMoreauLayer<double> layer = CorpusAssembly.Default.Create<double>(entry, "Double");
        const int m = 3;
        var random = new Random(11);
        double[] w = OracleChecks.Draw(random, layer.ParameterCount, -1, 1);
        double[] x = OracleChecks.Draw(random, m * layer.InputCount, -1, 1);
        // ReLU makes Φ piecewise quadratic: with a small λ (a step size folded in, as in training) the minimiser keeps the
        // forward pass's sign pattern, so Φ is smooth around it and the precise solver converges.
        double scale = name == "Dense" ? 0.05 : 1;
        double[] lambda = OracleChecks.Draw(random, m * layer.OutputCount, -scale, scale);
        var solver = new LbfgsSolver<double> { RelativeTolerance = 1e-12, MaxIterations = 1000 };

        double F(double[] ww, double[] xx) => OracleChecks.Dot(lambda, OracleChecks.Forward(layer, ww, xx, m * layer.OutputCount));

        // Φw: v* = argmin λᵀφ(w + v, x) + ½‖v‖², solved precisely, then checked with central differences of the forward pass alone.
        double[] v = new double[w.Length];
        var phiW = new LayerParameterSubproblem<double>(layer, w, x, lambda);
        SolverReport<double> reportW = solver.Minimize(ref phiW, v, solver.CreateWorkspace(v.Length));
        Assert.Equal(SolverStatus.Converged, reportW.Status);
        AssertStationary(vv => F(OracleChecks.Add(w, vv), x) + 0.5 * OracleChecks.Dot(vv, vv), v, name + ": Φw");

        double[] u = new double[x.Length];
        var phiX = new LayerInputSubproblem<double>(layer, w, x, lambda);
        SolverReport<double> reportX = solver.Minimize(ref phiX, u, solver.CreateWorkspace(u.Length));
        Assert.Equal(SolverStatus.Converged, reportX.Status);
        AssertStationary(uu => F(w, OracleChecks.Add(x, uu)) + 0.5 * OracleChecks.Dot(uu, uu), u, name + ": Φx");

        if (name == "TensorAffine")
        {
            // Affine in w and in x: the minimisers are minus the gradients, computed here with plain loops.
            int inputs = layer.InputCount, outputs = layer.OutputCount;
            double[] expectedV = new double[w.Length], expectedU = new double[x.Length];
            for (int s = 0; s < m; s++)
            {
                for (int j = 0; j < outputs; j++)
                {
                    double l = lambda[s * outputs + j];
                    expectedV[inputs * outputs + j] -= l;
                    for (int i = 0; i < inputs; i++)
                    {
                        expectedV[i * outputs + j] -= x[s * inputs + i] * l;
                        expectedU[s * inputs + i] -= w[i * outputs + j] * l;
                    }
                }
            }

            OracleChecks.AssertClose(expectedV, v, 1e-9, name + ": Φw minimiser against its closed form");
            OracleChecks.AssertClose(expectedU, u, 1e-9, name + ": Φx minimiser against its closed form");
        }
    }

    /// <summary>The central-difference gradient of <paramref name="phi"/> vanishes at <paramref name="at"/> (to 1e-6 of its size at 0).</summary>
    private static void AssertStationary(Func<double[], double> phi, double[] at, string what)
    {
        double scale = Math.Max(1, OracleChecks.Gradient(phi, new double[at.Length]).Max(Math.Abs));
        double[] gradient = OracleChecks.Gradient(phi, at);
        double largest = gradient.Max(Math.Abs);
        Assert.True(largest <= 1e-6 * scale, $"{what}: the gradient at the minimiser has a component of {largest:E2} (scale {scale:E2})");
        Assert.Contains(at, a => a != 0);
    }
}
