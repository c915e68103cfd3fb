using System.Numerics;

namespace MoreauGen;

/// <summary>
/// Scratch memory for an <see cref="InnerSolver{T}"/>: its work vectors for problems of up to
/// <see cref="Dimension"/> unknowns, allocated once (see <see cref="InnerSolver{T}.CreateWorkspace"/>) and reused by
/// every solve, so that solving allocates nothing. Not safe to use from two threads at once.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class SolverWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _vectors;
    private readonly T[] _scalars;

    /// <summary>Creates room for <paramref name="vectorCount"/> vectors of <paramref name="dimension"/> values and <paramref name="scalarCount"/> scalars.</summary>
    public SolverWorkspace(int dimension, int vectorCount, int scalarCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(vectorCount);
        ArgumentOutOfRangeException.ThrowIfNegative(scalarCount);
        Dimension = dimension;
        VectorCount = vectorCount;
        _vectors = new T[checked(dimension * vectorCount)];
        _scalars = new T[scalarCount];
    }

    /// <summary>The largest problem dimension this workspace serves.</summary>
    public int Dimension { get; }

    /// <summary>How many work vectors it holds.</summary>
    public int VectorCount { get; }

    /// <summary>How many scalars it holds.</summary>
    public int ScalarCount => _scalars.Length;

    /// <summary>Work vector <paramref name="index"/>, the first <paramref name="length"/> values of it.</summary>
    internal Span<T> Vector(int index, int length) => _vectors.AsSpan(index * Dimension, length);

    /// <summary>The first <paramref name="count"/> scalars.</summary>
    internal Span<T> Scalars(int count) => _scalars.AsSpan(0, count);

    internal void Check(int dimension, int vectorCount, int scalarCount)
    {
        if (dimension > Dimension || vectorCount > VectorCount || scalarCount > ScalarCount)
            ThrowTooSmall(dimension, vectorCount, scalarCount);
    }

    private void ThrowTooSmall(int dimension, int vectorCount, int scalarCount)
    {
        throw new ArgumentException(
                $"The solver workspace holds {VectorCount} vectors of {Dimension} values and {ScalarCount} scalars; this solve needs {vectorCount} vectors of {dimension} and {scalarCount} scalars. Create it with InnerSolver.CreateWorkspace(dimension).",
                "workspace");
    }
}
