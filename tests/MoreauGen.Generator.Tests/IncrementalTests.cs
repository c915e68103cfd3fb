using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits regenerate nothing, a body edit regenerates that layer only, and the models hold plain data.</summary>
public sealed class IncrementalTests
{
    private static readonly string[] Steps =
    [
        TrackingNames.Parsed, TrackingNames.Diagnostics, TrackingNames.Layers, TrackingNames.Programs,
        TrackingNames.ObjectivesParsed, TrackingNames.ObjectiveDiagnostics, TrackingNames.Objectives, TrackingNames.ObjectivePrograms,
        TrackingNames.HelperDiagnostics, TrackingNames.CustomPullbackDiagnostics,
    ];

    private const string First = """
        using System;
        using MoreauGen;
        namespace Cache;
        public partial class First
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = Math.Sin(w[0] * x[0]);
        }
        """;

    private const string Second = """
        using System;
        using MoreauGen;
        namespace Cache;
        public partial class Second
        {
            [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) => y[0] = Math.Exp(w[0]) * x[0];
        }
        """;

    /// <summary>A layer with a loop and a branch, calling a helper of another file.</summary>
    private const string Looped = """
        using System;
        using MoreauGen;
        namespace Cache;
        public partial class Looped
        {
            [MoreauLayer(Parameters = 2, Inputs = 2, Outputs = 1)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
            {
                double s = 0;
                for (int i = 0; i < 2; i++)
                {
                    s = s > 0 ? s * Helpers.Soft(w[i]) : s + x[i];
                }

                y[0] = s;
            }
        }
        """;

    private const string HelperSource = """
        using System;
        using MoreauGen;
        namespace Cache;
        public static class Helpers
        {
            [Differentiable]
            public static double Soft(double a) => Math.Log(1 + Math.Exp(a));

            [CustomPullback(nameof(CubePullback))]
            public static double Cube(double a) => a * a * a;

            public static void CubePullback(double a, double adjoint, out double da) => da = 3 * a * a * adjoint;
        }
        """;

    private const string Objective = """
        using System;
        using MoreauGen;
        namespace Cache;
        public partial class Cost
        {
            public double[] Targets { get; set; } = [];

            [MoreauObjective(Inputs = 1)]
            public double H(ReadOnlySpan<double> x)
            {
                double sum = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    double r = x[i] - Targets[i];
                    sum += r * r;
                }

                return sum;
            }
        }
        """;

    private const string OtherObjective = """
        using System;
        using MoreauGen;
        namespace Cache;
        public partial class OtherCost
        {
            [MoreauObjective(Inputs = 1)]
            public double H(ReadOnlySpan<double> x) => Helpers.Cube(x[0]);
        }
        """;

    /// <summary>A batched layer (span views, Ops calls, an in-place activation).</summary>
    private const string Batched = """
        using System;
        using MoreauGen;
        namespace Cache;
        public partial class Dense(int inputs, int outputs)
        {
            public int ParameterCount => inputs * outputs + outputs;
            public int InputCount => inputs;
            public int OutputCount => outputs;

            [MoreauLayer(Batched = true)]
            public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
            {
                int m = x.Length / inputs;
                Ops.MatMul(x, w[..(inputs * outputs)], y, m, inputs, outputs);
                Ops.AddBias(y, w[(inputs * outputs)..], m, outputs);
                Ops.Relu(y, y);
            }
        }
        """;

    private static CSharpCompilation All() => GeneratorHarness.Compile(First, Second, Looped, HelperSource, Objective, OtherObjective, Batched);

    [Fact]
    public void An_unrelated_edit_on_a_cloned_compilation_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = All();
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        CSharpCompilation edited = compilation.Clone().AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace Cache; internal static class Unrelated { public static int Answer => 42; }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in Steps)
        {
            IncrementalStepRunReason[] reasons = Reasons(result, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
    }

    [Fact]
    public void Editing_one_layer_body_regenerates_only_that_layer()
    {
        GeneratorRunResult result = RunAfterEdit(Second, "Math.Exp(w[0])", "Math.Cos(w[0])");
        AssertModifiedOnly(result, TrackingNames.Programs, total: 4);
        AssertUntouched(result, TrackingNames.ObjectivePrograms);
        Assert.Contains("Cos", result.GeneratedSources.Single(s => s.HintName.Contains("Second")).SourceText.ToString());
    }

    [Fact]
    public void Editing_a_batched_layer_body_regenerates_only_that_layer()
    {
        GeneratorRunResult result = RunAfterEdit(Batched, "Ops.Relu(y, y);", "Ops.Tanh(y, y);");
        AssertModifiedOnly(result, TrackingNames.Programs, total: 4);
        AssertUntouched(result, TrackingNames.ObjectivePrograms);
        Assert.Contains("TanhBackward", result.GeneratedSources.Single(s => s.HintName.Contains("Dense")).SourceText.ToString());
    }

    [Fact]
    public void Editing_one_objective_body_regenerates_only_that_objective()
    {
        GeneratorRunResult result = RunAfterEdit(Objective, "sum += r * r;", "sum += r * r * r;");
        AssertModifiedOnly(result, TrackingNames.ObjectivePrograms, total: 2);
        AssertUntouched(result, TrackingNames.Programs);
    }

    [Fact]
    public void Editing_a_helper_regenerates_only_its_caller()
    {
        GeneratorRunResult result = RunAfterEdit(HelperSource, "Math.Log(1 + Math.Exp(a))", "Math.Log(2 + Math.Exp(a))");
        AssertModifiedOnly(result, TrackingNames.Programs, total: 4);
        Assert.Contains("2.0 + ", result.GeneratedSources.Single(s => s.HintName.Contains("Looped")).SourceText.ToString());
        AssertUntouched(result, TrackingNames.ObjectivePrograms);
    }

    private static GeneratorRunResult RunAfterEdit(string source, string from, string to)
    {
        CSharpCompilation compilation = All();
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Contains(from, source);
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.ToString() == source);
        SyntaxTree changed = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(source.Replace(from, to)));
        return driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, changed)).GetRunResult().Results.Single();
    }

    private static void AssertModifiedOnly(GeneratorRunResult result, string step, int total)
    {
        IncrementalStepRunReason[] reasons = Reasons(result, step);
        Assert.Equal(total, reasons.Length);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(total - 1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    private static void AssertUntouched(GeneratorRunResult result, string step) =>
        Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));

    [Fact]
    public void The_pipeline_models_hold_no_symbols_compilations_or_syntax()
    {
        GeneratorRunResult result = GeneratorHarness.Run(All()).Result;
        Assert.Empty(result.Diagnostics);
        Assert.Equal(6, result.GeneratedSources.Length);
        int objects = 0;
        foreach (string step in Steps)
        {
            Assert.NotEmpty(result.TrackedSteps[step]);
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                foreach ((object value, _) in run.Outputs)
                {
                    objects += Walk(value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
                }
            }
        }

        Assert.True(objects > 100, $"walked {objects} objects");
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol), typeof(Compilation), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Location),
        typeof(IOperation), typeof(SyntaxToken), typeof(SyntaxReference), typeof(AttributeData), typeof(TypedConstant),
    ];

    /// <summary>Walks the object graph through every field; fails on Roslyn objects that would pin a compilation.</summary>
    private static int Walk(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return 0;
        }

        Type type = value.GetType();
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} holds a {type.FullName}");
        if (!type.IsValueType && !seen.Add(value))
        {
            return 0;
        }

        int count = 1;
        // A default ImmutableArray (an unset field, e.g. a SourceText's checksum before it is asked for) has nothing to walk.
        bool defaultArray = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(System.Collections.Immutable.ImmutableArray<>) &&
                            (bool)type.GetProperty("IsDefault")!.GetValue(value)!;
        if (value is IEnumerable sequence and not string && !defaultArray)
        {
            foreach (object? item in sequence)
            {
                count += Walk(item, seen, path + "[]");
            }
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                count += Walk(field.GetValue(value), seen, path + "." + field.Name);
            }
        }

        return count;
    }
}
