using System;
using System.Collections.Generic;
using System.Linq;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Differentiation
{
    /// <summary>
    /// Source-to-source reverse mode for one body (a layer's sample, an objective's batch, a helper):
    /// <list type="number">
    /// <item><b>Single assignment.</b> The body becomes a tree of regions (the body, loop bodies, branch arms) of
    /// single-assignment values: every assignment makes a new version. A local assigned in a loop is carried: a phi
    /// value at the start of each iteration and a result after the loop, both read from one storage variable in
    /// forward code. A local assigned in a branch gets a merge value after it. Int values (indices) and bool
    /// values (conditions) are versioned too but never differentiated.</item>
    /// <item><b>Dead values</b> are dropped.</item>
    /// <item><b>Reverse sweep.</b> Each region's items are walked backwards, applying each primitive's rule from
    /// the <see cref="RuleTable"/>; a loop becomes a descending loop whose carried adjoint passes from one reverse
    /// iteration to the previous; a branch re-evaluates its condition and reverses the arm it took. A rule that reads
    /// an argument or the result makes that value needed; a <see cref="ForwardValue"/> in a rule becomes a value the
    /// forward pass computes.</item>
    /// <item><b>Restores.</b> Each region restores at the start of its reverse the values of its own that the reverse
    /// statements read: ints, copies, leaves and arithmetic on leaves are recomputed; anything else is recorded by the
    /// taped forward at the end of the region (pushed) and read back (popped). Accumulators only ever added to are
    /// never read by their rule, so nothing records them.</item>
    /// <item><b>Tape layout.</b> Without recording inside loops, every recorded value has a fixed slot; otherwise a
    /// cursor moves through the sample's tape (pushes forward, pops backward), an if/else reserves the room of its
    /// larger arm, and the size per sample is an int expression of the sizes (with a counting loop for
    /// triangular loops).</item>
    /// <item><b>Forward pass</b> with those bindings and tape stores.</item>
    /// </list>
    /// Reverse statements are tagged with the gradients they serve (both, w only, x only). A straight-line body keeps
    /// three lists (a w-only statement reads only adjoints of values that depend on w, computed in the "both" or "w"
    /// lists); a body with loops or branches gets three whole variants of its reverse pass (both gradients, w only,
    /// x only), so that no test runs inside a loop.
    /// </summary>
    internal sealed partial class Differentiator
    {
        private readonly IReadOnlyList<Stmt> body;
        private readonly IrType element;
        private readonly NameTable names;
        private readonly HashSet<string> constants;
        private readonly bool arrayMode;
        private readonly bool layerMode;
        private readonly Dictionary<string, string> parameterAdjoints;
        private readonly HashSet<string> parameters;
        private readonly Dictionary<string, HelperModel> helpers;
        private readonly Dictionary<(int Loop, string Local), Need> phiGuess;
        private readonly Dictionary<(int Loop, string Local), Need> phiObserved = new();
        private readonly int? outputCount;
        private readonly LayerSizes? sizes;
        private readonly RuleTable rules;
        private readonly DifferentiatorSteps steps;

        private readonly Region top = new(null);
        private Region current;
        private Dictionary<string, Value> locals = new(StringComparer.Ordinal);
        private readonly HashSet<string> everDefined = new(StringComparer.Ordinal);
        private readonly Dictionary<int, Value> outputs = new();
        private readonly Dictionary<string, Value> byName = new(StringComparer.Ordinal);
        private readonly Dictionary<Value, (LoopItem Loop, Carried Carried)> carriedOf = new();
        private readonly Dictionary<Value, (IfItem Branch, Merge Merge)> mergeOf = new();
        private bool outputAccessed;
        private int loopOrdinal;
        private bool unstable;
        private Value? result;

        private List<Stmt> output = new();
        private Region reverseRegion;
        private readonly Dictionary<Value, Expr> restoreSources = new();
        private readonly Dictionary<(Node, Expr), Value> partials = new();
        private readonly Dictionary<Stmt, LoopItem> reverseLoops = new(ReferenceComparer.Instance);
        private readonly Dictionary<Stmt, IfItem> reverseBranches = new(ReferenceComparer.Instance);
        private string cursor = string.Empty;
        private bool cursorMode;

        /// <summary>Values written straight into a storage variable where they are used (a loop's update, a branch's merge).</summary>
        private readonly HashSet<Value> foldedIntoUse = new();

        private readonly Dictionary<IfItem, (Expr Then, Expr Else, List<Stmt> Prelude)> branchPads = new();

        private Differentiator(
            IReadOnlyList<Stmt> body,
            IrType element,
            IEnumerable<string> reserved,
            IEnumerable<ConstantDeclaration> constants,
            bool layerMode,
            IEnumerable<string> parameters,
            IEnumerable<HelperModel> helpers,
            LayerSizes? sizes,
            Dictionary<(int, string), Need> phiGuess,
            RuleTable rules,
            DifferentiatorSteps steps)
        {
            this.body = body;
            this.rules = rules;
            this.steps = steps;
            this.element = element;
            this.layerMode = layerMode;
            this.sizes = sizes;
            outputCount = sizes?.Outputs;
            this.phiGuess = phiGuess;
            this.constants = new HashSet<string>(constants.Select(c => c.Name), StringComparer.Ordinal);
            this.parameters = new HashSet<string>(parameters, StringComparer.Ordinal);
            names = new NameTable(reserved.Concat(this.constants).Concat(this.parameters));
            everDefined.UnionWith(this.parameters);
            parameterAdjoints = this.parameters.ToDictionary(p => p, p => p, StringComparer.Ordinal);
            this.helpers = new Dictionary<string, HelperModel>(StringComparer.Ordinal);
            foreach (HelperModel helper in helpers)
            {
                this.helpers[helper.Method] = helper;
            }

            arrayMode = layerMode && NeedsOutputBuffer(body, inControlFlow: false);
            current = top;
            reverseRegion = top;
        }

        /// <summary>Differentiates a layer or objective and the helpers it calls with <paramref name="rules"/> and <paramref name="steps"/>.</summary>
        public static LayerProgram Differentiate(LayerModel layer, RuleTable rules, DifferentiatorSteps steps)
        {
            bool isLayer = layer.Kind == ModelKind.Layer;
            DifferentiatedBody differentiated = Run(
                (guess) => new Differentiator(layer.Body.ToList(), layer.ElementType, layer.ReservedNames, layer.Constants, isLayer,
                    Array.Empty<string>(), layer.Helpers, isLayer ? layer.Sizes : null, guess, rules, steps),
                isLayer ? null : new Literal(layer.ElementType, 1));
            var helperPrograms = new List<HelperProgram>();
            foreach (HelperModel helper in layer.Helpers.Where(h => !h.IsCustom))
            {
                helperPrograms.Add(DifferentiateHelper(helper, layer.Helpers, rules, steps));
            }

            return new LayerProgram(layer, differentiated, EquatableArray.From(helperPrograms));
        }

        private static HelperProgram DifferentiateHelper(HelperModel helper, IEnumerable<HelperModel> all, RuleTable rules, DifferentiatorSteps steps)
        {
            // The pullback's own parameters: the helper's, then the adjoint of the result, then one out per parameter.
            var table = new NameTable(helper.ReservedNames.Concat(helper.Parameters).Concat(helper.Constants.Select(c => c.Name)));
            string adjoint = table.Fresh("adjoint");
            var outs = helper.Parameters.Select(p => table.Fresh("d_" + p)).ToList();
            DifferentiatedBody differentiated = Run(
                guess =>
                {
                    var d = new Differentiator(helper.Body.ToList(), helper.ElementType, helper.ReservedNames.Concat(new[] { adjoint }).Concat(outs),
                        helper.Constants, layerMode: false, helper.Parameters, all, null, guess, rules, steps);
                    for (int i = 0; i < helper.Parameters.Count; i++)
                    {
                        d.parameterAdjoints[helper.Parameters[i]] = outs[i];
                    }

                    return d;
                },
                new Local(adjoint, helper.ElementType));
            return new HelperProgram(helper, differentiated, adjoint, EquatableArray.From(outs));
        }

        /// <summary>
        /// Lowers until the varying sets of loop-carried values settle, then differentiates. Each run only adds to the
        /// guessed sets (a monotone iteration over a finite lattice: two bits per carried local), so it settles within
        /// 2 × (carried locals) + 1 runs; one that does not is an internal error (MG0022), never a partial result.
        /// </summary>
        private static DifferentiatedBody Run(Func<Dictionary<(int, string), Need>, Differentiator> create, Expr? seed)
        {
            var guess = new Dictionary<(int, string), Need>();
            for (int run = 0; ; run++)
            {
                Differentiator d = create(guess);
                d.Lower();
                if (!d.unstable)
                {
                    return d.Finish(seed);
                }

                bool grew = false;
                foreach (KeyValuePair<(int, string), Need> observed in d.phiObserved)
                {
                    Need known = guess.TryGetValue(observed.Key, out Need k) ? k : Need.None;
                    grew |= (known | observed.Value) != known;
                    guess[observed.Key] = known | observed.Value;
                }

                if (!grew || run > 2 * d.phiObserved.Count + 1)
                {
                    throw new InvalidOperationException("The varying sets of the loop-carried locals do not settle after " + (run + 1) + " lowerings.");
                }
            }
        }

        private IrType ReadOnlySpan => IrType.SpanOf(element.Scalar, readOnly: true);

        private IrType WritableSpan => IrType.SpanOf(element.Scalar, readOnly: false);

        private static Literal IntLiteral(int value) => new(IrType.Int, value);

        private static Literal Zero(IrType type) => new(type, 0);

        private Element Element(SpanRole role, Expr index, IrType type)
        {
            bool readOnly = role is SpanRole.W or SpanRole.X or SpanRole.Lambda;
            return new Element(new SpanRef(role, IrType.SpanOf(element.Scalar, readOnly)), index, type);
        }

        /// <summary>y at a run-time index, or y touched inside a loop or branch: the reverse pass keeps d_y in a buffer.</summary>
        private static bool NeedsOutputBuffer(IEnumerable<Stmt> statements, bool inControlFlow)
        {
            foreach (Stmt statement in statements)
            {
                switch (statement)
                {
                    case For loop when NeedsOutputBuffer(loop.Body, true):
                        return true;
                    case If branch when NeedsOutputBuffer(branch.Then, true) || NeedsOutputBuffer(branch.Else, true):
                        return true;
                    case Block block when NeedsOutputBuffer(block.Body, inControlFlow):
                        return true;
                    case For or If or Block:
                        break;
                    default:
                        foreach (Expr expr in IrWalk.ExpressionsOf(statement))
                        {
                            foreach (Expr node in IrWalk.Nodes(expr))
                            {
                                if (node is Element { Span: SpanRef { Role: SpanRole.Y } } y && (inControlFlow || y.Index is not Literal))
                                {
                                    return true;
                                }
                            }
                        }

                        break;
                }
            }

            return false;
        }

        // =========================================================================================================
        // Putting it together
        // =========================================================================================================

        private DifferentiatedBody Finish(Expr? seed)
        {
            if (result is not null)
            {
                result.Seed = seed;
            }

            foreach (KeyValuePair<int, Value> final in outputs)
            {
                final.Value.Seed = Element(SpanRole.Lambda, IntLiteral(final.Key), element);
            }

            DropDeadValues();
            if (result is not null)
            {
                result.ForwardUses++;
            }

            CountForwardUses(top);
            bool structured = HasControlFlow(top);

            // 3-4. The reverse sweep and the restores of every region.
            (List<Stmt> restores, List<Stmt> reverse) = ReverseRegionParts(top, prologue: null, epilogue: null);
            if (arrayMode)
            {
                reverse.Insert(0, new Tagged(Need.Both, new CopySpan(new SpanRef(SpanRole.Lambda, ReadOnlySpan), new SpanRef(SpanRole.OutputAdjoint, WritableSpan))));
            }

            // 5. Tape layout.
            cursorMode = AnyLoopRecords(top, insideLoop: false);
            var tapePrelude = new List<Stmt>();
            Expr tapeSlots;
            if (cursorMode)
            {
                cursor = names.Fresh("tp");
                tapeSlots = Count(top, tapePrelude, inScope: false);
                tapePrelude = tapePrelude.Select(FixSizes).ToList();
                tapeSlots = FixSizes(tapeSlots);
                restores.Insert(0, new Declare(IrType.Int, cursor, new SpanLength(SpanRole.Tape)));
            }
            else
            {
                tapeSlots = IntLiteral(StaticLayout(top, 0));
            }

            // 6. The forward pass, then the pops in the reverse statements.
            List<Stmt> primal = ForwardRegion(top);
            primal.AddRange(Pushes(top));
            if (cursorMode)
            {
                primal.Insert(0, new Declare(IrType.Int, cursor, IntLiteral(0)));
            }

            primal = FuseSinCos(primal);
            restores = RewritePops(restores);
            reverse = RewritePops(reverse);

            List<Stmt> both, onlyW, onlyX;
            if (structured)
            {
                both = Specialize(reverse, Need.Both, out _);
                onlyW = Specialize(reverse, Need.W, out _);
                onlyX = Specialize(reverse, Need.X, out _);
            }
            else
            {
                both = reverse.OfType<Tagged>().Where(t => t.Section == Need.Both).Select(t => t.Statement).ToList();
                onlyW = reverse.OfType<Tagged>().Where(t => t.Section == Need.W).Select(t => t.Statement).ToList();
                onlyX = reverse.OfType<Tagged>().Where(t => t.Section == Need.X).Select(t => t.Statement).ToList();
            }

            bool writesEveryOutput = layerMode && !arrayMode && outputCount is int count && Enumerable.Range(0, count).All(outputs.ContainsKey);
            var used = new SortedSet<string>(names.Taken, StringComparer.Ordinal);
            Expr? resultExpr = result is null ? null : new Local(result.ReadName, result.Type);
            return new DifferentiatedBody(
                EquatableArray.From(primal),
                EquatableArray.From(restores),
                EquatableArray.From(both),
                EquatableArray.From(onlyW),
                EquatableArray.From(onlyX),
                structured,
                EquatableArray.From(tapePrelude),
                tapeSlots,
                resultExpr,
                arrayMode,
                writesEveryOutput,
                EquatableArray.From(used));
        }

        private static bool HasControlFlow(Region region) => region.Items.Any(i => i is LoopItem or IfItem);

        private static bool AnyLoopRecords(Region region, bool insideLoop)
        {
            if (insideLoop && region.Pushed.Count > 0)
            {
                return true;
            }

            foreach (Item item in region.Items)
            {
                switch (item)
                {
                    case LoopItem loop when AnyLoopRecords(loop.Body, true):
                        return true;
                    case IfItem branch when AnyLoopRecords(branch.Then, insideLoop) || AnyLoopRecords(branch.Else, insideLoop):
                        return true;
                }
            }

            return false;
        }
    }
}
