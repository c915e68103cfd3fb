using System.Numerics;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The twelve AD benchmark programs of <see cref="FirstDraftCorpus"/>, compiled as first written: each accepted draft's
/// Forward, Pullback (w and x) and subproblems are checked against central differences of the user's own method
/// (double ≤ 1e-6 relative, float ≤ 1e-2, m = 1 and 3), the particle's <c>while (!landed)</c> loop (no int counter
/// bounds it) among them.
/// </summary>
public sealed class FirstDraftTests
{
    public static TheoryData<string> Accepted => new(FirstDraftCorpus.All.Select(d => d.Name));

    [Fact]
    public void At_least_10_of_the_12_programs_are_accepted_as_first_written()
    {
        Assert.Equal(12, FirstDraftCorpus.Programs.Length);
        Assert.Equal(FirstDraftCorpus.All.Select(d => d.Name).Order(), FirstDraftCorpus.Programs.SelectMany(p => p.Drafts).Order());
        var rejected = new List<string>();
        foreach ((string program, string[] drafts) in FirstDraftCorpus.Programs)
        {
            foreach (string name in drafts)
            {
                Diagnostic[] errors = Errors(Generate(FirstDraftCorpus.Double(FirstDraftCorpus.Find(name)), name));
                if (errors.Length > 0)
                {
                    rejected.Add($"{program} ({name}): {string.Join("; ", errors.Select(e => e.Id + " " + e.GetMessage()))}");
                }
            }
        }

        int accepted = FirstDraftCorpus.Programs.Count(p => !rejected.Any(r => r.StartsWith(p.Program + " (", StringComparison.Ordinal)));
        Assert.True(accepted >= 10, $"{accepted} of 12 accepted; rejected:\n" + string.Join("\n", rejected));
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Accepted_draft_matches_central_differences_in_double_and_float(string name)
    {
        FirstDraft draft = FirstDraftCorpus.Find(name);
        using var doubles = new Loaded(Generate(FirstDraftCorpus.Double(draft), name));
        using var singles = new Loaded(Generate(FirstDraftCorpus.Single(draft), name + "F"));
        int seed = name.Length * 7919 + name[0];
        foreach (int m in new[] { 1, 3 })
        {
            if (draft.Objective)
            {
                Func<double[], double> reference = doubles.UserObjective(name);
                CheckObjective(draft, doubles.Create<IMoreauObjective<double>>(name), reference, m, seed, OracleChecks.DoubleTolerance);
                CheckObjective(draft, singles.Create<IMoreauObjective<float>>(name), reference, m, seed, OracleChecks.FloatTolerance);
            }
            else
            {
                Func<double[], double[], int, double[]> reference = doubles.UserLayer(name);
                OracleChecks.Check(name, doubles.Create<IMoreauLayer<double>>(name), reference, m, seed + m, draft.Low, draft.High, OracleChecks.DoubleTolerance);
                OracleChecks.Check(name, singles.Create<IMoreauLayer<float>>(name), reference, m, seed + m, draft.Low, draft.High, OracleChecks.FloatTolerance);
            }
        }
    }

    private static GeneratorResult Generate(string source, string name) =>
        GeneratorHarness.Run(GeneratorHarness.CompileAssembly("Drafts." + name, source));

    private static Diagnostic[] Errors(GeneratorResult result) =>
        result.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();

    private static void CheckObjective<T>(FirstDraft draft, IMoreauObjective<T> objective, Func<double[], double> reference, int m, int seed, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(draft.Inputs, objective.InputCount);
        double[] x = OracleChecks.Draw(new Random(seed + m), m * draft.Inputs, draft.Low, draft.High);
        string at = $"{draft.Name} (m = {m}, {typeof(T).Name})";
        double expected = reference(x);
        OracleChecks.AssertClose([expected], [double.CreateChecked(objective.Value(OracleChecks.Cast<T>(x)))], tolerance, at + ": Value");
        T[] grad = OracleChecks.Filled<T>(x.Length, T.NaN);
        T both = objective.ValueAndGradient(OracleChecks.Cast<T>(x), grad);
        OracleChecks.AssertClose([expected], [double.CreateChecked(both)], tolerance, at + ": ValueAndGradient value");
        OracleChecks.AssertClose(OracleChecks.Gradient(reference, x), OracleChecks.ToDouble(grad), tolerance, at + ": ValueAndGradient gradient");
    }

    /// <summary>A generated draft, emitted and loaded into a collectible context; fails when the generator or compiler reports an error.</summary>
    private sealed class Loaded : IDisposable
    {
        private readonly AssemblyLoadContext context = new("Drafts", isCollectible: true);
        private readonly Assembly assembly;

        public Loaded(GeneratorResult result)
        {
            Diagnostic[] errors = Errors(result);
            Assert.True(errors.Length == 0, "The generator rejects the draft:\n" + string.Join("\n", errors.Select(e => e.ToString())));
            using var image = new MemoryStream();
            Microsoft.CodeAnalysis.Emit.EmitResult emitted = result.Output.Emit(image);
            Assert.True(emitted.Success, "The generated draft does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(10)));
            Assert.Empty(result.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
            image.Position = 0;
            assembly = context.LoadFromStream(image);
        }

        public TInterface Create<TInterface>(string name) => (TInterface)Activator.CreateInstance(assembly.GetType("Drafts." + name, throwOnError: true)!)!;

        /// <summary>The draft's own layer method run as plain C# over a batch: y for w, x and m.</summary>
        public Func<double[], double[], int, double[]> UserLayer(string name)
        {
            IMoreauLayer<double> instance = Create<IMoreauLayer<double>>(name);
            var body = (LayerBody)Delegate.CreateDelegate(typeof(LayerBody), instance, Marked<MoreauLayerAttribute>(instance));
            int n = instance.InputCount, o = instance.OutputCount;
            return (w, x, m) =>
            {
                double[] y = new double[m * o];
                for (int s = 0; s < m; s++)
                {
                    body(w, x.AsSpan(s * n, n), y.AsSpan(s * o, o));
                }

                return y;
            };
        }

        /// <summary>The draft's own objective method run as plain C#.</summary>
        public Func<double[], double> UserObjective(string name)
        {
            IMoreauObjective<double> instance = Create<IMoreauObjective<double>>(name);
            var body = (ObjectiveBody)Delegate.CreateDelegate(typeof(ObjectiveBody), instance, Marked<MoreauObjectiveAttribute>(instance));
            return x => body(x);
        }

        public void Dispose() => context.Unload();

        private static MethodInfo Marked<TAttribute>(object instance)
            where TAttribute : Attribute =>
            instance.GetType().GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Single(m => m.GetCustomAttribute<TAttribute>() is not null);
    }

    private delegate void LayerBody(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y);

    private delegate double ObjectiveBody(ReadOnlySpan<double> x);
}
