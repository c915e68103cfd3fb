using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Mirrors Emission/BatchedFusion.cs: which runs of a batched body's calls become one fused product, and the near misses
/// that must stay separate (another span, other sizes, a statement in between, a transposed dz). The fused calls' values
/// are checked against the separate ones in the runtime's GemmEpilogueTests; the generated layers' derivatives in
/// DenseLayerTests and CompileAndRunTests.
/// </summary>
public sealed class BatchedFusionTests
{
    private static readonly IrType Span = IrType.SpanOf(ScalarKind.Single, readOnly: false);
    private static readonly Local X = new("x", Span), W = new("weights", Span), Bias = new("bias", Span), Y = new("y", Span), Other = new("h", Span);
    private static readonly Local M = new("m", IrType.Int), K = new("k", IrType.Int), N = new("n", IrType.Int);
    private static readonly Literal False = TensorRuleSyntax.Bool(false), True = TensorRuleSyntax.Bool(true);

    private static TensorCall Call(string method, params Expr[] args) => new(method, IrType.Float, EquatableArray.Of(args));

    private static TensorCall MatMul(Expr y, Expr? n = null, Expr? transB = null) => Call("MatMul", X, W, y, M, K, n ?? N, False, transB ?? False);

    private static string Methods(IEnumerable<Stmt> statements) =>
        string.Join(" ", statements.Select(s => s switch { TensorCall c => c.Method, Comment => "//", _ => s.GetType().Name }));

    [Fact]
    public void A_dense_forward_becomes_one_product_with_bias_and_relu()
    {
        List<Stmt> fused = BatchedFusion.Fuse([MatMul(Y), Call("AddBias", Y, Bias, M, N), Call("Relu", Y, Y)]);
        TensorCall call = Assert.IsType<TensorCall>(Assert.Single(fused));
        Assert.Equal("MatMulBiasRelu", call.Method);
        Assert.Equal(EquatableArray.Of<Expr>(X, W, Bias, Y, M, K, N, False, False), call.Args);
    }

    [Fact]
    public void A_taped_dense_forward_records_y_from_the_same_registers()
    {
        var tape = new Slice(new SpanRef(SpanRole.Tape, Span), new Literal(IrType.Int, 0), new SpanLength(SpanRole.Y), Span);
        Expr y = new SpanRef(SpanRole.Y, Span);
        List<Stmt> fused = BatchedFusion.Fuse([MatMul(y), Call("AddBias", y, Bias, M, N), Call("Relu", y, y), new CopySpan(y, tape)]);
        TensorCall call = Assert.IsType<TensorCall>(Assert.Single(fused));
        Assert.Equal("MatMulBiasReluAndCopy", call.Method);
        Assert.Equal(EquatableArray.Of<Expr>(X, W, Bias, y, tape, M, K, N, False, False), call.Args);
        // A copy of another span stays a copy.
        Assert.Equal("MatMulBiasRelu CopySpan",
                     Methods(BatchedFusion.Fuse([MatMul(y), Call("AddBias", y, Bias, M, N), Call("Relu", y, y), new CopySpan(Other, tape)])));
    }

    [Fact]
    public void An_affine_forward_fuses_the_bias_and_leaves_another_activation()
    {
        List<Stmt> fused = BatchedFusion.Fuse([MatMul(Y), new Comment("bias"), Call("AddBias", Y, Bias, M, N), Call("Tanh", Y, Y)]);
        Assert.Equal("// MatMulBias Tanh", Methods(fused));
        // A ReLU into another span is not the in-place activation the epilogue applies.
        Assert.Equal("MatMulBias Relu", Methods(BatchedFusion.Fuse([MatMul(Y), Call("AddBias", Y, Bias, M, N), Call("Relu", Y, Other)])));
    }

    [Fact]
    public void Near_misses_of_the_forward_pattern_stay_separate()
    {
        Assert.Equal("MatMul AddBias", Methods(BatchedFusion.Fuse([MatMul(Y), Call("AddBias", Other, Bias, M, N)])));
        Assert.Equal("MatMul AddBias", Methods(BatchedFusion.Fuse([MatMul(Y), Call("AddBias", Y, Bias, M, K)])));
        Assert.Equal("MatMul AddBias", Methods(BatchedFusion.Fuse([MatMul(Y), Call("AddBias", Y, X, M, N)])));
        Assert.Equal("MatMul CopySpan AddBias",
                     Methods(BatchedFusion.Fuse([MatMul(Y), new CopySpan(Y, Other), Call("AddBias", Y, Bias, M, N)])));
    }

    [Fact]
    public void The_bias_gradient_is_summed_inside_the_weight_gradient_product()
    {
        Local dz = new("d_y", Span), dBias = new("d_bias", Span), dW = new("d_weights", Span);
        TensorCall product = Call("MatMul", X, dz, dW, K, M, N, True, False);
        List<Stmt> fused = BatchedFusion.Fuse([Call("SumRows", dz, dBias, M, N), new Comment("product"), product]);
        Assert.Equal("// MatMulSumRows", Methods(fused));
        Assert.Equal(EquatableArray.Of<Expr>(X, dz, dW, dBias, K, M, N, True), ((TensorCall)fused[1]).Args);

        // dz transposed in the product, or sums of another span, or other sizes: separate.
        Assert.Equal("SumRows MatMul", Methods(BatchedFusion.Fuse([Call("SumRows", dz, dBias, M, N), product with { Args = EquatableArray.Of<Expr>(X, dz, dW, K, M, N, True, True) }])));
        Assert.Equal("SumRows MatMul", Methods(BatchedFusion.Fuse([Call("SumRows", Other, dBias, M, N), product])));
        Assert.Equal("SumRows MatMul", Methods(BatchedFusion.Fuse([Call("SumRows", dz, dBias, K, N), product])));
    }
}
