namespace MoreauGen;

/// <summary>
/// Declares that a layer φ(w, x) is affine in w for every x (e.g. a control entering the dynamics linearly, or
/// a linear map without activation). Then Φw has a closed form: ∇env(λᵀφ(·, x))(w) = ∇_w λᵀφ(w, x), the plain
/// gradient step, and the Moreau back-propagation takes it from the pullback instead of an inner solver.
/// </summary>
/// <remarks>A marker: declaring it on a layer that is not affine in w makes Φw the gradient step, not the Moreau gradient.</remarks>
public interface IAffineInParameters
{
}

/// <summary>
/// Declares that a layer φ(w, x) is affine in x for every w (e.g. a linear map without activation). Then Φx has
/// a closed form, ∇env(λᵀφ(w, ·))(x) = ∇_x λᵀφ(w, x), and the Moreau back-propagation takes it from the pullback.
/// </summary>
/// <remarks>A marker: declaring it on a layer that is not affine in x makes Φx the gradient step, not the Moreau gradient.</remarks>
public interface IAffineInInputs
{
}
