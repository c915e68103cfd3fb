using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>The sizes of <c>IMoreauLayer&lt;T&gt;</c>: |w|, and the values of x and of y per sample.</summary>
    internal enum LayerSize
    {
        /// <summary>|w|: <c>ParameterCount</c>.</summary>
        Parameters,

        /// <summary>The values of x per sample: <c>InputCount</c>.</summary>
        Inputs,

        /// <summary>The values of y per sample: <c>OutputCount</c>.</summary>
        Outputs,
    }

    /// <summary>How each <see cref="LayerSize"/> reads in the contract and in the generated members.</summary>
    internal static class LayerSizeNames
    {
        /// <summary>Every size, in the order the generated members read them.</summary>
        public static readonly LayerSize[] All = { LayerSize.Parameters, LayerSize.Inputs, LayerSize.Outputs };

        /// <summary>The contract's property: <c>ParameterCount</c>, <c>InputCount</c>, <c>OutputCount</c>.</summary>
        public static string Property(this LayerSize size) => size switch
        {
            LayerSize.Parameters => "ParameterCount",
            LayerSize.Inputs => "InputCount",
            _ => "OutputCount",
        };

        /// <summary>The local a member reads the property into when the type declares it.</summary>
        public static string Local(this LayerSize size) => size switch
        {
            LayerSize.Parameters => "parameterCount",
            LayerSize.Inputs => "inputCount",
            _ => "outputCount",
        };

        /// <summary>The span whose length (per sample for x and y) the size is.</summary>
        public static SpanRole Role(this LayerSize size) => size switch
        {
            LayerSize.Parameters => SpanRole.W,
            LayerSize.Inputs => SpanRole.X,
            _ => SpanRole.Y,
        };

        /// <summary>The size fixed by the attribute, or null when the type declares it.</summary>
        public static int? In(this LayerSize size, LayerSizes sizes) => size switch
        {
            LayerSize.Parameters => sizes.Parameters,
            LayerSize.Inputs => sizes.Inputs,
            _ => sizes.Outputs,
        };
    }
}
