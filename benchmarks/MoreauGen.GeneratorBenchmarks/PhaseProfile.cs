using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator;
using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Parsing;
using MoreauGen.Generator.Rules;

namespace MoreauGen.GeneratorBenchmarks;

/// <summary>What each phase of one cold run cost: the parse step (binding included), differentiation, emission.</summary>
internal readonly record struct PhaseCost(Cost Run, Cost Parse, Cost Differentiate, Cost Emit);

/// <summary>
/// The cold run split into its phases (the <c>--phases</c> option): the generator is driven with a reader that wraps
/// the shipped one and times it, then the differentiator and the emitter are run again, apart, on the model it read.
/// </summary>
internal static class PhaseProfile
{
    /// <summary>Read every body bound, as before the syntax readers of batched and per-sample bodies (<c>--bound</c>): the parse to compare them with.</summary>
    public static bool Bound { get; set; }

    public static PhaseCost Measure(GeneratorRun run)
    {
        Cost parse = default;
        LayerModel? model = null;
        ParseResult Read(GeneratorAttributeSyntaxContext context, IMethodSymbol method, MethodDeclarationSyntax syntax, ModelKind kind, CancellationToken cancellationToken)
        {
            ParseResult result = default!;
            parse = GeneratorRun.Measured(() => result = Bound
                ? LayerParser.ReadBound(context, method, syntax, kind, cancellationToken)
                : LayerParser.Read(context, method, syntax, kind, cancellationToken), 0);
            model = result.Layer;
            return result;
        }

        var generator = new MoreauGenerator(RuleTable.Standard, DifferentiatorSteps.Standard, Read);
        GeneratorDriver driver = GeneratorRun.Driver(generator);
        Cost whole = GeneratorRun.Time(ref driver, run.Compilation());
        LayerModel layer = model ?? throw new InvalidOperationException("The reader never ran.");
        // Each phase again apart, from a settled heap as the whole run starts from (the run's result stays alive).
        GeneratorRun.Settle();
        object program = null!;
        Cost differentiate = GeneratorRun.Measured(() => program = layer.Batched
            ? TensorDifferentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard)
            : Differentiator.Differentiate(layer, RuleTable.Standard, DifferentiatorSteps.Standard), 0);
        Microsoft.CodeAnalysis.Text.SourceText source = null!;
        GeneratorRun.Settle();
        Cost emit = GeneratorRun.Measured(() => source = program is BatchedProgram batched
            ? BatchedLayerEmitter.EmitText(batched, RuleTable.Standard)
            : LayerEmitter.EmitText((LayerProgram)program, RuleTable.Standard), 0);
        return new PhaseCost(whole, parse, differentiate, emit with { OutputChars = source.Length });
    }

    /// <summary>The model the generator reads from <paramref name="run"/>'s layer (one cold run).</summary>
    public static LayerModel Read(GeneratorRun run)
    {
        LayerModel? model = null;
        ParseResult Read(GeneratorAttributeSyntaxContext context, IMethodSymbol method, MethodDeclarationSyntax syntax, ModelKind kind, CancellationToken cancellationToken)
        {
            ParseResult result = LayerParser.Read(context, method, syntax, kind, cancellationToken);
            model = result.Layer;
            return result;
        }

        GeneratorDriver driver = GeneratorRun.Driver(new MoreauGenerator(RuleTable.Standard, DifferentiatorSteps.Standard, Read));
        GeneratorRun.Time(ref driver, run.Compilation());
        return model ?? throw new InvalidOperationException("The reader never ran.");
    }
}
