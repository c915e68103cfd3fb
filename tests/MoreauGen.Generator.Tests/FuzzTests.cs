using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Mutated and truncated layer sources (seeded): the generator never throws (no run-result exception, no
/// CS8785), what it generates always parses, and when the mutated source compiles and the generator reports no
/// error, the generated code compiles too.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Runs = 2000;

    private static readonly string[] Tokens =
    [
        "(", ")", "{", "}", "[", "]", ";", ",", "=", "+=", "*=", "-", "+", "*", "/", "%", "?", ":", "..", "^1", "!",
        "y[0]", "w[", "x[1]", "Math.Sin(", "MathF.Exp(", "Math.Asin(x[0])", ".Length", "1e308", "-0.0", "double.NaN", "\"s\"", "null",
        "var ", "int ", "float ", "double ", "const ", "ref ", "static ", "partial ", "readonly ", "async ", "unsafe ",
        "return;", "for (int i = 0; i < 2; i++) ", "if (x[0] > 0) ", "while (true) ", "goto L; L: ", "throw null;",
        "[MoreauLayer]", "[MoreauLayer(Parameters = 1)]", "[MoreauLayer(Batched = true)]", "Apply(w, x, y);", "this.", "base.",
        "y[0] = y[0] * y[0];", "a = a * a;", "double a = x[0];", "y[n - 1] = 1;", "stackalloc double[2]", "new double[3]",
        "public int ParameterCount => 1;", "void Forward() {}", "=> y[0] = w[0];", "<T>", "where T : struct", "#if X", "/*", "//",
        "break;", "continue;", "return x[0];", "i++", "j <= i", "i += 2", "x.Length", "[Differentiable]", "[CustomPullback(\"P\")]",
        "[MoreauObjective]", "[MoreauObjective(Inputs = 2)]", " ? w[0] : x[0]", "bool b = x[0] > 0;", "&& ", "|| ", "else ",
        "int k = i * 2;", "foreach (var v in x) ", "do { } while (false);", ": IAffineInParameters", "Helpers.Soft(",
        "Ops.Relu(y, y);", "Ops.MatMul(x, w, y, 1, 1, 1);", "Ops.AddBias(y, w, 1, 1);", "Ops.Tanh(", "Ops.Scale(y, w[0], y);",
        "w[..2]", "x[1..]", "y[..1]", ".Slice(1, 1)", "Span<double> h = new double[4];", "var v = w[1..];", "transposeA: true",
        "Batched = true", "Ops.SquaredLoss(x, Labels, 2)", "Ops.SoftmaxCrossEntropy(", "stackalloc float[2]", "Ops.ReluBackward(",
        "Math.Sign(", "Math.Sign(x[0]) * ", "int s = Math.Sign(w[0]);", "Math.Floor(", "MathF.Ceiling(", "Math.Round(x[0], 2)", "Math.Truncate(",
        "Math.Clamp(", "Math.Clamp(x[0], -1.0, 1.0)", "double.Hypot(", "float.Hypot(", "Math.Atan2(", "Math.FusedMultiplyAdd(", "Math.Log10(",
        "MathF.Log2(", "Math.Acos(", "(int)Math.Ceiling(", "(int)x[0]", "enum Mode { A, B } ", "Mode.A", " == Mode.B ? ", "bool landed = false;",
        "landed = true;", "landed == true", "ReadOnlySpan<double> input", "ReadOnlySpan<double> weights",
        "switch (i) { case 0: ", "case 1: case 2: ", "default: ", "break; } ", " switch { 0 => 1.0, < 0.5 => x[0], _ => w[0] }",
        "switch (Mode.A) { case Mode.B: return; } ", "foreach (double v in w) ", "foreach (var v in y) ", "int count = 0;", "count++;",
        "if (count > 1) ", "x[count]", "if (landed) break; ", "if (x[0] > 0) continue; ", "if (w[0] < 0) return; ", "goto case 1;",
        "true switch { true => 1.0, false => 0.0 }", "case > 0: ", "while (x[0] > 0) ",
        "while (k < 3) { k++; } ", "while (true) { if (k >= 2) break; k++; } ", "do { k += 2; } while (k < 4); ", "y[k] = ", "w[k % 2]",
        "int k = 0; while (x[0] > 0 && k < 5) { x[0] ", "k++; continue; ", "count / 2", "while (count <= 2) ",
        "out double ", "out var q", "out _", "ref y[0]", "SinCos(x[0], out double s, out double c);", "Square(", "Nudge(ref ",
        "static double Twice(double a) => Twice(a);", "private double Own(double a) => a * this.scale;", "static void Set(out double r) { r = 1; }",
        "static void Mix(ReadOnlySpan<double> a, Span<double> r, bool on, out double d, ref double acc) { d = on ? a[0] : acc; r[0] = d; acc += d; }",
        "Mix(w[..2], y, true, out double d, ref ", "Mix(x.Slice(1, 1), ", "ref Span<double> r", "out Span<double> r", "in ReadOnlySpan<double> a",
        "while (!landed) { y[0] += w[0]; if (y[0] > 1) landed = true; } ", "double dz; do { dz = 0.5 * x[0]; x0 -= dz; } while (Math.Abs(dz) > 1e-12); ",
        "while (Math.Abs(r) > 1e-6) { r *= 0.5; } ", "do { r -= 0.25; if (r < 0.5) continue; y[0] += r; } while (r > 0); ", "while (n != 0) { n /= 2; } ",
        "Span<double> r, out int n", "Pool(y[1..], x[0] > 0)", "private double Pool(ReadOnlySpan<double> a, bool sq) { foreach (double e in a) { } return a[0]; }",
    ];

    [Fact]
    public void Mutated_layers_never_make_the_generator_throw()
    {
        string[] seeds = Seeds().ToArray();
        var random = new Random(20251127);
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        int generated = 0, reported = 0, compiledClean = 0;

        for (int run = 0; run < Runs; run++)
        {
            string source = Mutate(seeds[random.Next(seeds.Length)], random);
            CSharpCompilation compilation = GeneratorHarness.Compile(source);
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation updated, out ImmutableArray<Diagnostic> driverDiagnostics);
            GeneratorRunResult result = driver.GetRunResult().Results.Single();

            string context = $"run {run}:\n{source}";
            Assert.True(result.Exception is null, $"{result.Exception}\n{context}");
            Assert.False(driverDiagnostics.Any(d => d.Id == "CS8785"), context);
            foreach (GeneratedSourceResult file in result.GeneratedSources)
            {
                Assert.True(!file.SyntaxTree.GetDiagnostics().Any(), $"{file.HintName} does not parse\n{context}");
            }

            generated += result.GeneratedSources.Length;
            reported += result.Diagnostics.Length;
            bool generatorError = result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            if (result.GeneratedSources.Length > 0 && !generatorError &&
                !compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                compiledClean++;
                Diagnostic[] errors = updated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
                Assert.True(errors.Length == 0, $"{string.Join("\n", errors.Take(5))}\n{string.Join("\n", result.GeneratedSources.Select(s => s.SourceText))}\n{context}");
            }
        }

        output.WriteLine($"{Runs} mutated sources: {generated} generated files, {reported} generator diagnostics, {compiledClean} error-free sources whose generated code compiled.");
        Assert.True(generated > 100 && reported > 100 && compiledClean > 50, "the mutations should exercise both generation and diagnostics");
    }

    private static IEnumerable<string> Seeds()
    {
        foreach (CorpusEntry entry in LayerCorpus.All)
        {
            yield return LayerCorpus.StandaloneSource(entry, single: false);
            yield return LayerCorpus.StandaloneSource(entry, single: true);
        }

        foreach (ObjectiveEntry entry in ObjectiveCorpus.Entries)
        {
            yield return "using System;\nusing MoreauGen;\nusing T = System.Double;\nusing M = System.Math;\n" + entry.Template;
        }

        foreach (string source in SnapshotTests.Sources.Values.Concat(ControlFlowSnapshotTests.Sources.Values))
        {
            yield return SnapshotTests.Usings + source;
        }

        foreach (object[] diagnosticCase in DiagnosticTests.Cases)
        {
            yield return DiagnosticTests.Header + MarkedSource.Parse((string)diagnosticCase[1]).Text;
        }
    }

    /// <summary>One to three edits: truncation, deletion, insertion of a token, a duplicated or swapped line, a replaced token.</summary>
    private static string Mutate(string source, Random random)
    {
        int edits = 1 + random.Next(3);
        for (int i = 0; i < edits && source.Length > 0; i++)
        {
            int at = random.Next(source.Length);
            switch (random.Next(6))
            {
                case 0:
                    source = source[..at];
                    break;
                case 1:
                    source = source.Remove(at, Math.Min(source.Length - at, 1 + random.Next(20)));
                    break;
                case 2:
                    source = source.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 3:
                case 4:
                {
                    var lines = source.Split('\n').ToList();
                    int a = random.Next(lines.Count), b = random.Next(lines.Count);
                    if (random.Next(2) == 0)
                    {
                        lines.Insert(b, lines[a]);
                    }
                    else
                    {
                        (lines[a], lines[b]) = (lines[b], lines[a]);
                    }

                    source = string.Join('\n', lines);
                    break;
                }

                default:
                {
                    string token = Tokens[random.Next(Tokens.Length)];
                    string[] targets = ["w[", "x[", "y[", "double", "float", "Math", "0", "1", "+", "*", "=", "partial", "void", "MoreauLayer", ";"];
                    string target = targets[random.Next(targets.Length)];
                    int index = source.IndexOf(target, at, StringComparison.Ordinal);
                    if (index >= 0)
                    {
                        source = source.Remove(index, target.Length).Insert(index, token);
                    }

                    break;
                }
            }
        }

        return source;
    }
}
