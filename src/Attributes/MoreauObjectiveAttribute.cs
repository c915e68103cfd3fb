using System;

namespace MoreauGen
{
    /// <summary>
    /// Marks the method <c>T H(ReadOnlySpan&lt;T&gt; x)</c> of a partial type that computes an objective h over a
    /// batch. The generator makes the type implement <c>IMoreauObjective&lt;T&gt;</c> (value and gradient).
    /// Instance data such as targets or labels is read as non-differentiable values.
    /// </summary>
    /// <remarks>
    /// The method sees the whole batch: x holds m = x.Length / InputCount samples back to back, and the body returns
    /// h summed (or averaged) over them, e.g. with <c>for (int s = 0; s &lt; x.Length / InputCount; s++)</c>. It may use
    /// everything a <c>[MoreauLayer]</c> body may (loops, branches, helpers) and ends with <c>return</c>.
    /// </remarks>
    [Obsolete(AttributeMessages.GeneratorMissing)]
    [AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
    public sealed class MoreauObjectiveAttribute : Attribute
    {
        /// <summary>|x| of one sample; unset means the type declares <c>InputCount</c>.</summary>
        public int Inputs { get; set; } = -1;
    }
}
