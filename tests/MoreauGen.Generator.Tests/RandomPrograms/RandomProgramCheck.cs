using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests.RandomPrograms;

/// <summary>The outcome of checking one random program.</summary>
internal enum Outcome
{
    /// <summary>Every gradient matched central differences.</summary>
    Passed,

    /// <summary>A gradient (or the forward pass) did not match.</summary>
    Failed,

    /// <summary>Every point drawn was within 1e-3 of a branch switch or kink (or a stencil crossed one): the program is replaced.</summary>
    Degenerate,

    /// <summary>The program's values overflow at the points drawn: the program is replaced.</summary>
    Overflow,
}

/// <summary>
/// Compiles random programs through the generator, many per compilation, and checks each generated layer against
/// central differences of its instrumented reference. A point within <see cref="MinMargin"/> of a branch switch or a
/// kink is resampled, and so is one whose finite-difference stencil takes another branch than the point itself.
/// </summary>
internal static class RandomProgramCheck
{
    /// <summary>Points whose compared values or kink arguments are this close to their switch are resampled.</summary>
    public const double MinMargin = 1e-3;

    /// <summary>Relative tolerance of gradients against central differences (double).</summary>
    public const double Tolerance = 1e-6;

    private const int Attempts = 25;

    /// <summary>The result for one program, with a message when it failed.</summary>
    internal sealed record Result(RandomProgram Program, Outcome Outcome, int Resamples, string? Message);

    /// <summary>Generates, compiles and checks <paramref name="programs"/>; a generator or compiler problem fails the whole batch.</summary>
    public static List<Result> Run(IReadOnlyList<RandomProgram> programs, string assemblyName)
    {
        string source = "using System;\nusing MoreauGen;\nusing RandomPrograms;\n\n" + string.Join("\n", programs.Select(p => p.Source));
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CompileAssembly(assemblyName, RandomProgram.Library, source)
            .AddReferences(MetadataReference.CreateFromFile(typeof(Trace).Assembly.Location)));
        Diagnostic[] errors = result.GeneratorDiagnostics.Concat(result.DriverDiagnostics)
            .Concat(result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)).ToArray();
        if (errors.Length > 0 || result.Result.Exception is not null)
        {
            string where = errors.FirstOrDefault()?.Location.SourceTree is { } tree ? Excerpt(tree, errors[0]) : string.Empty;
            throw new InvalidOperationException($"The random programs of {assemblyName} do not compile through the generator: " +
                                                string.Join("\n", errors.Take(5)) + result.Result.Exception + "\n" + where);
        }

        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = result.Output.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("Emit failed: " + string.Join("\n", emitted.Diagnostics.Take(5)));
        }

        image.Position = 0;
        var context = new AssemblyLoadContext(assemblyName, isCollectible: true);
        try
        {
            Assembly assembly = context.LoadFromStream(image);
            var results = new List<Result>();
            foreach (RandomProgram program in programs)
            {
                var layer = (IMoreauLayer<double>)Activator.CreateInstance(assembly.GetType(program.Name, throwOnError: true)!)!;
                MethodInfo evaluate = assembly.GetType(program.Name + "Reference", throwOnError: true)!.GetMethod("Evaluate")!;
                var reference = (ReferenceEvaluation)Delegate.CreateDelegate(typeof(ReferenceEvaluation), evaluate);
                results.Add(Check(program, layer, reference));
            }

            return results;
        }
        finally
        {
            context.Unload();
        }
    }

    private static string Excerpt(SyntaxTree tree, Diagnostic diagnostic)
    {
        int line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
        string[] lines = tree.ToString().Split('\n');
        return string.Join("\n", lines.Skip(Math.Max(0, line - 15)).Take(30));
    }

    /// <summary>Checks one program: forward pass, Pullback's gradients against central differences, the single-gradient variants and the subproblems' gradients against Pullback.</summary>
    private static Result Check(RandomProgram program, IMoreauLayer<double> layer, ReferenceEvaluation reference)
    {
        int p = program.Parameters, n = program.Inputs, o = program.Outputs;
        var random = new Random(program.Name.GetHashCode(StringComparison.Ordinal) & 0x7fffffff);
        int resamples = 0;
        bool overflowed = false;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double[] w = OracleChecks.Draw(random, p, -1, 1);
            double[] x = OracleChecks.Draw(random, n, -1, 1);
            double[] lambda = OracleChecks.Draw(random, o, -1, 1);
            var trace = new Trace();
            double[] expected = new double[o];
            reference(w, x, expected, trace);
            if (trace.NotFinite || trace.MaxAbs > 1e6)
            {
                overflowed = true;
                resamples++;
                continue;
            }

            if (trace.MinMargin < MinMargin)
            {
                resamples++;
                continue;
            }

            bool crossed = false;
            double F(double[] ww, double[] xx)
            {
                var t = new Trace();
                double[] yy = new double[o];
                reference(ww, xx, yy, t);
                crossed |= t.Decisions != trace.Decisions;
                return OracleChecks.Dot(lambda, yy);
            }

            double[] fdW = OracleChecks.Gradient(z => F(z, x), w);
            double[] fdX = OracleChecks.Gradient(z => F(w, z), x);
            if (crossed)
            {
                resamples++;
                continue;
            }

            string? failure = Compare(layer, w, x, lambda, expected, fdW, fdX, trace.MaxAbs);
            return new Result(program, failure is null ? Outcome.Passed : Outcome.Failed, resamples, failure);
        }

        return new Result(program, overflowed ? Outcome.Overflow : Outcome.Degenerate, resamples, null);
    }

    private static string? Compare(IMoreauLayer<double> layer, double[] w, double[] x, double[] lambda, double[] expected, double[] fdW, double[] fdX, double scale)
    {
        try
        {
            double[] y = new double[expected.Length];
            double[] tape = Enumerable.Repeat(double.NaN, layer.TapeLength(1)).ToArray();
            layer.Forward(w, x, y, tape);
            string? forward = Close("Forward", expected, y, 1e-9, scale);
            if (forward is not null)
            {
                return forward;
            }

            double[] gradW = new double[w.Length], gradX = new double[x.Length];
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
            string? mismatch = Close("Pullback gradW", fdW, gradW, Tolerance, scale) ?? Close("Pullback gradX", fdX, gradX, Tolerance, scale);
            if (mismatch is not null)
            {
                return mismatch;
            }

            double[] onlyW = new double[w.Length], onlyX = new double[x.Length];
            layer.Pullback(w, x, tape, lambda, onlyW, Span<double>.Empty);
            layer.Pullback(w, x, tape, lambda, Span<double>.Empty, onlyX);
            double[] subW = new double[w.Length], subX = new double[x.Length];
            layer.SubproblemW(w, x, lambda, new double[w.Length], subW);
            layer.SubproblemX(w, x, lambda, new double[x.Length], subX);
            return Close("Pullback gradW alone", gradW, onlyW, 1e-12, 1) ?? Close("Pullback gradX alone", gradX, onlyX, 1e-12, 1) ??
                   Close("SubproblemW gradient at v = 0", gradW, subW, 1e-9, scale) ?? Close("SubproblemX gradient at u = 0", gradX, subX, 1e-9, scale);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return "threw " + exception.GetType().Name + ": " + exception.Message;
        }
    }

    /// <summary>Null when every component is within <paramref name="tolerance"/>·max(1, |expected|) (plus a round-off allowance for large values), else a message.</summary>
    private static string? Close(string what, double[] expected, double[] actual, double tolerance, double scale)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = tolerance * Math.Max(1, Math.Abs(expected[i])) + 1e-10 * scale;
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= allowed))
            {
                return $"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R} (error {error:E2})";
            }
        }

        return null;
    }
}
