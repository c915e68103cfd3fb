using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits regenerate nothing, a body edit regenerates that layer only, and the models hold plain data.</summary>
public sealed class IncrementalTests
{
    private static readonly string[] Steps = [TrackingNames.Parsed, TrackingNames.Diagnostics, TrackingNames.Layers, TrackingNames.Programs];

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

    [Fact]
    public void An_unrelated_edit_on_a_cloned_compilation_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(First, Second);
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
        CSharpCompilation compilation = GeneratorHarness.Compile(First, Second);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree second = compilation.SyntaxTrees.Single(t => t.ToString().Contains("class Second"));
        SyntaxTree changed = second.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Second.Replace("Math.Exp(w[0])", "Math.Cos(w[0])")));
        GeneratorRunResult result = driver.RunGenerators(compilation.ReplaceSyntaxTree(second, changed)).GetRunResult().Results.Single();

        IncrementalStepRunReason[] programs = Reasons(result, TrackingNames.Programs);
        Assert.Equal(1, programs.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, programs.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("Cos", result.GeneratedSources.Single(s => s.HintName.Contains("Second")).SourceText.ToString());
    }

    [Fact]
    public void The_pipeline_models_hold_no_symbols_compilations_or_syntax()
    {
        GeneratorRunResult result = GeneratorHarness.Run(First, Second).Result;
        int objects = 0;
        foreach (string step in Steps)
        {
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
        if (value is IEnumerable sequence and not string)
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
