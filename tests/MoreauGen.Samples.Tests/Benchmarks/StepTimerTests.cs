using System.Text.Json;
using MoreauGen.Benchmarks.Timing;
using MoreauGen.Samples.Mlp;
using StepTimerProgram = MoreauGen.Benchmarks.Timing.Program;

namespace MoreauGen.Samples.Tests.Benchmarks;

/// <summary>
/// The step timer of benchmarks/StepTimer behind benchmarks/pytorch/side_by_side.py and convnet_side_by_side.py: its
/// replies, its table, and the allocation-free training step it measures.
/// </summary>
public sealed class StepTimerTests
{
    private const string NoData = "/nonexistent/fashion-mnist";

    [Theory]
    [InlineData(TrainingMethod.Sgd, LossKind.Squared)]
    [InlineData(TrainingMethod.MorSgd, LossKind.Squared)]
    [InlineData(TrainingMethod.Sgd, LossKind.CrossEntropy)]
    [InlineData(TrainingMethod.MorSgd, LossKind.CrossEntropy)]
    public void A_training_step_allocates_nothing_once_warmed_up(TrainingMethod method, LossKind loss)
    {
        var timer = new StepTimer(batch: 16, warmup: 2, loss, NoData);

        StepTimer.StepTiming timing = timer.TimeSteps("20-12-8-10", method, steps: 3);

        Assert.Equal(0, timing.AllocatedBytesPerStep);
        Assert.Equal(3, timing.Milliseconds.Length);
        Assert.Equal("random", timing.Input);
        Assert.Equal(method == TrainingMethod.MorSgd, !double.IsNaN(timing.EvaluationsPerStep));
    }

    [Fact]
    public void Serve_answers_each_request_with_one_json_line_and_reports_bad_requests()
    {
        var timer = new StepTimer(batch: 8, warmup: 1, LossKind.Squared, NoData);
        var output = new StringWriter();

        timer.Serve(new StringReader("step 12-6-10 sgd 2\nstep 12-6-10 morsgd 2\nstep 12-x-10 sgd 2\nfly away\nepoch 12-6-10\nquit\nstep 12-6-10 sgd 2\n"), output);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length); // nothing after quit
        using (JsonDocument sgd = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal("step", sgd.RootElement.GetProperty("kind").GetString());
            Assert.Equal("12-6-10", sgd.RootElement.GetProperty("shape").GetString());
            Assert.Equal(2, sgd.RootElement.GetProperty("milliseconds").GetArrayLength());
            Assert.True(sgd.RootElement.GetProperty("median_ms").GetDouble() > 0);
        }

        using (JsonDocument morsgd = JsonDocument.Parse(lines[1]))
            Assert.True(morsgd.RootElement.GetProperty("evaluations_per_step").GetDouble() >= 0);
        foreach (string error in lines[2..])
        {
            using JsonDocument reply = JsonDocument.Parse(error);
            Assert.Equal("error", reply.RootElement.GetProperty("kind").GetString());
        }

        Assert.Contains("not a network shape", lines[2], StringComparison.Ordinal);
        Assert.Contains("fly away", lines[3], StringComparison.Ordinal);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_times_the_convnet_sample_s_network_by_its_shape()
    {
        var timer = new StepTimer(batch: 2, warmup: 0, LossKind.CrossEntropy, NoData, StepTimerCommand.ConvNetSample());
        var output = new StringWriter();

        timer.Serve(new StringReader("step conv32x32-16-20-20-fc10 sgd 1 0.125\nquit\n"), output);

        using JsonDocument reply = JsonDocument.Parse(output.ToString());
        Assert.True(reply.RootElement.GetProperty("kind").GetString() == "step", output.ToString());
        Assert.Equal("conv32x32-16-20-20-fc10", reply.RootElement.GetProperty("shape").GetString());
        Assert.Equal("random", reply.RootElement.GetProperty("input").GetString());
        Assert.Equal(1, reply.RootElement.GetProperty("milliseconds").GetArrayLength());
    }

    [Fact]
    public void The_mlp_command_times_both_methods_and_reports_the_bytes_allocated_per_step()
    {
        var (status, stdout, stderr) = Run("mlp", "--hidden", "16", "--batch", "8", "--steps", "3", "--warmup", "2", "--data", NoData);

        Assert.True(status == 0, stderr);
        Assert.Contains("784-16-10", stdout, StringComparison.Ordinal);
        Assert.Contains("bytes/step", stdout, StringComparison.Ordinal);
        Assert.Contains("morsgd", stdout, StringComparison.Ordinal);
        Assert.Contains("random", stdout, StringComparison.Ordinal); // no data set: random inputs
    }

    [Fact]
    public void Without_hidden_sizes_the_network_is_the_default_784_500_300_100_10()
    {
        var (status, stdout, stderr) = Run("mlp", "--method", "sgd", "--batch", "2", "--steps", "1", "--warmup", "0", "--data", NoData);

        Assert.True(status == 0, stderr);
        Assert.Contains("784-500-300-100-10", stdout, StringComparison.Ordinal);
        Assert.Contains("η = 2^-2", stdout, StringComparison.Ordinal); // the default SGD step
    }

    internal static (int Status, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = StepTimerProgram.Run(args, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }
}
