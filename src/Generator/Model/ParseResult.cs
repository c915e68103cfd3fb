namespace MoreauGen.Generator.Model
{
    /// <summary>
    /// The parser's answer for one <c>[MoreauLayer]</c> method: the layer (null when there is an error or
    /// nothing to generate) and the diagnostics to report, kept apart so that the source output depends on
    /// the layer alone.
    /// </summary>
    internal sealed record ParseResult(LayerModel? Layer, EquatableArray<DiagnosticInfo> Diagnostics)
    {
        /// <summary>The files of the helpers the body reads in place of their calls (an edit there parses the layer again).</summary>
        public EquatableArray<string> ReadFiles { get; init; } = EquatableArray<string>.Empty;

        public static ParseResult Nothing { get; } = new(null, EquatableArray<DiagnosticInfo>.Empty);
    }
}
