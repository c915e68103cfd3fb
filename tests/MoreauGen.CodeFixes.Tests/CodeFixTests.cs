using Microsoft.CodeAnalysis;
using static MoreauGen.CodeFixes.Tests.CodeFixHarness;

namespace MoreauGen.CodeFixes.Tests;

/// <summary>
/// One test per code fix: the generator reports the diagnostic on the source before, the fix turns it into the
/// source after, and the fixed project compiles through the generator with no MoreauGen diagnostic and no error.
/// Each source also uses its layer as <c>IMoreauLayer&lt;double&gt;</c>, which compiles only once the generator has
/// implemented the interface.
/// </summary>
public sealed class CodeFixTests
{
    private const string Use = "\npublic static class Use\n{\n    public static IMoreauLayer<double> Make() => new Outer.L();\n}\n";

    [Fact]
    public async Task MG0003_makes_the_layer_type_and_its_containing_types_partial()
    {
        const string before = Usings + """
            public class Outer
            {
                public class L
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = w[0] * x[0]; }
                }
            }
            """ + Use;
        const string after = Usings + """
            public partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = w[0] * x[0]; }
                }
            }
            """ + Use;

        Project project = await ApplyAsync(CreateProject(before), new MakePartialCodeFix(), "MG0003");

        Assert.Equal(after, await TextAsync(project));
        await AssertCleanAsync(project);
    }

    [Fact]
    public async Task MG0005_on_the_containing_type_makes_the_whole_chain_partial()
    {
        const string before = Usings + """
            public class Outer
            {
                internal sealed partial class L
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = w[0] + x[0]; }
                }
            }
            """ + Use;
        const string after = Usings + """
            public partial class Outer
            {
                internal sealed partial class L
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = w[0] + x[0]; }
                }
            }
            """ + Use;

        Project project = await ApplyAsync(CreateProject(before), new MakePartialCodeFix(), "MG0005");

        Assert.Equal(after, await TextAsync(project));
        await AssertCleanAsync(project);
    }

    [Fact]
    public async Task MG0011_marks_a_helper_of_another_type_in_another_file_differentiable()
    {
        const string layer = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = Smooth.SoftPlus(w[0] * x[0]); }
                }
            }
            """ + Use;
        const string helperBefore = """
            using System;

            namespace Numerics
            {
                public static class Smooth
                {
                    /// <summary>log(1 + e^a).</summary>
                    public static double SoftPlus(double a) => Math.Log(1 + Math.Exp(a));
                }
            }

            """;
        const string helperAfter = """
            using System;
            using MoreauGen;

            namespace Numerics
            {
                public static class Smooth
                {
                    /// <summary>log(1 + e^a).</summary>
                    [Differentiable]
                    public static double SoftPlus(double a) => Math.Log(1 + Math.Exp(a));
                }
            }

            """;

        Project project = await ApplyAsync(CreateProject("using Numerics;\n" + layer, helperBefore), new AddDifferentiableCodeFix(), "MG0011");

        Assert.Equal(helperAfter, await TextAsync(project, 1));
        Assert.Equal("using Numerics;\n" + layer, await TextAsync(project, 0));
        await AssertCleanAsync(project);
    }

    [Fact]
    public async Task MG0023_rewrites_a_foreach_over_an_array_of_data_as_an_indexed_for()
    {
        // A foreach over w or x is supported as written; over the type's data it is rewritten.
        const string before = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    public double[] C { get; set; } = [1, 2, 3];

                    [MoreauLayer(Parameters = 1, Inputs = 3, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                    {
                        double s = 0;
                        foreach (double v in C)
                        {
                            s += w[0] * v * x[0];
                        }

                        y[0] = s;
                    }
                }
            }
            """ + Use;
        const string after = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    public double[] C { get; set; } = [1, 2, 3];

                    [MoreauLayer(Parameters = 1, Inputs = 3, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                    {
                        double s = 0;
                        for (int i = 0; i < C.Length; i++)
                        {
                            double v = C[i];
                            s += w[0] * v * x[0];
                        }

                        y[0] = s;
                    }
                }
            }
            """ + Use;

        Project project = await ApplyAsync(CreateProject(before), new ForEachToForCodeFix(), "MG0023");

        Assert.Equal(after, await TextAsync(project));
        await AssertCleanAsync(project);
    }

    [Fact]
    public async Task MG0040_reorders_the_span_parameters_to_w_x_y()
    {
        const string before = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> y) { y[0] = w[0] * x[0] + w[1]; }
                }
            }
            """ + Use;
        const string after = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Parameters = 2, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = w[0] * x[0] + w[1]; }
                }
            }
            """ + Use;

        Project project = await ApplyAsync(CreateProject(before), new ReorderParametersCodeFix(), "MG0040");

        Assert.Equal(after, await TextAsync(project));
        await AssertCleanAsync(project);
    }

    [Fact]
    public async Task MG0001_with_the_output_span_first_moves_it_last()
    {
        const string before = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(Span<double> output,
                                      ReadOnlySpan<double> weights,
                                      ReadOnlySpan<double> inputs) { output[0] = weights[0] * inputs[0]; }
                }
            }
            """ + Use;
        const string after = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> weights,
                                      ReadOnlySpan<double> inputs,
                                      Span<double> output) { output[0] = weights[0] * inputs[0]; }
                }
            }
            """ + Use;

        Project project = await ApplyAsync(CreateProject(before), new ReorderParametersCodeFix(), "MG0001");

        Assert.Equal(after, await TextAsync(project));
        await AssertCleanAsync(project);
    }

    [Fact]
    public async Task MG0008_adds_the_sizes_read_off_the_body_to_the_attribute()
    {
        const string before = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Outputs = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = w[0] * x[0] + w[1] * x[2]; }
                }
            }
            """ + Use;
        const string after = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Outputs = 1, Parameters = 2, Inputs = 3)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y) { y[0] = w[0] * x[0] + w[1] * x[2]; }
                }
            }
            """ + Use;

        Project project = await ApplyAsync(CreateProject(before), new AddSizeCodeFix(), "MG0008", "Add ");

        Assert.Equal(after, await TextAsync(project));
        await AssertCleanAsync(project);
    }

    [Fact]
    public async Task MG0008_declares_the_size_properties_when_a_loop_hides_the_size()
    {
        const string before = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    [MoreauLayer(Parameters = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                    {
                        for (int i = 0; i < x.Length; i++)
                        {
                            y[i] = w[0] * x[i];
                        }
                    }
                }
            }
            """ + Use;
        const string after = Usings + """
            public static partial class Outer
            {
                public partial class L
                {
                    /// <summary>The number of inputs, set by the code that creates the layer.</summary>
                    public int InputCount { get; init; }
                    /// <summary>The number of outputs, set by the code that creates the layer.</summary>
                    public int OutputCount { get; init; }

                    [MoreauLayer(Parameters = 1)]
                    public void Apply(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)
                    {
                        for (int i = 0; i < x.Length; i++)
                        {
                            y[i] = w[0] * x[i];
                        }
                    }
                }
            }
            """ + Use;

        Project project = CreateProject(before);
        Assert.DoesNotContain(await TitlesAsync(project, new AddSizeCodeFix(), "MG0008"), t => t.StartsWith("Add ", StringComparison.Ordinal));
        project = await ApplyAsync(project, new AddSizeCodeFix(), "MG0008", "Declare ");

        Assert.Equal(after, await TextAsync(project));
        await AssertCleanAsync(project);
    }
}
