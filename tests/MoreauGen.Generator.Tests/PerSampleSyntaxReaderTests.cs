using System.Globalization;
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
/// The syntax reader of per-sample bodies (BodyParser.PerSampleSyntax.cs) against the bound parser it stands in for: the
/// generator with it and the generator that binds every body (<see cref="LayerParser.ReadBound"/>) must produce the same
/// files, byte for byte, and the same diagnostics on every layer we have — the whole corpus in double, float and mixed
/// precision, every snapshot layer, random programs in double and float, the diagnostic cases, long bodies of the
/// benchmark's shapes — and on bodies with compiler errors. The reader must also actually read the bodies of its subset
/// (else the comparison would hold trivially), and leave every body with a compiler error to the bound parser.
/// </summary>
public sealed class PerSampleSyntaxReaderTests
{
    private const string Sig = "(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)";

    /// <summary>Bodies of per-sample layers that do not compile, each with one kind of error the reader must see.</summary>
    private static readonly string[] Broken =
    [
        "y[0] = z;",                                          // an unknown name
        "y[0] = a; double a = x[0];",                         // a local used before its declaration
        "double a = x[0]; double a = 1; y[0] = a;",           // a local declared twice
        "double w = 1; y[0] = w;",                            // a local with a parameter's name
        "float a = x[0]; y[0] = a;",                          // a double where a float is declared
        "float a = 0.5; y[0] = a;",                           // a double literal where a float is declared
        "double a = x[0]; for (int i = 0; i < 1; i++) { double a = 1; y[i] = a; }", // a loop local shadowing an outer one
        "for (int i = 0; i < 1; i++) { y[i] = a; } double a = x[0];", // an outer local read before its declaration
        "for (int i = 0; i < 1; i++) { y[i] = x[0]; } int i = 0;", // a loop index shadowed by a later outer local
        "w[0] = x[0]; y[0] = x[0];",                          // a write to a read-only span
        "y[0] = Math.Sin(x[0], x[0]);",                       // an overload that does not exist
        "y[0] = Math.Nothing(x[0]);",                         // no such member
        "y[0] = x[2147483647 + 1];",                          // an int constant that overflows
        "y[0] = x[1.5];",                                     // a double index
        "double Math = 1; y[0] = Math.Sin(x[0]);",            // Math is a local
        "double a; y[0] = a;",                                // a local read before it is assigned
        "y[0] = x[0]; a = 1;",                                // an assignment to an unknown name
        "double a = x[0]; a += ;",                            // a syntax error
        "float f = 1; f += x[0]; y[0] = f;",                  // a compound assignment of a double to a float
    ];

    /// <summary>Valid bodies the reader leaves to the bound parser (which reports some of them).</summary>
    private static readonly string[] Unusual =
    [
        "y[0] = x[3];",                                       // an index out of range (MG0015)
        "double a = x[0]; if (a > 0) { a = 2 * a; } y[0] = a;", // a branch
        "y[0] = (double)x[0];",                               // a cast
        "int k = 0; y[k] = x[0];",                            // an int local
        "y[0] = Math.Pow(x[0], 2);",                          // a call with an int argument
        "y[0] = Math.Sign(x[0]);",                            // an int-valued call
        "y[0] = Gain * x[0];",                                // the type's data
        "const double c = 2; y[0] = c * x[0];",               // a local constant
        "{ y[0] = x[0]; }",                                   // a nested block
        "for (int i = 0; i < 1; i++) y[i] = x[i];",           // a loop body without braces
        "y[0] = x[0]; return;",                               // a return
        "y[0] = x[0] % 2;",                                   // a remainder
        "y[0] = x[4 / 2 - 2];",                               // an int division
    ];

    [Fact]
    public void The_syntax_reader_generates_what_the_bound_parser_generates_for_every_per_sample_layer()
    {
        var sources = new List<(string Name, string[] Texts)>
        {
            ("the corpus", [LayerCorpus.Source()]),
            ("random programs", [RandomLayers(single: false)]),
            ("random programs in float", [RandomLayers(single: true)]),
            ("the benchmark's shapes", [DiagnosticTests.Header + Fresh(300) + Overwrite(300, loops: false) + Overwrite(300, loops: true)]),
        };
        sources.AddRange(SnapshotTests.Sources.Concat(ControlFlowSnapshotTests.Sources).Concat(ScratchSnapshotTests.Sources)
            .Select(s => (Name: "snapshot " + s.Key, Texts: new[] { SnapshotTests.Usings + s.Value })));
        sources.AddRange(DiagnosticTests.Cases.Select(c => (Id: (string)c[0], Marked: (string)c[1]))
            .Select(c => (Name: "diagnostic case " + c.Id, Texts: new[] { MarkedSource.Parse(DiagnosticTests.Header + c.Marked).Text })));
        sources.AddRange(Broken.Concat(Unusual).Concat(Inside).Select(b => (Name: "body " + b, Texts: new[] { Layer(b) })));

        foreach ((string name, string[] texts) in sources)
        {
            ReaderComparison.AssertSame(name.StartsWith("random", StringComparison.Ordinal)
                ? GeneratorHarness.Compile([RandomProgram.Library, RandomProgram.FloatLibrary, .. texts])
                : GeneratorHarness.Compile(texts), name);
        }
    }

    [Fact]
    public void The_syntax_reader_reads_the_benchmark_shapes_and_the_corpus_layers_of_its_subset()
    {
        CSharpCompilation shapes = GeneratorHarness.Compile(DiagnosticTests.Header + Fresh(300) + Overwrite(300, loops: false) + Overwrite(300, loops: true));
        Assert.Equal(3, PerSampleMethods(shapes).Count(m => Reads(m.Model, m.Method)));

        // The corpus in double, float and mixed precision: every layer whose body is of the subset (straight-line code and
        // for loops over float/double locals, the spans' elements and Math calls) is read.
        CSharpCompilation corpus = GeneratorHarness.Compile(LayerCorpus.Source());
        var read = PerSampleMethods(corpus).Where(m => Reads(m.Model, m.Method)).Select(m => ((TypeDeclarationSyntax)m.Method.Parent!).Identifier.Text).ToList();
        Assert.Equal(2, read.Count(n => n == "Primitive_Sin"));
        Assert.Equal(2, read.Count(n => n == "RunningProduct"));
        Assert.True(read.Count >= 100, "the corpus layers read: " + string.Join(", ", read));
    }

    /// <summary>Bodies of the subset, each with something the reader must get exactly right.</summary>
    private static readonly string[] Inside =
    [
        "float f = 2; double a = f * x[0] + 0.5f - -1.5f + +2 + (3) * -(4); y[0] = a / f;",     // conversions of constants and literals
        "double a = x[0]; a += 1; a -= 0.5f; a *= w[0]; a /= 2; a++; --a; y[0] = a;",           // compound assignments and steps
        "float f = 1; f += 2; f *= 0.5f; f++; y[0] = f + x[0];",                               // a float local, widened where read
        "y[0] = 0; for (int i = 0; i <= 0; i += 1) { y[0] += Math.Max(x[i], w[i]) * (i + 1); }", // an inclusive bound, an int value converted
        "for (int i = 0; i < 1; i++) { double a = x[i]; y[i] = a; } for (int i = 0; i < 1; ++i) { double a = w[i]; y[i] += a; }", // sibling loops sharing names
        "for (int j = 0; 1 > j; j++) { for (int k = j; k < j + 1; k++) { y[k - j + 0 * 2] = Math.Tanh(x[k]) * MathF.Abs((float)1); } }", // (left to the bound parser: a cast)
        "y[0] = y[0] + x[0];",                                                                 // y read before written (reported on the same accesses)
        "var a = x[0] * 2; double b = Math.Exp(a), c = Math.Sqrt(b); y[0] = b + c - Math.Atan2(a, c);", // var, two declarators, an arity-2 call
    ];

    private static string Layer(string body) =>
        DiagnosticTests.Header + $$"""
            public partial class L
            {
                private double Gain => 0.5;
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)] public void Apply{{Sig}} { {{body}} }
            }
            """;

    private static string RandomLayers(bool single)
    {
        RandomProgram[] programs = Enumerable.Range(1, 40).Select(k => RandomProgram.Create(k, "P" + k)).ToArray();
        string layers = single
            ? "namespace FloatLayers\n{\nusing RandomProgramsFloat;\n\n" + string.Join("\n", programs.Select(p => RandomProgram.ToFloat(p.LayerSource))) + "\n}\n"
            : string.Join("\n", programs.Select(p => p.LayerSource));
        return "using System;\nusing MoreauGen;\nusing RandomPrograms;\n\n" + layers;
    }

    /// <summary>The benchmark's fresh-local shape (MoreauGen.GeneratorBenchmarks' SyntheticLayers).</summary>
    private static string Fresh(int statements)
    {
        var body = new StringBuilder("double t0 = w[0] * x[0] + 1.5;\ndouble t1 = w[1] * x[1];\n");
        for (int k = 2; k < statements - 1; k++)
        {
            int j = k % 4;
            string value = (k % 3) switch
            {
                0 => $"Math.Sin(t{k - 1}) * w[{j}]",
                1 => $"t{k - 1} * t{k - 2} + x[{j}]",
                _ => $"Math.Tanh(t{k - 1} + w[{j}])",
            };
            body.Append(CultureInfo.InvariantCulture, $"double t{k} = {value};\n");
        }

        body.Append(CultureInfo.InvariantCulture, $"y[0] = t{statements - 2};\n");
        return Wrap("FreshLayer", body.ToString());
    }

    /// <summary>The benchmark's overwrite shape, in sibling for loops of nine updates when <paramref name="loops"/>.</summary>
    private static string Overwrite(int statements, bool loops)
    {
        string[] rotation = ["a", "b", "c", "d"];
        string Update(int k, string index) => (k % 3) switch
        {
            0 => $"{rotation[k % 4]} = Math.Sin({rotation[(k + 1) % 4]}) * {rotation[(k + 2) % 4]} + w[{index}];\n",
            1 => $"{rotation[k % 4]} = {rotation[k % 4]} * {rotation[(k + 1) % 4]} + x[{index}];\n",
            _ => $"{rotation[k % 4]} = Math.Tanh({rotation[(k + 1) % 4]} + {rotation[(k + 2) % 4]} * w[{index}]);\n",
        };

        var body = new StringBuilder("double a = w[0] * x[0] + 1.5;\ndouble b = w[1] * x[1];\ndouble c = w[2] * x[2];\ndouble d = w[3] * x[3];\n");
        int k = 0;
        for (int remaining = statements - 5; remaining > 0;)
        {
            if (loops && remaining >= 10)
            {
                body.Append("for (int i = 0; i < 4; i++)\n{\n");
                for (int inner = 0; inner < 9; inner++, k++)
                {
                    body.Append(Update(k, "i"));
                }

                body.Append("}\n");
                remaining -= 10;
            }
            else
            {
                body.Append(Update(k, (k % 4).ToString(CultureInfo.InvariantCulture)));
                k++;
                remaining--;
            }
        }

        body.Append("y[0] = a + b + c + d;\n");
        return Wrap(loops ? "LoopLayer" : "OverwriteLayer", body.ToString());
    }

    private static string Wrap(string name, string body) =>
        "public partial class " + name + "\n{\n[MoreauLayer(Parameters = 4, Inputs = 4, Outputs = 1)]\npublic void Apply" + Sig + "\n{\n" + body + "}\n}\n";

    private static IEnumerable<(MethodDeclarationSyntax Method, SemanticModel Model)> PerSampleMethods(CSharpCompilation compilation) =>
        compilation.SyntaxTrees.SelectMany(tree => tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.AttributeLists.ToString().Contains("MoreauLayer", StringComparison.Ordinal) && !m.AttributeLists.ToString().Contains("Batched = true", StringComparison.Ordinal))
            .Select(m => (m, (SemanticModel)compilation.GetSemanticModel(tree))));

    private static bool Reads(SemanticModel model, MethodDeclarationSyntax syntax)
    {
        var method = (IMethodSymbol)model.GetDeclaredSymbol(syntax)!;
        ScalarKind element = ((INamedTypeSymbol)method.Parameters[0].Type).TypeArguments[0].SpecialType == SpecialType.System_Single ? ScalarKind.Single : ScalarKind.Double;
        int? Named(string key) => method.GetAttributes().SelectMany(a => a.NamedArguments).Where(a => a.Key == key).Select(a => (int?)a.Value.Value).FirstOrDefault();
        return BodyParser.ReadsFromSyntax(model, method, element, new LayerSizes(Named("Parameters"), Named("Inputs"), Named("Outputs")), syntax);
    }

    public static TheoryData<string> BrokenBodies => new(Broken);

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public void A_body_with_a_compiler_error_is_left_to_the_bound_parser(string body)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Layer(body));
        Assert.Contains(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        (MethodDeclarationSyntax method, SemanticModel model) = Assert.Single(PerSampleMethods(compilation));
        Assert.False(Reads(model, method));
    }

    public static TheoryData<string> UnusualBodies => new(Unusual);

    [Theory]
    [MemberData(nameof(UnusualBodies))]
    public void A_body_outside_the_readers_subset_is_left_to_the_bound_parser(string body)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Layer(body));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        (MethodDeclarationSyntax method, SemanticModel model) = Assert.Single(PerSampleMethods(compilation));
        Assert.False(Reads(model, method));
    }

    public static TheoryData<string> InsideBodies => new(Inside.Where(b => !b.Contains("(float)", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(InsideBodies))]
    public void A_body_inside_the_subset_is_read_and_generates_what_the_bound_parser_generates(string body)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Layer(body));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        (MethodDeclarationSyntax method, SemanticModel model) = Assert.Single(PerSampleMethods(compilation));
        Assert.True(Reads(model, method));
        ReaderComparison.AssertSame(compilation, body);
    }
}
