using System.Numerics;

namespace MoreauGen;

/// <summary>
/// The closed form of a <see cref="LayerTargetSubproblem{T}"/> for a layer affine in the moved argument
/// (<see cref="IAffineInInputs"/> / <see cref="IAffineInParameters"/>): with φ_t(z₀ + u) = φ_t(z₀) + Ju the subproblem
/// is the linear least-squares problem (c·I + sκ·JᵀJ)u = −∇F(0), c = ρ + sμ, solved by conjugate gradients as
/// ProxProp does (Frerix et al. 2018), exactly when κ = 0 (u = −∇F(0)/c). Ju = φ_t(u) − φ_t(0) comes from two
/// forward passes (φ_t(0) once per solve), Jᵀv from the pullback at the forward pass's tape.
/// </summary>
internal static class AffineLeastSquares<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The buffers of a solve: three of the argument's length, one point, two outputs.</summary>
    internal readonly ref struct Buffers(Span<T> residual, Span<T> direction, Span<T> product, Span<T> point, Span<T> output, Span<T> offset)
    {
        public readonly Span<T> Residual = residual, Direction = direction, Product = product, Point = point, Output = output, Offset = offset;
    }

    /// <summary>
    /// Writes u into <paramref name="u"/> and returns the iterations; <paramref name="curvature"/> receives the smallest
    /// pᵀ(Ap)/pᵀp seen (the curvature of F along the CG directions; NaN when none).
    /// </summary>
    public static int Solve(IMoreauLayer<T> layer, LayerArgument argument, ReadOnlySpan<T> w, ReadOnlySpan<T> x, ReadOnlySpan<T> tape,
                            ReadOnlySpan<T> startGradient, T scaledKappa, T diagonal, int maxIterations, T tolerance,
                            Span<T> u, Buffers buffers, out T curvature)
    {
        int n = u.Length;
        curvature = T.NaN;
        if (T.IsZero(scaledKappa) || maxIterations == 0)
        {
            if (!(diagonal > T.Zero))
                throw new InvalidOperationException("The subproblem has neither a proximal nor a penalty term.");
            Vectors.Multiply(startGradient, -T.One / diagonal, u);
            curvature = diagonal;
            return 0;
        }

        bool moveParameters = argument == LayerArgument.Parameters;
        Span<T> r = buffers.Residual[..n], p = buffers.Direction[..n], q = buffers.Product[..n], point = buffers.Point[..n];
        int outputLength = buffers.Output.Length;
        Span<T> output = buffers.Output, offset = buffers.Offset[..outputLength];
        point.Clear();
        layer.Forward(moveParameters ? point : w, moveParameters ? x : point, offset); // φ_t(0): the affine offset

        u.Clear();
        Vectors.Negate(startGradient, r);
        r.CopyTo(p);
        T rr = Vectors.SumOfSquares<T>(r);
        T stop = tolerance * tolerance * rr;
        int iterations = 0;
        while (iterations < maxIterations && rr > stop)
        {
            // q = c·p + sκ·Jᵀ(Jp).
            layer.Forward(moveParameters ? p : w, moveParameters ? x : p, output);
            Vectors.Subtract(output, offset, output);
            if (moveParameters)
                layer.Pullback(w, x, tape, output, q, Span<T>.Empty);
            else
                layer.Pullback(w, x, tape, output, Span<T>.Empty, q);
            if (scaledKappa != T.One) // sκ = 1 (target propagation at κ = 1): q·1 = q
                Vectors.Multiply(q, scaledKappa, q);
            if (!T.IsZero(diagonal)) // c = 0 (no proximal or ℓ2 term, e.g. TP's Φx): q + 0·p = q up to the sign of a zero
                Vectors.MultiplyAdd(p, diagonal, q, q);
            T pq = Vectors.Dot(p, q);
            T pp = Vectors.SumOfSquares<T>(p);
            T c = pq / pp;
            if (T.IsNaN(curvature) || c < curvature)
                curvature = c;
            if (!(pq > T.Zero))
                break; // a null direction of JᵀJ with no proximal term: u is the minimum-norm solution so far
            T step = rr / pq;
            Vectors.MultiplyAdd(p, step, u, u);
            Vectors.MultiplyAdd(q, -step, r, r);
            T next = Vectors.SumOfSquares<T>(r);
            Vectors.MultiplyAdd(p, next / rr, r, p);
            rr = next;
            iterations++;
        }

        return iterations;
    }
}
