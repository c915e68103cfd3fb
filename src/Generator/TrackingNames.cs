namespace MoreauGen.Generator
{
    /// <summary>Names of the pipeline steps, so that tests can check what the incremental driver cached.</summary>
    internal static class TrackingNames
    {
        /// <summary>One <see cref="Model.ParseResult"/> per [MoreauLayer] method.</summary>
        public const string Parsed = nameof(Parsed);

        /// <summary>The diagnostics of each method.</summary>
        public const string Diagnostics = nameof(Diagnostics);

        /// <summary>The layers without errors.</summary>
        public const string Layers = nameof(Layers);

        /// <summary>The differentiated layers.</summary>
        public const string Programs = nameof(Programs);
    }
}
