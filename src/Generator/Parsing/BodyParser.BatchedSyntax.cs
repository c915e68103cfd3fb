using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Analysis;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// The fast path of a batched layer's parse: <see cref="BatchedSyntaxReader"/> reads the body from its syntax, without
    /// binding it, and the dataflow checks run on its statements as on the bound parser's (the same statements, the same
    /// syntax for the diagnostics). When the reader cannot read the body, the bound parser does. Part of
    /// <see cref="BodyParser"/>: its state lives in BodyParser.cs.
    /// </summary>
    internal sealed partial class BodyParser
    {
        /// <summary>
        /// True when the syntax reader read the body, with the parse's output (null when the dataflow checks reported an
        /// error); false when the bound parser must read it.
        /// </summary>
        private bool TryReadBatchedSyntax(MethodDeclarationSyntax syntax, out Output? output)
        {
            output = null;
            if (!readsBatchedSyntax || kind != BodyKind.Layer || !batched || syntax.Body is null)
            {
                return false;
            }

            var reader = new BatchedSyntaxReader(WithoutNullableAnalysis(semanticModel, syntax.SyntaxTree), method, type, element, sizes.Parameters, cancellationToken);
            BatchedSyntaxRead? read = reader.Read(syntax.Body);
            if (read is null)
            {
                return false;
            }

            reserved.UnionWith(read.Reserved);
            constants.AddRange(read.Constants);
            batchedSyntax.AddRange(read.Syntax);
            foreach (KeyValuePair<Slice, string> slice in read.SliceTexts)
            {
                sliceTexts[slice.Key] = slice.Value;
            }

            int errorsBefore = diagnostics.Count;
            TensorGraph graph = CheckGraph(read.Body);
            Deduplicate(errorsBefore);
            if (!diagnostics.Skip(errorsBefore).Any(IsError))
            {
                output = new Output(read.Body, constants, reserved.OrderBy(n => n, StringComparer.Ordinal).ToList(), calledHelpers) { Graph = graph };
            }

            return true;
        }
    }
}
