namespace MoreauGen.Generator
{
    /// <summary>Names of the pipeline steps, so that tests can check what the incremental driver cached.</summary>
    internal static class TrackingNames
    {
        /// <summary>One <see cref="Model.ParseResult"/> per [MoreauLayer] method.</summary>
        public const string Parsed = nameof(Parsed);

        /// <summary>The diagnostics of each layer method.</summary>
        public const string Diagnostics = nameof(Diagnostics);

        /// <summary>The layers without errors.</summary>
        public const string Layers = nameof(Layers);

        /// <summary>The differentiated layers.</summary>
        public const string Programs = nameof(Programs);

        /// <summary>One <see cref="Model.ParseResult"/> per [MoreauObjective] method.</summary>
        public const string ObjectivesParsed = nameof(ObjectivesParsed);

        /// <summary>The diagnostics of each objective method.</summary>
        public const string ObjectiveDiagnostics = nameof(ObjectiveDiagnostics);

        /// <summary>The objectives without errors.</summary>
        public const string Objectives = nameof(Objectives);

        /// <summary>The differentiated objectives.</summary>
        public const string ObjectivePrograms = nameof(ObjectivePrograms);

        /// <summary>The diagnostics of each [Differentiable] helper.</summary>
        public const string HelperDiagnostics = nameof(HelperDiagnostics);

        /// <summary>The diagnostics of each [CustomPullback].</summary>
        public const string CustomPullbackDiagnostics = nameof(CustomPullbackDiagnostics);
    }
}
