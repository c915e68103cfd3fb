using System.Numerics;
using System.Runtime.InteropServices;

namespace MoreauGen;

/// <summary>
/// The passes over m×n arrays of <see cref="DenseGramSolve{T}"/>: a line-search trial on the pre-activations
/// z(s) = z₀ − s·P, the start multiplier dz₀ = σ'(z₀)⊙λ and the change δ = dz₁ − dz₀ with its sparsity by column.
/// </summary>
internal static class DenseGramPasses
{
    /// <summary>
    /// One trial at step s: returns Σ λ·σ(z₀ − s·P) and writes Σ dz·P into <paramref name="slope"/>, with
    /// dz = σ'(z₀ − s·P)⊙λ written into <paramref name="dz"/> (for ReLU; the identity's dz is λ and is not written).
    /// </summary>
    public static T Trial<T>(DenseActivation activation, ReadOnlySpan<T> z0, ReadOnlySpan<T> p, ReadOnlySpan<T> lambda, T s, Span<T> dz, out T slope)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = z0.Length;
        if (p.Length != length || lambda.Length != length || (activation == DenseActivation.Relu && dz.Length != length))
            throw new ArgumentException("z₀, P, λ and dz must have the same length.");
        if (activation == DenseActivation.Identity)
        {
            // Σ λ·(z₀ − s·P) and Σ λ·P.
            T value = T.Zero, dot = T.Zero;
            int i = 0;
            if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
            {
                ReadOnlySpan<Vector<T>> vz = MemoryMarshal.Cast<T, Vector<T>>(z0), vp = MemoryMarshal.Cast<T, Vector<T>>(p), vl = MemoryMarshal.Cast<T, Vector<T>>(lambda);
                var vs = new Vector<T>(s);
                Vector<T> accValue = Vector<T>.Zero, accDot = Vector<T>.Zero;
                for (int v = 0; v < vz.Length; v++)
                {
                    accValue += vl[v] * (vz[v] - vs * vp[v]);
                    accDot += vl[v] * vp[v];
                }

                value = Vector.Sum(accValue);
                dot = Vector.Sum(accDot);
                i = vz.Length * Vector<T>.Count;
            }

            for (; i < length; i++)
            {
                value += lambda[i] * (z0[i] - s * p[i]);
                dot += lambda[i] * p[i];
            }

            slope = dot;
            return value;
        }

        {
            T value = T.Zero, dot = T.Zero;
            int i = 0;
            if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
            {
                ReadOnlySpan<Vector<T>> vz = MemoryMarshal.Cast<T, Vector<T>>(z0), vp = MemoryMarshal.Cast<T, Vector<T>>(p), vl = MemoryMarshal.Cast<T, Vector<T>>(lambda);
                Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(dz);
                var vs = new Vector<T>(s);
                Vector<T> accValue = Vector<T>.Zero, accDot = Vector<T>.Zero;
                for (int v = 0; v < vz.Length; v++)
                {
                    Vector<T> z = vz[v] - vs * vp[v];
                    Vector<T> l = vl[v];
                    Vector<T> d = Vector.ConditionalSelect(Vector.GreaterThan(z, Vector<T>.Zero), l, Vector<T>.Zero);
                    accValue += l * Vector.Max(z, Vector<T>.Zero);
                    accDot += d * vp[v];
                    vd[v] = d;
                }

                value = Vector.Sum(accValue);
                dot = Vector.Sum(accDot);
                i = vz.Length * Vector<T>.Count;
            }

            for (; i < length; i++)
            {
                T z = z0[i] - s * p[i];
                T d = z > T.Zero ? lambda[i] : T.Zero;
                value += lambda[i] * T.Max(z, T.Zero);
                dot += d * p[i];
                dz[i] = d;
            }

            slope = dot;
            return value;
        }
    }

    /// <summary>dz = (z &gt; 0 ? λ : 0), the ReLU's start multiplier (as <see cref="Ops.ReluBackward{T}"/>).</summary>
    public static void ReluMask<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> lambda, Span<T> dz) where T : unmanaged, IFloatingPointIeee754<T>
        => Ops.ReluBackward(z, lambda, dz);

    /// <summary>
    /// δ = dz₁ − dz₀ written over <paramref name="dz1"/>, returning Σ δ·P; <paramref name="counts"/>[j] receives the number of
    /// non-zero δ in column j of the m×n arrays, and the return's second value Σ_j counts[j]².
    /// </summary>
    public static (T DeltaDotP, long PairCount) Change<T>(ReadOnlySpan<T> dz0, Span<T> dz1, ReadOnlySpan<T> p, int m, int n, Span<int> counts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        counts[..n].Clear();
        T dot = T.Zero;
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<T> a = dz0.Slice(i * n, n), pr = p.Slice(i * n, n);
            Span<T> b = dz1.Slice(i * n, n);
            for (int j = 0; j < n; j++)
            {
                T d = b[j] - a[j];
                b[j] = d;
                if (d != T.Zero)
                {
                    counts[j]++;
                    dot += d * pr[j];
                }
            }
        }

        long pairs = 0;
        for (int j = 0; j < n; j++)
            pairs += (long)counts[j] * counts[j];
        return (dot, pairs);
    }

    /// <summary>
    /// δ = dz₁ − dz₀ with dz₀ = (z₀ &gt; 0 ? λ : 0) (<see cref="ReluMask{T}"/>'s values, not stored), written over
    /// <paramref name="dz1"/>; returns Σ δ·P and the number of non-zero δ, whose row-major positions are written into
    /// <paramref name="positions"/> while it has room (the count goes on past it).
    /// </summary>
    public static (T DeltaDotP, int Count) Flips<T>(ReadOnlySpan<T> z0, ReadOnlySpan<T> lambda, Span<T> dz1, ReadOnlySpan<T> p, Span<int> positions)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = z0.Length;
        if (lambda.Length != length || dz1.Length != length || p.Length != length)
            throw new ArgumentException("z₀, λ, dz₁ and P must have the same length.");
        T dot = T.Zero;
        int count = 0, i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            // Most δ are 0 (a mask flips only where z₀ is within s·|P| of 0): whole vectors are tested at once.
            ReadOnlySpan<Vector<T>> vz = MemoryMarshal.Cast<T, Vector<T>>(z0), vl = MemoryMarshal.Cast<T, Vector<T>>(lambda);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(dz1);
            for (int v = 0; v < vz.Length; v++)
            {
                Vector<T> d = vd[v] - Vector.ConditionalSelect(Vector.GreaterThan(vz[v], Vector<T>.Zero), vl[v], Vector<T>.Zero);
                vd[v] = d;
                if (Vector.EqualsAll(d, Vector<T>.Zero))
                    continue;
                for (int e = v * Vector<T>.Count, end = e + Vector<T>.Count; e < end; e++)
                {
                    if (dz1[e] != T.Zero)
                    {
                        dot += dz1[e] * p[e];
                        if (count < positions.Length)
                            positions[count] = e;
                        count++;
                    }
                }
            }

            i = vz.Length * Vector<T>.Count;
        }

        for (; i < length; i++)
        {
            T d = dz1[i] - (z0[i] > T.Zero ? lambda[i] : T.Zero);
            dz1[i] = d;
            if (d != T.Zero)
            {
                dot += d * p[i];
                if (count < positions.Length)
                    positions[count] = i;
                count++;
            }
        }

        return (dot, count);
    }

    /// <summary>
    /// ⟨δ, G·δ⟩ = Σ_j Σ_{i,i′} δ[i, j]·G[i, i′]·δ[i′, j] over the non-zero entries of each column (G m×m symmetric), using the
    /// column counts from <see cref="Change{T}"/>; <paramref name="rows"/> holds n + 1 + (number of non-zeros) ints.
    /// </summary>
    public static T SparseForm<T>(ReadOnlySpan<T> delta, ReadOnlySpan<T> g, int m, int n, ReadOnlySpan<int> counts, Span<int> rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Column starts, then the rows of each column's non-zeros (CSC without values: δ is read in place).
        Span<int> start = rows[..(n + 1)];
        start[0] = 0;
        for (int j = 0; j < n; j++)
            start[j + 1] = start[j] + counts[j];
        Span<int> index = rows[(n + 1)..];
        Span<int> fill = start[..n]; // advanced while filling, then restored
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<T> row = delta.Slice(i * n, n);
            for (int j = 0; j < n; j++)
            {
                if (row[j] != T.Zero)
                    index[fill[j]++] = i;
            }
        }

        for (int j = n; j > 0; j--)
            start[j] = start[j - 1];
        start[0] = 0;

        T sum = T.Zero;
        for (int j = 0; j < n; j++)
        {
            ReadOnlySpan<int> column = index[start[j]..start[j + 1]];
            for (int a = 0; a < column.Length; a++)
            {
                int r = column[a];
                ReadOnlySpan<T> gr = g.Slice(r * m, m);
                T inner = T.Zero;
                for (int b = 0; b < column.Length; b++)
                    inner += gr[column[b]] * delta[column[b] * n + j];
                sum += delta[r * n + j] * inner;
            }
        }

        return sum;
    }
}
