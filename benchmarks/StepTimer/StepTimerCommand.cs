using System.CommandLine;
using System.CommandLine.Parsing;
using MoreauGen.Data;
using MoreauGen.Samples.Common;
using MoreauGen.Samples.ConvNet;
using MoreauGen.Samples.Mlp;
using Spectre.Console;

namespace MoreauGen.Benchmarks.Timing;

/// <summary>
/// The command line of the step timer: <c>mlp</c> times the MLP sample's training step once (a table) or, with
/// <c>--serve</c>, answers timing requests (benchmarks/pytorch/side_by_side.py); <c>convnet</c> answers the timing
/// requests of benchmarks/pytorch/convnet_side_by_side.py for the ConvNet sample's network. Exit codes: 0 success,
/// 1 bad option, 3 data set unreadable, 5 the repeated steps diverge (<see cref="StepTimer.DivergedError"/>).
/// </summary>
public static class StepTimerCommand
{
    /// <summary>The root command, writing tables to <paramref name="context"/>'s console and problems to its error writer.</summary>
    public static RootCommand Create(SampleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var command = new RootCommand("Times the samples' training steps (forward, loss, backward, update; float) on one batch, for SGD and MorSGD, "
                                      + "and reports the bytes allocated per step; with --serve, answers timing requests from a driver script.");
        Command mlp = CreateMlpCommand(context.Console, context.Error);
        MlpCommand.AddSizeCheck(mlp);
        command.Subcommands.Add(mlp);
        command.Subcommands.Add(CreateConvNetCommand());
        return command;
    }

    /// <summary>
    /// <c>convnet</c>: answers the timing requests of benchmarks/pytorch/convnet_side_by_side.py
    /// (<c>step SHAPE sgd|morsgd STEPS [ETA|ALPHA [GAMMA]]</c>, <c>quit</c>) for the ConvNet sample's network, whose SHAPE
    /// is <c>conv32x32-16-20-20-fc10</c>, on the first Fashion-MNIST training images padded to 32×32.
    /// </summary>
    private static Command CreateConvNetCommand()
    {
        var batch = new Option<int>("--batch", "-b") { Description = "Samples per step (1..100000).", HelpName = "M", DefaultValueFactory = _ => 256 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps before each timing (0..1000).", HelpName = "N", DefaultValueFactory = _ => 3 };
        var data = new Option<string>("--data") { Description = "Fashion-MNIST folder (random inputs when absent).", HelpName = "DIR", DefaultValueFactory = _ => FashionMnist.DefaultFolder };
        MlpCommand.Range(batch, 1, 100_000);
        MlpCommand.Range(warmup, 0, 1000);
        var command = new Command("convnet", "Answers timing requests read from standard input, one JSON line each (see mlp --serve), "
                                             + "for the ConvNet sample's network at 32×32 with the cross-entropy loss.") { batch, warmup, data };
        command.SetAction(parseResult =>
        {
            var timer = new StepTimer(parseResult.GetValue(batch), parseResult.GetValue(warmup), LossKind.CrossEntropy,
                                      parseResult.GetValue(data) ?? FashionMnist.DefaultFolder, ConvNetSample());
            timer.Serve(Console.In, Console.Out);
            return 0;
        });
        return command;
    }

    /// <summary>The ConvNet sample's network at 32×32 on its padded images, for <see cref="StepTimer"/>.</summary>
    public static MlpCommand.NetworkSample ConvNetSample() =>
        new(ConvNetwork.Pad, () => ConvNetwork.Create(ConvNetwork.PaddedSide(28), FashionMnist.ClassCount));

    /// <summary><c>mlp</c>: times the MLP sample's step once, or serves timing requests with <c>--serve</c>.</summary>
    private static Command CreateMlpCommand(IAnsiConsole console, TextWriter error)
    {
        var hidden = new Option<int[]>("--hidden", "-H")
        {
            Description = "Hidden layer widths of the network timed (784 inputs, 10 classes), comma-separated. [default: 500,300,100]",
            HelpName = "W1,W2,...",
            CustomParser = MlpCommand.ParseHidden,
        };
        var batch = new Option<int>("--batch", "-b") { Description = "Samples per step (1..100000).", HelpName = "M", DefaultValueFactory = _ => 256 };
        var method = new Option<string>("--method", "-m") { Description = "sgd, morsgd or both.", DefaultValueFactory = _ => "both" };
        var steps = new Option<int>("--steps") { Description = "Timed steps per method (1..100000).", HelpName = "N", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps before each timing (0..1000); before its first timing a network also warms up for at least 2 s (at most 500 steps).", HelpName = "N", DefaultValueFactory = _ => 3 };
        var loss = new Option<string>("--loss") { Description = "The loss: squared or cross-entropy.", DefaultValueFactory = _ => "squared" };
        var sgdStep = new Option<double?>("--sgd-step") { Description = "SGD's η [default: the sample's].", HelpName = "ETA", CustomParser = r => ParseOptionalStep(r, "--sgd-step") };
        var alpha = new Option<double?>("--alpha") { Description = "MorSGD's α [default: the sample's].", HelpName = "ALPHA", CustomParser = r => ParseOptionalStep(r, "--alpha") };
        var gammaOption = new Option<double?>("--gamma") { Description = "MorSGD's γ [default: the sample's].", HelpName = "GAMMA", CustomParser = r => ParseOptionalStep(r, "--gamma") };
        var data = new Option<string>("--data")
        {
            Description = "Fashion-MNIST folder: its first training samples are the batch when present (otherwise random inputs), and epoch requests train on it.",
            HelpName = "DIR",
            DefaultValueFactory = _ => FashionMnist.DefaultFolder,
        };
        var serve = new Option<bool>("--serve")
        {
            Description = "Answer requests read from standard input ('step SHAPE sgd|morsgd STEPS', 'epoch SHAPE', 'quit'), one JSON line each, instead of timing once.",
        };
        SampleCommandLine.OneOf(method, "method", "sgd", "morsgd", "both");
        SampleCommandLine.OneOf(loss, "loss", "squared", "cross-entropy");
        MlpCommand.Range(batch, 1, 100_000);
        MlpCommand.Range(steps, 1, 100_000);
        MlpCommand.Range(warmup, 0, 1000);
        var command = new Command("mlp",
            "Times the MLP sample's training step (forward, loss, backward, update; float) on one batch for SGD and MorSGD at the sample's default "
            + "steps (two-step inner solver, μ = 1e-6) and prints the median time and the bytes allocated per step. Exit code 5 if the repeated steps diverge.")
        {
            hidden, batch, method, steps, warmup, loss, sgdStep, alpha, gammaOption, data, serve,
        };
        command.SetAction(parseResult =>
        {
            var timer = new StepTimer(parseResult.GetValue(batch), parseResult.GetValue(warmup), MlpCommand.ParseLoss(parseResult.GetValue(loss)),
                                      parseResult.GetValue(data) ?? FashionMnist.DefaultFolder);
            if (parseResult.GetValue(serve))
            {
                timer.Serve(Console.In, Console.Out);
                return 0;
            }

            int[] widths = parseResult.GetValue(hidden) is { Length: > 0 } given ? given : [.. MlpSettings.DefaultHidden];
            string shape = Checkpoint.ShapeOf([784, .. widths, FashionMnist.ClassCount]);
            TrainingMethod[] methods = parseResult.GetValue(method) switch
            {
                "sgd" => [TrainingMethod.Sgd],
                "morsgd" => [TrainingMethod.MorSgd],
                _ => [TrainingMethod.Sgd, TrainingMethod.MorSgd],
            };
            var table = new ConsoleTable("network", "method", "step", "input", "median ms", "min ms", "max ms", "bytes/step", "inner evals/step", "restarts")
            {
                Title = $"One training step at batch {parseResult.GetValue(batch)}, float, {parseResult.GetValue(steps)} timed steps after {parseResult.GetValue(warmup)} warm-up steps",
                NumberFormat = "G4",
            };
            try
            {
                foreach (TrainingMethod m in methods)
                {
                    double? size = m == TrainingMethod.Sgd ? parseResult.GetValue(sgdStep) : parseResult.GetValue(alpha);
                    StepTimer.StepTiming timing = timer.TimeSteps(shape, m, parseResult.GetValue(steps), size, parseResult.GetValue(gammaOption));
                    string stepText = m == TrainingMethod.Sgd ? $"η = {Names.Step(timing.Step)}" : $"α = {Names.Step(timing.Step)}, γ = {Names.Step(timing.Gamma)}";
                    table.AddRow(timing.Shape, timing.Method, stepText, timing.Input, timing.Median, timing.Milliseconds.Min(), timing.Milliseconds.Max(),
                                 timing.AllocatedBytesPerStep, double.IsNaN(timing.EvaluationsPerStep) ? null : timing.EvaluationsPerStep, timing.Restarts);
                }
            }
            catch (DataFileException e)
            {
                error.WriteLine(e.Message);
                return MlpCommand.DataError;
            }
            catch (ArithmeticException e)
            {
                error.WriteLine(e.Message);
                return StepTimer.DivergedError;
            }

            table.Write(console);
            return 0;
        });
        return command;
    }

    private static double? ParseOptionalStep(ArgumentResult result, string name)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (MlpCommand.TryParseStep(text, out double step))
            return step;
        result.AddError($"{name}: '{text}' is not a step; write a number from 1e-30 to 1e30, e.g. 0.25, 1/4 or 2^-2.");
        return null;
    }
}
