using BenchmarkDotNet.Running;
using MoreauGen.Benchmarks.Kernels;

namespace MoreauGen.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project benchmarks/MoreauGen.Benchmarks -- --filter '*'</c> for the
/// BenchmarkDotNet benchmarks, or <c>-- gemm-rounds</c> for the interleaved GEMM comparison with OpenBLAS
/// (<see cref="GemmRounds"/>), or <c>-- gemm-calls</c> for why calls of one shape vary (<see cref="GemmCalls"/>), or <c>-- core-handoff</c> for what handing data from one core to the other costs (<see cref="CoreHandoff"/>), or <c>-- gemm-pack</c> for the packing alone, plain against transposed (<see cref="GemmPackRounds"/>), or <c>-- conv-profile</c> for where a ConvNet SGD step goes (<see cref="ConvProfile"/>), or <c>-- step-rounds</c> for the MLP step against its products (<see cref="Mlp.StepRounds"/>), or <c>-- step-profile</c> for where the
/// rest of that step goes (<see cref="Mlp.StepProfile"/>), or <c>-- step-fusion</c> for what each of its fused products costs over
/// the plain one (<see cref="Mlp.FusionProfile"/>), or <c>-- step-threads</c> for its products on the pool against the calling thread
/// alone (<see cref="Mlp.ThreadsProfile"/>), or
/// <c>-- variant-rounds</c> for the paper's variants against SGD (<see cref="Mlp.VariantRounds"/>), or
/// <c>-- pendulum-rounds</c> for MorGD against GD on the pendulum (<see cref="Pendulum.PendulumRounds"/>), or
/// <c>-- control-flow-rounds</c> for generated adjoints of break/return bodies against hand-written ones (<see cref="ControlFlow.ControlFlowRounds"/>), or
/// <c>-- construct-rounds</c> for issue 12's constructs against hand-written adjoints (<see cref="Constructs.ConstructRounds"/>), or
/// <c>-- scratch-rounds</c> for a generated layer with scratch spans and span helpers against a hand-written adjoint (<see cref="Generator.ScratchRounds"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm-rounds")
            return GemmRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "gemm-calls")
            return GemmCalls.Run(args[1..]);
        if (args.Length > 0 && args[0] == "core-handoff")
            return CoreHandoff.Run(args[1..]);
        if (args.Length > 0 && args[0] == "gemm-pack")
            return GemmPackRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "conv-rounds")
            return ConvRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "conv-profile")
            return ConvProfile.Run(args[1..]);
        if (args.Length > 0 && args[0] == "step-rounds")
            return Mlp.StepRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "morsgd-pair-rounds")
            return Mlp.MorPairRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "step-profile")
            return Mlp.StepProfile.Run(args[1..]);
        if (args.Length > 0 && args[0] == "step-fusion")
            return Mlp.FusionProfile.Run(args[1..]);
        if (args.Length > 0 && args[0] == "step-threads")
            return Mlp.ThreadsProfile.Run(args[1..]);
        if (args.Length > 0 && args[0] == "step-streams")
            return Mlp.StreamsRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "rows-profile")
            return Mlp.RowsProfile.Run(args[1..]);
        if (args.Length > 0 && args[0] == "halves-profile")
            return Mlp.HalvesProfile.Run(args[1..]);
        if (args.Length > 0 && args[0] == "step-halves")
            return Mlp.StreamsRounds.Run(args[1..], halves: true);
        if (args.Length > 0 && args[0] == "step-rows")
            return Mlp.StreamsRounds.Run(args[1..], halves: true, rows: true);
        if (args.Length > 0 && args[0] == "variant-rounds")
            return Mlp.VariantRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "scratch-rounds")
            return Generator.ScratchRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "pendulum-rounds")
            return Pendulum.PendulumRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "control-flow-rounds")
            return ControlFlow.ControlFlowRounds.Run(args[1..]);
        if (args.Length > 0 && args[0] == "construct-rounds")
            return Constructs.ConstructRounds.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
