using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>
/// The <c>--hot SHAPE SIZE REPS [FILE]</c> option: reads one synthetic layer once, then differentiates and emits it REPS times
/// in a row, printing the CPU time and allocations of each phase (median), and with FILE writes the layer and its generated source there. A loop long enough for a sampling profiler
/// (dotnet-trace) to see where the differentiator and the emitter spend their time.
/// </summary>
internal static class HotLoop
{
    public static void Run(Shape shape, int size, int reps, string? dump)
    {
        var run = new GeneratorRun(new[] { SyntheticLayers.Layer("Big", shape, size, 0) }, SyntheticLayers.Layer("Big", shape, size, 1));
        LayerModel layer = PhaseProfile.Read(run);
        var differentiate = new List<Cost>();
        var emit = new List<Cost>();
        int[] collections = { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
        for (int i = 0; i < reps; i++)
        {
            object program = null!;
            differentiate.Add(GeneratorRun.Measured(() => program = layer.Batched
                ? TensorDifferentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard)
                : Differentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard), 0));
            string source = string.Empty;
            emit.Add(GeneratorRun.Measured(() => source = program is BatchedProgram batched
                ? BatchedLayerEmitter.Emit(batched, RuleTable.Standard)
                : LayerEmitter.Emit((LayerProgram)program, RuleTable.Standard), 0) with { OutputChars = source.Length });
        }

        static string LayerEmitterOf(LayerModel layer) => layer.Batched
            ? BatchedLayerEmitter.Emit(TensorDifferentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard), RuleTable.Standard)
            : LayerEmitter.Emit(Differentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard), RuleTable.Standard);

        static string Line(string phase, List<Cost> costs, int size)
        {
            double cpu = costs.Select(c => c.CpuMs).Order().ElementAt(costs.Count / 2);
            double mib = costs.Select(c => c.ThreadBytes / (1024.0 * 1024.0)).Order().ElementAt(costs.Count / 2);
            return $"{phase}: {cpu:F1} ms CPU, {mib:F1} MiB ({cpu * 1000 / size:F1} ms and {mib * 1000 / size:F1} MiB per 1,000 statements)";
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
    }
}
