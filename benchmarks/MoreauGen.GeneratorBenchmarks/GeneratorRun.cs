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
/// garbage collector paused the process meanwhile, with the number of collections (of any generation, of generation 1
/// and up, of generation 2); counts that are not timings beside them: this thread's minor page faults (memory the
/// process touched for the first time) and the kernel's share of its CPU time, and the methods the JIT compiled meanwhile.
/// </summary>
internal readonly record struct Cost(double WallMs, double CpuMs, long ThreadBytes, long TotalBytes, long OutputChars, double GcPauseMs = 0, int Collections = 0, int FullCollections = 0, long PageFaults = 0, double KernelMs = 0, int Gen1Collections = 0, long JitMethods = 0);

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

    private readonly SourceText[] layers;
    private readonly SourceText unrelated;
    private readonly string editedLayer;

    /// <param name="layerSources">The layer files; the in-layer edit replaces the last one with <paramref name="editedLayer"/>.</param>
    public GeneratorRun(IReadOnlyList<string> layerSources, string editedLayer)
    {
        layers = layerSources.Select(s => SourceText.From(s)).ToArray();
        unrelated = SourceText.From(SyntheticLayers.Unrelated(0));
        this.editedLayer = editedLayer;
    }

    /// <summary>
    /// The project as an IDE holds it: no source yet, the referenced assemblies' symbols loaded and kept alive for the
    /// whole process (<see cref="Warm"/>), as a workspace keeps its last compilation of a project. Every cold run's
    /// compilation is made from it, so it shares those symbols. A fresh <c>CSharpCompilation.Create</c> per run shares
    /// them only while some earlier compilation with the same references is still alive (Roslyn's cache of them is
    /// weak), so whether a cold run loaded them again would depend on when the collector last ran.
    /// </summary>
    private static readonly CSharpCompilation Workspace = Warm(CSharpCompilation.Create("Bench", Array.Empty<SyntaxTree>(), References, Options));

    private static CSharpCompilation Warm(CSharpCompilation compilation)
    {
        // Binds every reference's assembly symbol; the types' members load on first use and stay with those symbols.
        _ = compilation.GetTypeByMetadataName("System.Math") ?? throw new InvalidOperationException("System.Math is not referenced.");
        return compilation;
    }

    /// <summary>
    /// The workload's compilation, nothing of its source bound yet (the referenced assemblies' symbols are the
    /// workspace's), over syntax trees parsed for it alone (outside any timing). Trees shared between compilations made
    /// cold runs partly warm: the parse step's cache (ParseCache) is keyed by the method's syntax node and reused its
    /// result whenever an earlier compilation of the same trees was still alive, which skipped the whole parse step
    /// (20.7 MiB of the loop shape's 148.7 at 10,000 statements; see SharedTrees) in some cold runs and not in others.
    /// </summary>
    /// <remarks>
    /// The heap is settled after the parse: the parser's token buffers of a 10,000-statement file (15.5 MiB on the
    /// large-object heap) otherwise used up that heap's budget just before the run, and the run paid for a
    /// generation-2 collection the generator had not caused.
    /// </remarks>
    public CSharpCompilation Compilation()
    {
        CSharpCompilation compilation = Workspace.AddSyntaxTrees(layers
            .Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: $"Layer{i}.cs"))
            .Append(CSharpSyntaxTree.ParseText(unrelated, ParseOptions, path: UnrelatedPath)));
        Settle();
        return compilation;
    }

    /// <summary>A new compilation of the very tree objects of <paramref name="earlier"/> (what every cold run of the harness got before).</summary>
    public static CSharpCompilation OverTheSameTrees(CSharpCompilation earlier) => Workspace.AddSyntaxTrees(earlier.SyntaxTrees);

    private const string UnrelatedPath = "Unrelated.cs";

    private static SyntaxTree UnrelatedTree(CSharpCompilation compilation) => compilation.SyntaxTrees.Single(t => t.FilePath == UnrelatedPath);

    /// <summary><paramref name="cold"/> after the unrelated edit (a method body in the file no layer reads).</summary>
    public CSharpCompilation WithUnrelatedEdit(CSharpCompilation cold)
    {
        SyntaxTree unrelatedTree = UnrelatedTree(cold);
        return cold.ReplaceSyntaxTree(unrelatedTree, unrelatedTree.WithChangedText(SourceText.From(SyntheticLayers.Unrelated(1))));
    }

    /// <summary>
    /// Untimed runs before the timed ones, each after <see cref="Settle"/> as the timed ones are. The first two runs
    /// after a full collection touch memory the collector gave back (14,000-20,000 page faults per run at the loop
    /// shape's 10,000 statements, 90-140 ms in the kernel, the same counts in every process); from the third on, under
    /// 2,000. Warm-ups run without that collection let those two faulting runs fall among the timed ones.
    /// </summary>
    public const int WarmUps = 4;

    /// <summary>A full, blocking collection and the finalizers it queued: the state every run (warm-up or timed) starts from.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

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

        CSharpCompilation unrelatedEdit = WithUnrelatedEdit(cold);
        GeneratorDriver afterCold = driver;
        Cost unrelatedCost = Time(ref driver, unrelatedEdit);

        SyntaxTree last = cold.SyntaxTrees.Single(t => t.FilePath == $"Layer{layers.Length - 1}.cs");
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
        (long faultsBefore, double kernelBefore) = ThreadUsage();
        double cpuBefore = ThreadCpuMs();
        TimeSpan pauseBefore = GC.GetTotalPauseDuration();
        int collections = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), full = GC.CollectionCount(2);
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
        long start = Stopwatch.GetTimestamp();
        action();
        double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        double cpu = ThreadCpuMs() - cpuBefore;
        (long faultsAfter, double kernelAfter) = ThreadUsage();
        double pause = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds;
        collections = GC.CollectionCount(0) - collections;
        full = GC.CollectionCount(2) - full;
        gen1 = GC.CollectionCount(1) - gen1;
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - jitted;
        long thread = GC.GetAllocatedBytesForCurrentThread() - threadBefore;
        long total = GC.GetTotalAllocatedBytes(precise: true) - totalBefore;
        return new Cost(wall, cpu, thread, total, outputChars, pause, collections, full, faultsAfter - faultsBefore, kernelAfter - kernelBefore, gen1, jitted);
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

    /// <summary>
    /// This thread's minor page faults so far (memory touched for the first time: a count, not a timing) and its CPU
    /// time in the kernel (getrusage(RUSAGE_THREAD) on Linux; else zeros).
    /// </summary>
    private static (long MinorFaults, double KernelMs) ThreadUsage() =>
        OperatingSystem.IsLinux() && getrusage(RusageThread, out Rusage usage) == 0
            ? (usage.MinorFaults, usage.SystemTime.Seconds * 1e3 + usage.SystemTime.Nanoseconds / 1e3)
            : (0, 0);

    private const int RusageThread = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public Timespec UserTime;
        public Timespec SystemTime;
        public long MaxResident;
        public long SharedText;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlockInputs;
        public long BlockOutputs;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out Rusage usage);

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
