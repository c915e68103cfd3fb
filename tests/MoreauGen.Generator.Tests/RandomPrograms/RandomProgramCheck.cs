using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
/// Compiles random programs through the generator, many per compilation, as double or as float layers, and checks each
/// generated layer at a batch of <see cref="Batch"/> samples against central differences of its instrumented double
/// reference: Forward, Pullback (both gradients and each alone), and the values and gradients of SubproblemW and
/// SubproblemX at random v and u. A point within <see cref="MinMargin"/> of a branch switch or a kink is resampled, and
/// so is one whose finite-difference stencil takes another branch than the point itself.
/// </summary>
internal static class RandomProgramCheck
{
    /// <summary>Points whose compared values or kink arguments are this close to their switch are resampled.</summary>
    public const double MinMargin = 1e-3;

    /// <summary>Relative tolerance of gradients against central differences (double).</summary>
    public const double Tolerance = 1e-6;

    /// <summary>Relative tolerance of float layers (their rounding, amplified through loops, against a double reference).</summary>
    public const double FloatTolerance = 1e-2;

    /// <summary>The batch every program runs at.</summary>
    public const int Batch = 3;

    private const int Attempts = 25;

    /// <summary>The result for one program, with a message when it failed.</summary>
    internal sealed record Result(RandomProgram Program, Outcome Outcome, int Resamples, string? Message);

    /// <summary>
    /// Generates, compiles and checks <paramref name="programs"/> (as float layers when <paramref name="single"/>) with
    /// <paramref name="generator"/> (the shipped generator when null); a generator or compiler problem fails the whole batch.
    /// </summary>
    public static List<Result> Run(IReadOnlyList<RandomProgram> programs, string assemblyName, MoreauGenerator? generator = null, bool single = false)
    {
        string layers = single
            ? "namespace FloatLayers\n{\nusing RandomProgramsFloat;\n\n" + string.Join("\n", programs.Select(p => RandomProgram.ToFloat(p.LayerSource))) + "\n}\n"
            : string.Join("\n", programs.Select(p => p.LayerSource));
        string source = "using System;\nusing MoreauGen;\nusing RandomPrograms;\n\n" + layers + "\n" + string.Join("\n", programs.Select(p => p.ReferenceSource));
        CSharpCompilation compilation = single
            ? GeneratorHarness.CompileAssembly(assemblyName, RandomProgram.Library, RandomProgram.FloatLibrary, source)
            : GeneratorHarness.CompileAssembly(assemblyName, RandomProgram.Library, source);
        GeneratorResult result = GeneratorHarness.Run(compilation.AddReferences(MetadataReference.CreateFromFile(typeof(Trace).Assembly.Location)), generator);
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
                MethodInfo evaluate = assembly.GetType(program.Name + "Reference", throwOnError: true)!.GetMethod("Evaluate")!;
                var reference = (ReferenceEvaluation)Delegate.CreateDelegate(typeof(ReferenceEvaluation), evaluate);
                results.Add(single
                    ? Check((IMoreauLayer<float>)Activator.CreateInstance(assembly.GetType("FloatLayers." + program.Name, throwOnError: true)!)!, program, reference, FloatTolerance)
                    : Check((IMoreauLayer<double>)Activator.CreateInstance(assembly.GetType(program.Name, throwOnError: true)!)!, program, reference, Tolerance));
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

    /// <summary>The reference on a batch: each sample's slices in turn, one trace for all.</summary>
    private static double[] Evaluate(ReferenceEvaluation reference, RandomProgram program, double[] w, double[] x, Trace trace)
    {
        int n = program.Inputs, o = program.Outputs;
        double[] y = new double[Batch * o];
        for (int s = 0; s < Batch; s++)
        {
            double[] ys = new double[o];
            reference(w, x[(s * n)..((s + 1) * n)], ys, trace);
            Array.Copy(ys, 0, y, s * o, o);
        }

        return y;
    }

    /// <summary>Checks one program at a batch of <see cref="Batch"/>: every oracle of <paramref name="layer"/> against central differences of the reference.</summary>
    private static Result Check<T>(IMoreauLayer<T> layer, RandomProgram program, ReferenceEvaluation reference, double tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int p = program.Parameters, n = program.Inputs, o = program.Outputs;
        var random = new Random(program.Name.GetHashCode(StringComparison.Ordinal) & 0x7fffffff);
        int resamples = 0;
        bool overflowed = false;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            var point = new Point(
                OracleChecks.Draw(random, p, -1, 1), OracleChecks.Draw(random, Batch * n, -1, 1), OracleChecks.Draw(random, Batch * o, -1, 1),
                OracleChecks.Draw(random, p, -0.1, 0.1), OracleChecks.Draw(random, Batch * n, -0.1, 0.1));

            // The three points the oracles are evaluated at: (w, x), (w + v, x), (w, x + u); each far from any switch.
            var traces = new[] { new Trace(), new Trace(), new Trace() };
            double[] expected = Evaluate(reference, program, point.W, point.X, traces[0]);
            Evaluate(reference, program, OracleChecks.Add(point.W, point.V), point.X, traces[1]);
            Evaluate(reference, program, point.W, OracleChecks.Add(point.X, point.U), traces[2]);
            if (traces.Any(t => t.NotFinite || t.MaxAbs > 1e6))
            {
                overflowed = true;
                resamples++;
                continue;
            }

            if (traces.Any(t => t.MinMargin < MinMargin))
            {
                resamples++;
                continue;
            }

            bool crossed = false;
            double F(double[] ww, double[] xx, Trace at)
            {
                var t = new Trace();
                double value = OracleChecks.Dot(point.Lambda, Evaluate(reference, program, ww, xx, t));
                crossed |= t.Decisions != at.Decisions;
                return value;
            }

            var fd = new Differences(
                OracleChecks.Gradient(z => F(z, point.X, traces[0]), point.W),
                OracleChecks.Gradient(z => F(point.W, z, traces[0]), point.X),
                PhiW(point.V),
                OracleChecks.Gradient(PhiW, point.V),
                PhiX(point.U),
                OracleChecks.Gradient(PhiX, point.U));
            if (crossed)
            {
                resamples++;
                continue;
            }

            double scale = traces.Max(t => t.MaxAbs);
            string? failure = Compare(layer, point, expected, fd, tolerance, scale);
            return new Result(program, failure is null ? Outcome.Passed : Outcome.Failed, resamples, failure);

            // Φw(v) = λᵀφ(w + v, x) + ½‖v‖² and Φx(u) = λᵀφ(w, x + u) + ½‖u‖², as the subproblems define them.
            double PhiW(double[] v) => F(OracleChecks.Add(point.W, v), point.X, traces[1]) + 0.5 * OracleChecks.Dot(v, v);
            double PhiX(double[] u) => F(point.W, OracleChecks.Add(point.X, u), traces[2]) + 0.5 * OracleChecks.Dot(u, u);
        }

        return new Result(program, overflowed ? Outcome.Overflow : Outcome.Degenerate, resamples, null);
    }

    private static string? Compare<T>(IMoreauLayer<T> layer, Point point, double[] expected, Differences fd, double tolerance, double scale)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        try
        {
            // Round-off allowance for large intermediate values: double keeps ~16 digits, float ~7.
            double roundOff = (typeof(T) == typeof(float) ? 1e-4 : 1e-10) * scale;
            T[] w = OracleChecks.Cast<T>(point.W), x = OracleChecks.Cast<T>(point.X), lambda = OracleChecks.Cast<T>(point.Lambda);
            T[] y = new T[expected.Length];
            T[] tape = OracleChecks.Filled(layer.TapeLength(Batch), T.NaN);
            layer.Forward(w, x, y, tape);
            string? forward = Close("Forward", expected, OracleChecks.ToDouble(y), typeof(T) == typeof(float) ? tolerance : 1e-9, roundOff);
            if (forward is not null)
            {
                return forward;
            }

            T[] gradW = new T[w.Length], gradX = new T[x.Length];
            layer.Pullback(w, x, tape, lambda, gradW, gradX);
            string? mismatch = Close("Pullback gradW", fd.W, OracleChecks.ToDouble(gradW), tolerance, roundOff) ??
                               Close("Pullback gradX", fd.X, OracleChecks.ToDouble(gradX), tolerance, roundOff);
            if (mismatch is not null)
            {
                return mismatch;
            }

            T[] onlyW = new T[w.Length], onlyX = new T[x.Length];
            layer.Pullback(w, x, tape, lambda, onlyW, Span<T>.Empty);
            layer.Pullback(w, x, tape, lambda, Span<T>.Empty, onlyX);
            T[] subW = new T[w.Length], subX = new T[x.Length];
            T valueW = layer.SubproblemW(w, x, lambda, OracleChecks.Cast<T>(point.V), subW);
            T valueX = layer.SubproblemX(w, x, lambda, OracleChecks.Cast<T>(point.U), subX);
            return Close("Pullback gradW alone", OracleChecks.ToDouble(gradW), OracleChecks.ToDouble(onlyW), 1e-12, 0) ??
                   Close("Pullback gradX alone", OracleChecks.ToDouble(gradX), OracleChecks.ToDouble(onlyX), 1e-12, 0) ??
                   Close("SubproblemW value at v", [fd.PhiW], [double.CreateChecked(valueW)], tolerance, roundOff) ??
                   Close("SubproblemW gradient at v", fd.GradV, OracleChecks.ToDouble(subW), tolerance, roundOff) ??
                   Close("SubproblemX value at u", [fd.PhiX], [double.CreateChecked(valueX)], tolerance, roundOff) ??
                   Close("SubproblemX gradient at u", fd.GradU, OracleChecks.ToDouble(subX), tolerance, roundOff);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return "threw " + exception.GetType().Name + ": " + exception.Message;
        }
    }

    /// <summary>Null when every component is within <paramref name="tolerance"/>·max(1, |expected|) + <paramref name="roundOff"/>, else a message.</summary>
    private static string? Close(string what, double[] expected, double[] actual, double tolerance, double roundOff)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = tolerance * Math.Max(1, Math.Abs(expected[i])) + roundOff;
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= allowed))
            {
                return $"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R} (error {error:E2})";
            }
        }

        return null;
    }

    /// <summary>A point the oracles are checked at: w, x and λ for a batch, and the subproblems' v and u.</summary>
    private sealed record Point(double[] W, double[] X, double[] Lambda, double[] V, double[] U);

    /// <summary>The central differences at a point: ∇w and ∇x of λᵀφ, and Φw, Φx with their gradients.</summary>
    private sealed record Differences(double[] W, double[] X, double PhiW, double[] GradV, double PhiX, double[] GradU);
}
