using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoreauGen;

/// <summary>
/// The curvature a solver sees along one accepted step s (for the Prop. 2.3 guard, <see cref="SolverReport{T}.Curvature"/>):
/// the smaller of the gradient secant sᵀr/sᵀs (r the change of gradient) and the value secant
/// 2(F₁ − F₀ − g₀ᵀs)/sᵀs. Wolfe line searches make the first positive on every accepted step, so only the second can
/// reveal a concave stretch there; it is used only when F₁ − F₀ − g₀ᵀs exceeds √ε·|F| (the rounding of values summed over many terms is far above ε·|F|).
/// </summary>
internal static class StepCurvature<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Two = T.CreateChecked(2);
    private static readonly T Rounding = T.Sqrt(T.BitIncrement(T.One) - T.One); // √ε, ε the machine epsilon

    /// <summary>All inner products in the solver's scaled units; <paramref name="problem"/> converts value differences.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // once per solve, on the path of a 2-value solve
    public static T Along(in ScaledProblem<T> problem, T ss, T sr, T value0, T value1, T g0s)
    {
        if (!(ss > T.Zero))
            return T.NaN;
        T curvature = sr / ss;
        T secondOrder = problem.ScaledDifference(value1, value0) - g0s;
        T noise = problem.ScaledDifference(Rounding * T.Max(T.Abs(value0), T.Abs(value1)), T.Zero);
        if (T.Abs(secondOrder) > noise)
            curvature = T.Min(curvature, Two * secondOrder / ss);
        return curvature;
    }

    /// <summary>The smaller of two curvatures, either possibly NaN (none seen).</summary>
    public static T Min(T a, T b) => T.IsNaN(a) ? b : T.IsNaN(b) ? a : T.Min(a, b);
}
