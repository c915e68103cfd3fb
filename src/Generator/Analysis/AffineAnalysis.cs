using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Analysis
{
    /// <summary>
    /// A degree analysis of a layer body: for every value, its polynomial degree in w and in x, capped at 2 (which
    /// stands for "not affine"). Sums keep the larger degree, products add degrees, a division by a value that depends
    /// on the variable, a Math or helper call of it, and a branch whose condition depends on it make the result
    /// non-affine in it. Loops are iterated until the degrees settle. The layer is affine in w when every output
    /// has degree at most 1 in w (likewise x). Conservative: "not affine" may be said of an affine layer, never
    /// the opposite.
    /// </summary>
    internal sealed class AffineAnalysis
    {
        private const int NonAffine = 2;

        private Dictionary<string, Degree> locals = new(StringComparer.Ordinal);
        private Degree outputs;

        private AffineAnalysis()
        {
        }

        /// <summary>The degree of a value in w and in x.</summary>
        private readonly struct Degree : IEquatable<Degree>
        {
            public Degree(int w, int x)
            {
                W = Math.Min(w, NonAffine);
                X = Math.Min(x, NonAffine);
            }

            public int W { get; }

            public int X { get; }

            public static Degree Zero => default;

            public static Degree Max(Degree a, Degree b) => new(Math.Max(a.W, b.W), Math.Max(a.X, b.X));

            /// <summary>What a non-affine function of the value does: degree 2 in each variable it depends on.</summary>
            public Degree Saturated => new(W > 0 ? NonAffine : 0, X > 0 ? NonAffine : 0);

            public bool Equals(Degree other) => W == other.W && X == other.X;

            public override bool Equals(object? obj) => obj is Degree other && Equals(other);

            public override int GetHashCode() => W * 3 + X;
        }

        /// <summary>Whether the layer body is affine in w and in x.</summary>
        public static (bool InParameters, bool InInputs) Analyze(IEnumerable<Stmt> body)
        {
            var analysis = new AffineAnalysis();
            analysis.Statements(body, Degree.Zero);
            return (analysis.outputs.W <= 1, analysis.outputs.X <= 1);
        }

        /// <param name="statements">The statements.</param>
        /// <param name="control">The degree of the conditions the statements run under (a condition on w makes what it guards non-affine in w).</param>
        private void Statements(IEnumerable<Stmt> statements, Degree control)
        {
            foreach (Stmt statement in statements)
            {
                Statement(statement, control);
            }
        }

        private void Statement(Stmt statement, Degree control)
        {
            switch (statement)
            {
                case Declare declare:
                    locals[declare.Name] = declare.Value is null ? Degree.Zero : Guarded(Of(declare.Value), control);
                    break;
                case Assign assign:
                {
                    Degree value = Of(assign.Value);
                    Degree old = assign.Target is Local local ? Read(local.Name) : outputs;
                    Degree result = assign.Kind switch
                    {
                        AssignKind.Assign => value,
                        AssignKind.Add or AssignKind.Subtract => Degree.Max(old, value),
                        AssignKind.Multiply => Product(old, value),
                        _ => Quotient(old, value),
                    };
                    result = Guarded(result, control);
                    if (assign.Target is Local target)
                    {
                        locals[target.Name] = result;
                    }
                    else
                    {
                        outputs = Degree.Max(outputs, result);
                    }

                    break;
                }

                case For loop:
                {
                    // Iterate the body until the degrees settle (they only grow, and are capped).
                    for (int round = 0; round < 8; round++)
                    {
                        Dictionary<string, Degree> before = new(locals, StringComparer.Ordinal);
                        Degree outputsBefore = outputs;
                        Statements(loop.Body, control);
                        foreach (KeyValuePair<string, Degree> entry in before)
                        {
                            if (locals.TryGetValue(entry.Key, out Degree after))
                            {
                                locals[entry.Key] = Degree.Max(after, entry.Value);
                            }
                        }

                        if (outputs.Equals(outputsBefore) && before.All(e => locals[e.Key].Equals(e.Value)))
                        {
                            break;
                        }
                    }

                    break;
                }

                case If branch:
                {
                    Degree condition = Degree.Max(control, Of(branch.Condition));
                    Dictionary<string, Degree> before = new(locals, StringComparer.Ordinal);
                    Statements(branch.Then, condition);
                    Dictionary<string, Degree> afterThen = locals;
                    locals = new Dictionary<string, Degree>(before, StringComparer.Ordinal);
                    Statements(branch.Else, condition);
                    foreach (KeyValuePair<string, Degree> entry in afterThen)
                    {
                        locals[entry.Key] = locals.TryGetValue(entry.Key, out Degree other) ? Degree.Max(other, entry.Value) : entry.Value;
                    }

                    break;
                }

                case Block block:
                    Statements(block.Body, control);
                    break;
            }
        }

        /// <summary>A value assigned under a condition on w (or x) is piecewise in w (or x): not affine.</summary>
        private static Degree Guarded(Degree value, Degree control)
        {
            Degree condition = control.Saturated;
            return new Degree(condition.W > 0 ? NonAffine : value.W, condition.X > 0 ? NonAffine : value.X);
        }

        private Degree Read(string name) => locals.TryGetValue(name, out Degree degree) ? degree : Degree.Zero;

        private static Degree Product(Degree a, Degree b) => new(a.W + b.W, a.X + b.X);

        private static Degree Quotient(Degree a, Degree b) =>
            new(b.W > 0 ? NonAffine : a.W, b.X > 0 ? NonAffine : a.X);

        private Degree Of(Expr expr)
        {
            switch (expr)
            {
                case Local local:
                    return Read(local.Name);
                case Element { Span: SpanRef { Role: SpanRole.W } }:
                    return new Degree(1, 0);
                case Element { Span: SpanRef { Role: SpanRole.X } }:
                    return new Degree(0, 1);
                case Element { Span: SpanRef { Role: SpanRole.Y } }:
                    return outputs;
                case Element { Span: Local }:
                    // A scratch array: its stores count as outputs' (the assignment below), so a read has at most their degree.
                    return outputs;
                case Apply apply:
                {
                    Degree[] args = apply.Args.Select(Of).ToArray();
                    // The degree comes from the primitive's row in the rule table; a primitive without a rule (a comparison, %) is not affine.
                    return RuleTable.Standard.Find(apply.Op)?.Degree switch
                    {
                        RuleDegree.Linear => args.Aggregate(Degree.Zero, Degree.Max),
                        RuleDegree.Bilinear => Product(args[0], args[1]),
                        RuleDegree.Quotient => Quotient(args[0], args[1]),
                        RuleDegree.MultiplyAdd => Degree.Max(Product(args[0], args[1]), args[2]),
                        _ => args.Aggregate(Degree.Zero, Degree.Max).Saturated,
                    };
                }

                case Call call:
                    return call.Args.Select(Of).Aggregate(Degree.Zero, Degree.Max).Saturated;
                case Conditional conditional:
                    return Guarded(Degree.Max(Of(conditional.WhenTrue), Of(conditional.WhenFalse)), Of(conditional.Condition));
                default:
                    return Degree.Zero;
            }
        }
    }
}
