using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Rules;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// One case per diagnostic id: the generator reports exactly that id, at the marked node, with a complete
/// message; and for an error nothing is generated for the method.
/// </summary>
public sealed class DiagnosticTests
{
    internal const string Header = """
        using System;
        using MoreauGen;

        """;

    private const string Sig = "(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)";

    public static TheoryData<string, string> Cases => new()
    {
        { "MG0001", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public static void [|Apply|]{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0001", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public [|double|] Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => 0; }""" },
        { "MG0001", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply[|(ReadOnlySpan<double> w, Span<double> y)|] { y[0] = w[0]; } }""" },
        { "MG0001", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply(ReadOnlySpan<double> w, [|double[]|] x, Span<double> y) { y[0] = w[0]; } }""" },
        { "MG0001", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, [|ref Span<double> y|]) { y[0] = w[0]; } }""" },
        { "MG0002", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply([|ReadOnlySpan<int>|] w, ReadOnlySpan<int> x, Span<int> y) { y[0] = w[0]; } }""" },
        { "MG0002", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply(ReadOnlySpan<float> w, [|ReadOnlySpan<double>|] x, Span<double> y) { y[0] = x[0]; } }""" },
        { "MG0003", $$"""public class [|L|] { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0004", $$"""public static partial class [|L|] { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0005", $$"""public class [|Outer|] { public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } } }""" },
        { "MG0006", $$"""
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void First{{Sig}} { y[0] = x[0]; }
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void [|Second|]{{Sig}} { y[0] = x[0]; }
            }
            """ },
        { "MG0006", $$"""
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; }
                [MoreauObjective(Inputs = 1)] public double [|H|](ReadOnlySpan<double> x) => x[0] * x[0];
            }
            """ },
        { "MG0007", $$"""public partial class L { public int ParameterCount => 1; [MoreauLayer([|Parameters = 1|], Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0008", $$"""public partial class L { [[|MoreauLayer(Inputs = 1, Outputs = 1)|]] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0009", $$"""public partial class L { [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 2)] public void Apply{{Sig}} { y[0] = 0; y[1] = 0; [|void F() { }|] } }""" },
        { "MG0009", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; [|throw new InvalidOperationException();|] } }""" },
        { "MG0009", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { double[,] [|a = new double[2, 2]|]; y[0] = x[0]; } }""" },
        { "MG0010", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { double a = 0; y[0] = [|a = x[0]|]; } }""" },
        { "MG0010", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = [|x.ToArray()|][0] * w[0]; } }""" },
        { "MG0010", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[[|(int)w[0]|]]; } }""" },
        { "MG0011", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = [|Math.Asinh(x[0])|] * w[0]; } }""" },
        { "MG0011", $$"""public static class H { public static double Helper(double a) => a * a; } public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = [|H.Helper(x[0])|] * w[0]; } }""" },
        { "MG0012", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0] * w[0]; [|Apply(w, x, y)|]; } }""" },
        { "MG0012", $$"""public partial class L { static double Twice(double a, int n) { double b = [|Twice(a, n - 1)|]; return 2 * b; } [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = Twice(x[0], 2) * w[0]; } }""" },
        { "MG0012", $$"""public partial class L { static double F(double a) => 2 * G(a); static double G(double a) => [|F(a)|] + 1; [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = F(x[0]) * w[0]; } }""" },
        { "MG0012", $$"""public partial class L { static void Fill(Span<double> r, int n) { r[0] += 1; if (n > 0) { [|Fill(r, n - 1)|]; } } [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { Span<double> r = stackalloc double[1]; Fill(r, 2); y[0] = r[0] * w[0] * x[0]; } }""" },
        { "MG0013", $$"""public partial class L { public void [|Forward|]() { } [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0013", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void [|Pullback|]{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0014", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 2)] public void Apply{{Sig}} { y[1] = [|y[0]|] * x[0]; y[0] = w[0]; } }""" },
        { "MG0014", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { [|y[0]|] += x[0] * w[0]; } }""" },
        { "MG0015", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[[|2|]] * w[0]; } }""" },
        { "MG0015", $$"""public partial class L { public int ParameterCount => 1; public int InputCount => 1; public int OutputCount => 1; [MoreauLayer] public void Apply{{Sig}} { y[0] = x[[|-1|]] * w[0]; } }""" },
        { "MG0016", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 3)] public void [|Apply|]{{Sig}} { y[1] = x[0] * w[0]; } }""" },
        { "MG0017", $$"""public partial class L { [MoreauLayer([|Parameters = -2|], Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0019", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { [|y[0] = x[0];|] } }""" },
        { "MG0019", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { [|for|] (int i = 0; i < 1; i++) { Ops.Relu(x, y); } } }""" },
        { "MG0019", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Span<double> h = [|stackalloc double[x.Length]|]; Ops.Relu(x, h); Ops.Add(h, x, y); } }""" },
        { "MG0019", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { double [|s = 2|]; Ops.Scale(x, s, y); } }""" },
        { "MG0019", $$"""public partial class L { private readonly bool flip = true; [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Ops.MatMul(x, w, y, x.Length, 1, 1, [|flip|]); } }""" },
        { "MG0019", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Ops.Scale(x, [|2 * w[0]|], y); } }""" },
        { "MG0019", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Ops.Relu(x, y); Ops.Scale(y, [|x[0]|], y); } }""" },
        { "MG0019", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Ops.Relu(x[[|^1|]..], y); } }""" },
        { "MG0020", $$"""public ref partial struct [|L|] { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0020", $$"""file partial class [|L|] { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; } }""" },
        { "MG0021", $$"""public abstract partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public abstract void [|Apply|]{{Sig}}; }""" },
        { "MG0023", $$"""public partial class C { [MoreauObjective(Inputs = 1)] public double H(ReadOnlySpan<double> x) { double s = x[0]; [|while|] (s < 1) { s += x[0] * x[0] + 0.5; } return s; } }""" },
        { "MG0023", $$"""public partial class L { public double[] C { get; set; } = [1.0]; [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; [|foreach|] (double v in C) { y[0] += v * w[0]; } } }""" },
        { "MG0023", $$"""public partial class C { [MoreauObjective(Inputs = 1)] public double H(ReadOnlySpan<double> x) { int i = 0; double s = 0; [|do|] { s += x[0]; if (s > 1) continue; i++; } while (i < 1); return s; } }""" },
        { "MG0024", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; for (int i = 0; i < 2; i++) { switch (i) { case 0: if (x[i] > 0) { [|break;|] } y[0] += x[i] * w[0]; break; } } } }""" },
        { "MG0024", $$"""public partial class C { [MoreauObjective(Inputs = 2)] public double H(ReadOnlySpan<double> x) { double s = 0; for (int i = 0; i < x.Length; i++) { switch (i) { case 1: if (s > 0) { [|break;|] } s += x[i]; break; } } return s; } }""" },
        { "MG0025", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; [|for (int i = 1; i >= 0; i--)|] { y[0] += x[i] * w[0]; } } }""" },
        { "MG0025", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; int i = 0; [|for (; i < 2; i++)|] { y[0] += x[i] * w[0]; } } }""" },
        { "MG0026", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; for (int i = 0; i < [|w[0]|]; i++) { y[0] += x[0]; } } }""" },
        { "MG0026", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; for (int i = 0; i < [|(int)x[1]|]; i++) { y[0] += w[0]; } } }""" },
        { "MG0010", $$"""public partial class L { [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { bool b = x[0] > 0; int k = [|b ? 1 : 0|]; y[0] = w[k] * x[0]; } }""" },
        { "MG0026", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; for (int i = 0; i < ([|x[0] > 0 ? 2 : 1|]); i++) { y[0] += x[i] * w[0]; } } }""" },
        { "MG0027", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 4, Outputs = 1)] public void Apply{{Sig}} { y[0] = 0; for (int i = 0; i < 4; i++) { y[0] += x[i] * w[0]; [|i += 1|]; } } }""" },
        { "MG0028", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { if ([|x.IsEmpty|]) { y[0] = w[0]; } else { y[0] = x[0] * w[0]; } } }""" },
        { "MG0028", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = [|double.IsNaN(x[0])|] ? w[0] : x[0]; } }""" },
        { "MG0029", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { int k = 0; for (int i = 0; i < 2; i++) { k = i; } y[0] = 0; for (int j = 0; j < [|k|]; j++) { y[0] += x[j] * w[0]; } } }""" },
        { "MG0029", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { int k = 0; y[0] = 0; while (x[0] > 0 && k < 2) { int j = k; k++; for (int i = 0; i < [|j|]; i++) { y[0] += x[i] * w[0]; } } } }""" },
        { "MG0029", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)] public void Apply{{Sig}} { int k = 0; for (int i = 0; i < 2; i++) { if (x[i] > 0) { k++; } } var r = x[..k]; y[0] = 0; foreach (double e in [|r|]) { y[0] += e * w[0]; } } }""" },
        { "MG0030", $$"""public partial class L { [Differentiable] static extern double Hidden(double a); [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = [|Hidden(x[0])|] * w[0]; } }""" },
        { "MG0031", """public static class Helpers { [[|CustomPullback("Missing")|]] public static double Square(double a) => a * a; }""" },
        { "MG0031", """public static class Helpers { [[|CustomPullback(nameof(SquarePullback))|]] public static double Square(double a) => a * a; public static double SquarePullback(double a, double d) => 2 * a * d; }""" },
        { "MG0032", """public static class Helpers { [Differentiable] public static double [|Scale|](double a, int k) => a * k; }""" },
        { "MG0032", """public class Helpers { [Differentiable] public double [|Square|](double a) => a * a; }""" },
        { "MG0033", $$"""public partial class L : [|IAffineInParameters|] { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = w[0] * w[0] * x[0]; } }""" },
        { "MG0033", $$"""public partial class L : IAffineInParameters, [|IAffineInInputs|] { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = w[0] * (x[0] > 0 ? x[0] : 0); } }""" },
        { "MG0035", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { y[0] = x[0]; [|Ops.Relu(x, y)|]; } }""" },
        { "MG0036", $$"""public partial class L { static void Exp(ReadOnlySpan<double> a, Span<double> b) { } [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { [|Exp(x, y)|]; } }""" },
        { "MG0036", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Ops.Relu(x, y); [|Ops.ReluBackward(x, x, y)|]; } }""" },
        { "MG0036", """public partial class C { [MoreauObjective(Inputs = 1)] public double H(ReadOnlySpan<double> x) => [|Ops.Dot(x, x)|]; }""" },
        { "MG0036", """public partial class C { public int[] Labels { get; set; } = []; [MoreauObjective(Inputs = 2)] public double H(ReadOnlySpan<double> x) { double s = 0; for (int i = 0; i < x.Length; i++) { s += x[i]; } return s * [|Ops.SquaredLoss(x, Labels, 2, new double[x.Length])|]; } }""" },
        { "MG0037", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Ops.Relu(x, y); Ops.MatMul([|y|], w, y, x.Length, 1, 1); } }""" },
        { "MG0037", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2, Batched = true)] public void Apply{{Sig}} { Ops.Relu(x, y); Ops.Tanh(x[..1], [|y[..1]|]); } }""" },
        { "MG0037", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2, Batched = true)] public void Apply{{Sig}} { Ops.Relu(x, y); Ops.Add(y, [|y[1..]|], y[..1]); } }""" },
        { "MG0038", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { Span<double> h = new double[x.Length]; Ops.Add([|h|], x, y); } }""" },
        { "MG0039", $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 2, Batched = true)] public void [|Apply|]{{Sig}} { int half = x.Length / 2; Ops.Relu(x[..half], y[..half]); } }""" },
        { "MG0041", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply[|(ReadOnlySpan<double> x, ReadOnlySpan<double> theta, Span<double> y)|] { y[0] = x[0] * theta[0]; } }""" },
        { "MG0040", """public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply[|(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y)|] { y[0] = x[0]; } }""" },
        { "MG0034", """public partial class C { [MoreauObjective(Inputs = 1)] public static double [|H|](ReadOnlySpan<double> x) => x[0]; }""" },
        { "MG0034", """public partial class C { [MoreauObjective(Inputs = 1)] public [|float|] H(ReadOnlySpan<double> x) => (float)x[0]; }""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_the_id_at_the_offending_node(string id, string marked)
    {
        MarkedSource source = MarkedSource.Parse(Header + marked);
        GeneratorResult result = GeneratorHarness.Run(source.Text);
        AssertOne(result, id, source);
    }

    [Fact]
    public void MG0018_is_reported_at_the_attribute_when_the_runtime_is_not_referenced()
    {
        MarkedSource source = MarkedSource.Parse(Header + $$"""public partial class L { [[|MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)|]] public void Apply{{Sig}} { y[0] = x[0]; } }""");
        var compilation = GeneratorHarness.Compile(source.Text);
        compilation = compilation.RemoveReferences(compilation.References.Where(r => r.Display?.EndsWith("MoreauGen.Runtime.dll", StringComparison.Ordinal) == true));
        AssertOne(GeneratorHarness.Run(compilation), "MG0018", source);
    }

    [Fact]
    public void MG0022_reports_a_generator_failure_instead_of_throwing()
    {
        MarkedSource source = MarkedSource.Parse(Header + $$"""public partial class L { [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void [|Apply|]{{Sig}} { y[0] = x[0]; } }""");
        // A method reader that fails stands for a parser bug: the generator reports it at the method and does not throw.
        var failing = new MoreauGenerator(RuleTable.Standard, DifferentiatorSteps.Standard,
            (context, method, syntax, kind, cancellationToken) => throw new InvalidOperationException("a reader that fails"));
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compile(source.Text), failing);
        Assert.Null(result.Result.Exception);
        AssertOne(result, "MG0022", source);
    }

    [Fact]
    public void Every_id_has_a_case()
    {
        var covered = new HashSet<string>(Cases.Select(c => (string)c[0])) { "MG0018", "MG0022" };
        Assert.Equal(DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(i => i), covered.OrderBy(i => i));
    }

    [Fact]
    public void Every_descriptor_has_a_help_link_built_from_its_id_and_is_tracked_in_the_release_file()
    {
        string unshipped = File.ReadAllText(Path.Combine(Snapshot.Directory, "..", "..", "..", "src", "Generator", "AnalyzerReleases.Unshipped.md"));
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            Assert.Matches("^MG\\d{4}$", descriptor.Id);
            Assert.Equal(DiagnosticDescriptors.HelpLinkBase + "#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri);
            Assert.Contains(descriptor.Id + " | MoreauGen | " + descriptor.DefaultSeverity, unshipped);
        }
    }

    [Fact]
    public void Every_help_link_leads_to_a_section_of_the_diagnostics_document()
    {
        string root = Path.Combine(Snapshot.Directory, "..", "..", "..");
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            string[] link = descriptor.HelpLinkUri.Split('#');
            Assert.Equal(2, link.Length);
            Assert.DoesNotContain("://", link[0], StringComparison.Ordinal); // a path in the repository, not a web address
            string document = File.ReadAllText(Path.Combine(root, link[0]));
            string suffix = descriptor.DefaultSeverity == DiagnosticSeverity.Warning ? " (warning)" : string.Empty;
            Assert.Matches(new Regex("^## " + descriptor.Id + Regex.Escape(suffix) + "$", RegexOptions.Multiline), document);
            Assert.Equal(descriptor.Id.ToLowerInvariant(), link[1]);
        }
    }

    private static void AssertOne(GeneratorResult result, string id, MarkedSource source)
    {
        Assert.Null(result.Result.Exception);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(source.Span, diagnostic.Location.SourceSpan);
        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.DoesNotMatch(new Regex(@"\{\d\}"), message);
        if (diagnostic.Severity == DiagnosticSeverity.Error)
        {
            // Nothing is generated for the method in error (with two layer methods, the first one still is).
            Assert.Equal(id == "MG0006" ? [source.Text.Contains("MoreauObjective") ? "L.Apply.g.cs" : "L.First.g.cs"] : [], result.Sources.Keys);
        }
    }
}
