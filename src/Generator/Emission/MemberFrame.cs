using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Emission
{
    /// <summary>The members of <c>IMoreauLayer&lt;T&gt;</c> that take spans, as both emitters write them.</summary>
    internal enum LayerMember
    {
        /// <summary><c>Forward(w, x, y)</c>.</summary>
        Forward,

        /// <summary><c>Forward(w, x, y, tape)</c>.</summary>
        TapedForward,

        /// <summary><c>Pullback(w, x, tape, lambda, gradW, gradX)</c>.</summary>
        Pullback,

        /// <summary><c>SubproblemW(w, x, lambda, v, grad)</c>: Φw(v) (paper Eq. 12).</summary>
        SubproblemW,

        /// <summary><c>SubproblemX(w, x, lambda, u, grad)</c>: Φx(u) (paper Eq. 13).</summary>
        SubproblemX,
    }

    /// <summary>A temporary span of a generated member: on the stack (a local inline array), or rented from ArrayPool.</summary>
    internal sealed record ScratchSpan(string Name, string? PooledArray, string ElementType);

    /// <summary>
    /// One generated member, per-sample or batched: its names (fresh against the body's), the names its span roles and
    /// span lengths print as, the sizes read into locals, the opening of a contract member with the checks of its
    /// spans, its temporaries, and the printing of IR with those bindings. The per-sample and batched emitters derive
    /// what only they do (sample loops and slices; the body's size arithmetic).
    /// </summary>
    internal abstract class MemberFrame
    {
        /// <summary>Fixed-size temporaries up to this many values live on the stack; others come from ArrayPool.</summary>
        public const int StackLimit = 128;

        private readonly Dictionary<string, string> parameters = new();
        private readonly Dictionary<LayerSize, string> sizeLocals = new();
        private readonly List<ScratchSpan> buffers = new();
        private readonly bool stackBuffers;

        /// <param name="frame">The file being written.</param>
        /// <param name="usedNames">The names the member's code may not take (the body's).</param>
        /// <param name="stackBuffers">Whether small fixed temporaries live on the stack (else every temporary is pooled).</param>
        /// <param name="parameterNames">The member's parameters, in order.</param>
        protected MemberFrame(EmissionScaffold frame, IEnumerable<string> usedNames, bool stackBuffers, params string[] parameterNames)
        {
            Frame = frame;
            Names = NameTable.Over(frame.ReservedSet(usedNames));
            this.stackBuffers = stackBuffers;
            foreach (string parameter in parameterNames)
            {
                parameters[parameter] = Names.Fresh(parameter);
            }
        }

        protected EmissionScaffold Frame { get; }

        protected CodeWriter Code => Frame.Code;

        protected NameTable Names { get; }

        /// <summary>The name each span role prints as.</summary>
        protected Dictionary<SpanRole, string> Spans { get; } = new();

        /// <summary>How <c>span.Length</c> of a role prints (a size), where it is not the span's own length.</summary>
        protected Dictionary<SpanRole, string> Lengths { get; } = new();

        /// <summary>The parameters of a contract member, in the interface's order.</summary>
        public static string[] ParametersOf(LayerMember member) => member switch
        {
            LayerMember.Forward => new[] { "w", "x", "y" },
            LayerMember.TapedForward => new[] { "w", "x", "y", "tape" },
            LayerMember.Pullback => new[] { "w", "x", "tape", "lambda", "gradW", "gradX" },
            LayerMember.SubproblemW => new[] { "w", "x", "lambda", "v", "grad" },
            _ => new[] { "w", "x", "lambda", "u", "grad" },
        };

        public string Param(string name) => parameters[name];

        public string Local(string preferred) => Names.Fresh(preferred);

        public string Name(SpanRole role) => Spans[role];

        public void Bind(SpanRole role, string name) => Spans[role] = name;

        public void BindLength(SpanRole role, string length) => Lengths[role] = length;

        /// <summary>
        /// Opens the contract member <paramref name="member"/>: its signature, the sizes read into locals, and the batch
        /// size m checked from x and y (or λ). Returns m's name.
        /// </summary>
        public string Open(LayerMember member)
        {
            string R(string name) => Frame.ReadOnlySpan + " " + Param(name);
            string W(string name) => Frame.Span + " " + Param(name);
            Frame.Separate();
            Code.Line("/// <inheritdoc/>");
            Code.Open(member switch
            {
                LayerMember.Forward => "public void Forward(" + R("w") + ", " + R("x") + ", " + W("y") + ")",
                LayerMember.TapedForward => "public void Forward(" + R("w") + ", " + R("x") + ", " + W("y") + ", " + W("tape") + ")",
                LayerMember.Pullback => "public void Pullback(" + R("w") + ", " + R("x") + ", " + R("tape") + ", " + R("lambda") + ", " + W("gradW") + ", " + W("gradX") + ")",
                LayerMember.SubproblemW => "public " + Frame.T + " SubproblemW(" + R("w") + ", " + R("x") + ", " + R("lambda") + ", " + R("v") + ", " + W("grad") + ")",
                _ => "public " + Frame.T + " SubproblemX(" + R("w") + ", " + R("x") + ", " + R("lambda") + ", " + R("u") + ", " + W("grad") + ")",
            });
            SizeLocals();
            return BatchSize(member is LayerMember.Forward or LayerMember.TapedForward ? "y" : "lambda");
        }

        /// <summary>
        /// Opens <c>TapeLength(batch)</c> computed in statements (a member made with the parameter "batch"), with
        /// <paramref name="remarks"/> on what the tape holds, and reads the sizes. Returns batch's name.
        /// </summary>
        public string OpenTapeLength(string remarks)
        {
            Frame.Separate();
            Code.Line("/// <inheritdoc/>");
            Code.Line("/// <remarks>" + remarks + "</remarks>");
            Code.Open("public int TapeLength(int " + Param("batch") + ")");
            SizeLocals();
            return Param("batch");
        }

        /// <summary>
        /// Checks the lengths of <paramref name="member"/>'s spans for a batch of <paramref name="m"/>: w, then y (Forward) or
        /// λ and the gradients (Pullback) or λ, the shift and its gradient (subproblems). <paramref name="xLength"/> is the
        /// length of x as the member writes it; <paramref name="tapeLength"/>, when the tape's length is known before the
        /// body's own sizes, is checked with them (after y in Forward, after w in Pullback).
        /// </summary>
        public void CheckSpans(LayerMember member, string m, string xLength, string? tapeLength = null)
        {
            string parameterCount = Size(LayerSize.Parameters);
            CheckLength("w", parameterCount);
            switch (member)
            {
                case LayerMember.Forward or LayerMember.TapedForward:
                    CheckLength("y", Times(m, LayerSize.Outputs));
                    if (tapeLength is not null)
                    {
                        CheckLength("tape", tapeLength);
                    }

                    break;
                case LayerMember.Pullback:
                    if (tapeLength is not null)
                    {
                        CheckLength("tape", tapeLength);
                    }

                    CheckLength("lambda", Times(m, LayerSize.Outputs));
                    CheckLengthOrEmpty("gradW", parameterCount);
                    CheckLengthOrEmpty("gradX", xLength);
                    break;
                default:
                    CheckLength("lambda", Times(m, LayerSize.Outputs));
                    string shift = member == LayerMember.SubproblemW ? "v" : "u";
                    CheckLength(shift, member == LayerMember.SubproblemW ? parameterCount : xLength);
                    CheckLengthOrEmpty("grad", member == LayerMember.SubproblemW ? parameterCount : xLength);
                    break;
            }
        }

        /// <summary>
        /// Pullback's flags for the gradients asked for (an empty span asks for none); clears them first when
        /// <paramref name="clear"/> (a body that adds to them); returns at once when neither is asked for.
        /// </summary>
        public (string NeedW, string NeedX) NeedFlags(bool clear)
        {
            string needW = Local("needW");
            string needX = Local("needX");
            Code.Line("bool " + needW + " = !" + Param("gradW") + ".IsEmpty;");
            Code.Line("bool " + needX + " = !" + Param("gradX") + ".IsEmpty;");
            if (clear)
            {
                Code.Line(Param("gradW") + ".Clear();");
                Code.Line(Param("gradX") + ".Clear();");
            }

            Code.Open("if (!" + needW + " && !" + needX + ")");
            Code.Line("return;");
            Code.Close();
            Code.Line();
            return (needW, needX);
        }

        /// <summary>
        /// Pullback's reverse pass as three lists that run in order: the statements both gradients need, then those only
        /// the gradient with respect to w needs (when it is asked for), then those only x's needs (when asked for;
        /// <paramref name="bindGradX"/> binds gradX there first, where the member binds it per sample).
        /// </summary>
        public void ReverseLists(IReadOnlyList<Stmt> both, IReadOnlyList<Stmt> onlyW, IReadOnlyList<Stmt> onlyX, string needW, string needX, System.Action? bindGradX = null)
        {
            Statements(both);
            if (onlyW.Count > 0)
            {
                Code.Open("if (" + needW + ")");
                Code.Line("// Needed for the gradient with respect to w only.");
                Statements(onlyW);
                Code.Close();
            }

            if (onlyX.Count > 0)
            {
                Code.Open("if (" + needX + ")");
                bindGradX?.Invoke();
                Code.Line("// Needed for the gradient with respect to x only.");
                Statements(onlyX);
                Code.Close();
            }
        }

        /// <summary>
        /// Reads the sizes the type declares once, into locals (an objective has only the inputs), and says how the body's
        /// span lengths read (|w|, and per sample |x| and |y|).
        /// </summary>
        public void SizeLocals()
        {
            foreach (LayerSize size in LayerSizeNames.All)
            {
                if (Frame.IsObjective && size != LayerSize.Inputs)
                {
                    continue;
                }

                if (size.In(Frame.Layer.Sizes) is null)
                {
                    string name = Names.Fresh(size.Local());
                    sizeLocals[size] = name;
                    Code.Line("int " + name + " = this." + size.Property() + ";");
                }

                Lengths[size.Role()] = Size(size);
            }
        }

        /// <summary>The size as C#: a number when fixed, else the local holding the property.</summary>
        public string Size(LayerSize size) => size.In(Frame.Layer.Sizes) is int fixedSize ? EmissionScaffold.Int(fixedSize) : sizeLocals[size];

        /// <summary><paramref name="m"/> times the size.</summary>
        public string Times(string m, LayerSize size) => Product(m, Size(size));

        public static string Product(string m, string size) => size switch
        {
            "0" => "0",
            "1" => m,
            _ => m + " * " + size,
        };

        /// <summary>The batch size m from the lengths of x and of <paramref name="otherSpan"/> (y or λ), checked to be whole samples of both.</summary>
        public string BatchSize(string otherSpan)
        {
            string m = Names.Fresh("m");
            Code.Line("int " + m + " = " + EmissionScaffold.Checks + ".BatchSize(" + Param("x") + ".Length, " + Size(LayerSize.Inputs) + ", " +
                      Param(otherSpan) + ".Length, " + Size(LayerSize.Outputs) + ", \"" + otherSpan + "\");");
            return m;
        }

        /// <summary>Checks the length of the parameter <paramref name="span"/> (the interface's name, used in the message).</summary>
        public void CheckLength(string span, string expected) =>
            Code.Line(EmissionScaffold.Checks + ".Length(" + Param(span) + ".Length, " + expected + ", \"" + span + "\");");

        public void CheckLengthOrEmpty(string span, string expected) =>
            Code.Line(EmissionScaffold.Checks + ".LengthOrEmpty(" + Param(span) + ".Length, " + expected + ", \"" + span + "\");");

        /// <summary>Declares the method's constants (or <paramref name="declared"/>) that <paramref name="statements"/> read.</summary>
        public void Constants(IEnumerable<Stmt> statements, IEnumerable<ConstantDeclaration>? declared = null)
        {
            IEnumerable<ConstantDeclaration> constants = declared ?? Frame.Layer.Constants;
            if (!constants.Any())
            {
                return;
            }

            HashSet<string> read = IrWalk.LocalsRead(statements);
            foreach (ConstantDeclaration constant in constants)
            {
                if (read.Contains(constant.Name))
                {
                    Code.Line("const " + CSharpPrinter.TypeName(constant.Type) + " " + CSharpPrinter.Identifier(constant.Name) + " = " +
                              CSharpPrinter.FormatLiteral(constant.Value) + ";");
                }
            }
        }

        /// <summary>
        /// A temporary of <paramref name="length"/> values: a local inline array when the member may use the stack and the
        /// length is fixed and small, else rented from ArrayPool (returned by <see cref="ReturnBuffers"/>).
        /// </summary>
        /// <param name="exactName">The name the span takes when the body's statements already use it (a scratch array), else a fresh one.</param>
        /// <param name="written">Every value is written before it is read, so a local inline array is not zeroed at its declaration.</param>
        public ScratchSpan Buffer(string preferred, string length, IrType? elementType = null, string? exactName = null, bool written = false)
        {
            string elementName = elementType is null ? Frame.T : CSharpPrinter.TypeName(elementType);
            string spanType = "global::System.Span<" + elementName + ">";
            string name = exactName is null ? Names.Fresh(preferred) : CSharpPrinter.Identifier(exactName);
            ScratchSpan buffer;
            if (stackBuffers && int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out int fixedSize) && fixedSize <= StackLimit)
            {
                // A local inline array (MoreauGen.Generated.ScratchN<T>, N the next power of two), not stackalloc:
                // on a tiny layer called millions of times, stackalloc doubled the cost of a call.
                int capacity = ScratchCapacity(fixedSize);
                string storage = Names.Fresh(preferred + "_storage");
                string storageType = "global::MoreauGen.Generated.Scratch" + EmissionScaffold.Int(capacity) + "<" + elementName + "> ";
                if (written)
                {
                    Code.Line(storageType + storage + ";");
                    Code.Line("global::System.Runtime.CompilerServices.Unsafe.SkipInit(out " + storage + ");");
                }
                else
                {
                    Code.Line(storageType + storage + " = default;");
                }

                Code.Line(spanType + " " + name + " = " + (capacity == fixedSize
                    ? storage + ";"
                    : "((" + spanType + ")" + storage + ").Slice(0, " + length + ");"));
                buffer = new ScratchSpan(name, null, elementName);
            }
            else
            {
                string array = Names.Fresh(preferred + "_array");
                Code.Line(elementName + "[] " + array + " = global::System.Buffers.ArrayPool<" + elementName + ">.Shared.Rent(" + length + ");");
                Code.Line(spanType + " " + name + " = new " + spanType + "(" + array + ", 0, " + length + ");");
                buffer = new ScratchSpan(name, array, elementName);
            }

            buffers.Add(buffer);
            return buffer;
        }

        /// <summary>Returns the pooled temporaries to ArrayPool.</summary>
        public void ReturnBuffers()
        {
            foreach (ScratchSpan buffer in buffers.Where(b => b.PooledArray is not null))
            {
                Code.Line("global::System.Buffers.ArrayPool<" + buffer.ElementType + ">.Shared.Return(" + buffer.PooledArray + ");");
            }
        }

        public void Statements(IEnumerable<Stmt> statements) => Printer().WriteAll(Code, statements);

        public string Expression(Expr expr) => Printer().Expression(expr);

        private CSharpPrinter Printer() => new(Spans, Lengths, Frame.Rules);

        /// <summary>The smallest MoreauGen.Generated.ScratchN (N a power of two, at most <see cref="StackLimit"/>) that holds <paramref name="size"/> values.</summary>
        private static int ScratchCapacity(int size)
        {
            int capacity = 1;
            while (capacity < size)
            {
                capacity *= 2;
            }

            return capacity;
        }
    }
}
