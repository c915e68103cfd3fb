using System;
using System.Collections.Generic;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// The arguments of an IR or graph node mapped into one array of their exact count: what <c>Select(…).ToArray()</c>
    /// computes, without boxing the list, an iterator and a growing builder per node (the passes map every node of a
    /// large body, several times).
    /// </summary>
    internal static class ArgumentMaps
    {
        public static TResult[] Map<TResult>(this EquatableArray<Expr> args, Func<Expr, TResult> map)
        {
            var result = new TResult[args.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = map(args[i]);
            }

            return result;
        }

        public static TResult[] Map<TResult>(this Node[] args, Func<Node, TResult> map)
        {
            var result = new TResult[args.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = map(args[i]);
            }

            return result;
        }
    }
}
