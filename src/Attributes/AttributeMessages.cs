namespace MoreauGen
{
    /// <summary>Messages of the attributes' own checks.</summary>
    internal static class AttributeMessages
    {
        /// <summary>
        /// The Obsolete message of <see cref="MoreauLayerAttribute"/> and <see cref="MoreauObjectiveAttribute"/> (CS0618): a
        /// project that references the attributes without MoreauGen's source generator sees it. The generator's assembly
        /// ships a DiagnosticSuppressor (GeneratorPresentSuppressor) that suppresses it wherever the generator runs; it
        /// recognises the message by its first sentence, so that sentence must not change on its own.
        /// </summary>
        public const string GeneratorMissing = "MoreauGen's source generator is not referenced by this project, so no [MoreauLayer] or [MoreauObjective] method gets its generated members and each use of such a type as IMoreauLayer<T> or IMoreauObjective<T> fails to compile (CS0029, or CS0266 for a type that is not sealed). Reference the MoreauGen package with its analyzers, or the generator project as an analyzer: <ProjectReference Include=\"...\\src\\Generator\\MoreauGen.Generator.csproj\" OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\" />. (Wherever the generator runs, this warning is suppressed.)";
    }
}
