using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace MoreauGen.Generated;

// Fixed-size scratch storage for generated members (a per-sample shifted input x + u, one sample's outputs, a
// scratch tape). Generated code declares one as a local and takes a span of it. A local inline array costs nothing
// beyond clearing its bytes, where a stackalloc of the same size made the generated Φx of the pendulum step
// (2 values) twice as slow (benchmarks/RESULTS.md, "Generator": the pendulum's Φx). Not meant to be used by hand.

/// <summary>1 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(1)]
public struct Scratch1<T>
{
    private T element;
}

/// <summary>2 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(2)]
public struct Scratch2<T>
{
    private T element;
}

/// <summary>4 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(4)]
public struct Scratch4<T>
{
    private T element;
}

/// <summary>8 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(8)]
public struct Scratch8<T>
{
    private T element;
}

/// <summary>16 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(16)]
public struct Scratch16<T>
{
    private T element;
}

/// <summary>32 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(32)]
public struct Scratch32<T>
{
    private T element;
}

/// <summary>64 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(64)]
public struct Scratch64<T>
{
    private T element;
}

/// <summary>128 values of <typeparamref name="T"/> on the stack, for generated code.</summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[InlineArray(128)]
public struct Scratch128<T>
{
    private T element;
}
