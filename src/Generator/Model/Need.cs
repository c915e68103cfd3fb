using System;

namespace MoreauGen.Generator.Model
{
    /// <summary>Which gradients a value (or an adjoint statement of a <see cref="Tagged"/> section) matters for.</summary>
    [Flags]
    internal enum Need
    {
        None = 0,
        W = 1,
        X = 2,
        Both = W | X,
    }
}
