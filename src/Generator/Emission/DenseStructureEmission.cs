using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// A batched body that is a dense layer, y = σ(x·W [+ 1bᵀ]): <c>MatMul(x, W, y, m, k, n, false, false)</c> with W a slice
    /// of w, then optionally <c>AddBias(y, b, m, n)</c> with b a slice of w, then optionally <c>Relu(y, y)</c>, and nothing
    /// else (comments aside), m declared as <c>x.Length / k</c>. The emitter declares it (<c>IDenseStructure</c>) so the
    /// runtime's Moreau back-propagation may solve Φw in the Gram form; with the ReLU, the taped forward then records the
    /// pre-activation z instead of y (the reverse pass reads it only for the ReLU's mask, z &gt; 0 exactly where y &gt; 0).
    /// </summary>
    /// <param name="Inputs">k, printed.</param>
    /// <param name="Outputs">n, printed.</param>
    /// <param name="WeightOffset">Where W starts in w, printed.</param>
    /// <param name="BiasOffset">Where b starts in w, printed, or null without a bias.</param>
    /// <param name="Relu">Whether σ is the ReLU (else the identity).</param>
    internal sealed record DenseShape(string Inputs, string Outputs, string WeightOffset, string? BiasOffset, bool Relu)
    {
        /// <summary>The dense structure of <paramref name="body"/>, or null when it is not of that form.</summary>
        public static DenseShape? Of(BatchedBody body)
        {
            List<Stmt> statements = body.Forward.Where(s => s is not Comment and not CallComment).ToList();
            var slices = new Dictionary<string, Slice>();
            int i = 0;
            for (; i < statements.Count && statements[i] is Declare { Value: Slice { Span: SpanRef { Role: SpanRole.W } } slice } declare; i++)
            {
                slices[declare.Name] = slice;
            }

            List<TensorCall> calls = statements.Skip(i).OfType<TensorCall>().ToList();
            if (calls.Count != statements.Count - i || calls.Count == 0 || calls.Count > 3)
            {
                return null;
            }

            TensorCall product = calls[0];
            if (product.Method != "MatMul" || product.Args.Count != 8 || product.Args[0] is not SpanRef { Role: SpanRole.X }
                || product.Args[1] is not Local weights || !slices.TryGetValue(weights.Name, out Slice? weightSlice)
                || product.Args[2] is not SpanRef { Role: SpanRole.Y } || product.Args[3] is not Local m
                || !product.Args[6].Equals(TensorRuleSyntax.Bool(false)) || !product.Args[7].Equals(TensorRuleSyntax.Bool(false))
                || Print(product.Args[4]) is not { } k || Print(product.Args[5]) is not { } n || Print(weightSlice.Start) is not { } weightOffset
                || !DeclaresBatch(body, m.Name, product.Args[4]))
            {
                return null;
            }

            string? biasOffset = null;
            int next = 1;
            if (calls.Count > next && calls[next].Method == "AddBias")
            {
                TensorCall add = calls[next];
                if (add.Args.Count != 4 || add.Args[0] is not SpanRef { Role: SpanRole.Y } || add.Args[1] is not Local bias
                    || !slices.TryGetValue(bias.Name, out Slice? biasSlice) || !add.Args[2].Equals(m) || !add.Args[3].Equals(product.Args[5])
                    || Print(biasSlice.Start) is not { } start)
                {
                    return null;
                }

                biasOffset = start;
                next++;
            }

            bool relu = false;
            if (calls.Count > next)
            {
                TensorCall activation = calls[next];
                if (activation.Method != "Relu" || activation.Args.Count != 2 || activation.Args[0] is not SpanRef { Role: SpanRole.Y }
                    || activation.Args[1] is not SpanRef { Role: SpanRole.Y })
                {
                    return null;
                }

                relu = true;
                next++;
            }

            return next == calls.Count ? new DenseShape(k, n, weightOffset, biasOffset, relu) : null;
        }

        /// <summary>
        /// Whether the reverse pass reads the tape's first m·n values (y after the ReLU) only as the mask of
        /// <c>ReluBackward</c>, so the taped forward may record z there instead.
        /// </summary>
        public static bool TapeReadOnlyAsMask(BatchedBody body)
        {
            string? name = body.Restores.Select(r => r switch
                {
                    Restore { Source: Slice { Span: SpanRef { Role: SpanRole.Tape }, Start: Literal { Value: 0 } } } restore => restore.Name,
                    Declare { Value: Slice { Span: SpanRef { Role: SpanRole.Tape }, Start: Literal { Value: 0 } } } view => view.Name,
                    _ => null,
                }).FirstOrDefault(n => n is not null);
            if (name is null)
            {
                return false;
            }

            int reads = 0, masks = 0;
            foreach (Stmt statement in body.AdjointBoth.Concat(body.AdjointW).Concat(body.AdjointX))
            {
                foreach (Expr expr in IrWalk.ExpressionsOf(statement))
                {
                    reads += IrWalk.Nodes(expr).Count(node => node is Local local && local.Name == name);
                }

                if (Unwrap(statement) is TensorCall { Method: "ReluBackward" or "ReluBackwardAdd" } call && call.Args.Count == 3
                    && call.Args[0] is Local { } mask && mask.Name == name && !call.Args.Skip(1).Any(a => IrWalk.Nodes(a).Any(n => n is Local l && l.Name == name)))
                {
                    masks++;
                }
            }

            return reads == masks;
        }

        /// <summary>The <c>DenseStructure</c> property, with the pre-activation at the tape's start when <paramref name="preActivationOnTape"/>.</summary>
        public void WriteMember(CodeWriter code, bool preActivationOnTape)
        {
            code.Line();
            code.Line("/// <inheritdoc/>");
            code.Line("/// <remarks>The body is MatMul(x, W)" + (BiasOffset is null ? string.Empty : ", AddBias") + (Relu ? ", Relu" : string.Empty) +
                      ": a dense layer, whose Φw the Moreau back-propagation may solve in the Gram form.</remarks>");
            code.Line("public global::MoreauGen.DenseStructure? DenseStructure => new global::MoreauGen.DenseStructure(" + Inputs + ", " + Outputs + ", " +
                      WeightOffset + ", " + (BiasOffset ?? "-1") + ", global::MoreauGen.DenseActivation." + (Relu ? "Relu" : "Identity") + ", " +
                      (preActivationOnTape ? "0" : "-1") + ");");
        }

        /// <summary>Whether the fused taped forward has the <c>MatMulBiasReluAndCopy</c> into the tape's start that <see cref="RecordPreActivation"/> rewrites.</summary>
        public static bool CanRecordPreActivation(List<Stmt> statements) =>
            statements.Any(s => s is TensorCall { Method: "MatMulBiasReluAndCopy" } call && call.Args.Count == 10
                                && call.Args[4] is Slice { Span: SpanRef { Role: SpanRole.Tape }, Start: Literal { Value: 0 } });

        /// <summary>The taped forward's statements with its fused <c>MatMulBiasReluAndCopy</c> into the tape's start recording z instead of y.</summary>
        public static List<Stmt> RecordPreActivation(List<Stmt> statements) =>
            statements.Select(s => s is TensorCall { Method: "MatMulBiasReluAndCopy" } call && call.Args.Count == 10
                                   && call.Args[4] is Slice { Span: SpanRef { Role: SpanRole.Tape }, Start: Literal { Value: 0 } }
                ? new TensorCall("MatMulBiasReluAndCopyPreActivation", call.Element, call.Args)
                : s).ToList();

        private static Stmt Unwrap(Stmt statement) => statement is Tagged tagged ? Unwrap(tagged.Statement) : statement;

        /// <summary>Whether the body's sizes declare <paramref name="m"/> = x.Length / <paramref name="k"/>.</summary>
        private static bool DeclaresBatch(BatchedBody body, string m, Expr k) =>
            body.Sizes.OfType<Declare>().Any(d => d.Name == m && d.Value is Apply { Op: Op.Divide } division && division.Args.Count == 2
                                                && division.Args[0] is SpanLength { Role: SpanRole.X } && division.Args[1].Equals(k));

        /// <summary>An int expression of layer data and literals (+, ·), printed; null for anything else.</summary>
        private static string? Print(Expr expr)
        {
            switch (expr)
            {
                case Literal literal when literal.Value >= 0 && literal.Value <= int.MaxValue && literal.Value == System.Math.Floor(literal.Value):
                    return ((int)literal.Value).ToString(CultureInfo.InvariantCulture);
                case LayerData data:
                    return data.Code;
                case Apply { Op: Op.Multiply or Op.Add } apply when apply.Args.Count == 2:
                    string? a = Print(apply.Args[0]), b = Print(apply.Args[1]);
                    return a is null || b is null ? null : "(" + a + (apply.Op == Op.Multiply ? " * " : " + ") + b + ")";
                default:
                    return null;
            }
        }
    }
}
