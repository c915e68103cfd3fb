using Microsoft.CodeAnalysis;

namespace MoreauGen.Generator
{
    /// <summary>
    /// Pipeline wiring for the MoreauGen source generator: finds <c>[MoreauLayer]</c> methods and
    /// emits their forward pass, pullback and subproblem objectives.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class MoreauGenerator : IIncrementalGenerator
    {
        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // Filled by the generator issue (#2): parser → model → differentiator → emitter.
        }
    }
}
