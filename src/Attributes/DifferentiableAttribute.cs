using System;

namespace MoreauGen
{
    /// <summary>
    /// Marks a static helper <c>static T F(T a, T b, …)</c> (T = float or double, every parameter of type T) that
    /// <c>[MoreauLayer]</c> and <c>[MoreauObjective]</c> bodies may call. The generator reads the helper's body (it
    /// must be in the same compilation) and generates its pullback next to each caller.
    /// </summary>
    /// <remarks>
    /// The body may use what a layer body uses except w, x, y and instance data: its parameters, float/double
    /// locals, constants, Math/MathF calls, other helpers, <c>if</c>/<c>else</c>, <c>?:</c> and <c>return</c>.
    /// To supply the derivative yourself (or to call a helper whose body the generator cannot see), add
    /// <see cref="CustomPullbackAttribute"/>.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
    public sealed class DifferentiableAttribute : Attribute
    {
    }
}
