namespace MoreauGen.Generator.Model
{
    // The statement IR shared by the parser, the differentiator and the emitter.
    //
    // The parser turns a method body into these records (the "source" program, in the user's names); the
    // differentiator lowers that to the primal (forward with tape stores) and adjoint programs in the same
    // records; the emitter prints any of them as C#. Spans appear only through roles (SpanRole), which the
    // emitter binds to names member by member (in SubproblemW the role W is the buffer w + v, for instance).
    //
    // Everything here is immutable, equatable data: no Roslyn symbols, syntax nodes or locations.

    /// <summary>Scalar kinds of IR values.</summary>
    internal enum ScalarKind
    {
        Boolean,
        Int32,
        Single,
        Double,
    }

    /// <summary>Whether a value is a scalar or a (read-only) span of scalars.</summary>
    internal enum TypeShape
    {
        Scalar,
        Span,
        ReadOnlySpan,
    }

    /// <summary>The type of an IR value: a scalar kind and a shape.</summary>
    internal sealed record IrType(ScalarKind Scalar, TypeShape Shape)
    {
        public static readonly IrType Bool = new(ScalarKind.Boolean, TypeShape.Scalar);
        public static readonly IrType Int = new(ScalarKind.Int32, TypeShape.Scalar);
        public static readonly IrType Float = new(ScalarKind.Single, TypeShape.Scalar);
        public static readonly IrType Double = new(ScalarKind.Double, TypeShape.Scalar);

        /// <summary>True for float and double scalars: the values that carry derivatives.</summary>
        public bool IsReal => Shape == TypeShape.Scalar && (Scalar == ScalarKind.Single || Scalar == ScalarKind.Double);

        public bool IsSpan => Shape != TypeShape.Scalar;

        public static IrType ScalarOf(ScalarKind kind) => kind switch
        {
            ScalarKind.Boolean => Bool,
            ScalarKind.Int32 => Int,
            ScalarKind.Single => Float,
            _ => Double,
        };

        public static IrType SpanOf(ScalarKind kind, bool readOnly) =>
            new(kind, readOnly ? TypeShape.ReadOnlySpan : TypeShape.Span);

        /// <summary>The element type of a span type (or the type itself for a scalar).</summary>
        public IrType Element => ScalarOf(Scalar);
    }

    /// <summary>
    /// The spans a layer body and its generated members work on. The parser produces W, X and Y; the
    /// differentiator adds the others. The emitter binds each role to a name in each generated member.
    /// </summary>
    internal enum SpanRole
    {
        /// <summary>The parameters w (shared by the samples).</summary>
        W,

        /// <summary>The input x of the current sample.</summary>
        X,

        /// <summary>The output y of the current sample.</summary>
        Y,

        /// <summary>The current sample's part of the tape.</summary>
        Tape,

        /// <summary>The current sample's part of λ (the adjoint seed of y).</summary>
        Lambda,

        /// <summary>The gradient with respect to w (accumulated over the samples).</summary>
        GradW,

        /// <summary>The current sample's part of the gradient with respect to x.</summary>
        GradX,

        /// <summary>The adjoint of y while it is pulled back (only when y is written at run-time indices).</summary>
        OutputAdjoint,

        /// <summary>The pooled array under a growable tape (see <see cref="GrowTape"/>).</summary>
        TapeArray,

        /// <summary>
        /// The value before the sample's records in the call's tape when a body with an unbounded loop records there
        /// (a C# element access, see <see cref="GrowTape"/>): the number of values recorded, or −1 when they overflowed
        /// the sample's reserve.
        /// </summary>
        TapeMark,
    }

    /// <summary>Primitive operations. Arithmetic and elementwise math have derivative rules (see Rules/).</summary>
    internal enum Op
    {
        Add,
        Subtract,
        Multiply,
        Divide,
        Remainder,
        Negate,

        /// <summary>Numeric conversion; the node's type is the target type.</summary>
        Convert,

        Sin,
        Cos,
        Tan,
        Exp,
        Log,
        Sqrt,
        Pow,
        Tanh,
        Sinh,
        Cosh,
        Atan,
        Abs,
        Cbrt,
        Max,
        Min,
        Log10,
        Log2,
        Asin,
        Acos,
        Atan2,
        Hypot,
        FusedMultiplyAdd,
        Clamp,

        /// <summary>Math.Sign: an int in C#; in the IR a value of its argument's type (or an int of data, see the parser).</summary>
        Sign,
        Floor,
        Ceiling,
        Round,
        Truncate,

        Less,
        LessOrEqual,
        Greater,
        GreaterOrEqual,
        Equal,
        NotEqual,

        /// <summary><c>a &amp;&amp; b</c> on conditions.</summary>
        And,

        /// <summary><c>a || b</c> on conditions.</summary>
        Or,

        /// <summary><c>!a</c> on a condition.</summary>
        Not,
    }

    /// <summary>Assignment operators: <c>=</c> and the compound ones.</summary>
    internal enum AssignKind
    {
        Assign,
        Add,
        Subtract,
        Multiply,
        Divide,
    }

    /// <summary>An expression; every node knows its type.</summary>
    internal abstract record Expr(IrType Type);

    /// <summary>A numeric or boolean literal (integers are exact in a double up to 2⁵³).</summary>
    internal sealed record Literal(IrType Type, double Value) : Expr(Type);

    /// <summary>A local of the generated code: a user local, a version of one, a temporary, an adjoint or a const.</summary>
    internal sealed record Local(string Name, IrType Type) : Expr(Type);

    /// <summary>Non-differentiable data of the layer, printed as is (<c>this.dt</c>, <c>global::N.T.K</c>, a primary-constructor parameter).</summary>
    internal sealed record LayerData(string Code, IrType Type) : Expr(Type);

    /// <summary>One of the spans of the layer or of a generated member.</summary>
    internal sealed record SpanRef(SpanRole Role, IrType Type) : Expr(Type);

    /// <summary><c>span[index]</c>; the index is an int expression that needs no derivative.</summary>
    internal sealed record Element(Expr Span, Expr Index, IrType Type) : Expr(Type);

    /// <summary>
    /// <c>span.Slice(start, length)</c> (or <c>span.Slice(start)</c>): a span-valued expression, for span locals such as
    /// <c>var weights = w[..k]</c>. The body parser does not produce it yet (tensor layers will).
    /// </summary>
    internal sealed record Slice(Expr Span, Expr Start, Expr? Length, IrType Type) : Expr(Type);

    /// <summary>A primitive applied to arguments: an operator, a conversion or a Math/MathF call.</summary>
    internal sealed record Apply(Op Op, IrType Type, EquatableArray<Expr> Args) : Expr(Type);

    /// <summary><c>condition ? whenTrue : whenFalse</c>.</summary>
    internal sealed record Conditional(Expr Condition, Expr WhenTrue, Expr WhenFalse) : Expr(WhenTrue.Type);

    /// <summary>
    /// The length of a span role, an int: in a layer body (one sample) the size |w|, |x| or |y|; in an objective the
    /// length of the whole batch x. The emitter says how each member writes it (a number, a size local, <c>x.Length</c>).
    /// </summary>
    internal sealed record SpanLength(SpanRole Role) : Expr(IrType.Int);

    /// <summary>A call of a user's differentiable helper, <c>global::N.T.F(a, b)</c>; <paramref name="Method"/> is printed as is.</summary>
    internal sealed record Call(string Method, IrType Type, EquatableArray<Expr> Args) : Expr(Type);

    /// <summary>The tape cursor moved by one: <c>tp++</c> (a push, the slot written) or <c>--tp</c> (a pop, the slot read).</summary>
    internal sealed record CursorStep(string Cursor, bool Push) : Expr(IrType.Int);

    /// <summary>
    /// A temporary span a batched body declares, <c>Span&lt;T&gt; h = new T[Length];</c>: the generated members take it
    /// from a pool, or from the tape when the reverse pass reads it. Only the initializer of a span local.
    /// </summary>
    internal sealed record NewSpan(Expr Length, IrType Type) : Expr(Type);

    /// <summary>
    /// A call of a value-returning member of <c>MoreauGen.Ops</c>, <c>global::MoreauGen.Ops.Method&lt;T&gt;(Args)</c> with
    /// T the scalar kind of <paramref name="Type"/>: a batch loss in an objective (<c>Ops.SquaredLoss(x, labels, c)</c>),
    /// or <c>Ops.Dot</c> in a reverse pass.
    /// </summary>
    internal sealed record OpsCall(string Method, IrType Type, EquatableArray<Expr> Args) : Expr(Type);

    /// <summary>A statement.</summary>
    internal abstract record Stmt;

    /// <summary>
    /// A call of a tensor operation, <c>global::MoreauGen.Ops.Method&lt;T&gt;(Args);</c> (T from <paramref name="Element"/>):
    /// span arguments are span roles, span locals or slices; sizes are ints; flags are bool literals.
    /// </summary>
    internal sealed record TensorCall(string Method, IrType Element, EquatableArray<Expr> Args) : Stmt;

    /// <summary>
    /// <c>T[] Array = ArrayPool&lt;T&gt;.Shared.Rent(Length); Span&lt;T&gt; Name = new Span&lt;T&gt;(Array, 0, Length);</c>: a pooled
    /// temporary of a generated member (returned by <see cref="ReturnSpan"/>).
    /// </summary>
    internal sealed record RentSpan(string Name, string Array, Expr Length, IrType Element) : Stmt;

    /// <summary><c>ArrayPool&lt;T&gt;.Shared.Return(Array);</c></summary>
    internal sealed record ReturnSpan(string Array, IrType Element) : Stmt;

    /// <summary><c>// Text</c>: says which statement of the user's body a block of generated code belongs to.</summary>
    internal sealed record Comment(string Text) : Stmt;

    /// <summary>
    /// A comment naming a runtime call as the user wrote it (<c>// Ops.Relu(y, y)</c>): the printer words the arguments
    /// with the user's names of w, x and y (<paramref name="SpanNames"/>, in that order), not the member's.
    /// </summary>
    internal sealed record CallComment(string Method, IReadOnlyList<Expr> Arguments, IReadOnlyList<string> SpanNames) : Stmt;

    /// <summary><c>Type Name = Value;</c> (or <c>Type Name;</c>).</summary>
    internal sealed record Declare(IrType Type, string Name, Expr? Value) : Stmt;

    /// <summary><c>Target op= Value;</c>, where Target is a <see cref="Local"/> or an <see cref="Element"/>.</summary>
    internal sealed record Assign(Expr Target, AssignKind Kind, Expr Value) : Stmt;

    /// <summary>
    /// Makes a forward value available to the reverse pass of Pullback: <c>Type Name = Source;</c>, where Source
    /// reads the tape or recomputes the value from w and x. Members that run forward and reverse together skip it.
    /// </summary>
    internal sealed record Restore(IrType Type, string Name, Expr Source) : Stmt;

    /// <summary>
    /// <c>for (int Index = From; Index &lt; To; Index += Step) { Body }</c> (Step a positive int), or with
    /// <paramref name="Descending"/> the same indices from the last down to From (the order a reverse pass walks a
    /// loop in): <c>for (int Index = To - 1; Index &gt;= From; Index--)</c> for a step of 1.
    /// </summary>
    internal sealed record For(string Index, Expr From, Expr To, Expr Step, bool Descending, EquatableArray<Stmt> Body) : Stmt
    {
        /// <summary>
        /// For a <c>while</c> or <c>do</c> loop lowered to this loop (from 0, step 1): its stop flag, a local of the element
        /// type that, once non-zero, makes every later iteration do nothing. The differentiator then ends the taped forward
        /// loop after the iteration that set it, records the number of iterations run and starts the reverse loop there.
        /// The printer ignores it.
        /// </summary>
        public string? StopFlag { get; init; }

        /// <summary>
        /// Set by the differentiator (never by the parser): the guard <c>if (stopped == 0)</c> that opened each trip was
        /// dropped, because the flag is clear when the loop starts and the taped forward loop ends after the trip that
        /// sets it; the differentiator must then end that loop there and record the trips for the reverse loop.
        /// </summary>
        public bool EndsAtStop { get; init; }

        /// <summary>
        /// For a <c>while</c> or <c>do</c> loop with no trip bound (<see cref="To"/> is then <see cref="int.MaxValue"/>): the
        /// condition the plain forward pass goes on while (its stop flag clear), printed in place of <c>Index &lt; To</c>.
        /// The differentiator records the trips on a tape that grows (<see cref="GrowTape"/>).
        /// </summary>
        public Expr? Continue { get; init; }
    }

    /// <summary>What a <see cref="GrowTape"/> statement does to the growable tape of a body with an unbounded loop.</summary>
    internal enum TapeGrowth
    {
        /// <summary>The sample starts: the tape is the whole pooled array, with room for at least Reserve values.</summary>
        Start,

        /// <summary>A trip starts: room for Reserve more values past the cursor (the array grows when it lacks it).</summary>
        Trip,

        /// <summary>The forward pass ends: the tape is cut at the cursor, where the reverse pass starts.</summary>
        End,
    }

    /// <summary>
    /// The growable tape of a body with a loop that has no trip bound (<see cref="For.Continue"/>): printed on the span
    /// bound to <see cref="SpanRole.Tape"/> and its pooled array (<see cref="SpanRole.TapeArray"/>), cursor
    /// <paramref name="Cursor"/>. When no array is bound but <see cref="SpanRole.TapeMark"/> is, the tape is the sample's
    /// fixed reserve in the call's tape: a trip that lacks room marks the sample as overflowed (−1) and records on from the
    /// reserve's start (records the reverse pass then never reads), and the end writes the cursor to the mark.
    /// </summary>
    internal sealed record GrowTape(TapeGrowth Growth, string Cursor, Expr Reserve) : Stmt;

    /// <summary><c>if (Condition) { Then } else { Else }</c> (no else block when Else is empty).</summary>
    internal sealed record If(Expr Condition, EquatableArray<Stmt> Then, EquatableArray<Stmt> Else) : Stmt;

    /// <summary><c>{ Body }</c>: a scope of its own, so that its locals do not clash with a sibling block's.</summary>
    internal sealed record Block(EquatableArray<Stmt> Body) : Stmt;

    /// <summary><c>return Value;</c>: the last statement of an objective or helper body (the parser puts it there).</summary>
    internal sealed record Return(Expr Value) : Stmt;

    /// <summary>
    /// A helper's pullback: <c>Method(Args…, out Type Outs[0], out Type Outs[1], …);</c>, declaring one local per
    /// argument adjoint.
    /// </summary>
    internal sealed record CallPullback(string Method, EquatableArray<Expr> Args, IrType Type, EquatableArray<string> Outs) : Stmt;

    /// <summary><c>(Type SinName, Type CosName) = Math.SinCos(Argument);</c>: the sine and cosine of one value in one call.</summary>
    internal sealed record SinCos(IrType Type, string SinName, string CosName, Expr Argument) : Stmt;

    /// <summary><c>Source.CopyTo(Destination);</c></summary>
    internal sealed record CopySpan(Expr Source, Expr Destination) : Stmt;

    /// <summary><c>Span.Clear();</c></summary>
    internal sealed record ClearSpan(Expr Span) : Stmt;

    /// <summary>
    /// A reverse statement with the gradients it serves, as flags (1 = w, 2 = x, 3 = both). The differentiator's
    /// working form only: it sorts or specializes the reverse pass by these tags and never hands them to the printer.
    /// </summary>
    internal sealed record Tagged(Need Section, Stmt Statement) : Stmt;
}
