using System;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Differentiation;
using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Parsing;

namespace MoreauGen.Generator
{
    /// <summary>
    /// Pipeline wiring for the MoreauGen source generator: finds <c>[MoreauLayer]</c> methods, parses each into
    /// an equatable model, differentiates it and emits the <c>IMoreauLayer&lt;T&gt;</c> implementation. Diagnostics
    /// go through their own output; the source output depends on the model alone.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class MoreauGenerator : IIncrementalGenerator
    {
        private const string LayerAttribute = "MoreauGen.MoreauLayerAttribute";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    LayerAttribute,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (attributeContext, cancellationToken) => LayerParser.Parse(attributeContext, cancellationToken))
                .WithTrackingName(TrackingNames.Parsed);

            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
                .Select(static (result, _) => result.Diagnostics)
                .WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (output, found) =>
            {
                foreach (DiagnosticInfo info in found)
                {
                    output.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.Get(info.Id),
                        info.Location?.ToLocation(),
                        messageArgs: ToObjects(info.Arguments)));
                }
            });

            IncrementalValuesProvider<LayerModel> layers = parsed
                .Where(static result => result.Layer is not null)
                .Select(static (result, _) => result.Layer!)
                .WithTrackingName(TrackingNames.Layers);

            IncrementalValuesProvider<Generated> programs = layers
                .Select(static (layer, _) => Generate(layer))
                .WithTrackingName(TrackingNames.Programs);

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

        /// <summary>Differentiates and prints one layer; a failure becomes an internal-error diagnostic, never an exception.</summary>
        private static Generated Generate(LayerModel layer)
        {
            try
            {
                LayerProgram program = Differentiator.Differentiate(layer);
                return new Generated(layer.HintName, LayerEmitter.Emit(program), MethodOf(layer), null);
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

        /// <summary>The generated source of one layer, or why there is none.</summary>
        private sealed record Generated(string HintName, string? Source, string Method, string? Error);
    }
}
