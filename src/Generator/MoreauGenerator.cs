using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Parsing;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator
{
    /// <summary>
    /// Pipeline wiring for the MoreauGen source generator: finds <c>[MoreauLayer]</c> and <c>[MoreauObjective]</c>
    /// methods, parses each into an equatable model, differentiates it and emits the <c>IMoreauLayer&lt;T&gt;</c> or
    /// <c>IMoreauObjective&lt;T&gt;</c> implementation; validates <c>[Differentiable]</c> and <c>[CustomPullback]</c>
    /// helpers. Diagnostics go through their own outputs; the source outputs depend on the models alone.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class MoreauGenerator : IIncrementalGenerator
    {
        private readonly RuleTable rules;
        private readonly DifferentiatorSteps steps;
        private readonly LayerParser.MethodReader read;

        /// <summary>The generator with the standard derivative rules and reverse-mode steps.</summary>
        public MoreauGenerator()
            : this(RuleTable.Standard, DifferentiatorSteps.Standard, LayerParser.Read)
        {
        }

        /// <summary>The generator with the given rules, reverse-mode steps and method reader (the mutation and failure tests hand in their own).</summary>
        internal MoreauGenerator(RuleTable rules, DifferentiatorSteps steps, LayerParser.MethodReader read)
        {
            this.rules = rules;
            this.steps = steps;
            this.read = read;
        }

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            Wire(context, LayerParser.LayerAttributeName, ModelKind.Layer,
                TrackingNames.Parsed, TrackingNames.Diagnostics, TrackingNames.Layers, TrackingNames.Programs);
            Wire(context, LayerParser.ObjectiveAttributeName, ModelKind.Objective,
                TrackingNames.ObjectivesParsed, TrackingNames.ObjectiveDiagnostics, TrackingNames.Objectives, TrackingNames.ObjectivePrograms);

            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> helpers = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    HelperParser.DifferentiableAttributeName,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (attributeContext, cancellationToken) => HelperParser.Validate(attributeContext, customPullbackStep: false, cancellationToken))
                .WithTrackingName(TrackingNames.HelperDiagnostics);
            context.RegisterSourceOutput(helpers, static (output, found) => Report(output, found));

            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> pullbacks = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    HelperParser.CustomPullbackAttributeName,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (attributeContext, cancellationToken) => HelperParser.Validate(attributeContext, customPullbackStep: true, cancellationToken))
                .WithTrackingName(TrackingNames.CustomPullbackDiagnostics);
            context.RegisterSourceOutput(pullbacks, static (output, found) => Report(output, found));
        }

        private void Wire(
            IncrementalGeneratorInitializationContext context,
            string attribute,
            ModelKind kind,
            string parsedName,
            string diagnosticsName,
            string modelsName,
            string programsName)
        {
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    attribute,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    (attributeContext, cancellationToken) => LayerParser.Parse(attributeContext, kind, read, cancellationToken))
                .WithTrackingName(parsedName);

            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
                .Select(static (result, _) => result.Diagnostics)
                .WithTrackingName(diagnosticsName);
            context.RegisterSourceOutput(diagnostics, static (output, found) => Report(output, found));

            IncrementalValuesProvider<LayerModel> models = parsed
                .Where(static result => result.Layer is not null)
                .Select(static (result, _) => result.Layer!)
                .WithTrackingName(modelsName);

            IncrementalValuesProvider<Generated> programs = models
                .Select((layer, _) => Generate(layer))
                .WithTrackingName(programsName);

            context.RegisterSourceOutput(programs, static (output, generated) =>
            {
                string? error = generated.Error;
                if (generated.Source is not null)
                {
                    try
                    {
                        output.AddSource(generated.HintName, generated.Source);
                    }
                    catch (ArgumentException exception)
                    {
                        error = exception.Message;
                    }
                }

                if (error is not null)
                {
                    output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, generated.Method, error));
                }
            });
        }

        private static void Report(SourceProductionContext output, EquatableArray<DiagnosticInfo> found)
        {
            foreach (DiagnosticInfo info in found)
            {
                output.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.Get(info.Id),
                    info.Location?.ToLocation(),
                    messageArgs: ToObjects(info.Arguments)));
            }
        }

        /// <summary>Differentiates and prints one layer or objective; a failure becomes an internal-error diagnostic, never an exception.</summary>
        private Generated Generate(LayerModel layer)
        {
            try
            {
                SourceText source = layer.Batched
                    ? BatchedLayerEmitter.EmitText(TensorDifferentiator.Differentiate(layer, rules, steps), rules)
                    : LayerEmitter.EmitText(Differentiator.Differentiate(layer, rules, steps), rules);
                return new Generated(layer.HintName, source, MethodOf(layer), null);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return new Generated(layer.HintName, null, MethodOf(layer), exception.GetType().Name + ": " + exception.Message);
            }
        }

        private static string MethodOf(LayerModel layer) => layer.Types[layer.Types.Count - 1].Name + "." + layer.MethodName;

        private static object[] ToObjects(EquatableArray<string> arguments)
        {
            var objects = new object[arguments.Count];
            for (int i = 0; i < objects.Length; i++)
            {
                objects[i] = arguments[i];
            }

            return objects;
        }

        /// <summary>
        /// The generated source of one layer or objective, or why there is none. Equal when the texts are (the source is a
        /// <see cref="SourceText"/>, kept in chunks when large, which compares by reference unless asked for its content).
        /// </summary>
        private sealed record Generated(string HintName, SourceText? Source, string Method, string? Error)
        {
            public bool Equals(Generated? other) =>
                other is not null && HintName == other.HintName && Method == other.Method && Error == other.Error &&
                (ReferenceEquals(Source, other.Source) || (Source is not null && other.Source is not null && Source.ContentEquals(other.Source)));

            public override int GetHashCode() => (HintName, Method, Error, Source?.Length).GetHashCode();
        }
    }
}
