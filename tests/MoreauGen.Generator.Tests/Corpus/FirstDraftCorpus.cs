namespace MoreauGen.Generator.Tests.Corpus;

/// <summary>
/// One well-known automatic-differentiation benchmark written as a C# programmer first writes it: plain
/// <c>double</c> and <c>Math</c>, scratch arrays, span helpers of the same type without attributes, slices, foreach,
/// switch, break and early return. The float form is derived from it textually (<see cref="FirstDraftCorpus.Single"/>).
/// </summary>
/// <param name="Name">The type's name (namespace <c>Drafts</c>).</param>
/// <param name="Source">The type declaration, exactly as drafted.</param>
/// <param name="Objective">A <c>[MoreauObjective]</c> (h of a batch of x) rather than a layer.</param>
/// <param name="Inputs">|x| of one sample of an objective (layers give their own sizes).</param>
/// <param name="Low">Lower end of the range w and x are drawn from.</param>
/// <param name="High">Upper end of that range.</param>
internal sealed record FirstDraft(string Name, string Source, bool Objective = false, int Inputs = 0, double Low = -1, double High = 1);

/// <summary>
/// Twelve AD benchmark programs (after ADBench and the Siskind–Pearlmutter benchmarks) as first drafts, some with a
/// second form as an objective. They are compiled as written: a draft the generator rejects is a generator limit to
/// fix, never a draft to rewrite.
/// </summary>
internal static class FirstDraftCorpus
{
    /// <summary>The twelve programs by name, each with the drafts (layer, objective) that make it up.</summary>
    public static readonly (string Program, string[] Drafts)[] Programs =
    [
        ("least squares", ["LeastSquares", "LeastSquaresLoss"]),
        ("log-sum-exp", ["LogSumExp", "LogSumExpLoss"]),
        ("determinant", ["Determinant"]),
        ("RK4 integrator", ["Rk4Pendulum"]),
        ("Gaussian mixture", ["GaussianMixture"]),
        ("LSTM", ["Lstm"]),
        ("k-means", ["KMeans"]),
        ("bundle adjustment", ["BundleAdjustment"]),
        ("hand tracking", ["HandChain"]),
        ("particle", ["Particle"]),
        ("saddle", ["Saddle"]),
        ("Black–Scholes", ["BlackScholes"]),
    ];

    public static readonly FirstDraft[] All =
    [
        .. FirstDraftPrograms.Regression,
        .. FirstDraftPrograms.Linear,
        .. FirstDraftPrograms.Models,
        .. FirstDraftGeometry.Entries,
    ];

    public static FirstDraft Find(string name) => All.Single(d => d.Name == name);

    /// <summary>The draft as a source file of its own, in double as written.</summary>
    public static string Double(FirstDraft draft) => Wrap(draft.Source);

    /// <summary>
    /// The float form of the draft: <c>double</c> → <c>float</c>, <c>Math.</c> → <c>MathF.</c> (Math.Clamp stays: MathF
    /// has none), and every literal with a fraction or exponent gets the <c>f</c> suffix.
    /// </summary>
    public static string Single(FirstDraft draft)
    {
        string text = draft.Source.Replace("double", "float", StringComparison.Ordinal)
            .Replace("Math.", "MathF.", StringComparison.Ordinal)
            .Replace("MathF.Clamp", "Math.Clamp", StringComparison.Ordinal);
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(?<![\w.])(\d+\.\d+(?:[eE]-?\d+)?|\d+[eE]-?\d+)(?![\w.])", "$1f");
        return Wrap(text);
    }

    private static string Wrap(string source) => $$"""
        using System;
        using MoreauGen;

        namespace Drafts
        {
        {{source}}
        }
        """;
}
