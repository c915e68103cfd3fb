using System.Globalization;
using MoreauGen.GeneratorBenchmarks;

// Times the MoreauGen source generator with CSharpGeneratorDriver on synthetic layers (see SyntheticLayers) and
// prints Markdown tables: per body shape and size, the cold run, the second run after an unrelated edit and after an
// in-layer edit (medians of --reps runs after GeneratorRun.WarmUps warm-ups, each run over newly parsed trees and right
// after a full collection); the growth exponents between the smallest and largest size; then K small layers.
// Usage: dotnet run -c Release --project benchmarks/MoreauGen.GeneratorBenchmarks --
//        [--shapes fresh,overwrite,loop,batched] [--sizes 1000,5000,10000] [--layers 100,500] [--reps 5] [--floor]
// (--floor drives a generator that only finds the layer methods: Roslyn's own share of a run.)
// (--shapes none or --layers none skips that part.)
// --phases: instead, the cold run of each shape and size split into the parse step (binding included),
// differentiation and emission (each median of --reps runs after the warm-ups; "Roslyn and driver" is the rest), and
// Roslyn's binding of the body alone on a fresh compilation (BindingFloor: the floor under the parse phase).
// --phases --bound: the same with every body bound (no syntax reader of batched or per-sample bodies): the parse before them.
// --binding: instead, Roslyn's binding of the layer bodies three ways (with nullable analysis, with the experimental
// option that skips it, in a clone of the compilation with nullable disabled), cold and after an unrelated edit.
// --hot SHAPE SIZE REPS [FILE] [--gc]: differentiate and emit one layer REPS times in a row (for a sampling profiler; see
// HotLoop); --gc adds the garbage collections and large-object allocations seen meanwhile (GcEvents).
// --cold SHAPE SIZE REPS [--gc]: the whole cold run REPS times, with the collections seen meanwhile (HotLoop.Cold).
// --shared-trees SHAPE SIZE REPS: cold runs over newly parsed trees beside cold runs over the trees of a live earlier
// compilation (SharedTrees): the parse cache made the second kind partly warm.
string[] shapes = Option("--shapes", "fresh,overwrite,loop,batched").Split(',', StringSplitOptions.RemoveEmptyEntries);
int[] sizes = Ints(Option("--sizes", "1000,5000,10000"));
int[] layerCounts = Ints(Option("--layers", "100,500"));
int reps = int.Parse(Option("--reps", "5"), CultureInfo.InvariantCulture);
GeneratorRun.Floor = args.Contains("--floor");
PhaseProfile.Bound = args.Contains("--bound");

Console.WriteLine($"MoreauGen generator harness: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
                  $"Roslyn {typeof(Microsoft.CodeAnalysis.Compilation).Assembly.GetName().Version}, medians of {reps} runs after {GeneratorRun.WarmUps} warm-ups" +
                  (GeneratorRun.Floor ? ", FLOOR generator (finds the layers, generates nothing)" : string.Empty) +
                  (PhaseProfile.Bound ? ", every body BOUND (no syntax reader of batched or per-sample bodies)" : string.Empty));
Console.WriteLine("GC: " + string.Join(", ", GC.GetConfigurationVariables().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
Console.WriteLine();
if (args.Contains("--binding"))
{
    BindingTable(shapes, sizes, layerCounts, reps);
    return;
}
if (Array.IndexOf(args, "--hot") is int hot and >= 0)
{
    HotLoop.Run(Enum.Parse<Shape>(args[hot + 1], ignoreCase: true), int.Parse(args[hot + 2], CultureInfo.InvariantCulture), int.Parse(args[hot + 3], CultureInfo.InvariantCulture),
        hot + 4 < args.Length && !args[hot + 4].StartsWith("--", StringComparison.Ordinal) ? args[hot + 4] : null, args.Contains("--gc"));
    return;
}

if (Array.IndexOf(args, "--shared-trees") is int shared and >= 0)
{
    SharedTrees.Run(Enum.Parse<Shape>(args[shared + 1], ignoreCase: true), int.Parse(args[shared + 2], CultureInfo.InvariantCulture), int.Parse(args[shared + 3], CultureInfo.InvariantCulture));
    return;
}

if (Array.IndexOf(args, "--cold") is int coldAt and >= 0)
{
    HotLoop.Cold(Enum.Parse<Shape>(args[coldAt + 1], ignoreCase: true), int.Parse(args[coldAt + 2], CultureInfo.InvariantCulture), int.Parse(args[coldAt + 3], CultureInfo.InvariantCulture), args.Contains("--gc"));
    return;
}

if (args.Contains("--phases"))
{
    Console.WriteLine("| shape | statements | cold CPU ms | cold MiB | parse ms | parse MiB | differentiate ms | differentiate MiB | emit ms | emit MiB | Roslyn and driver ms | Roslyn and driver MiB | binding alone ms | binding alone MiB | GC pause ms: cold, differentiate, emit | collections (gen 1+, gen 2) in the cold run | page faults in the cold run | methods JIT-compiled in the cold run |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (string name in shapes)
    {
        Shape shape = Enum.Parse<Shape>(name, ignoreCase: true);
        foreach (int size in sizes)
        {
            var run = new GeneratorRun(new[] { SyntheticLayers.Layer("Big", shape, size, 0) }, SyntheticLayers.Layer("Big", shape, size, 1));
            // The runs of each kind in a row, never interleaved: a cold run right after the binding floor's run (a
            // smaller heap) touched 18,000-21,000 new pages at the loop shape's 10,000 statements, after another cold
            // run a few hundred; the collector keeps committed what the last workload needed.
            var samples = new List<PhaseCost>();
            var bindings = new List<Cost>();
            for (int i = 0; i < GeneratorRun.WarmUps + reps; i++)
            {
                GeneratorRun.Settle();
                PhaseCost phases = PhaseProfile.Measure(run);
                if (i >= GeneratorRun.WarmUps)
                {
                    samples.Add(phases);
                }
            }

            for (int i = 0; i < GeneratorRun.WarmUps + reps; i++)
            {
                GeneratorRun.Settle();
                Cost binding = BindingFloor.Measure(run);
                if (i >= GeneratorRun.WarmUps)
                {
                    bindings.Add(binding);
                }
            }

            Cost whole = Of(samples.Select(p => p.Run)), parse = Of(samples.Select(p => p.Parse));
            Cost differentiate = Of(samples.Select(p => p.Differentiate)), emit = Of(samples.Select(p => p.Emit));
            string Per(Cost c) => $"{c.CpuMs * 1000 / size:F1} | {Mib(c.ThreadBytes) * 1000 / size:F1}";
            Console.WriteLine($"| {name} | {size:N0} (per 1,000 st.) | {Per(whole)} | {Per(parse)} | {Per(differentiate)} | {Per(emit)} | " +
                              $"{(whole.CpuMs - parse.CpuMs - differentiate.CpuMs - emit.CpuMs) * 1000 / size:F1} | " +
                              $"{Mib(whole.ThreadBytes - parse.ThreadBytes - differentiate.ThreadBytes - emit.ThreadBytes) * 1000 / size:F1} | {Per(Of(bindings))} | " +
                              $"{whole.GcPauseMs * 1000 / size:F1}, {differentiate.GcPauseMs * 1000 / size:F1}, {emit.GcPauseMs * 1000 / size:F1} | {whole.Collections} ({whole.Gen1Collections}, {whole.FullCollections}) | {whole.PageFaults:N0} | {whole.JitMethods} |");
        }
    }

    return;
}

if (shapes.Length > 0 && sizes.Length > 0)
{
    Console.WriteLine("| shape | statements | run | wall ms | CPU ms | thread MiB | total MiB | output KiB | CPU ms / 1,000 st. | MiB / 1,000 st. | collections (gen 1+, gen 2) | page faults | methods JIT-compiled |");
    Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    var exponents = new List<string>();
    foreach (string name in shapes)
    {
        Shape shape = Enum.Parse<Shape>(name, ignoreCase: true);
        var colds = new List<(int Size, Cost Cold)>();
        foreach (int size in sizes)
        {
            var run = new GeneratorRun(new[] { SyntheticLayers.Layer("Big", shape, size, 0) }, SyntheticLayers.Layer("Big", shape, size, 1));
            (Cost cold, Cost unrelated, Cost inLayer) = Median(run, reps);
            Row(name, size, "cold", cold, size);
            Row(name, size, "unrelated edit", unrelated, size);
            Row(name, size, "in-layer edit", inLayer, size);
            colds.Add((size, cold));
        }

        if (colds.Count >= 2)
        {
            (int s0, Cost c0) = colds[0];
            (int s1, Cost c1) = colds[^1];
            double e(double a, double b) => Math.Log(b / a) / Math.Log((double)s1 / s0);
            exponents.Add($"| {name} | {s0:N0} → {s1:N0} | {e(c0.ThreadBytes, c1.ThreadBytes):F2} | {e(c0.CpuMs, c1.CpuMs):F2} | {e(c0.WallMs, c1.WallMs):F2} | {e(c0.OutputChars, c1.OutputChars):F2} |");
        }
    }

    Console.WriteLine();
    Console.WriteLine("Growth exponents of the cold run, log(cost ratio) / log(size ratio):");
    Console.WriteLine();
    Console.WriteLine("| shape | sizes | allocations | CPU time | wall time | output |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|");
    exponents.ForEach(Console.WriteLine);
    Console.WriteLine();
}

if (layerCounts.Length > 0)
{
    Console.WriteLine("| small layers (6 statements each) | run | wall ms | CPU ms | thread MiB | total MiB | output KiB |");
    Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
    foreach (int k in layerCounts)
    {
        string[] sources = Enumerable.Range(0, k).Select(i => SyntheticLayers.Layer("Small" + i, Shape.Fresh, 6, 0)).ToArray();
        var run = new GeneratorRun(sources, SyntheticLayers.Layer("Small" + (k - 1), Shape.Fresh, 6, 1));
        (Cost cold, Cost unrelated, Cost inLayer) = Median(run, reps);
        foreach ((string label, Cost cost) in new[] { ("cold", cold), ("unrelated edit", unrelated), ("in-layer edit", inLayer) })
        {
            Console.WriteLine($"| {k} | {label} | {cost.WallMs:F1} | {cost.CpuMs:F1} | {Mib(cost.ThreadBytes):F2} | {Mib(cost.TotalBytes):F2} | {cost.OutputChars / 1024.0:F0} |");
        }
    }
}

// --binding: Roslyn's binding of the layer bodies with nullable analysis, with the experimental option that skips it,
// and in a clone of the compilation with nullable disabled (BindingVariants), cold and after an unrelated edit.
static void BindingTable(string[] shapes, int[] sizes, int[] layerCounts, int reps)
{
    Console.WriteLine("| workload | run | analysed ms | analysed MiB | option ms | option MiB | clone ms | clone MiB |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
    var workloads = new List<(string Name, GeneratorRun Run)>();
    foreach (string name in shapes)
    {
        Shape shape = Enum.Parse<Shape>(name, ignoreCase: true);
        workloads.AddRange(sizes.Select(size => ($"{name} {size:N0}", new GeneratorRun(new[] { SyntheticLayers.Layer("Big", shape, size, 0) }, SyntheticLayers.Layer("Big", shape, size, 1)))));
    }

    foreach (int k in layerCounts)
    {
        string[] sources = Enumerable.Range(0, k).Select(i => SyntheticLayers.Layer("Small" + i, Shape.Fresh, 6, 0)).ToArray();
        workloads.Add(($"{k} small layers", new GeneratorRun(sources, SyntheticLayers.Layer("Small" + (k - 1), Shape.Fresh, 6, 1))));
    }

    foreach ((string name, GeneratorRun run) in workloads)
    {
        foreach ((string label, Func<GeneratorRun, Binding, Cost> measure) in new (string, Func<GeneratorRun, Binding, Cost>)[] { ("cold", BindingVariants.Cold), ("unrelated edit, all bound again", BindingVariants.UnrelatedEdit) })
        {
            var row = new List<string>();
            foreach (Binding binding in Enum.GetValues<Binding>())
            {
                var samples = new List<Cost>();
                for (int i = 0; i < GeneratorRun.WarmUps + reps; i++)
                {
                    GeneratorRun.Settle();
                    Cost cost = measure(run, binding);
                    if (i >= GeneratorRun.WarmUps)
                    {
                        samples.Add(cost);
                    }
                }

                Cost median = Of(samples);
                row.Add($"{median.CpuMs:F1} | {Mib(median.ThreadBytes):F1}");
            }

            Console.WriteLine($"| {name} | {label} | {string.Join(" | ", row)} |");
        }
    }
}

static (Cost, Cost, Cost) Median(GeneratorRun run, int reps)
{
    var samples = new List<(Cost Cold, Cost Unrelated, Cost InLayer)>();
    for (int i = 0; i < GeneratorRun.WarmUps + reps; i++)
    {
        GeneratorRun.Settle();
        (Cost, Cost, Cost) costs = run.Measure();
        if (i >= GeneratorRun.WarmUps)
        {
            samples.Add(costs);
        }
    }

    return (Of(samples.Select(s => s.Cold)), Of(samples.Select(s => s.Unrelated)), Of(samples.Select(s => s.InLayer)));
}

// The median of each figure separately.
static Cost Of(IEnumerable<Cost> costs)
{
    Cost[] all = costs.ToArray();
    T Mid<T>(Func<Cost, T> field) => all.Select(field).Order().ElementAt(all.Length / 2);
    return new Cost(Mid(c => c.WallMs), Mid(c => c.CpuMs), Mid(c => c.ThreadBytes), Mid(c => c.TotalBytes), Mid(c => c.OutputChars), Mid(c => c.GcPauseMs), Mid(c => c.Collections), Mid(c => c.FullCollections),
        Mid(c => c.PageFaults), Mid(c => c.KernelMs), Mid(c => c.Gen1Collections), Mid(c => c.JitMethods));
}

static void Row(string shape, int size, string label, Cost cost, int statements) =>
    Console.WriteLine($"| {shape} | {size:N0} | {label} | {cost.WallMs:F1} | {cost.CpuMs:F1} | {Mib(cost.ThreadBytes):F1} | {Mib(cost.TotalBytes):F1} | " +
                      $"{cost.OutputChars / 1024.0:F0} | {cost.CpuMs * 1000 / statements:F1} | {Mib(cost.ThreadBytes) * 1000 / statements:F1} | " +
                      $"{cost.Collections} ({cost.Gen1Collections}, {cost.FullCollections}) | {cost.PageFaults:N0} | {cost.JitMethods} |");

static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

static int[] Ints(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

string Option(string name, string fallback)
{
    int at = Array.IndexOf(args, name);
    string value = at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    return value == "none" ? string.Empty : value;
}
