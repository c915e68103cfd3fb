using System.Globalization;
using MoreauGen.Samples.Mlp;

namespace MoreauGen.Benchmarks.Mlp;

/// <summary>
/// The MLP sample's network of a shape such as "784-500-300-100-10" with one batch of random inputs and labels (seed 3)
/// under the squared loss: what the step benchmarks (<c>step-rounds</c>, <c>step-streams</c>, <c>morsgd-pair-rounds</c>) time.
/// </summary>
internal sealed record MlpBatch(int[] Sizes, Network Network, float[] X, ClassificationObjective Objective)
{
    /// <summary>The batch size of every step benchmark.</summary>
    public const int Size = 256;

    /// <summary>The shapes the step benchmarks run, small first.</summary>
    public static readonly string[] Shapes = ["784-500-300-100-10", "784-4000-1000-4000-10"];

    /// <summary>The shapes a step benchmark runs: the one after <c>--network</c> in <paramref name="args"/>, else <see cref="Shapes"/>.</summary>
    public static string[] ShapesOf(string[] args)
    {
        int at = Array.IndexOf(args, "--network");
        return at >= 0 && at + 1 < args.Length ? [args[at + 1]] : Shapes;
    }

    /// <summary>Whether this is the small network (warmed up by time, not by a count of calls).</summary>
    public bool Small => Sizes[1] == 500;

    /// <summary>The network of <paramref name="shape"/> and its batch.</summary>
    public static MlpBatch Create(string shape)
    {
        int[] sizes = [.. shape.Split('-').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        var network = new Network(sizes[0], sizes[1..^1], sizes[^1]);
        var random = new Random(3);
        float scale = 2f / MathF.Sqrt(sizes[0]);
        float[] x = [.. Enumerable.Range(0, Size * sizes[0]).Select(_ => (random.NextSingle() - 0.5f) * scale)];
        var objective = ClassificationObjective.Create(LossKind.Squared, sizes[^1], Size);
        objective.SetLabels([.. Enumerable.Range(0, Size).Select(_ => random.Next(sizes[^1]))]);
        return new MlpBatch(sizes, network, x, objective);
    }

    /// <summary>
    /// Warms up <paramref name="calls"/>: the small network for 2 s (<see cref="Rounds.WarmUp"/>), the large one with 10
    /// calls of each (200 would take minutes; 10 calls call each layer's methods 40 times).
    /// </summary>
    public void WarmUp(IEnumerable<Action> calls)
    {
        Action[] all = [.. calls];
        if (Small)
        {
            Rounds.WarmUp(2, all);
            return;
        }

        for (int i = 0; i < 10; i++)
            Array.ForEach(all, call => call());
    }
}
