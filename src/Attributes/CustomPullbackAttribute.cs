using System;

namespace MoreauGen
{
    /// <summary>
    /// Gives the pullback of a static helper <c>static T F(T a1, …, T ak)</c> by hand. Generated layers and objectives
    /// that call <c>F</c> call this pullback in their reverse pass instead of differentiating <c>F</c>'s body; this is
    /// the only way to call a helper whose body the generator cannot see (for instance one in another assembly).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The pullback is a static method of the same type as the helper, named by <see cref="Pullback"/>, with one of
    /// the signatures
    /// <code>
    /// static void FPullback(T a1, …, T ak, T adjoint, out T da1, …, out T dak)
    /// static void FPullback(T a1, …, T ak, T result, T adjoint, out T da1, …, out T dak)
    /// </code>
    /// It receives the helper's arguments (and, in the second form, its result <c>F(a1, …, ak)</c>) and the adjoint of
    /// the result, and writes the adjoint of each argument: <c>dai = adjoint · ∂F/∂ai</c>.
    /// </para>
    /// <para>Example: <c>[CustomPullback(nameof(SoftplusPullback))] static double Softplus(double a) => Math.Log(1 + Math.Exp(a));</c>
    /// with <c>static void SoftplusPullback(double a, double adjoint, out double da) => da = adjoint / (1 + Math.Exp(-a));</c></para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
    public sealed class CustomPullbackAttribute : Attribute
    {
        /// <summary>Names the pullback method, a static method of the helper's type (write <c>nameof(FPullback)</c>).</summary>
        /// <param name="pullback">The name of the pullback method.</param>
        public CustomPullbackAttribute(string pullback) => Pullback = pullback;

        /// <summary>The name of the pullback method.</summary>
        public string Pullback { get; }
    }
}
