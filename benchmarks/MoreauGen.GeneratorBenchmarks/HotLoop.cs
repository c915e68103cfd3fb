using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>
/// The <c>--hot SHAPE SIZE REPS [FILE] [--gc]</c> option: reads one synthetic layer once, then differentiates and emits it REPS times
/// in a row (each differentiation after a full collection), printing the CPU time and allocations of each phase (median), and with FILE writes the layer and its generated source there. A loop long enough for a sampling profiler
/// (dotnet-trace) to see where the differentiator and the emitter spend their time; <c>--gc</c> adds the collections and
/// large-object allocations seen meanwhile (<see cref="GcEvents"/>).
/// </summary>
internal static class HotLoop
{
    /// <summary>
    /// The <c>--cold SHAPE SIZE REPS [--gc]</c> option: the whole cold run of the generator (a fresh compilation each
    /// time) REPS times after the warm-ups, with the collections and large-object allocations seen meanwhile: what
    /// the garbage collector does while the compilation's bound body is alive beside the differentiator's work.
    /// </summary>
    public static void Cold(Shape shape, int size, int reps, bool gcEvents)
    {
        var run = new GeneratorRun(new[] { SyntheticLayers.Layer("Big", shape, size, 0) }, SyntheticLayers.Layer("Big", shape, size, 1));
        var costs = new List<Cost>();
        GcEvents? events = null;
        for (int i = -GeneratorRun.WarmUps; i < reps; i++)
        {
            GeneratorRun.Settle();
            events ??= gcEvents && i >= 0 ? new GcEvents() : null;
            GeneratorDriver driver = GeneratorRun.Driver();
            Cost cost = GeneratorRun.Time(ref driver, run.Compilation());
            if (i < 0)
            {
                continue;
            }

            costs.Add(cost);
            Console.WriteLine($"  rep {i}: {cost.CpuMs:F1} ms CPU, {cost.ThreadBytes / (1024.0 * 1024.0):F1} MiB, GC pauses {cost.GcPauseMs:F1} ms, collections {cost.Collections} " +
                              $"(gen 1+ {cost.Gen1Collections}, gen 2 {cost.FullCollections}), page faults {cost.PageFaults:N0} ({cost.KernelMs:F1} ms in the kernel), methods JIT-compiled {cost.JitMethods}");
        }

        Cost median = costs.OrderBy(c => c.CpuMs).ElementAt(reps / 2);
        Console.WriteLine($"{shape} {size:N0} cold, median of {reps}: {median.CpuMs:F1} ms CPU ({median.CpuMs * 1000 / size:F1} per 1,000 statements), " +
                          $"{median.ThreadBytes / (1024.0 * 1024.0):F1} MiB, GC pauses {median.GcPauseMs:F1} ms, collections {median.Collections} ({median.FullCollections} of generation 2)");
        events?.Print(reps);
        events?.Dispose();
    }

    public static void Run(Shape shape, int size, int reps, string? dump, bool gcEvents)
    {
        var run = new GeneratorRun(new[] { SyntheticLayers.Layer("Big", shape, size, 0) }, SyntheticLayers.Layer("Big", shape, size, 1));
        LayerModel layer = PhaseProfile.Read(run);
        using GcEvents? events = gcEvents ? new GcEvents() : null;
        var differentiate = new List<Cost>();
        var emit = new List<Cost>();
        int[] collections = { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
        for (int i = 0; i < reps; i++)
        {
            object program = null!;
            GeneratorRun.Settle();
            differentiate.Add(GeneratorRun.Measured(() => program = layer.Batched
                ? TensorDifferentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard)
                : Differentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard), 0));
            Microsoft.CodeAnalysis.Text.SourceText source = null!;
            emit.Add(GeneratorRun.Measured(() => source = program is BatchedProgram batched
                ? BatchedLayerEmitter.EmitText(batched, RuleTable.Standard)
                : LayerEmitter.EmitText((LayerProgram)program, RuleTable.Standard), 0) with { OutputChars = source.Length });
        }

        static string LayerEmitterOf(LayerModel layer) => layer.Batched
            ? BatchedLayerEmitter.Emit(TensorDifferentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard), RuleTable.Standard)
            : LayerEmitter.Emit(Differentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard), RuleTable.Standard);

        static string Line(string phase, List<Cost> costs, int size)
        {
            double cpu = costs.Select(c => c.CpuMs).Order().ElementAt(costs.Count / 2);
            double mib = costs.Select(c => c.ThreadBytes / (1024.0 * 1024.0)).Order().ElementAt(costs.Count / 2);
            double pause = costs.Select(c => c.GcPauseMs).Order().ElementAt(costs.Count / 2);
            return $"{phase}: {cpu:F1} ms CPU, {mib:F1} MiB ({cpu * 1000 / size:F1} ms and {mib * 1000 / size:F1} MiB per 1,000 statements), GC pauses {pause:F1} ms";
        }

        if (dump is not null)
        {
            File.WriteAllText(dump, SyntheticLayers.Layer("Big", shape, size, 0) + "\n// ---- generated ----\n" + LayerEmitterOf(layer));
        }

        Console.WriteLine($"{shape} {size:N0}, median of {reps}: output {emit[0].OutputChars:N0} chars");
        Console.WriteLine(Line("differentiate", differentiate, size));
        Console.WriteLine(Line("emit", emit, size));
        Console.WriteLine($"garbage collections per repetition (gen 0/1/2): {(GC.CollectionCount(0) - collections[0]) / (double)reps:F1} / " +
                          $"{(GC.CollectionCount(1) - collections[1]) / (double)reps:F1} / {(GC.CollectionCount(2) - collections[2]) / (double)reps:F1}");
        events?.Print(reps);
    }
}
