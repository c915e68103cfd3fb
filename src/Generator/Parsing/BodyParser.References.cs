using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>References: indices into w, x and y and their int expressions. Part of <see cref="BodyParser"/>: its state lives in BodyParser.cs.</summary>
    internal sealed partial class BodyParser
    {
        private Expr? Index(IOperation index, SpanRole role)
        {
            if (index.Type?.SpecialType != SpecialType.System_Int32)
            {
                Unsupported(index, "The index '" + Abbreviate(index.Syntax) + "'", "index with an int (an index from the end, ^i, or a range is not supported)");
                return null;
            }

            Optional<object?> constant = index.ConstantValue;
            if (constant.HasValue)
            {
                int value = (int)constant.Value!;
                int? size = kind != BodyKind.Layer ? null : role switch
                {
                    SpanRole.W => sizes.Parameters,
                    SpanRole.X => sizes.Inputs,
                    _ => sizes.Outputs,
                };
                string spanName = kind == BodyKind.Layer ? method.Parameters[(int)role].Name : method.Parameters[0].Name;
                if (value < 0 || (size is not null && value >= size))
                {
                    string holds = size is null ? "indices start at 0" : "it holds " + size.Value.ToString(CultureInfo.InvariantCulture) + " values per sample";
                    string range = size is null ? "0 or more" : "from 0 to " + (size.Value - 1).ToString(CultureInfo.InvariantCulture);
                    Report(DiagnosticDescriptors.IndexOutOfRange, index.Syntax, value.ToString(CultureInfo.InvariantCulture), spanName, holds, range);
                    return null;
                }

                return new Literal(IrType.Int, value);
            }

            Expr? computed = Expression(index, 1);
            return computed is null ? null : CarriedAsInt(computed);
        }
    }
}
