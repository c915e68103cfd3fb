using System.Numerics;
using MoreauGen.Generator.Tests.Corpus;
using MoreauGen.Generator.Tests.Infrastructure;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Generated <see cref="IMoreauObjective{T}"/> implementations: Value is the user's h, ValueAndGradient returns the same
/// value and the gradient of h, checked against central differences of the double objective, in float and double,
/// for batches of 1 and 3.
/// </summary>
public sealed class ObjectiveTests
{
    public static TheoryData<string> Objectives => new(ObjectiveCorpus.Entries.Select(e => e.Name));

    [Fact]
    public void The_corpus_has_at_least_5_objectives()
    {
        Assert.True(ObjectiveCorpus.Entries.Length >= 5, $"{ObjectiveCorpus.Entries.Length} objectives");
        Assert.Contains(ObjectiveCorpus.Entries, e => e.Template.Contains("for (", StringComparison.Ordinal));
        Assert.Contains(ObjectiveCorpus.Entries, e => e.Template.Contains("if (", StringComparison.Ordinal));
        Assert.Contains(ObjectiveCorpus.Entries, e => e.Template.Contains("[Differentiable]", StringComparison.Ordinal));
        Assert.Contains(ObjectiveCorpus.Entries, e => e.Template.Contains("Prepare", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Objectives))]
    public void Value_and_gradient_match_central_differences(string name)
    {
        ObjectiveEntry entry = ObjectiveCorpus.Find(name);
        foreach (int m in new[] { 1, 3 })
        {
            // The reference is the user's own method compiled as plain C#, never the generated code.
            Func<double[], double> reference = CorpusAssembly.Default.UserObjective(entry, m);
            Check(entry, CorpusAssembly.Default.CreateObjective<double>(entry, "Double", m), reference, m, OracleChecks.DoubleTolerance);
            Check(entry, CorpusAssembly.Default.CreateObjective<float>(entry, "Single", m), reference, m, OracleChecks.FloatTolerance);
        }
    }

    [Theory]
    [InlineData("SquaredError")]
    [InlineData("SoftmaxCrossEntropy")]
    public void Wrong_lengths_throw_ArgumentException_naming_the_span(string name)
    {
        ObjectiveEntry entry = ObjectiveCorpus.Find(name);
        IMoreauObjective<double> objective = CorpusAssembly.Default.CreateObjective<double>(entry, "Double", 2);
        int n = objective.InputCount;
        Assert.Equal("x", Assert.ThrowsAny<ArgumentException>(() => objective.Value(new double[2 * n + 1])).ParamName);
        Assert.Equal("x", Assert.ThrowsAny<ArgumentException>(() => objective.ValueAndGradient(new double[2 * n + 1], new double[2 * n + 1])).ParamName);
        Assert.Equal("grad", Assert.ThrowsAny<ArgumentException>(() => objective.ValueAndGradient(new double[2 * n], new double[2 * n - 1])).ParamName);
    }

    [Theory]
    [InlineData("SoftmaxCrossEntropy")]
    [InlineData("Huber")]
    [InlineData("ScratchSpanObjective")]
    public void ValueAndGradient_allocates_nothing_once_warm(string name) =>
        Assert.Equal(0, AllocatedOnceWarm(name, alsoValue: true));

    [Fact]
    public void ValueAndGradient_with_a_scratch_array_as_long_as_the_batch_allocates_nothing_once_warm() =>
        // Value runs the user's method, whose 'new T[n]' allocates; ValueAndGradient takes the array from ArrayPool.
        Assert.Equal(0, AllocatedOnceWarm("ScratchArrayObjective", alsoValue: false));

    /// <summary>Bytes allocated on this thread by ten calls (of ValueAndGradient, and of Value when asked) after three warm-up calls, batch 64.</summary>
    private static long AllocatedOnceWarm(string name, bool alsoValue)
    {
        ObjectiveEntry entry = ObjectiveCorpus.Find(name);
        IMoreauObjective<double> objective = CorpusAssembly.Default.CreateObjective<double>(entry, "Double", 64);
        double[] x = Enumerable.Range(0, 64 * objective.InputCount).Select(i => 0.01 * i).ToArray();
        double[] grad = new double[x.Length];
        for (int i = 0; i < 3; i++)
        {
            objective.ValueAndGradient(x, grad);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            objective.ValueAndGradient(x, grad);
            if (alsoValue)
            {
                objective.Value(x);
            }
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void Check<T>(ObjectiveEntry entry, IMoreauObjective<T> objective, Func<double[], double> reference, int m, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(entry.Inputs, objective.InputCount);
        var random = new Random(entry.Name.Length * 31 + m);
        double[] x = OracleChecks.Draw(random, m * entry.Inputs, entry.Low, entry.High);
        string at = $"{entry.Name} (m = {m}, {typeof(T).Name})";

        double expected = reference(x);
        T value = objective.Value(OracleChecks.Cast<T>(x));
        OracleChecks.AssertClose([expected], [double.CreateChecked(value)], tolerance, at + ": Value");

        T[] grad = OracleChecks.Filled<T>(x.Length, T.NaN);
        T both = objective.ValueAndGradient(OracleChecks.Cast<T>(x), grad);
        OracleChecks.AssertClose([expected], [double.CreateChecked(both)], tolerance, at + ": ValueAndGradient value");
        OracleChecks.AssertClose(OracleChecks.Gradient(reference, x), OracleChecks.ToDouble(grad), tolerance, at + ": ValueAndGradient gradient");
    }
}
