using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>
/// What one generator run cost: wall and this thread's CPU time, bytes allocated, characters generated, and the time the
/// garbage collector paused the process meanwhile (workstation, non-concurrent: collections run on the allocating
/// thread, so the pauses are part of its CPU time), with the number of collections (of any generation, and of generation 2).
/// </summary>
internal readonly record struct Cost(double WallMs, double CpuMs, long ThreadBytes, long TotalBytes, long OutputChars, double GcPauseMs = 0, int Collections = 0, int FullCollections = 0);

/// <summary>
/// One workload in memory: the layer files and an unrelated file, compiled with the .NET 10 reference assemblies and
/// MoreauGen's runtime, driven the way the IDE drives a generator (no step tracking, no output compilation).
/// </summary>
internal sealed class GeneratorRun
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(IMoreauLayer<>).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
            .ToImmutableArray();

    private static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithOptimizationLevel(OptimizationLevel.Release);

    private readonly SyntaxTree[] layers;
    private readonly SyntaxTree unrelated;
    private readonly string editedLayer;

    /// <param name="layerSources">The layer files; the in-layer edit replaces the last one with <paramref name="editedLayer"/>.</param>
    public GeneratorRun(IReadOnlyList<string> layerSources, string editedLayer)
    {
        layers = layerSources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Layer{i}.cs")).ToArray();
        unrelated = CSharpSyntaxTree.ParseText(SyntheticLayers.Unrelated(0), ParseOptions, path: "Unrelated.cs");
        this.editedLayer = editedLayer;
    }

    /// <summary>A fresh compilation of the workload (nothing bound yet).</summary>
    public CSharpCompilation Compilation() =>
        CSharpCompilation.Create("Bench", layers.Append(unrelated), References, Options);

    /// <summary><paramref name="cold"/> after the unrelated edit (a method body in the file no layer reads).</summary>
    public CSharpCompilation WithUnrelatedEdit(CSharpCompilation cold) =>
        cold.ReplaceSyntaxTree(unrelated, unrelated.WithChangedText(SourceText.From(SyntheticLayers.Unrelated(1))));

    /// <summary>Drive <see cref="FloorGenerator"/> instead of MoreauGen's (what Roslyn alone costs).</summary>
    public static bool Floor { get; set; }

    public static GeneratorDriver Driver() => Driver(Floor ? new FloorGenerator() : new MoreauGenerator());

    /// <summary>A driver of <paramref name="generator"/> as the IDE runs it.</summary>
    public static GeneratorDriver Driver(IIncrementalGenerator generator) =>
        CSharpGeneratorDriver.Create(
            new[] { generator.AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    /// <summary>The cold run, then the second run after the unrelated edit, then after the in-layer edit (each on the driver before it).</summary>
    public (Cost Cold, Cost Unrelated, Cost InLayer) Measure()
    {
        CSharpCompilation cold = Compilation();
        GeneratorDriver driver = Driver();
        Cost coldCost = Time(ref driver, cold);

        CSharpCompilation unrelatedEdit = cold.ReplaceSyntaxTree(unrelated, unrelated.WithChangedText(SourceText.From(SyntheticLayers.Unrelated(1))));
        GeneratorDriver afterCold = driver;
        Cost unrelatedCost = Time(ref driver, unrelatedEdit);

        SyntaxTree last = layers[^1];
        CSharpCompilation layerEdit = cold.ReplaceSyntaxTree(last, last.WithChangedText(SourceText.From(editedLayer)));
        driver = afterCold;
        Cost inLayerCost = Time(ref driver, layerEdit);
        return (coldCost, unrelatedCost, inLayerCost);
    }

    /// <summary>What <paramref name="action"/> cost on this thread (the output length is given).</summary>
    public static Cost Measured(Action action, long outputChars)
    {
        long threadBefore = GC.GetAllocatedBytesForCurrentThread();
        long totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        double cpuBefore = ThreadCpuMs();
        TimeSpan pauseBefore = GC.GetTotalPauseDuration();
        int collections = GC.CollectionCount(0), full = GC.CollectionCount(2);
        long start = Stopwatch.GetTimestamp();
        action();
        double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        double cpu = ThreadCpuMs() - cpuBefore;
        double pause = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds;
        collections = GC.CollectionCount(0) - collections;
        full = GC.CollectionCount(2) - full;
        long thread = GC.GetAllocatedBytesForCurrentThread() - threadBefore;
        long total = GC.GetTotalAllocatedBytes(precise: true) - totalBefore;
        return new Cost(wall, cpu, thread, total, outputChars, pause, collections, full);
    }

    public static Cost Time(ref GeneratorDriver driver, Compilation compilation)
    {
        GeneratorDriver before = driver;
        GeneratorDriver after = before;
        Cost cost = Measured(() => after = before.RunGenerators(compilation), 0);
        driver = after;

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Diagnostic? error = result.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (result.Exception is not null || error is not null)
        {
            throw new InvalidOperationException("The generator failed on a synthetic layer: " + (result.Exception?.Message ?? error!.ToString()));
        }

        long chars = result.GeneratedSources.Sum(s => (long)s.SourceText.Length);
        return cost with { OutputChars = chars };
    }

    /// <summary>This thread's CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID) on Linux, to the nanosecond; else the process's).</summary>
    private static double ThreadCpuMs()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(ClockThreadCpuTime, out Timespec time) == 0)
        {
            return time.Seconds * 1e3 + time.Nanoseconds / 1e6;
        }

        return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out Timespec time);
}
