using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The wording of messages that used to point the wrong way: each test pins the new text (and severity) and that the old,
/// misleading text is gone.
/// </summary>
public sealed class MessageTests
{
    private const string Sig = "(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> y)";
    private const string OldBatchedHint = "add 'Batched = true'";
    private const string OldConditionHint = "write them as comparisons (<, <=, >, >=, ==, !=) of values or indices";

    [Fact]
    public void MG0035_suggests_Batched_only_when_the_body_would_be_valid_batched()
    {
        // Ops calls only: 'Batched = true' is the fix.
        string valid = Messages("MG0035", $$"""
            public partial class L
            {
                [MoreauLayer(Parameters = 4, Inputs = 2, Outputs = 2)]
                public void Apply{{Sig}}
                {
                    int m = x.Length / 2;
                    Ops.MatMul(x, w[..4], y, m, 2, 2);
                }
            }
            """);
        Assert.Contains(OldBatchedHint, valid, StringComparison.Ordinal);

        // Scalar code beside an Ops call: a batched body would reject it, so the message does not suggest it.
        string invalid = Messages("MG0035", $$"""
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}}
                {
                    double s = w[0] * x[0];
                    Ops.Relu(x, y);
                }
            }
            """);
        Assert.DoesNotContain(OldBatchedHint, invalid, StringComparison.Ordinal);
        Assert.Contains("'Batched = true' would not help", invalid, StringComparison.Ordinal);
        Assert.Contains("element by element", invalid, StringComparison.Ordinal);
    }

    [Fact]
    public void An_enum_field_compared_with_a_constant_is_a_condition_on_data()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + $$"""
            public partial class L
            {
                public enum Mode { Fast, Slow }

                private readonly Mode mode = Mode.Slow;

                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}}
                {
                    if (mode == Mode.Fast || mode != 0)
                    {
                        y[0] = w[0] * x[0];
                    }
                    else
                    {
                        y[0] = w[0] + x[0];
                    }
                }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains("this.mode == global::L.Mode.Fast", Assert.Single(result.Sources).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void MG0028_on_an_enum_that_is_not_data_says_why_instead_of_describing_the_comparison()
    {
        string message = Messages("MG0028", $$"""
            public partial class L
            {
                public enum Mode { Fast, Slow }

                private static Mode Pick() => Mode.Slow;

                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}}
                {
                    y[0] = Pick() == Mode.Fast ? w[0] : x[0];
                }
            }
            """);
        Assert.DoesNotContain(OldConditionHint, message, StringComparison.Ordinal);
        Assert.Contains("must be the type's data", message, StringComparison.Ordinal);
    }

    [Fact]
    public void MG0028_on_a_comparison_of_another_type_names_the_type()
    {
        string message = Messages("MG0028", $$"""
            public partial class L
            {
                private readonly string name = "a";

                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}}
                {
                    y[0] = name == "b" ? w[0] : x[0];
                }
            }
            """);
        Assert.DoesNotContain(OldConditionHint, message, StringComparison.Ordinal);
        Assert.Contains("compares values of type 'string'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bool_local_set_to_a_literal_in_a_loop_is_carried_without_a_diagnostic()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + $$"""
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
                public void Apply{{Sig}}
                {
                    bool landed = false;
                    for (int i = 0; i < 2; i++)
                    {
                        if (x[i] > 0)
                        {
                            landed = true;
                        }
                    }

                    y[0] = landed ? w[0] : x[0];
                }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
    }

    [Fact]
    public void MG0041_warns_when_the_names_read_as_inputs_then_parameters_and_the_layer_is_still_generated()
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + """
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> input, ReadOnlySpan<double> weights, Span<double> output)
                {
                    output[0] = input[0] * weights[0];
                }
            }
            """);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("MG0041", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("named (input, weights, output)", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Single(result.Sources);

        // Names that say nothing about the roles draw nothing.
        GeneratorResult plain = GeneratorHarness.Run(DiagnosticTests.Header + """
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) => c[0] = a[0] * b[0];
            }
            """);
        Assert.Empty(plain.GeneratorDiagnostics);
    }

    [Fact]
    public void A_Math_function_with_a_rule_called_with_another_overload_names_the_overload()
    {
        string message = Messages("MG0010", $$"""
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply{{Sig}}
                {
                    y[0] = Math.Round(x[0], 2) * w[0];
                }
            }
            """);
        Assert.Contains("The overload 'Math.Round(double, int)'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("has no derivative rule", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Math_Sign_of_a_value_used_as_an_int_says_to_use_it_as_a_number()
    {
        string message = Messages("MG0010", $$"""
            public partial class L
            {
                [MoreauLayer(Parameters = 1, Inputs = 2, Outputs = 1)]
                public void Apply{{Sig}}
                {
                    int s = Math.Sign(w[0]);
                    y[0] = s * x[0];
                }
            }
            """);
        Assert.Contains("double s = Math.Sign(v);", message, StringComparison.Ordinal);
        Assert.DoesNotContain("has no derivative rule", message, StringComparison.Ordinal);
    }

    /// <summary>The messages of the diagnostics with <paramref name="id"/> (at least one), joined.</summary>
    private static string Messages(string id, string body)
    {
        GeneratorResult result = GeneratorHarness.Run(DiagnosticTests.Header + body);
        Assert.Null(result.Result.Exception);
        string[] messages = result.GeneratorDiagnostics.Where(d => d.Id == id).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(messages.Length > 0, $"no {id}; got {string.Join("; ", result.GeneratorDiagnostics.Select(d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))}");
        return string.Join("\n", messages);
    }
}
