using System;

namespace MoreauGen
{
    /// <summary>
    /// Marks the method that computes a layer φ(w, x). The method must be an instance method of a
    /// partial class or struct with the signature
    /// <c>void M(ReadOnlySpan&lt;T&gt; w, ReadOnlySpan&lt;T&gt; x, Span&lt;T&gt; y)</c>, T = float or double.
    /// At compile time the MoreauGen generator makes the type implement <c>IMoreauLayer&lt;T&gt;</c>
    /// with the forward pass, the pullback and the Φw/Φx subproblem objectives derived from the body.
    /// </summary>
    /// <remarks>
    /// Sizes fixed at compile time are given here (<c>Parameters = 1, Inputs = 2, Outputs = 2</c>);
    /// otherwise the type declares <c>ParameterCount</c>, <c>InputCount</c> and <c>OutputCount</c> itself.
    /// By default the method is written for one sample; with <see cref="Batched"/> it handles the
    /// whole batch and reads the batch size as <c>x.Length / InputCount</c>.
    /// </remarks>
    [Obsolete(AttributeMessages.GeneratorMissing)]
    [AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
    public sealed class MoreauLayerAttribute : Attribute
    {
        /// <summary>|w|, the number of parameters shared by all samples; unset means the type declares <c>ParameterCount</c>.</summary>
        public int Parameters { get; set; } = -1;

        /// <summary>|x| of one sample; unset means the type declares <c>InputCount</c>.</summary>
        public int Inputs { get; set; } = -1;

        /// <summary>|y| of one sample; unset means the type declares <c>OutputCount</c>.</summary>
        public int Outputs { get; set; } = -1;

        /// <summary>True when the method handles a whole batch of m = x.Length / InputCount samples itself.</summary>
        public bool Batched { get; set; }
    }
}
