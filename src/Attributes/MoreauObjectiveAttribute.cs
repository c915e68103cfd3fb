using System;

namespace MoreauGen
{
    /// <summary>
    /// Marks the method <c>T H(ReadOnlySpan&lt;T&gt; x)</c> of a partial type that computes an objective h over a
    /// batch. The generator makes the type implement <c>IMoreauObjective&lt;T&gt;</c> (value and gradient).
    /// Instance data such as targets or labels is read as non-differentiable values.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
    public sealed class MoreauObjectiveAttribute : Attribute
    {
        /// <summary>|x| of one sample; unset means the type declares <c>InputCount</c>.</summary>
        public int Inputs { get; set; } = -1;
    }
}
