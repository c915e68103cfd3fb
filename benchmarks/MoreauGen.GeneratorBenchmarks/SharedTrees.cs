using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>
/// The <c>--shared-trees SHAPE SIZE REPS</c> option: why cold runs over shared syntax trees were not all cold. Each
/// repetition times two cold runs, each with a new driver and right after a full collection: one over a compilation of
/// newly parsed trees (what every cold run of the harness now gets), and one over a new compilation of the same tree
/// objects as the run before it, whose compilation is kept alive. The generator's parse cache (ParseCache, the
/// keystroke path) is keyed by the method's syntax node, so the second run reuses the first one's parse. The old
/// harness shared its trees between all runs: whether a cold run was partly warm depended on whether an earlier
/// compilation had been collected yet.
/// </summary>
internal static class SharedTrees
{
    public static void Run(Shape shape, int size, int reps)
    {
        var run = new GeneratorRun(new[] { SyntheticLayers.Layer("Big", shape, size, 0) }, SyntheticLayers.Layer("Big", shape, size, 1));
        Console.WriteLine($"| {shape} {size:N0}: cold run | CPU ms | thread MiB | collections (gen 1+, gen 2) | page faults |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (int i = -GeneratorRun.WarmUps; i < reps; i++)
        {
            GeneratorRun.Settle();
            CSharpCompilation first = run.Compilation();
            GeneratorDriver driver = GeneratorRun.Driver();
            Cost fresh = GeneratorRun.Time(ref driver, first);

            GeneratorRun.Settle();
            CSharpCompilation again = GeneratorRun.OverTheSameTrees(first);
            driver = GeneratorRun.Driver();
            Cost shared = GeneratorRun.Time(ref driver, again);
            GC.KeepAlive(first);
            if (i >= 0)
            {
                Console.WriteLine($"| newly parsed trees | {fresh.CpuMs:F1} | {fresh.ThreadBytes / (1024.0 * 1024.0):F1} | {fresh.Collections} ({fresh.Gen1Collections}, {fresh.FullCollections}) | {fresh.PageFaults:N0} |");
                Console.WriteLine($"| the trees of a live earlier compilation | {shared.CpuMs:F1} | {shared.ThreadBytes / (1024.0 * 1024.0):F1} | {shared.Collections} ({shared.Gen1Collections}, {shared.FullCollections}) | {shared.PageFaults:N0} |");
            }
        }
    }
}
