using MoreauGen.Generator.Emission;
using MoreauGen.Generator.Model;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// Mirrors Emission/BatchedMaskFusion.cs: when a batched reverse pass's <c>ReluBackward(z, λ, d)</c> is folded into the
/// products that read d (their operand masked while packed), and the near misses that must keep it (d read otherwise,
/// λ or z mentioned again, d written). The masked products' values are checked against ReluBackward then the product in
/// the runtime's GemmOperandMaskTests; the generated layers' derivatives in DenseLayerTests and CompileAndRunTests.
/// </summary>
public sealed class BatchedMaskFusionTests
{
    private static readonly IrType Span = IrType.SpanOf(ScalarKind.Single, readOnly: false);
    private static readonly Local X = new("x", Span), W = new("weights", Span), Z = new("y_relu", Span), D = new("d_y", Span);
    private static readonly Local DW = new("d_weights", Span), DB = new("d_bias", Span), Other = new("h", Span);
    private static readonly SpanRef Lambda = new(SpanRole.Lambda, Span), GradX = new(SpanRole.GradX, Span);
    private static readonly Local M = new("m", IrType.Int), K = new("inputs", IrType.Int), N = new("outputs", IrType.Int);
    private static readonly Literal False = TensorRuleSyntax.Bool(false), True = TensorRuleSyntax.Bool(true);

    private static TensorCall Call(string method, params Expr[] args) => new(method, IrType.Float, EquatableArray.Of(args));

    private static TensorCall Relu => Call("ReluBackward", Z, Lambda, D);

    private static TensorCall WeightGradient => Call("MatMulSumRows", X, D, DW, DB, K, M, N, True);

    private static TensorCall InputGradient => Call("MatMul", D, W, GradX, M, N, K, False, True);

    private static string Methods(IEnumerable<Stmt> statements) =>
        string.Join(" ", statements.Select(s => s switch { TensorCall c => c.Method, Comment => "//", _ => s.GetType().Name }));

    [Fact]
    public void A_dense_reverse_pass_reads_lambda_masked_in_both_products_and_drops_dz()
    {
        FusedReverse fused = BatchedMaskFusion.Fuse([Relu], [new Comment("dW"), WeightGradient], [InputGradient]);
        Assert.Equal("//", Methods(fused.Both));
        Assert.Equal("// MatMulSumRowsReluMask", Methods(fused.ForW));
        Assert.Equal(EquatableArray.Of<Expr>(X, Lambda, Z, DW, DB, K, M, N, True), ((TensorCall)fused.ForW[1]).Args);
        Assert.Equal("MatMulReluMask", Methods(fused.ForX));
        Assert.Equal(EquatableArray.Of<Expr>(Lambda, Z, W, GradX, M, N, K, False, True), ((TensorCall)fused.ForX[0]).Args);
        Assert.Equal(["d_y"], fused.Dropped);

        // The buffer of dz is rented and returned no more; other buffers still are.
        Stmt[] rents = [new RentSpan("d_y", "d_y_array", M, IrType.Float), new RentSpan("h", "h_array", M, IrType.Float)];
        Assert.Equal([rents[1]], BatchedMaskFusion.Kept(rents, fused.Dropped, rents));
        Stmt[] returns = [new ReturnSpan("d_y_array", IrType.Float), new ReturnSpan("h_array", IrType.Float)];
        Assert.Equal([returns[1]], BatchedMaskFusion.Kept(returns, fused.Dropped, rents));
    }

    [Fact]
    public void Only_one_of_the_gradients_still_folds()
    {
        FusedReverse fused = BatchedMaskFusion.Fuse([Relu], [WeightGradient], []);
        Assert.Equal("//", Methods(fused.Both));
        Assert.Equal("MatMulSumRowsReluMask", Methods(fused.ForW));
    }

    [Fact]
    public void Near_misses_keep_the_separate_relu_backward()
    {
        // dz read by something that is not a product operand.
        AssertKept(BatchedMaskFusion.Fuse([Relu, Call("Add", D, Other, Other)], [WeightGradient], [InputGradient]));
        // dz as the product's other operand, or as both.
        AssertKept(BatchedMaskFusion.Fuse([Relu], [Call("MatMul", X, D, DW, K, M, N, True, False)], []));
        AssertKept(BatchedMaskFusion.Fuse([Relu], [], [Call("MatMul", D, D, GradX, M, N, N, False, True)]));
        // dz written again, or copied.
        AssertKept(BatchedMaskFusion.Fuse([Relu], [WeightGradient], [Call("MatMul", X, W, D, M, K, N, False, False)]));
        AssertKept(BatchedMaskFusion.Fuse([Relu, new CopySpan(D, Other)], [WeightGradient], []));
        // λ or the mask mentioned later (it might be written before the product reads it).
        AssertKept(BatchedMaskFusion.Fuse([Relu, Call("Relu", Z, Z)], [WeightGradient], [InputGradient]));
        AssertKept(BatchedMaskFusion.Fuse([Relu], [WeightGradient], [InputGradient, Call("Add", Lambda, Other, Other)]));
        // dz is the mask itself, or nothing reads dz.
        AssertKept(BatchedMaskFusion.Fuse([Call("ReluBackward", D, Lambda, D)], [WeightGradient], []));
        AssertKept(BatchedMaskFusion.Fuse([Relu], [Call("MatMul", X, Other, DW, K, M, N, True, False)], []));
    }

    private static void AssertKept(FusedReverse fused)
    {
        Assert.Equal("ReluBackward", ((TensorCall)fused.Both[0]).Method);
        Assert.Empty(fused.Dropped);
        Assert.DoesNotContain(fused.ForW.Concat(fused.ForX), s => s is TensorCall { Method: "MatMulReluMask" or "MatMulSumRowsReluMask" });
    }
}
