using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Parsing;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;
using MoreauGen.Generator.Tests.RandomPrograms;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The syntax reader of batched bodies (<see cref="BatchedSyntaxReader"/>) against the bound parser it stands in for:
/// the generator with it and the generator that binds every body (<see cref="LayerParser.ReadBound"/>) must produce the
/// same files, byte for byte, and the same diagnostics on every batched layer we have — the tensor corpus in double and
/// float, the snapshot layers, random batched programs, the diagnostic cases — and on bodies with compiler errors. The
/// reader must also actually read the valid ones (else the comparison would hold trivially), and leave every body with a
/// compiler error to the bound parser.
/// </summary>
public sealed class BatchedSyntaxReaderTests
{
    private const string Sig = "(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)";

    /// <summary>Bodies of batched layers that do not compile, each with one kind of error the reader must see.</summary>
    public static TheoryData<string> BrokenBodies => new(Broken);

    private static readonly string[] Broken =
    [
        "Ops.Relu(x, w);",                                  // a read-only span where Span<T> is written
        "Ops.Relu(x);",                                     // too few arguments
        "Ops.Relu(x, y, y);",                               // too many
        "Ops.Relu(x, z);",                                  // an unknown name
        "Ops.Relu(x, y[..k]);",                             // an unknown size
        "Ops.MatMul(x, w, y, x.Length, 1, 1, 1);",          // an int where a flag is expected
        "Ops.MatMul(x, w, y, x.Length, 1.5, 1);",           // a double where a size is expected
        "Ops.MatMul(x, w, y, x.Length, 2147483647 * 2, 1);", // a constant that overflows
        "Ops.MatMul(x, w, y, x.Length, 1 / 0, 1);",         // a constant division by zero
        "Ops.Scale(x, \"a\", y);",                          // a string for the factor (T cannot be inferred)
        "Ops.Relu(x, h); Span<double> h = new double[x.Length]; Ops.Add(h, x, y);", // a local used before its declaration
        "int m = x.Length; int m = 2; Ops.Relu(x, y);",     // a local declared twice
        "int w = 1; Ops.Relu(x, y);",                       // a local with a parameter's name
        "int k = T; Ops.Relu(x, y);",                       // a type used as a value
        "Ops.Relu(x, y); return 1;",                        // a value returned from a void method
        "Ops.Relu<float>(x, y);",                           // the wrong type argument
        "Span<double> h = new float[x.Length]; Ops.Relu(x, h); Ops.Add(h, x, y);", // an array of another type
        "Span<double> h = x; Ops.Relu(x, y);",              // a read-only span as a Span<T>
        "int m = x.Length / 2L; Ops.Relu(x, y);",           // a long where an int is declared
        "Ops.Relu(x, y); Ops.Nothing(x, y);",               // no such member
        "var Ops = 1; Ops.Relu(x, y);",                     // Ops is a local
        "Ops.Relu(x: x, y: y, z: y);",                      // an unknown named argument
        "Ops.Relu(x, out y);",                              // a by-reference argument
    ];

    /// <summary>Valid bodies the reader leaves to the bound parser (which reports most of them).</summary>
    private static readonly string[] Unusual =
    [
        "Span<float> h = new float[x.Length]; Ops.Relu(x, y);",  // a span of another element type (MG0019)
        "double s = 2; Ops.Scale(x, s, y);",                      // a double local (MG0019)
        "const double s = -2; Ops.Scale(x, s, y);",               // a negated constant
        "const float s = 2; Ops.Scale(x, s, y);",                 // a constant of another type
        "const int k = 1; int n = 2; const int j = n; Ops.Relu(x, y);", // a constant from a variable (an error, left to the compiler)
        "Ops.Scale(x, -0.5, y);",                                 // a negated literal
        "Ops.Relu(x, y); Ops.Scale(y, x[0], y);",                 // an element of x (MG0019)
        "Ops.Scale(x, w[5], y);",                                 // an element of w out of range (MG0015)
        "{ Ops.Relu(x, y); }",                                    // a nested block
        "Ops.MatMul(x, w, y, x.Length, 1, n: 1);",               // a named size
        "Ops.MatMul(x, w, y, x.Length, 1, 1, transposeB: false, transposeB: true);", // a name given twice (an error)
        "MoreauGen.Ops.Relu(x, y);",                              // a qualified Ops
        "Ops.Relu(x, y[..this.Count]);",                          // this.member
        "Ops.Relu(x, y[..Other.Count]);",                         // another type's member
    ];

    [Fact]
    public void The_syntax_reader_generates_what_the_bound_parser_generates_for_every_batched_layer()
    {
        var sources = new List<(string Name, string Text)>
        {
            ("tensor corpus", LayerCorpus.Source(TensorCorpus.Entries, single: true)),
            ("random batched programs", LayerCorpus.Source(Enumerable.Range(1, 40).Select(RandomBatchedProgram.Create).ToArray(), single: true)),
            ("a long body", DiagnosticTests.Header + LongBody(400)),
            ("the samples' batched layers", SampleLayers()),
        };
        sources.AddRange(SnapshotTests.Sources.Where(s => s.Value.Contains("Batched = true", StringComparison.Ordinal)).Select(s => (Name: "snapshot " + s.Key, Text: SnapshotTests.Usings + s.Value)));
        sources.AddRange(DiagnosticTests.Cases.Select(c => (Id: (string)c[0], Marked: (string)c[1])).Where(c => c.Marked.Contains("Batched = true", StringComparison.Ordinal))
            .Select(c => (Name: "diagnostic case " + c.Id, Text: MarkedSource.Parse(DiagnosticTests.Header + c.Marked).Text)));
        sources.AddRange(Broken.Concat(Unusual).Select(b => (Name: "body " + b, Text: BrokenLayer(b))));

        foreach ((string name, string text) in sources)
        {
            ReaderComparison.AssertSame(GeneratorHarness.Compile(text), name);
        }
    }

    [Fact]
    public void The_syntax_reader_reads_every_valid_batched_layer_itself()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(
            LayerCorpus.Source(TensorCorpus.Entries, single: true),
            LayerCorpus.Source(Enumerable.Range(1, 40).Select(RandomBatchedProgram.Create).ToArray(), single: true),
            DiagnosticTests.Header + LongBody(400),
            SampleLayers());
        int read = 0;
        foreach ((MethodDeclarationSyntax method, SemanticModel model) in BatchedMethods(compilation))
        {

            Assert.True(Read(model, method) is not null, method.Identifier.Text + " in " + ((TypeDeclarationSyntax)method.Parent!).Identifier.Text + " was left to the bound parser");
            read++;
        }

        Assert.True(read > 2 * (TensorCorpus.Entries.Length + 40) + 3, "every batched layer, in double and float, and the samples'");
    }

    public static TheoryData<string> UnusualBodies => new(Unusual);

    [Theory]
    [MemberData(nameof(UnusualBodies))]
    public void A_body_outside_the_readers_subset_is_left_to_the_bound_parser(string body)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(BrokenLayer(body));
        (MethodDeclarationSyntax method, SemanticModel model) = Assert.Single(BatchedMethods(compilation));
        Assert.Null(Read(model, method));
    }

    [Theory]
    [InlineData("Ops.Relu(x, y[..Count]);")]
    [InlineData("const double s = 2, t = 0.5f; Ops.Scale(x, s, y); Ops.Scale(y, t, y); Ops.Scale(y, Gain, y); Ops.Scale(y, gain, y);")]
    [InlineData("Ops.MatMul(x, w, y, x.Length, 1, 1, transposeB: true, transposeA: false);")]
    [InlineData("const int one = 1, zero = one - 1; Ops.Relu(x[zero..one], y[..(one * one)]);")]
    [InlineData("Ops.Scale(x, w[0], y); Ops.Scale(y, 2, y); Ops.Scale(y, 0.5f, y); Ops.Scale(y, (double)0.25f, y);")]
    [InlineData("var h = y[..(x.Length - 0)]; int k = -(2 * 3) + x.Length % 7; Ops.Relu(x, h); Ops.Tanh(h.Slice(0), h[0..]); Ops.Add(h, x[..(k - k + x.Length)], y);")]
    public void A_body_inside_the_subset_is_read_and_generates_what_the_bound_parser_generates(string body)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(BrokenLayer(body));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        (MethodDeclarationSyntax method, SemanticModel model) = Assert.Single(BatchedMethods(compilation));
        Assert.NotNull(Read(model, method));
        ReaderComparison.AssertSame(compilation, body);
    }

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public void A_body_with_a_compiler_error_is_left_to_the_bound_parser(string body)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(BrokenLayer(body));
        Assert.Contains(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        (MethodDeclarationSyntax method, SemanticModel model) = Assert.Single(BatchedMethods(compilation));
        Assert.Null(Read(model, method));

        // Then the generator does what the bound parser does with it (which may be to generate: an invalid conversion or an
        // overflowing constant does not make the operation tree invalid; the compiler reports them either way).
        ReaderComparison.AssertSame(compilation, body);
    }

    [Fact]
    public void The_same_body_without_its_error_is_read()
    {
        // The broken bodies' valid counterpart, so that the test above fails for the error and not for the layer around it.
        CSharpCompilation compilation = GeneratorHarness.Compile(BrokenLayer("Span<double> h = new double[x.Length]; Ops.Relu(x, h); Ops.Add(h, x, y);"));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        (MethodDeclarationSyntax method, SemanticModel model) = Assert.Single(BatchedMethods(compilation));
        Assert.NotNull(Read(model, method));
        Assert.Single(GeneratorHarness.Run(compilation).Sources);
    }

    private static string BrokenLayer(string body) =>
        DiagnosticTests.Header + $$"""
            public static class Other { public static int Count => 1; }
            public partial class L
            {
                private int Count => 1;
                private double Gain => 0.5;
                private readonly double gain = 0.25;
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1, Batched = true)] public void Apply{{Sig}} { {{body}} }
            }
            """;

    /// <summary>The benchmark's batched shape: a product, then a tanh/bias rotation over a temporary, then a product into y.</summary>
    private static string LongBody(int statements)
    {
        var body = new StringBuilder();
        body.Append("int m = x.Length / 4;\nSpan<double> h = new double[m * 4];\nOps.MatMul(x, w[..16], h, m, 4, 4);\n");
        for (int k = 3; k < statements - 1; k++)
        {
            body.Append((k % 2) == 1 ? "Ops.Tanh(h, h);\n" : "Ops.AddBias(h, w[16..20], m, 4);\n");
        }

        body.Append("Ops.MatMul(h, w[20..24], y, m, 4, 1);\n");
        return "public partial class LongLayer\n{\n[MoreauLayer(Batched = true, Parameters = 24, Inputs = 4, Outputs = 1)]\npublic void Apply" + Sig + "\n{\n" + body + "}\n}\n";
    }

    /// <summary>The batched layers of the samples (MLP dense and affine layers, the ConvNet's convolution), as one file.</summary>
    private static string SampleLayers()
    {
        string root = Path.Combine(Snapshot.Directory, "..", "..", "..", "samples");
        return DiagnosticTests.Header + string.Concat(new[] { "Mlp/Dense.cs", "Mlp/Affine.cs", "ConvNet/ConvPool.cs" }
            .Select(file => File.ReadAllText(Path.Combine(root, file)).Replace("namespace MoreauGen.Samples.ConvNet;", string.Empty, StringComparison.Ordinal)
                .Replace("namespace MoreauGen.Samples.Mlp;", string.Empty, StringComparison.Ordinal)));
    }

    private static IEnumerable<(MethodDeclarationSyntax Method, SemanticModel Model)> BatchedMethods(CSharpCompilation compilation) =>
        compilation.SyntaxTrees.SelectMany(tree => tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.AttributeLists.ToString().Contains("Batched = true", StringComparison.Ordinal))
            .Select(m => (m, (SemanticModel)compilation.GetSemanticModel(tree))));

    private static BatchedSyntaxRead? Read(SemanticModel model, MethodDeclarationSyntax syntax)
    {
        var method = (IMethodSymbol)model.GetDeclaredSymbol(syntax)!;
        ScalarKind element = ((INamedTypeSymbol)method.Parameters[0].Type).TypeArguments[0].SpecialType == SpecialType.System_Single ? ScalarKind.Single : ScalarKind.Double;
        int? parameters = method.GetAttributes().SelectMany(a => a.NamedArguments).Where(a => a.Key == "Parameters").Select(a => (int?)a.Value.Value).FirstOrDefault();
        return new BatchedSyntaxReader(model, method, method.ContainingType, element, parameters, CancellationToken.None).Read(syntax.Body!);
    }
}
